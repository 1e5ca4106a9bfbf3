import datetime
from dataclasses import dataclass

from django.db import connections, models
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q
from django.utils import timezone

from . import search
from .choices import Level, Status
from .permissions import can_preview
from .schedule import fee_change_moment, start_of_day, start_of_day_after

# What Qualification.objects.keeping() reads.
KEEPING = {"id", "slug", "updated_at", "status", "live_from", "live_until"}
KEEPING |= {"certification_end_date"}
# Synthetic qualifications, made for benchmarks by `generate_synthetic_qualifications`.
SYNTHETIC_SLUG_PREFIX = "synthetic-"


@dataclass(frozen=True)
class CatalogueFacets:
    """The values the catalogue's filters offer: only those some published qualification has."""

    levels: list  # of (level, label)
    subject_areas: list  # of names
    awarding_organisations: list  # of (pk, name)
    # Values that name something real though no qualification has them now, for filters that
    # match nothing rather than being dropped: subject areas and organisations of qualifications
    # the public has seen (published or withdrawn; not drafts, nor those not yet live).
    known_subject_areas: frozenset = frozenset()
    known_awarding_organisations: dict = None  # pk: name
    # How many published qualifications have each (level, subject area, organisation pk,
    # frozenset of the fields saying where they are offered that are true).
    live_counts: dict = None

    def count(self, *, level=None, subject_area="", awarding_organisation=None, offered_in=""):
        """How many published qualifications match the filters (None or "" leaves one out; see
        filter_by()), from the counts above: a listing without a search needs no count of its
        own."""
        counts = self.live_counts.items()
        return sum(
            number
            for (row_level, row_subject, row_organisation, row_offered), number in counts
            if level in (None, row_level)
            and subject_area in ("", row_subject)
            and awarding_organisation in (None, row_organisation)
            and (not offered_in or offered_in in row_offered)
        )


def _filter_columns(level, subject_area, awarding_organisation):
    # The catalogue's filters as {column: value}, without those left out (None or "").
    filters = {
        "level": level,
        "subject_area": subject_area or None,
        "awarding_organisation_id": awarding_organisation,
    }
    return {column: value for column, value in filters.items() if value is not None}


def _live(now):
    # What published() means, as one condition.
    return (
        Q(status=Status.PUBLISHED)
        & (Q(live_from__isnull=True) | Q(live_from__lte=now))
        & (Q(live_until__isnull=True) | Q(live_until__gt=now))
    )


def _first(queryset, field, **after):
    # The least value of `field` among those of `queryset` matching `after`, or None.
    return queryset.filter(**after).order_by(field).values_list(field, flat=True).first()


class QualificationQuerySet(models.QuerySet):
    def published(self, now=None):
        """Those the public sees now: published, gone live and not yet withdrawn. Decided at
        each request from the dates, so nothing appears early or lingers late."""
        return self.filter(_live(now or timezone.now()))

    def withdrawn(self, now=None):
        """Those whose pages answer 410 Gone: withdrawn, or past their withdrawal date."""
        now = now or timezone.now()
        return self.filter(
            Q(status=Status.WITHDRAWN) | Q(status=Status.PUBLISHED, live_until__lte=now)
        )

    def visible_to(self, user):
        """What the public sees now; everything, drafts too, for those allowed to preview."""
        return self if can_preview(user) else self.published()

    def next_scheduled_change(self, now=None):
        """The next time a published qualification goes live or is withdrawn, its page starts
        saying its certification end date has passed (the start of the day after it), one of its
        fees starts or ends, or a new version of one of its documents takes effect, or None.

        One look-up in an index per date (see the model's indexes), not a scan of the catalogue:
        every change to the catalogue asks (services.catalogue_changed).
        """
        from .models import Document, FeeLine

        now = now or timezone.now()
        today = timezone.localdate(now)
        published = self.filter(status=Status.PUBLISHED)
        fees = FeeLine.objects.filter(qualification__in=published.values("pk"))
        # A document's new version taking effect changes the open data and the CSV.
        documents = Document.objects.filter(qualification__in=published)
        moments = [
            _first(published, "live_from", live_from__gt=now),
            _first(published, "live_until", live_until__gt=now),
            fee_change_moment(
                _first(fees, "starts_on", starts_on__gt=today),
                _first(fees, "ends_on", ends_on__gte=today),
            ),
        ]
        if certification_end := _first(
            published, "certification_end_date", certification_end_date__gte=today
        ):
            moments.append(start_of_day_after(certification_end))
        if document_date := _first(documents, "effective_from", effective_from__gt=today):
            moments.append(start_of_day(document_date))
        return min(filter(None, moments), default=None)

    def update_each(self, qualifications, fields):
        """Write `fields` of each of `qualifications` from its attributes, in one executemany:
        bulk_update()'s CASE per field over every row of a batch costs time in the square of the
        batch on SQLite (minutes for 20,000 rows, where one prepared UPDATE a row takes seconds)."""
        connection, meta = connections[self.db], self.model._meta
        quote, columns = connection.ops.quote_name, [meta.get_field(name) for name in fields]
        assignments = ", ".join(f"{quote(column.column)} = %s" for column in columns)
        sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
        with connection.cursor() as cursor:
            cursor.executemany(
                sql,
                [
                    [c.get_db_prep_save(getattr(q, c.attname), connection) for c in columns]
                    + [q.pk]
                    for q in qualifications
                ],
            )

    def synthetic(self):
        return self.filter(slug__startswith=SYNTHETIC_SLUG_PREFIX)

    def filter_by(
        self, *, level=None, subject_area=None, awarding_organisation=None, offered_in=""
    ):
        """Those matching every filter given; None (or "") leaves a filter out. `offered_in` is
        the field saying where it is offered (`offered_in_wales`): those offered there."""
        queryset = self.filter(**_filter_columns(level, subject_area, awarding_organisation))
        return queryset.filter(**{offered_in: True}) if offered_in else queryset

    def search(self, query):
        """Those matching every word of `query`, best match first, annotated with `rank`; see
        search.py for what matches and how it ranks."""
        return search.search(self, query)

    def numbered(self, query):
        """The one of these whose qualification number is the whole of `query` (see
        search.qualification_number), with only what its address needs, or None."""
        number = search.qualification_number(query)
        if number is None:
            return None
        return self.filter(qualification_number=number).only("slug").first()

    def for_catalogue(self):
        """Only what a catalogue entry shows, its awarding organisation's name as
        `awarding_organisation_name`."""
        queryset = self.only("title", "slug", "level", "qualification_number", "overview")
        return queryset.annotate(awarding_organisation_name=F("awarding_organisation__name"))

    def catalogue_facets(self, now=None):
        """The levels, subject areas and awarding organisations of the published ones among
        these, how many have each combination (with where they are offered), and those the
        public has seen, in one query."""
        from .models import OFFERED_IN, AwardingOrganisation

        now = now or timezone.now()
        # The distinct values and their counts first, read from the facets index on either
        # database; the few organisations' names after, rather than a join for every row.
        rows = (
            self.exclude(status=Status.DRAFT)
            .exclude(status=Status.PUBLISHED, live_from__gt=now)
            .annotate(live=ExpressionWrapper(_live(now), output_field=BooleanField()))
            .order_by()
            .values_list("live", "level", "subject_area", "awarding_organisation_id", *OFFERED_IN)
            .annotate(number=Count("*"))
        )
        levels, subject_areas, organisation_ids = set(), set(), set()
        known_subject_areas, known_organisation_ids = set(), set()
        live_counts = {}
        for live, level, subject_area, organisation_id, *offered_in, number in rows:
            known_organisation_ids.add(organisation_id)
            if subject_area:
                known_subject_areas.add(subject_area)
            if live:
                offered = frozenset(f for f, yes in zip(OFFERED_IN, offered_in, strict=True) if yes)
                key = (level, subject_area, organisation_id, offered)
                live_counts[key] = live_counts.get(key, 0) + number
                levels.add(level)
                if subject_area:
                    subject_areas.add(subject_area)
                organisation_ids.add(organisation_id)
        known_organisations = dict(
            AwardingOrganisation.objects.filter(pk__in=known_organisation_ids).values_list(
                "pk", "name"
            )
        )
        organisations = {(pk, known_organisations[pk]) for pk in organisation_ids}
        return CatalogueFacets(
            levels=[(level, Level(level).label) for level in sorted(levels)],
            subject_areas=sorted(subject_areas, key=str.casefold),
            awarding_organisations=sorted(organisations, key=lambda pair: pair[1].casefold()),
            known_subject_areas=frozenset(known_subject_areas),
            known_awarding_organisations=known_organisations,
            live_counts=live_counts,
        )

    def keeping(self, slug, *, document=None, today=None):
        """The qualification with `slug`, with only what keys its kept renderings and decides
        who sees them (Qualification.kept_version, is_live, next_scheduled_change), or None.

        With `document` (a DocumentAddress), also the version of one of its documents that a
        download address names, as `serving_document` (a Document with what serving it reads,
        or None), in the same statement.

        Raw SQL, because this is asked on every request for a kept page: the ORM takes 0.6 ms
        to build and read the statement, which runs in 0.03 (bench/pages.py: the kept page at
        0.5x the health check's throughput with the ORM, against 0.9x wanted; a download at
        0.4x with the document read by the ORM, 0.8x in a statement of its own)."""
        from .models import Document, FeeLine

        today = today or timezone.localdate()
        # In the model's order, as from_db() takes them, then its next fee dates from today and
        # the next date on which a version of one of its documents takes effect.
        names = [f.attname for f in self.model._meta.concrete_fields if f.attname in KEEPING]
        table, documents = self.model._meta.db_table, Document._meta.db_table
        fees = FeeLine._meta.db_table
        columns = [f"q.{name}" for name in names]
        columns += [
            f"(SELECT MIN(starts_on) FROM {fees} WHERE qualification_id = q.id AND starts_on > %s)",
            f"(SELECT MIN(ends_on) FROM {fees} WHERE qualification_id = q.id AND ends_on >= %s)",
            f"(SELECT MIN(effective_from) FROM {documents} WHERE qualification_id = q.id AND "
            "effective_from > %s)",
        ]
        parameters, join = [today, today, today], ""
        if document is not None:
            columns += [f"d.{name}" for name in DOCUMENT_SERVING]
            condition, document_parameters = document.sql(today)
            join = (
                f" LEFT JOIN {documents} d ON d.id = (SELECT id FROM {documents} WHERE "
                f"qualification_id = q.id AND {condition} "
                "ORDER BY effective_from DESC, id DESC LIMIT 1)"
            )
            parameters += document_parameters
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(columns)} FROM {table} q{join} WHERE q.slug = %s",
                [*parameters, slug],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        dates = row[len(names) : len(names) + 3]
        row, document_row = row[: len(names)], row[len(names) + 3 :]
        qualification = self.model.from_db(self.db, names, [_read(value) for value in row])
        *qualification.fee_dates, qualification._next_document_date = map(_read_date, dates)
        if document is not None:
            qualification.serving_document = None
            if document_row[0] is not None:
                values = dict(zip(DOCUMENT_SERVING, map(_read, document_row), strict=True))
                values["effective_from"] = _read_date(values["effective_from"])
                qualification.serving_document = Document.from_db(
                    self.db, DOCUMENT_SERVING, list(values.values())
                )
        return qualification

    def for_structure(self):
        """What the rules-of-combination checker shows: it, with its units in their groups."""
        from .models import UnitMembership

        return self.select_related("awarding_organisation").prefetch_related(
            Prefetch(
                "unit_memberships", queryset=UnitMembership.objects.select_related("group", "unit")
            )
        )

    def with_specification_document(self, today=None):
        """Annotated with `has_specification_document`: whether a specification of its own (the
        main one, in English) is in effect today."""
        from .models import Document

        in_effect = Document.objects.available().filter(
            qualification=models.OuterRef("pk"),
            kind="specification",
            language="en",
            slug="",
            effective_from__lte=today or timezone.localdate(),
        )
        return self.annotate(has_specification_document=models.Exists(in_effect))

    def for_detail_page(self):
        """Everything the page and the factsheet render, in a fixed number of queries: what
        for_structure() fetches, and the rest."""
        from .models import EmployerSupport

        return self.for_structure().prefetch_related(
            "audiences",
            "progression_roles",
            "fees",
            Prefetch("employer_supports", EmployerSupport.objects.select_related("employer")),
            "documents",
        )


class DocumentQuerySet(models.QuerySet):
    def available(self):
        """Versions whose file is there to serve (not purged)."""
        return self.filter(purged_at__isnull=True)


# What a download reads of a document, in the model's order (from_db() takes them so).
DOCUMENT_SERVING = ["id", "qualification_id", "title", "effective_from", "file", "content_type"]
DOCUMENT_SERVING += ["size", "uploaded_at", "purged_at"]


@dataclass(frozen=True)
class DocumentAddress:
    """What a download address names of a qualification's documents: version `pk`, or the
    version in effect of the document with this kind, language and short name."""

    pk: int = None
    kind: str = ""
    language: str = "en"
    slug: str = ""

    def sql(self, today):
        """The condition choosing it, and its parameters. A purged version is named by its own
        address (which answers 410), never by the document's."""
        if self.pk is not None:
            return "id = %s", [self.pk]
        return (
            "kind = %s AND language = %s AND slug = %s AND effective_from <= %s "
            "AND purged_at IS NULL",
            [self.kind, self.language, self.slug, today],
        )


def _read(value):
    # SQLite gives its datetimes naive, in UTC.
    if isinstance(value, datetime.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=datetime.UTC)
    return value


def _read_date(value):
    # SQLite gives a date read by raw SQL as text.
    return value and datetime.date.fromisoformat(str(value))
