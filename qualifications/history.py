"""A qualification's saved versions (kept by django-reversion with its rows), what each looked
like and what changed between two: for the admin's history, its compare view and the message an
editor gets when someone else saved first."""

from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.utils.text import capfirst
from reversion.models import Version

from .choices import FeeKind
from .models import (
    Audience,
    AwardingOrganisation,
    Document,
    Employer,
    EmployerSupport,
    FeeLine,
    ProgressionRole,
    Qualification,
    Unit,
    UnitGroup,
    UnitMembership,
)

# Kept by the site for itself, not written by staff: no difference worth showing.
UNSHOWN_FIELDS = {
    "id",
    "created_at",
    "updated_at",
    "search_heading",
    "search_keywords",
    "search_body",
}
ROW_SECTIONS = ("Who it suits", "Job roles", "Supporting employers", "Fees", "Units", "Documents")


@dataclass(frozen=True)
class Snapshot:
    """A qualification as an editor reads it: each field's label and text, and its rows."""

    fields: dict  # label: text
    rows: dict  # section (one of ROW_SECTIONS): list of lines, in order


@dataclass(frozen=True)
class Conflict:
    """Someone saved the qualification meanwhile: while a form was open, or since a pending
    change was started."""

    saved_by: str
    saved_at: object  # a datetime, or None if no version records it
    changes: list  # of Change, from the version one started from to now


@dataclass(frozen=True)
class Change:
    label: str
    before: object  # text for a field, a list of lines for rows
    after: object
    is_rows: bool = False

    @property
    def removed(self):
        return [line for line in self.before if line not in self.after] if self.is_rows else []

    @property
    def added(self):
        return [line for line in self.after if line not in self.before] if self.is_rows else []


def current_snapshot(qualification):
    """`qualification` as it is in the database now."""
    qualification = Qualification.objects.for_detail_page().get(pk=qualification.pk)
    return _snapshot(
        qualification,
        qualification.audiences.all(),
        qualification.progression_roles.all(),
        [support.employer.name for support in qualification.employer_supports.all()],
        qualification.fees.all(),
        _structure_lines(
            {m.group for m in qualification.unit_memberships.all()},
            qualification.unit_memberships.all(),
        ),
        qualification.documents.all(),
    )


def version_snapshot(version):
    """The qualification kept in `version` (a reversion Version of a Qualification), with the
    rows saved in the same revision."""
    qualification = _instance(version)
    rows = {model: [] for model in (Audience, ProgressionRole, EmployerSupport, FeeLine)}
    rows |= {UnitGroup: [], UnitMembership: [], Document: []}
    content_types = ContentType.objects.get_for_models(*rows, Employer)
    models_by_type = {content_type.pk: model for model, content_type in content_types.items()}
    employer_names = {}
    for other in version.revision.version_set.filter(content_type__in=content_types.values()):
        model = models_by_type[other.content_type_id]
        row = _instance(other)
        if model is Employer:
            employer_names[row.pk] = row.name
        elif row.qualification_id == qualification.pk:
            rows[model].append(row)
    for model in rows:
        if model is FeeLine:
            rows[model].sort(key=lambda fee: (FeeKind.values.index(fee.kind), fee.starts_on))
        elif model is Document:
            rows[model].sort(key=lambda row: (row.kind, row.language, row.slug, row.effective_from))
        else:
            rows[model].sort(key=lambda row: (row.order, row.pk))
    missing = {s.employer_id for s in rows[EmployerSupport]} - employer_names.keys()
    employer_names |= dict(Employer.objects.filter(pk__in=missing).values_list("pk", "name"))
    return _snapshot(
        qualification,
        rows[Audience],
        rows[ProgressionRole],
        [employer_names.get(s.employer_id, "(a deleted employer)") for s in rows[EmployerSupport]],
        rows[FeeLine],
        _structure_lines(rows[UnitGroup], rows[UnitMembership]),
        rows[Document],
    )


def differences(before, after):
    """The Changes from Snapshot `before` to Snapshot `after`, fields first, in form order."""
    changes = [
        Change(label, before.fields.get(label, ""), text)
        for label, text in after.fields.items()
        if before.fields.get(label, "") != text
    ]
    changes += [
        Change(section, before.rows.get(section, []), lines, is_rows=True)
        for section, lines in after.rows.items()
        if before.rows.get(section, []) != lines
    ]
    return changes


def saved_by(user):
    """Who saved a version, as staff read it."""
    if user is None:
        return "An import or a script"
    return user.get_full_name() or user.get_username()


def versions_of(qualification):
    """The saved versions of `qualification`, newest first, with who saved them and when."""
    return (
        Version.objects.get_for_object(qualification)
        .select_related("revision__user")
        .order_by("-revision__date_created", "-pk")
    )


def _instance(version):
    model = version.content_type.model_class()
    fields = {
        field.attname: value
        for field in model._meta.concrete_fields
        if (value := version.field_dict.get(field.attname, field.get_default())) is not None
        or field.null
    }
    return model(**fields)


def _fee_line(fee):
    until = f" until {fee.ends_on:%d/%m/%Y}" if fee.ends_on else ""
    description = f" ({fee.description})" if fee.description else ""
    return (
        f"{fee.get_kind_display()}{description}: £{fee.amount} {fee.get_per_display()}, "
        f"{fee.get_vat_display()}, from {fee.starts_on:%d/%m/%Y}{until}"
    )


def _structure_lines(groups, memberships):
    # Each group with its rule, then its units in order, as lines an editor reads.
    from .unit_import import format_rule

    groups = sorted(groups, key=lambda group: (group.order, group.pk))
    addresses = {
        unit.pk: f"{unit.address} {unit.title}"
        for unit in Unit.objects.filter(pk__in={m.unit_id for m in memberships})
    }
    lines = []
    for group in groups:
        rule = format_rule(group.rule, group.minimum, group.maximum)
        lines.append(f"Group {group.name} ({rule})")
        lines += [
            f"Group {group.name}: {addresses.get(m.unit_id, '(a deleted unit)')}"
            for m in sorted(memberships, key=lambda m: (m.order, m.pk))
            if m.group_id == group.pk
        ]
    return lines


def _document_line(document):
    line = (
        f"{document.title} ({document.get_kind_display()}, {document.get_language_display()}), "
        f"version {document.version_label}, in effect from {document.effective_from:%d %B %Y}"
    )
    return line + (": file purged" if document.purged_at else "")


def _snapshot(qualification, audiences, roles, employer_names, fees, structure_lines, documents):
    fields = {}
    for field in Qualification._meta.concrete_fields:
        if field.name in UNSHOWN_FIELDS:
            continue
        value = getattr(qualification, field.attname)
        if field.name == "awarding_organisation":
            value = AwardingOrganisation.objects.filter(pk=value).values_list("name", flat=True)
            value = value.first() or ""
        elif field.choices:
            value = dict(field.flatchoices).get(value, value)
        elif isinstance(value, bool):
            value = "Yes" if value else "No"
        fields[capfirst(field.verbose_name)] = "" if value is None else str(value)
    return Snapshot(
        fields=fields,
        rows=dict(
            zip(
                ROW_SECTIONS,
                [
                    [audience.description for audience in audiences],
                    [f"{role.title}: {role.description}" for role in roles],
                    list(employer_names),
                    [_fee_line(fee) for fee in fees],
                    structure_lines,
                    [_document_line(document) for document in documents],
                ],
                strict=True,
            )
        ),
    )
