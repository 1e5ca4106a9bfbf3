"""The catalogue as open data for partners: what each JSON document, the CSV and the Atom feed
hold, built from published qualifications only. Nothing here knows about HTTP: `absolute` is a
function turning a path into an absolute URL (the views pass qualifications.site.absolute_url)."""

import csv
import io

from django.contrib.syndication.views import Feed
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed

from . import register, unit_import
from .models import DocumentKind, FeeLine, Qualification, UnitMembership, document_address

# The currency of every fee.
CURRENCY = "GBP"
# /fees.csv's headings.
FEE_HEADINGS = [
    "Qualification Number",
    "Qualification Title",
    "Fee",
    "Description",
    "Amount",
    "Currency",
    "Per",
    "VAT",
    "From",
    "Until",
]
# Qualifications per page of /qualifications.json.
PAGE_SIZE = 100
# Entries in the Atom feed: the most recently published or changed.
FEED_SIZE = 50


def qualification_data(qualification, absolute):
    """The facts of one qualification (fetched with `for_detail_page()`) as the page shows them,
    as a dict ready for JSON, with links to its page, factsheet and JSON document."""
    organisation = qualification.awarding_organisation
    return {
        "url": absolute(qualification.get_absolute_url()),
        "factsheet_url": absolute(qualification.get_factsheet_url()),
        "json_url": absolute(reverse("qualifications:detail-json", args=[qualification.slug])),
        "slug": qualification.slug,
        "title": qualification.title,
        "qualification_number": qualification.qualification_number,
        "level": {"code": qualification.level, "name": qualification.get_level_display()},
        "sub_level": qualification.sub_level or None,
        "type": qualification.qualification_type or None,
        "awarding_organisation": {
            "name": organisation.name,
            "acronym": organisation.acronym or None,
            "recognition_number": organisation.recognition_number or None,
            "website": organisation.website or None,
        },
        "regulated_by_ofqual": qualification.is_ofqual_regulated,
        "delivery_restricted_to": qualification.delivery_restricted_to or None,
        "in_apprenticeship_framework": qualification.in_apprenticeship_framework,
        "guided_learning_hours": qualification.guided_learning_hours,
        "minimum_guided_learning_hours": qualification.minimum_guided_learning_hours,
        "maximum_guided_learning_hours": qualification.maximum_guided_learning_hours,
        "total_qualification_time": qualification.total_qualification_time,
        "credits": qualification.credits,
        "minimum_age": qualification.minimum_age,
        "assessment": qualification.assessment or None,
        "subject_area": qualification.subject_area or None,
        "grading": qualification.grading_type or None,
        "register_status": qualification.register_status or None,
        "regulation_start_date": qualification.regulation_start_date,
        "operational_start_date": qualification.operational_start_date,
        "operational_end_date": qualification.operational_end_date,
        "certification_end_date": qualification.certification_end_date,
        "offered_in_england": qualification.offered_in_england,
        **access_and_funding_data(qualification),
        "specification_url": (
            absolute(qualification.specification_address)
            if qualification.specification_address
            else qualification.specification_url or None
        ),
        "overview": qualification.overview,
        "entry_requirement": qualification.entry_requirement or None,
        "audiences": [audience.description for audience in qualification.audiences.all()],
        "complementary_subjects": qualification.complementary_subjects or None,
        "further_study": qualification.further_study or None,
        "job_roles": [
            {"title": role.title, "description": role.description}
            for role in qualification.progression_roles.all()
        ],
        "supporting_employers": [
            support.employer.name for support in qualification.employer_supports.all()
        ],
        "employer_statement": qualification.employer_statement or None,
        "structure": structure_data(qualification, absolute),
        "documents": [
            document_data(history, absolute) for history in qualification.document_histories
        ],
        "updated_at": qualification.updated_at,
    }


def fee_data(fee):
    """One fee line as a dict ready for JSON: its amount a decimal string, never a float."""
    return {
        "kind": fee.kind,
        "kind_name": fee.get_kind_display(),
        "description": fee.description or None,
        "amount": f"{fee.amount:.2f}",
        "currency": CURRENCY,
        "per": fee.per,
        "vat": fee.vat,
        "starts_on": fee.starts_on,
        "ends_on": fee.ends_on,
    }


def access_and_funding_data(qualification):
    """Who may take it, where it is offered, how it is funded and its fees in force now."""
    organisation = qualification.awarding_organisation
    return {
        "offered_in_wales": qualification.offered_in_wales,
        "offered_in_northern_ireland": qualification.offered_in_northern_ireland,
        "offered_internationally": qualification.offered_internationally,
        "age_ranges": {
            "pre_16": qualification.approved_pre_16,
            "16_to_18": qualification.approved_16_to_18,
            "18_plus": qualification.approved_18_plus,
            "19_plus": qualification.approved_19_plus,
        },
        "welsh_medium": qualification.welsh_medium,
        "learning_aim_reference": qualification.learning_aim_reference,
        "learning_aim_url": qualification.learning_aim_url,
        "advanced_learner_loans": qualification.advanced_learner_loans,
        "fees": [fee_data(fee) for fee in qualification.fees_now],
        "fees_contact": organisation.fees_contact or None,
    }


def document_data(history, absolute):
    """One document (a documents.DocumentHistory): its stable address and every version in
    effect, newest first, each with its own address."""
    current = history.current
    return {
        "kind": current.kind,
        "language": current.language,
        "title": current.title,
        "url": absolute(current.get_stable_url()),
        "versions": [
            {
                "version": version.version_label,
                "title": version.title,
                "effective_from": version.effective_from,
                "changes": version.changes or None,
                "format": version.format.extension,
                "content_type": version.content_type,
                "size": version.size,
                "url": absolute(version.get_absolute_url()),
                "current": version is current,
            }
            for version in history.versions
        ],
    }


def catalogue_page(page_number, absolute):
    """One page of every published qualification, as a dict ready for JSON, or None if there is
    no such page."""
    qualifications = Qualification.objects.published().for_detail_page().order_by("title", "pk")
    paginator = Paginator(qualifications, PAGE_SIZE, allow_empty_first_page=True)
    try:
        page = paginator.page(page_number)
    except (EmptyPage, PageNotAnInteger):
        return None
    path = reverse("qualifications:list-json")

    def link(number):
        return absolute(path if number == 1 else f"{path}?page={number}")

    return {
        "count": paginator.count,
        "page": page.number,
        "pages": paginator.num_pages,
        "next": link(page.next_page_number()) if page.has_next() else None,
        "previous": link(page.previous_page_number()) if page.has_previous() else None,
        "results": [qualification_data(q, absolute) for q in page.object_list],
    }


def published_qualification(slug):
    """The published qualification with `slug`, with everything its JSON holds, or None."""
    return Qualification.objects.published().for_detail_page().filter(slug=slug).first()


def catalogue_csv(absolute):
    """Every published qualification in the Ofqual Register's CSV headings, as text: a file the
    importer reads back. `absolute` turns a path into an absolute URL."""
    qualifications = (
        Qualification.objects.published()
        .select_related("awarding_organisation")
        .with_specification_document()
        .order_by("qualification_number")
    )

    def with_specification(qualifications):
        # The site's own stable address, once a specification of its own is in effect.
        for qualification in qualifications:
            if qualification.has_specification_document:
                qualification.specification_url = absolute(
                    document_address(qualification.slug, DocumentKind.SPECIFICATION)
                )
            yield qualification

    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(
        register.csv_rows(with_specification(qualifications.iterator(chunk_size=2000)))
    )
    return out.getvalue()


def fees_csv(now=None):
    """The fees in force now of every published qualification, one row per fee, as text."""
    today = timezone.localdate(now)
    fees = (
        FeeLine.objects.filter(qualification__in=Qualification.objects.published(now).values("pk"))
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today), starts_on__lte=today)
        .select_related("qualification")
        .order_by("qualification__qualification_number", *FeeLine._meta.ordering)
    )
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FEE_HEADINGS)
    for fee in fees.iterator(chunk_size=2000):
        writer.writerow(
            [
                fee.qualification.qualification_number,
                fee.qualification.title,
                fee.get_kind_display(),
                fee.description,
                f"{fee.amount:.2f}",
                CURRENCY,
                fee.per,
                fee.vat,
                fee.starts_on.isoformat(),
                fee.ends_on.isoformat() if fee.ends_on else "",
            ]
        )
    return out.getvalue()


class QualificationFeed(Feed):
    """An Atom feed of the most recently published or changed qualifications."""

    feed_type = Atom1Feed
    title = "Qualifications: recently published or changed"
    subtitle = "Regulated qualifications, newest change first."

    def link(self):
        return reverse("qualifications:list")

    def feed_url(self):
        return reverse("qualifications:feed")

    def items(self):
        return (
            Qualification.objects.published()
            .select_related("awarding_organisation")
            .order_by("-updated_at", "pk")[:FEED_SIZE]
        )

    def item_title(self, qualification):
        return f"{qualification.title} ({qualification.qualification_number})"

    def item_description(self, qualification):
        return qualification.summary

    def item_author_name(self, qualification):
        return qualification.awarding_organisation.name

    def item_pubdate(self, qualification):
        return qualification.created_at

    def item_updateddate(self, qualification):
        return qualification.updated_at

    def item_categories(self, qualification):
        return [qualification.get_level_display(), *filter(None, [qualification.subject_area])]


# UNITS


def _unit_summary(unit, absolute):
    return {
        "reference": unit.reference,
        "code": unit.code,
        "url": absolute(unit.get_absolute_url()),
        "json_url": absolute(reverse("qualifications:unit-json", args=[unit.address])),
        "title": unit.title,
        "level": {"code": unit.level, "name": unit.get_level_display()},
        "credits": unit.credits,
        "guided_learning_hours": unit.guided_learning_hours,
    }


def structure_data(qualification, absolute):
    """Its groups of units with their rules, as a list ready for JSON (empty when no unit is
    known)."""
    return [
        {
            "group": group.name,
            "rule": {
                "kind": group.rule,
                "minimum": group.minimum,
                "maximum": group.maximum,
                "text": group.rule_text,
            },
            "units": [_unit_summary(unit, absolute) for unit in group.units],
        }
        for group in qualification.structure.groups
    ]


def unit_data(unit, absolute):
    """A unit (fetched with `for_unit_page()`) as its page shows it, ready for JSON."""
    return _unit_summary(unit, absolute) | {
        "awarding_organisation": unit.awarding_organisation.name,
        "learning_outcomes": [
            {"outcome": outcome.text, "assessment_criteria": outcome.criteria_list}
            for outcome in unit.outcomes.all()
        ],
        "qualifications": [
            {
                "title": membership.qualification.title,
                "qualification_number": membership.qualification.qualification_number,
                "url": absolute(membership.qualification.get_absolute_url()),
            }
            for membership in unit.shown_memberships
        ],
        "updated_at": unit.updated_at,
    }


def units_csv():
    """Every unit of every published qualification, one row per qualification and unit, in the
    headings `manage.py import_units` reads."""
    memberships = (
        UnitMembership.objects.filter(qualification__in=Qualification.objects.published())
        .select_related("qualification", "group", "unit")
        .order_by("qualification__qualification_number", "group__order", "group__pk", "order")
    )
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\r\n").writerows(
        unit_import.csv_rows(memberships.iterator(chunk_size=2000))
    )
    return out.getvalue()
