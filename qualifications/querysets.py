import datetime
from dataclasses import dataclass

from django.db import connections, models
from django.db.models import BooleanField, Count, ExpressionWrapper, FloatField, Prefetch, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.functional import cached_property

from . import search
from .choices import Level, Status
from .permissions import can_preview
from .site import address

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
    # How many published qualifications have each (level, subject area, organisation pk).
    live_counts: dict = None

    def count(self, *, level=None, subject_area="", awarding_organisation=None):
        """How many published qualifications match the filters (None or "" leaves one out), from
        the counts above: a listing without a search needs no count of its own."""
        return sum(
            number
            for (row_level, row_subject_area, row_organisation), number in self.live_counts.items()
            if level in (None, row_level)
            and subject_area in ("", row_subject_area)
            and awarding_organisation in (None, row_organisation)
        )


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """A qualification as the catalogue lists it."""

    title: str
    slug: str
    level: int
    qualification_number: str
    awarding_organisation_name: str
    overview: str

    def get_absolute_url(self):
        return address("qualifications:detail", self.slug)

    def get_level_display(self):
        return Level(self.level).label

    @property
    def summary(self):
        from .models import summary_of

        return summary_of(self.overview)


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


def _sqlite_vocabulary(cursor):
    # The SQLite search index's vocabulary, indexed by trigram (search.Vocabulary): read once per
    # version of the public content in each process, not per misspelling.
    cursor.execute(f"SELECT term FROM {search.FTS_VOCABULARY}")
    return search.Vocabulary(word for (word,) in cursor.fetchall())


class CatalogueQuery:
    """A catalogue search, read a page at a time (`page()`, `counted_page()`), counted
    (`count()`, `exists()`) and corrected (`spelling_suggestion()`).

    Its SQL is written out rather than built by the ORM, which took longer to build these few
    statements than the database took to run them (3.5 ms of a search for one qualification
    number, against 0.2 ms). The conditions are `published()`'s and `filter_by()`'s; the match and
    rank are search.py's, the very SQL `search()` filters and ranks with.

    A listing's page is one statement, read from the catalogue index in title order. A search's
    first statement counts its matches up to one more than COUNT_LIMIT and, if there are no more
    than that, ranks them and reads the page. A search matching more is "more than 500", and its
    page is read tier by tier (search.tiers): the rows of each rank in title order, only as many
    as the page needs, so that a word found in a fifth of a large catalogue costs about what a
    rarer one does, rather than a read and a rank of every row it is in.
    """

    # A search counts this many matches at most; past it, the page says "more than 500" and lists
    # the best 500 (twenty-five pages, more than anyone pages through rather than narrowing). The
    # count is most of a broad search's time, and grows with this: at 1,000 it took 3 to 5 ms at
    # 10,000 qualifications, at 500 2 to 3.
    COUNT_LIMIT = 500
    # A tier is first read in title order through at most this many rows of the catalogue per
    # row the page needs (a tier in 1 of 20 rows or more), before its indexes are asked.
    ROWS_WALKED_PER_ROW = 20
    # When that falls short, PostgreSQL lists a tier of its narrow copy from the GIN indexes and
    # sorts it if it has no more rows than this; a larger one is walked further, this many rows
    # per row needed, from the copy's indexes (every column in them, no row read). A walk of an
    # index entry costs about half what listing a row of the tier does, and such a tier has
    # thousands of rows, often bunched in title order ("Extended Certificate in …" after the
    # awards, certificates and diplomas of a level): 20,000 entries for a page (some 5 ms) find
    # those that start up to a fifth of the way into 100,000 before listing the tier (25,000
    # rows, 15 to 20 ms) is worth its cost.
    ENTRY_TIER_SORTED_AT_MOST = 2000
    ENTRY_ROWS_WALKED_PER_ROW = 1000

    def __init__(self, model, connection, *, q, filters):
        self.model, self.connection, self.q = model, connection, q
        # None: no search; []: a search with no word to search for, which matches nothing.
        self.terms = search.terms(q) if q and q.strip() else None
        self.table = model._meta.db_table
        self.vendor = connection.vendor
        self.now = timezone.now()
        self.filters = filters  # {column: value}, as _filter_columns() gives them

    @cached_property
    def lexicon(self):
        # On PostgreSQL, the search's words as the lexemes they start (search.find_lexemes): the
        # same matches, from less of the GIN index's work. Read once, for all the statements.
        if not self.terms or self.vendor != "postgresql":
            return None
        with self.connection.cursor() as cursor:
            return search.find_lexemes(cursor, self.terms)

    @property
    def count_limit(self):
        """How many matches are counted at most (None: all of them, as for a listing)."""
        return self.COUNT_LIMIT if self.terms else None

    def _where(self, match=True, table=None, filters=None):
        # published() as SQL, the filters (or `filters`, the same kind), the search's match
        # (unless `match` is False), on the columns of `table` (the qualification table, or
        # another with the same columns).
        table, adapt = table or self.table, self.connection.ops.adapt_datetimefield_value
        filters = self.filters if filters is None else filters
        conditions = [
            f'"{table}"."status" = %s',
            f'("{table}"."live_from" IS NULL OR "{table}"."live_from" <= %s)',
            f'("{table}"."live_until" IS NULL OR "{table}"."live_until" > %s)',
            *(f'"{table}"."{column}" = %s' for column in filters),
        ]
        params = [Status.PUBLISHED.value, adapt(self.now), adapt(self.now), *filters.values()]
        if self.terms and match:
            match_condition, match_params = search.match_sql(
                table, self.terms, self.vendor, self.lexicon
            )
            conditions.append(match_condition)
            params += match_params
        return " AND ".join(conditions), params

    def _read(self, sql, params):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def count(self):
        """How many match; for a search, at most COUNT_LIMIT + 1 (more than the limit)."""
        if self.terms == []:
            return 0
        source, where, params = self._matches()
        matches = f"SELECT 1 FROM {source} WHERE {where}"
        if self.terms:
            matches += " LIMIT %s"
            params = [*params, self.COUNT_LIMIT + 1]
        return self._read(f"SELECT COUNT(*) FROM ({matches}) AS matches", params)[0][0]

    def _matches(self, fts_query=None):
        # (FROM, WHERE and its parameters) for the matches (on SQLite, those of `fts_query` if
        # given). SQLite reads a search's matches from its index, looking each row up as the index
        # gives it, rather than listing the index's rows first and then looking for each row of
        # the table in the list.
        if not self.terms or self.vendor == "postgresql":
            return f'"{self.table}"', *self._where()
        where, params = self._where(match=False)
        return (
            f'{search.FTS_TABLE} CROSS JOIN "{self.table}" '
            f'ON "{self.table}".id = {search.FTS_TABLE}.rowid',
            f"{search.FTS_TABLE} MATCH %s AND {where}",
            [fts_query or search.fts_query(self.terms), *params],
        )

    def exists(self):
        return self.terms != [] and self._any(*self._where())

    def _any(self, where, params):
        return bool(self._read(f'SELECT 1 FROM "{self.table}" WHERE {where} LIMIT 1', params))

    def spelling_suggestion(self):
        """The search with its misspelt words corrected, if that finds something with the same
        filters; else None.

        A word is misspelt if it finds nothing anywhere in the catalogue, drafts included; its
        correction is the closest word of the search text's vocabulary by trigram similarity
        (search.py).
        """
        if not self.terms:
            return None
        corrected = search.corrected_query(self.q, finds=self._anywhere, closest=self._closest)
        if not corrected:
            return None
        finds = CatalogueQuery(self.model, self.connection, q=corrected, filters=self.filters)
        return corrected if finds.exists() else None

    def _anywhere(self, term):
        # Whether `term` is in any qualification at all, drafts included.
        return self._any(*search.match_sql(self.table, [term], self.vendor))

    def _closest(self, term):
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # `%` finds the candidates from the trigram index; the order is
                # search.Vocabulary's.
                cursor.execute(
                    f"SELECT word FROM {search.VOCABULARY_TABLE} "
                    "WHERE word %% %s AND similarity(word, %s) >= %s AND word !~ '[0-9]' "
                    'ORDER BY similarity(word, %s) DESC, word COLLATE "C" LIMIT 1',
                    [term, term, search.SIMILARITY_THRESHOLD, term],
                )
                row = cursor.fetchone()
                return row and row[0]
            return _sqlite_vocabulary(cursor).closest(term)

    def page(self, start, stop):
        """Entries `start` to `stop` (CatalogueEntry objects), in the catalogue's order."""
        return self.counted_page(start, stop)[0]

    def counted_page(self, start, stop):
        """(entries `start` to `stop`, and how many match in all, or None for a page past the
        end). A search's count is at most COUNT_LIMIT + 1, meaning more than the limit."""
        if stop <= start or self.terms == []:
            return [], None
        table = self.table
        if self.terms:
            return self._search_page(start, stop)
        where, params = self._where()
        keys = (
            f'SELECT "{table}"."id" AS id, "{table}"."title" AS title FROM "{table}" '
            f'WHERE {where} ORDER BY "{table}"."title", "{table}"."id" LIMIT %s OFFSET %s'
        )
        rows = self._read(
            f'SELECT {self._ENTRY_COLUMNS} FROM ({keys}) AS keys JOIN "{table}" q ON q.id = '
            f"keys.id {self._organisation_join()} ORDER BY keys.title, keys.id",
            [*params, stop - start, start],
        )
        return [CatalogueEntry(*row) for row in rows], None

    # A CatalogueEntry's fields, read from the table as q and its awarding organisation as o.
    _ENTRY_COLUMNS = "q.title, q.slug, q.level, q.qualification_number, o.name, q.overview"

    def _organisation_join(self, join="JOIN"):
        organisations = self.model._meta.get_field("awarding_organisation").related_model
        return f'{join} "{organisations._meta.db_table}" o ON o.id = q.awarding_organisation_id'

    def _search_page(self, start, stop):
        # Counted up to one more than the limit first, in the statement that, if there are no more
        # than that, ranks them all and reads the page. More are read tier by tier where that can
        # be done, and only the best are offered.
        table = self.table
        source, where, params = self._matches()
        rank, rank_params = search.rank_sql(table, self.terms, self.vendor, self.lexicon)
        columns = f'"{table}"."id" AS id, "{table}"."title" AS title, {rank} AS rank'
        if self.vendor == "postgresql":
            # Each match looked up by its key: joined, a few hundred were ranked from a hash of a
            # scan of the whole table (14 ms of 17 for 661 at 10,000).
            ranked = (
                f'matches CROSS JOIN LATERAL (SELECT {columns} FROM "{table}" '
                f'WHERE "{table}"."id" = matches.id OFFSET 0) AS ranked'
            )
        else:
            joined = f'matches JOIN "{table}" ON "{table}"."id" = matches.id'
            ranked = f"(SELECT {columns} FROM {joined}) AS ranked"
        rows = self._read(
            f'WITH matches AS MATERIALIZED (SELECT "{table}"."id" AS id FROM {source} '
            f"WHERE {where} LIMIT %s), counted AS (SELECT COUNT(*) AS total FROM matches), "
            f"keys AS (SELECT ranked.id, ranked.title, ranked.rank FROM {ranked} "
            "WHERE (SELECT total FROM counted) <= %s "
            "ORDER BY ranked.rank DESC, ranked.title, ranked.id LIMIT %s OFFSET %s) "
            f"SELECT counted.total, {self._ENTRY_COLUMNS} FROM counted LEFT JOIN keys ON TRUE "
            f'LEFT JOIN "{table}" q ON q.id = keys.id {self._organisation_join("LEFT JOIN")} '
            "ORDER BY keys.rank DESC, keys.title, keys.id",
            [
                *params,
                self.COUNT_LIMIT + 1,
                *rank_params,
                self.COUNT_LIMIT,
                stop - start,
                start,
            ],
        )
        total = rows[0][0]
        if total > self.COUNT_LIMIT:
            stop = min(stop, self.COUNT_LIMIT)
        if start >= min(total, stop):
            return [], None
        if total <= self.COUNT_LIMIT:
            return [CatalogueEntry(*row[1:]) for row in rows], total
        if len(self.terms) <= search.MOST_TIERED_TERMS:
            return self._entries(self._best_ids(stop)[start:stop]), total
        return self._ranked_page(start, stop), total

    def _best_ids(self, limit):
        # The ids of the best `limit` matches, tier by tier.
        ids = []
        for _, ways in search.tiers(self.terms):
            ids += self._tier_ids(ways, limit - len(ids))
            if len(ids) == limit:
                break
        return ids

    def _ranked_page(self, start, stop):
        # Every match ranked, the page read whole.
        table = self.table
        source, where, params = self._matches()
        rank, rank_params = search.rank_sql(table, self.terms, self.vendor, self.lexicon)
        keys = (
            f'SELECT "{table}"."id" AS id, "{table}"."title" AS title, {rank} AS rank '
            f'FROM {source} WHERE {where} ORDER BY rank DESC, "{table}"."title", "{table}"."id" '
            "LIMIT %s OFFSET %s"
        )
        rows = self._read(
            f'SELECT {self._ENTRY_COLUMNS} FROM ({keys}) AS keys JOIN "{table}" q ON q.id = '
            f"keys.id {self._organisation_join()} ORDER BY keys.rank DESC, keys.title, keys.id",
            [*rank_params, *params, stop - start, start],
        )
        return [CatalogueEntry(*row) for row in rows]

    def _tier_ids(self, ways, limit):
        """The ids of the first `limit` matches in one tier of search.tiers() (`ways`), in title
        order.

        First through the catalogue in title order, as far as ROWS_WALKED_PER_ROW rows per row
        needed: a common tier's first rows are soon found. The rest of a rarer one, or of one
        whose rows come later in title order, is then read from the indexes: on PostgreSQL
        (`_postgresql_tier_ids`), the fields' GIN indexes; on SQLite, the FTS5 index, asked for
        the tier's fields (search.fts_tier_query).
        """
        if self.vendor == "postgresql":
            return self._postgresql_tier_ids(ways, limit)
        table = self.table
        tier, tier_params = search.tier_sql(table, self.terms, ways, self.vendor)
        where, params = self._where(match=False)
        order = f'ORDER BY "{table}"."title", "{table}"."id" LIMIT %s'
        walked = limit * self.ROWS_WALKED_PER_ROW
        # SQLite, the walk as far as the last of the rows walked, read from the catalogue index
        # alone, testing each row's stored text.
        catalogue = f'"{table}" INDEXED BY qualification_catalogue_idx'
        last = self._read(
            f'SELECT "{table}"."title", "{table}"."id" FROM {catalogue} WHERE {where} '
            f'ORDER BY "{table}"."title", "{table}"."id" LIMIT 1 OFFSET %s',
            [*params, walked - 1],
        )
        within = f'("{table}"."title", "{table}"."id") <= (%s, %s)'
        bound, bound_params = (within, list(last[0])) if last else ("1 = 1", [])
        ids = self._ids(
            f'SELECT "{table}"."id" FROM {catalogue} WHERE {where} AND {bound} AND {tier} {order}',
            [*params, *bound_params, *tier_params, limit],
        )
        if len(ids) == limit or not last:
            return ids
        # Short of the page within the rows walked: the rest of the tier is beyond them, or none.
        source, where, params = self._matches(search.fts_tier_query(self.terms, ways))
        return self._ids(
            f'SELECT "{table}"."id" FROM {source} WHERE {where} {order}', [*params, limit]
        )

    def _postgresql_tier_ids(self, ways, limit):
        # A tier whose every word is in the heading or the keywords is read from the narrow copy
        # of those (search.ENTRY_TABLE, migrations 0028 to 0030); one with a word only in the
        # body, from the qualification table. A tier of the copy with a level word in the heading
        # ("level 3", search.level_named) is read as two parts, in title order together: its rows
        # at that level, in the copy's level order (a level's rows are seldom early in title
        # order), and the few at another level whose heading names it, from the copy's partial
        # index of those.
        narrow = self._narrow(ways)
        level = search.level_named(self.terms, ways) if narrow else None
        if level is None:
            return [pk for pk, _ in self._postgresql_tier_rows(ways, limit, self.filters)]
        at_level = []
        if self.filters.get("level", level) == level:
            at_level = self._postgresql_tier_rows(ways, limit, self.filters | {"level": level})
        return self._with_those_naming(level, ways, limit, at_level)

    @staticmethod
    def _narrow(ways):
        # Whether every word of the tier is in a field the narrow copy has (not the lowest).
        lowest = len(search.FIELDS) - 1
        return all(best < lowest for way in ways for best in way)

    def _postgresql_tier_rows(self, ways, limit, filters):
        # (id, title) of the first `limit` rows of the tier with `filters`, in title order. Walked
        # first, ROWS_WALKED_PER_ROW rows of the catalogue in title order (in level order, for a
        # level) per row needed; if that falls short, in the same statement, the copy's tier is
        # listed from its GIN indexes as far as ENTRY_TIER_SORTED_AT_MOST rows and, if that is
        # all of it, put in title order; a larger one is walked further, ENTRY_ROWS_WALKED_PER_ROW
        # rows per row needed, from the copy's index alone, and what is still short is listed
        # whole and sorted. A search filtered by more than the level walks the qualification
        # table's catalogue index, which has the filters' columns in its key: the copy's indexes
        # would be read entry by entry past them.
        narrow = self._narrow(ways)
        listed_from = search.ENTRY_TABLE if narrow else self.table
        walked_from = listed_from if set(filters) <= {"level"} else self.table
        listed = self._tier_listed(listed_from, ways, filters)
        at_most = self.ENTRY_TIER_SORTED_AT_MOST
        rows, total = self._walked_or_listed(
            self._tier_walk(walked_from, ways, limit, self.ROWS_WALKED_PER_ROW, filters),
            (f"SELECT * FROM ({listed[0]}) AS tier LIMIT %s", [*listed[1], at_most + 1])
            if narrow
            else listed,
            limit,
        )
        if not narrow or total is None or total <= at_most:
            return rows
        walk = None
        if walked_from == search.ENTRY_TABLE:
            walk = self._tier_walk(
                walked_from, ways, limit, self.ENTRY_ROWS_WALKED_PER_ROW, filters
            )
        return self._walked_or_listed(walk, listed, limit, counted=False)[0]

    def _tier_walk(self, table, ways, limit, rows_per_row, filters):
        # SQL and its parameters for (id, title) of the first `limit` rows of the tier with
        # `filters` among `rows_per_row` rows per row of `table`'s catalogue in title order. A
        # subquery: given the whole condition, the planner would rather list a common tier from
        # its indexes and sort it than walk the catalogue index.
        tier, tier_params = search.tier_sql(table, self.terms, ways, self.vendor, self.lexicon)
        where, params = self._where(match=False, table=table, filters=filters)
        vectors = search.VECTORS[1:] if table == search.ENTRY_TABLE else search.VECTORS
        columns = ", ".join(f'"{table}"."{column}"' for column in vectors)
        order = f'ORDER BY "{table}"."title", "{table}"."id" LIMIT %s'
        return (
            f'SELECT "{table}"."id", "{table}"."title" FROM (SELECT "{table}"."id", '
            f'"{table}"."title", {columns} FROM "{table}" WHERE {where} {order}) AS "{table}" '
            f"WHERE {tier} {order}",
            [*params, limit * rows_per_row, *tier_params, limit],
        )

    def _tier_listed(self, table, ways, filters, condition=("TRUE", ())):
        # SQL and its parameters for (id, title) of every row of the tier with `filters` (and
        # `condition`, SQL and its parameters) in `table`, from its indexes. OFFSET 0 keeps the
        # planner from walking the catalogue index instead, in the hope of meeting rows it has
        # too few of.
        tier, tier_params = search.tier_sql(table, self.terms, ways, self.vendor, self.lexicon)
        where, params = self._where(match=False, table=table, filters=filters)
        return (
            f'SELECT "{table}"."id", "{table}"."title" FROM "{table}" '
            f"WHERE {condition[0]} AND {where} AND {tier} OFFSET 0",
            [*condition[1], *params, *tier_params],
        )

    def _with_those_naming(self, level, ways, limit, at_level):
        # The ids of the first `limit`, in title order, of `at_level` ((id, title) of the tier's
        # rows at `level`) and the tier's rows at another level whose heading names `level`.
        table = search.ENTRY_TABLE
        naming, params = self._tier_listed(
            table,
            ways,
            self.filters,
            (f'"{table}"."names_other_level" AND "{table}"."level" <> %s', [level]),
        )
        return self._ids(
            f"SELECT id FROM (({naming}) UNION ALL SELECT * FROM unnest(%s::bigint[], %s::text[])) "
            "AS tier ORDER BY title, id LIMIT %s",
            [*params, [pk for pk, _ in at_level], [title for _, title in at_level], limit],
        )

    def _walked_or_listed(self, walk, listed, limit, counted=True):
        """(rows, None) of the `walk` ((SQL, parameters) of ids and titles in title order) if it
        found `limit` rows, else (the first `limit` rows of `listed` in title order, how many
        `listed` had, or None unless `counted`), in one statement that reads `listed` only when
        the walk falls short. Each row is (id, title). Uncounted, the listing is sorted as it is
        read, never kept whole."""
        walked = "SELECT 0, NULL, id, title FROM walked UNION ALL " if walk else ""
        short = "WHERE (SELECT COUNT(*) FROM walked) < %s" if walk else "WHERE %s > 0"
        ctes = [f"walked AS MATERIALIZED ({walk[0]})"] if walk else []
        if counted:
            ctes.append(f"listed AS MATERIALIZED ({listed[0]})")
        source = "listed" if counted else f"({listed[0]})"
        first = f"(SELECT id, title FROM {source} AS listed ORDER BY title, id LIMIT %s) AS first"
        if counted:
            chosen = "SELECT 1, counted.total, first.id, first.title FROM "
            chosen += f"(SELECT COUNT(*) AS total FROM listed) AS counted LEFT JOIN {first} ON TRUE"
        else:
            chosen = f"SELECT 1, NULL, first.id, first.title FROM {first}"
        rows = self._read(
            (f"WITH {', '.join(ctes)} " if ctes else "")
            + f"{walked}{chosen} {short} ORDER BY 1, 4, 3",
            [*(walk[1] if walk else []), *listed[1], limit, limit],
        )
        if walk and rows and rows[-1][0] == 0:
            return [(pk, title) for _, _, pk, title in rows], None
        listed_rows = [(total, pk, title) for part, total, pk, title in rows if part == 1]
        total = listed_rows[0][0] if counted else None
        return [(pk, title) for _, pk, title in listed_rows if pk is not None], total

    def _ids(self, sql, params):
        return [pk for (pk,) in self._read(sql, params)]

    def _entries(self, ids):
        # The entries of these qualifications, in this order.
        if not ids:
            return []
        rows = self._read(
            f'SELECT q.id, {self._ENTRY_COLUMNS} FROM "{self.table}" q '
            f"{self._organisation_join()} WHERE q.id IN ({', '.join(['%s'] * len(ids))})",
            ids,
        )
        entries = {row[0]: CatalogueEntry(*row[1:]) for row in rows}
        return [entries[pk] for pk in ids]


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
        """The next time a published qualification goes live or is withdrawn, or its page starts
        saying its certification end date has passed (the start of the day after it), or None.

        One look-up in an index per date (see the model's indexes), not a scan of the catalogue:
        with no cache to keep the answer in, every request asks.
        """
        now = now or timezone.now()
        published = self.filter(status=Status.PUBLISHED)

        def first(field, **after):
            return published.filter(**after).order_by(field).values_list(field, flat=True).first()

        moments = [
            first("live_from", live_from__gt=now),
            first("live_until", live_until__gt=now),
        ]
        certification_end = first(
            "certification_end_date", certification_end_date__gte=timezone.localdate(now)
        )
        if certification_end is not None:
            day_after = datetime.datetime.combine(
                certification_end + datetime.timedelta(days=1), datetime.time()
            )
            moments.append(timezone.make_aware(day_after))
        return min(filter(None, moments), default=None)

    def synthetic(self):
        return self.filter(slug__startswith=SYNTHETIC_SLUG_PREFIX)

    def catalogue(self, *, q="", level=None, subject_area="", awarding_organisation=None):
        """The published qualifications matching a catalogue search (CatalogueQuery): every word
        of `q`, best match first, or all of them by title; the filters as `filter_by()`."""
        return CatalogueQuery(
            self.model,
            connections[self.db],
            q=q,
            filters=_filter_columns(level, subject_area, awarding_organisation),
        )

    def filter_by(self, *, level=None, subject_area=None, awarding_organisation=None):
        """Those matching every filter given; None (or "") leaves a filter out."""
        return self.filter(**_filter_columns(level, subject_area, awarding_organisation))

    def search(self, query):
        """Those matching every word of `query`, best match first, annotated with `rank`.

        A blank query changes nothing; a query with no word to search for (only punctuation, or
        only words like "the") matches nothing. See search.py for what matches and how it ranks.
        """
        if not query or not query.strip():
            return self
        terms = search.terms(query)
        if not terms:
            return self.none()
        table, vendor = self.model._meta.db_table, connections[self.db].vendor
        return (
            self.filter(RawSQL(*search.match_sql(table, terms, vendor), BooleanField()))
            .annotate(rank=RawSQL(*search.rank_sql(table, terms, vendor), FloatField()))
            .order_by("-rank", "title", "pk")
        )

    def catalogue_facets(self, now=None):
        """The levels, subject areas and awarding organisations of the published ones among
        these, how many have each combination, and those the public has seen, in one query."""
        now = now or timezone.now()
        # The distinct values and their counts first, read from the facets index on either
        # database; the few organisations' names after, rather than a join for every row.
        rows = (
            self.exclude(status=Status.DRAFT)
            .exclude(status=Status.PUBLISHED, live_from__gt=now)
            .annotate(live=ExpressionWrapper(_live(now), output_field=BooleanField()))
            .order_by()
            .values_list("live", "level", "subject_area", "awarding_organisation_id")
            .annotate(number=Count("*"))
        )
        levels, subject_areas, organisation_ids = set(), set(), set()
        known_subject_areas, known_organisation_ids = set(), set()
        live_counts = {}
        for live, level, subject_area, organisation_id, number in rows:
            known_organisation_ids.add(organisation_id)
            if subject_area:
                known_subject_areas.add(subject_area)
            if live:
                key = (level, subject_area, organisation_id)
                live_counts[key] = live_counts.get(key, 0) + number
                levels.add(level)
                if subject_area:
                    subject_areas.add(subject_area)
                organisation_ids.add(organisation_id)
        from .models import AwardingOrganisation

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

    def keeping(self, slug):
        """The qualification with `slug`, with only what keys its kept renderings and decides
        who sees them (Qualification.kept_version, is_live, next_scheduled_change), or None.

        Raw SQL, because this is asked on every request for a kept page: the ORM takes 0.6 ms
        to build and read the statement, which runs in 0.03 (bench/pages.py: the kept page at
        0.5x the health check's throughput with the ORM, against 0.9x wanted)."""
        # In the model's order, as from_db() takes them.
        names = [f.attname for f in self.model._meta.concrete_fields if f.attname in KEEPING]
        with connections[self.db].cursor() as cursor:
            cursor.execute(
                f"SELECT {', '.join(names)} FROM {self.model._meta.db_table} WHERE slug = %s",
                [slug],
            )
            row = cursor.fetchone()
        if row is None:
            return None
        # SQLite gives its datetimes naive, in UTC.
        row = [
            value.replace(tzinfo=datetime.UTC)
            if isinstance(value, datetime.datetime) and value.tzinfo is None
            else value
            for value in row
        ]
        return self.model.from_db(self.db, names, row)

    def for_detail_page(self):
        """Everything the page and the factsheet render, in a fixed number of queries."""
        from .models import EmployerSupport

        return self.select_related("awarding_organisation").prefetch_related(
            "audiences",
            "progression_roles",
            Prefetch(
                "employer_supports",
                queryset=EmployerSupport.objects.select_related("employer"),
            ),
        )
