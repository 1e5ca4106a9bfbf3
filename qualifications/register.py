"""The Ofqual Register's data set CSV: reading it into a plan of what an import would do, applying
that plan, and writing qualifications back out in the same headings.

One file, one row per qualification, matched to ours by qualification number. `plan_import()`
reads and validates the whole file without writing anything; `apply_import()` then writes the
plan in one transaction: new qualifications as drafts, and on existing ones only the Register's
own facts (never the text staff wrote), each change recorded as a version in the history.
`manage.py import_register` and the admin's import page are two doors to these two functions.
"""

import codecs
import csv
import datetime
import functools
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst, slugify

from . import services
from .choices import Level, Status
from .models import AwardingOrganisation, Qualification, qualification_number_validator

# Files larger than this are refused before they are read (the admin's upload, the command).
MAX_FILE_BYTES = 100 * 1024 * 1024
# Rows an import takes at most: the Register's whole data set for one organisation is far fewer.
MAX_ROWS = 50_000
# Rows written, and versions recorded, per statement or revision: keeps memory and SQL bounded.
BATCH_SIZE = 500
REVISION_SIZE = services.REVISION_SIZE

NUMBER = "Qualification Number"
TITLE = "Qualification Title"
LEVEL = "Qualification Level"
ORGANISATION_NUMBER = "Owner Organisation Recognition Number"
ORGANISATION_NAME = "Owner Organisation Name"
ORGANISATION_ACRONYM = "Owner Organisation Acronym"
# Without these a row cannot be matched or a qualification made.
REQUIRED = (NUMBER, TITLE, ORGANISATION_NAME, LEVEL)


class RowProblem(ValueError):
    """A value a row cannot be imported with; its message is the reason, for people."""


# PARSING AND FORMATTING ONE VALUE (each parser takes the cell's text, stripped)


def _text(value):
    return value


def _sub_level(value):
    # The Register writes "None" where a qualification has no sub-level.
    return "" if value.casefold() == "none" else value


def _integer(value):
    if not value:
        return None
    if not value.isdigit():
        raise RowProblem(f"“{value}” is not a whole number of 0 or more.")
    return int(value)


_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")


def _date(value):
    if not value:
        return None
    match = _DATE.match(value)
    try:
        if match is None:
            raise ValueError
        day, month, year = map(int, match.groups())
        return datetime.date(year, month, day)
    except ValueError:
        raise RowProblem(f"“{value}” is not a date written dd/mm/yyyy.") from None


def _format_date(value):
    return value.strftime("%d/%m/%Y") if value else ""


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def _boolean(value):
    if not value:
        return None
    if value.casefold() in _YES:
        return True
    if value.casefold() in _NO:
        return False
    raise RowProblem(f"“{value}” is neither Yes nor No.")


def _format_boolean(value):
    return "" if value is None else ("Yes" if value else "No")


_LEVEL = re.compile(r"^level\s*(\d)$")


def _level(value):
    folded = " ".join(value.casefold().split())
    if folded in {"entry level", "entry"}:
        return Level.ENTRY
    match = _LEVEL.match(folded)
    if match and int(match.group(1)) in Level.values:
        return Level(int(match.group(1)))
    raise RowProblem(
        f"“{value}” is not a level the site shows (Entry Level, or Level 1 to Level 8)."
        if value
        else "A qualification needs its level."
    )


def _format_level(value):
    return "Entry Level" if value == Level.ENTRY else f"Level {value}"


_url_validator = URLValidator(schemes=["http", "https"])


def _url(value):
    if not value:
        return ""
    try:
        _url_validator(value)
    except ValidationError:
        raise RowProblem(f"“{value}” is not a web address starting http:// or https://.") from None
    return value


def _format_number(value):
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Fact:
    """A Register column that is one of a qualification's own facts."""

    heading: str
    field: str
    parse: object = _text
    format: object = str
    # Filled from the Register when a qualification is created, or while it is empty; never
    # overwrites what staff wrote.
    only_if_empty: bool = False

    @functools.cached_property
    def model_field(self):
        return Qualification._meta.get_field(self.field)

    @property
    def label(self):
        return capfirst(self.model_field.verbose_name)


FACTS = (
    Fact(TITLE, "title"),
    Fact(LEVEL, "level", _level, _format_level),
    Fact("Qualification Sub Level", "sub_level", _sub_level),
    Fact("Qualification Type", "qualification_type"),
    Fact("Total Credits", "credits", _integer, _format_number),
    Fact("Qualification SSA", "subject_area"),
    Fact("Qualification Status", "register_status"),
    Fact("Regulation Start Date", "regulation_start_date", _date, _format_date),
    Fact("Operational Start Date", "operational_start_date", _date, _format_date),
    Fact("Operational End Date", "operational_end_date", _date, _format_date),
    Fact("Certification End Date", "certification_end_date", _date, _format_date),
    Fact(
        "Minimum Guided Learning Hours", "minimum_guided_learning_hours", _integer, _format_number
    ),
    Fact(
        "Maximum Guided Learning Hours", "maximum_guided_learning_hours", _integer, _format_number
    ),
    Fact("Total Qualification Time", "total_qualification_time", _integer, _format_number),
    Fact("Guided Learning Hours", "guided_learning_hours", _integer, _format_number),
    Fact("Offered In England", "offered_in_england", _boolean, _format_boolean),
    Fact("Offered In Northern Ireland", "offered_in_northern_ireland", _boolean, _format_boolean),
    Fact("Overall Grading Type", "grading_type"),
    Fact("Assessment Methods", "assessment", only_if_empty=True),
    Fact("Link To Specification", "specification_url", _url),
)
FACT_FIELDS = tuple(fact.field for fact in FACTS)

# Every column the importer reads, in the Register's order: what the site's CSV export writes.
HEADINGS = (
    NUMBER,
    TITLE,
    ORGANISATION_NUMBER,
    ORGANISATION_NAME,
    ORGANISATION_ACRONYM,
    LEVEL,
    "Qualification Sub Level",
    "Qualification Type",
    "Total Credits",
    "Qualification SSA",
    "Qualification Status",
    "Regulation Start Date",
    "Operational Start Date",
    "Operational End Date",
    "Certification End Date",
    "Minimum Guided Learning Hours",
    "Maximum Guided Learning Hours",
    "Total Qualification Time",
    "Guided Learning Hours",
    "Offered In England",
    "Offered In Northern Ireland",
    "Overall Grading Type",
    "Assessment Methods",
    "Link To Specification",
)
_FACTS_BY_HEADING = {fact.heading: fact for fact in FACTS}


def _heading_key(text):
    return " ".join(text.replace("\ufeff", "").split()).casefold()


_KNOWN_HEADINGS = {_heading_key(heading): heading for heading in HEADINGS}


# THE PLAN


@dataclass(frozen=True, slots=True)
class Problem:
    """Why a row (or, with no line, the whole file) cannot be imported."""

    reason: str
    line: int | None = None
    column: str = ""
    qualification_number: str = ""

    def __str__(self):
        where = [f"line {self.line}"] if self.line else []
        if self.column:
            where.append(f"column “{self.column}”")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


@dataclass(frozen=True, slots=True)
class Change:
    """One fact of an existing qualification the import changes, as the Register writes it."""

    field: str
    label: str
    old: str
    new: str


@dataclass(slots=True)
class PlannedRow:
    line: int
    qualification_number: str
    title: str
    values: dict  # field name to parsed value, for the Register facts this row sets
    organisation_key: tuple  # see _OrganisationIndex
    organisation: AwardingOrganisation | None = None  # found, or planned as new
    qualification_pk: int | None = None  # the existing one's, for an update
    changes: list = field(default_factory=list)


@dataclass
class ImportPlan:
    """What importing a file would do. Nothing is written while it is made."""

    file_name: str
    organisation: str = ""
    problem: Problem | None = None  # the whole file cannot be imported
    rejected: list = field(default_factory=list)  # of Problem
    created: list = field(default_factory=list)  # of PlannedRow
    updated: list = field(default_factory=list)  # of PlannedRow
    unchanged: int = 0
    skipped: int = 0  # rows of other awarding organisations, with --organisation
    ignored_columns: list = field(default_factory=list)
    missing_columns: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    new_organisations: dict = field(default_factory=dict)  # key to AwardingOrganisation (unsaved)
    organisation_updates: dict = field(default_factory=dict)  # pk to {field: value}

    @property
    def can_import(self):
        """Whether applying it would write anything valid: no file problem, no rejected row."""
        return self.problem is None and not self.rejected

    @property
    def has_changes(self):
        return bool(self.created or self.updated or self.new_organisations)

    def counts(self):
        """The summary: how many rows would be (or were) created, updated, left unchanged,
        rejected and skipped."""
        return {
            "created": len(self.created),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "rejected": len(self.rejected),
            "skipped": self.skipped,
        }

    def fingerprint(self):
        """A digest of everything the plan would write: two plans with the same fingerprint write
        the same."""
        written = (
            [
                (row.qualification_number, row.title, row.values, row.organisation_key)
                for row in self.created
            ],
            [
                (row.qualification_pk, [(c.field, c.new) for c in row.changes])
                for row in self.updated
            ],
            sorted(self.new_organisations),
            sorted(self.organisation_updates.items()),
            self.counts(),
        )
        return hashlib.sha256(repr(written).encode()).hexdigest()

    def summary(self):
        counts = self.counts()
        text = (
            f"{counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['rejected']} rejected"
        )
        if self.skipped:
            text += f", {self.skipped} skipped (other awarding organisations)"
        return text


def _identity(iterable, **kwargs):
    return iterable


def read_file(file, limit=MAX_FILE_BYTES):
    """The bytes of an open binary file, or a Problem if it is larger than `limit`."""
    data = file.read(limit + 1)
    if len(data) > limit:
        return Problem(f"The file is larger than {limit // (1024 * 1024)} MB: split it in parts.")
    return data


def read_rows(data, plan, read_headings, read_row_values, progress):
    """The rows of a CSV file (`data`, bytes), read with an importer's `read_headings(reader,
    plan)` and `read_row_values(reader, columns, plan, progress, total=...)`; or None, with
    `plan.problem` saying why not. The file's text is let go once its rows are read."""
    text = _decode(data, plan)
    if plan.problem:
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = read_headings(reader, plan)
        if plan.problem:
            return None
        rows = read_row_values(reader, columns, plan, progress, total=text.count("\n"))
    except csv.Error as error:
        plan.problem = Problem(f"The file is not valid CSV: {error}.", line=reader.line_num)
        return None
    return None if plan.problem else rows


def plan_import(data, file_name, *, organisation="", progress=_identity):
    """Read and validate the whole of a Register CSV (`data`, bytes) and return an ImportPlan.

    `organisation` (an acronym) keeps only that awarding organisation's rows. `progress` wraps
    the rows as they are read, e.g. in a progress bar: progress(iterable, total=..., desc=...).
    """
    plan = ImportPlan(file_name=file_name, organisation=organisation)
    rows = read_rows(data, plan, _read_headings, _read_rows, progress)
    if rows is None:
        return plan
    if not rows and not plan.rejected:
        if plan.skipped:
            plan.problem = Problem(
                f"No row is of the awarding organisation “{organisation}” (by its acronym)."
            )
        else:
            plan.problem = Problem("The file has the Register's headings but no rows.")
        return plan
    _compare(rows, plan)
    return plan


def _decode(data, plan):
    if not data.strip():
        plan.problem = Problem("The file is empty.")
        return ""
    if data.startswith(b"PK\x03\x04"):
        plan.problem = Problem(
            "This is a spreadsheet workbook (or another zip file), not CSV: save it from the "
            "spreadsheet as “CSV (comma separated)” and import that."
        )
        return ""
    if b"\x00" in data[:65536]:
        plan.problem = Problem("This is not a CSV file: it holds binary data.")
        return ""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = codecs.decode(data, encoding)
        except UnicodeDecodeError:
            continue
        if encoding != "utf-8-sig":
            plan.notes.append("The file is not UTF-8; it was read as Windows-1252.")
        return text.lstrip("\ufeff")
    plan.problem = Problem("This is not a CSV file: it is not text.")
    return ""


def _read_headings(reader, plan):
    """The column index of each heading the importer reads; fills plan.problem if it cannot."""
    headings = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if headings is None:
        plan.problem = Problem("The file is empty.")
        return {}
    columns, seen = {}, {}
    for index, heading in enumerate(headings):
        known = _KNOWN_HEADINGS.get(_heading_key(heading))
        if known is None:
            if heading.strip():
                plan.ignored_columns.append(heading.strip())
            continue
        if known in seen:
            plan.problem = Problem(
                f"The heading “{known}” appears twice (columns {seen[known] + 1} and {index + 1}).",
                line=reader.line_num,
            )
            return {}
        seen[known] = index
        columns[known] = index
    if not columns:
        shown = ", ".join(f"“{heading}”" for heading in REQUIRED)
        plan.problem = Problem(
            "This does not look like the Ofqual Register's CSV: its first line has none of the "
            f"Register's headings ({shown} …).",
            line=reader.line_num,
        )
        return {}
    missing = [heading for heading in REQUIRED if heading not in columns]
    if missing:
        plan.problem = Problem(
            "The file lacks the column"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(f"“{heading}”" for heading in missing)
            + ", which every import needs.",
            line=reader.line_num,
        )
        return {}
    plan.missing_columns = [heading for heading in HEADINGS if heading not in columns]
    return columns


def _read_rows(reader, columns, plan, progress, total):
    """The valid rows of the file as PlannedRows; the invalid ones go to plan.rejected."""
    width = max(columns.values()) + 1
    wanted = plan.organisation.casefold()
    rows, lines_of_numbers = [], {}
    line = reader.line_num + 1
    for cells in progress(reader, total=total, desc="Reading"):
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) < width:
            plan.rejected.append(
                Problem(
                    f"The row has {len(cells)} values where the headings need at least {width}.",
                    line=start,
                )
            )
            continue
        values = {heading: cells[index].strip() for heading, index in columns.items()}
        if wanted and values.get(ORGANISATION_ACRONYM, "").casefold() != wanted:
            plan.skipped += 1
            continue
        if len(rows) + len(plan.rejected) >= MAX_ROWS:
            plan.problem = Problem(
                f"The file has more than {MAX_ROWS:,} rows to import: split it in parts."
            )
            return []
        row = _parse_row(values, start, plan)
        if row is None:
            continue
        first = lines_of_numbers.setdefault(row.qualification_number, start)
        if first != start:
            plan.rejected.append(
                Problem(
                    f"The qualification number {row.qualification_number} is already on line "
                    f"{first}.",
                    line=start,
                    column=NUMBER,
                    qualification_number=row.qualification_number,
                )
            )
            continue
        rows.append(row)
    return rows


def number_problem(number):
    """Why `number` is not a qualification number a row can name, or None."""
    try:
        qualification_number_validator(number)
    except ValidationError:
        if not number:
            return "A row needs its qualification number."
        return f"“{number}” is not an Ofqual qualification number (NNN/NNNN/N)."
    return None


def _parse_row(values, line, plan):
    """The row as a PlannedRow, or None after adding its problems to plan.rejected."""
    number = values[NUMBER].upper()
    problems = []
    if reason := number_problem(number):
        problems.append((NUMBER, reason))
    parsed = {}
    for heading, fact in _FACTS_BY_HEADING.items():
        if heading not in values:
            continue
        try:
            value = fact.parse(values[heading])
        except RowProblem as problem:
            problems.append((heading, str(problem)))
            continue
        max_length = fact.model_field.max_length
        if isinstance(value, str) and max_length and len(value) > max_length:
            problems.append(
                (
                    heading,
                    f"It is {len(value)} characters long; the site keeps at most {max_length}.",
                )
            )
            continue
        parsed[fact.field] = value
    if not values[TITLE]:
        problems.append((TITLE, "A qualification needs its title."))
    organisation = {
        "name": values[ORGANISATION_NAME],
        "recognition_number": values.get(ORGANISATION_NUMBER, "").upper(),
        "acronym": values.get(ORGANISATION_ACRONYM, ""),
    }
    if not organisation["name"]:
        problems.append((ORGANISATION_NAME, "A qualification needs its awarding organisation."))
    for column, limit in ((ORGANISATION_NAME, 200), (ORGANISATION_ACRONYM, 30)):
        if len(values.get(column, "")) > limit:
            problems.append((column, f"It is longer than the {limit} characters the site keeps."))
    if organisation["recognition_number"] and not re.fullmatch(
        r"RN\d{1,8}", organisation["recognition_number"]
    ):
        problems.append(
            (
                ORGANISATION_NUMBER,
                f"“{values[ORGANISATION_NUMBER]}” is not a recognition number "
                "(RN followed by digits).",
            )
        )
    for column, reason in problems:
        plan.rejected.append(Problem(reason, line=line, column=column, qualification_number=number))
    if problems:
        return None
    return PlannedRow(
        line=line,
        qualification_number=number,
        title=parsed["title"],
        values=parsed,
        organisation_key=tuple(organisation.items()),
    )


class _OrganisationIndex:
    """Our awarding organisations, found by the Register's recognition number, else its acronym,
    else its name; those not found are planned as new ones."""

    def __init__(self, plan):
        self.plan = plan
        self.organisations = list(AwardingOrganisation.objects.all())
        self.by_number = {
            o.recognition_number: o for o in self.organisations if o.recognition_number
        }
        self.by_acronym = {o.acronym.casefold(): o for o in self.organisations if o.acronym}
        self.by_name = {o.name.casefold(): o for o in self.organisations}

    def find(self, key):
        """The AwardingOrganisation (saved, or planned as new) for a row's organisation key, or a
        Problem."""
        values = dict(key)
        number, acronym, name = values["recognition_number"], values["acronym"], values["name"]
        found = (
            self.by_number.get(number)
            or (acronym and self.by_acronym.get(acronym.casefold()))
            or self.by_name.get(name.casefold())
        )
        if found is None:
            found = AwardingOrganisation(
                name=name, recognition_number=number or None, acronym=acronym
            )
            self.plan.new_organisations[key] = found
            self.by_name[name.casefold()] = found
            if number:
                self.by_number[number] = found
            if acronym:
                self.by_acronym[acronym.casefold()] = found
            return found
        if number and found.recognition_number and found.recognition_number != number:
            return Problem(
                f"“{name}” matches the awarding organisation “{found.name}”, whose recognition "
                f"number is {found.recognition_number}, not {number}.",
                column=ORGANISATION_NUMBER,
            )
        if found.pk is not None:
            # Fill in what the Register knows and we do not yet; never rename.
            updates = self.plan.organisation_updates.setdefault(found.pk, {})
            if number and not found.recognition_number:
                updates["recognition_number"] = number
                found.recognition_number = number
                self.by_number[number] = found
            if acronym and not found.acronym:
                updates["acronym"] = acronym
                found.acronym = acronym
                self.by_acronym[acronym.casefold()] = found
            if not updates:
                del self.plan.organisation_updates[found.pk]
        return found


def _chunks(items, size):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _compare(rows, plan):
    """Sort the valid rows into created, updated and unchanged, with each change's old and new
    value."""
    existing = {}
    numbers = [row.qualification_number for row in rows]
    for chunk in _chunks(numbers, 1000):
        # Only the facts compared: applying the plan fetches the changed ones whole again.
        for qualification in Qualification.objects.filter(qualification_number__in=chunk).only(
            "qualification_number", *FACT_FIELDS
        ):
            existing[qualification.qualification_number] = qualification
    organisations = _OrganisationIndex(plan)
    for row in rows:
        organisation = organisations.find(row.organisation_key)
        if isinstance(organisation, Problem):
            plan.rejected.append(
                Problem(
                    organisation.reason,
                    line=row.line,
                    column=organisation.column,
                    qualification_number=row.qualification_number,
                )
            )
            continue
        row.organisation = organisation
        qualification = existing.get(row.qualification_number)
        if qualification is None:
            plan.created.append(row)
            continue
        row.qualification_pk = qualification.pk
        for fact in FACTS:
            if fact.field not in row.values:
                continue
            old, new = getattr(qualification, fact.field), row.values[fact.field]
            if fact.only_if_empty and old:
                continue
            if old != new:
                row.changes.append(
                    Change(fact.field, fact.label, _display(fact, old), _display(fact, new))
                )
        if row.changes:
            plan.updated.append(row)
        else:
            plan.unchanged += 1
    if plan.rejected:
        plan.rejected.sort(key=lambda problem: problem.line or 0)


def _display(fact, value):
    return "" if value is None or value == "" else fact.format(value)


# APPLYING A PLAN


def apply_import(plan, *, user=None, progress=_identity):
    """Write a valid plan in one transaction and return its counts (see ImportPlan.counts).

    New qualifications are drafts; existing ones get only the Register facts the plan changes.
    Every qualification written is recorded as a version, in revisions attributed to `user`
    (None from the command) with a comment naming the file. Writes nothing if nothing changes.
    """
    if not plan.can_import:
        raise ValueError("A plan with problems or rejected rows cannot be imported.")
    if not plan.has_changes and not plan.organisation_updates:
        return plan.counts()
    now = timezone.now()
    comment = f"Imported from the Ofqual Register: {plan.file_name}"
    with transaction.atomic():
        for organisation in plan.new_organisations.values():
            organisation.save()
        for pk, updates in plan.organisation_updates.items():
            organisation = AwardingOrganisation.objects.get(pk=pk)
            for field, value in updates.items():
                setattr(organisation, field, value)
            services.shared_save(organisation)
        taken = set(Qualification.objects.values_list("slug", flat=True))
        for chunk in progress(list(_chunks(plan.created, REVISION_SIZE)), desc="Creating"):
            services.qualifications_saved(_create(chunk, taken), user=user, comment=comment)
        for chunk in progress(list(_chunks(plan.updated, REVISION_SIZE)), desc="Updating"):
            services.qualifications_saved(_update(chunk, now), user=user, comment=comment)
    return plan.counts()


def _create(rows, taken):
    """Insert new qualifications for these planned rows, as drafts; returns their pks. `taken`
    holds the slugs in use."""
    qualifications = [
        Qualification(
            **row.values,
            qualification_number=row.qualification_number,
            slug=_free_slug(row, taken),
            status=Status.DRAFT,
            awarding_organisation=row.organisation,
            overview="",
        )
        for row in rows
    ]
    Qualification.objects.bulk_create(qualifications, batch_size=BATCH_SIZE)
    return [qualification.pk for qualification in qualifications]


def _free_slug(row, taken):
    max_length = Qualification._meta.get_field("slug").max_length
    base = slugify(row.title)[: max_length - 12].strip("-") or "qualification"
    slug = base
    if slug in taken:
        slug = f"{base}-{slugify(row.qualification_number.replace('/', ''))}"
    suffix = 2
    while slug in taken:
        slug, suffix = f"{base}-{suffix}", suffix + 1
    taken.add(slug)
    return slug


def _update(rows, now):
    """Write the changed Register facts of these planned rows; returns their pks."""
    by_pk = {row.qualification_pk: row for row in rows}
    qualifications = list(Qualification.objects.filter(pk__in=by_pk))
    fields = {"updated_at"}
    for qualification in qualifications:
        row = by_pk[qualification.pk]
        for change in row.changes:
            setattr(qualification, change.field, row.values[change.field])
            fields.add(change.field)
        qualification.updated_at = now
    Qualification.objects.update_each(qualifications, sorted(fields))
    return list(by_pk)


# WRITING THE REGISTER'S CSV


def csv_rows(qualifications):
    """The Register's headings, then one row per qualification (with its awarding organisation
    selected), as lists of strings: what `plan_import()` reads back."""
    yield list(HEADINGS)
    for qualification in qualifications:
        organisation = qualification.awarding_organisation
        cells = {
            NUMBER: qualification.qualification_number,
            ORGANISATION_NUMBER: organisation.recognition_number or "",
            ORGANISATION_NAME: organisation.name,
            ORGANISATION_ACRONYM: organisation.acronym,
        }
        for fact in FACTS:
            cells[fact.heading] = _display(fact, getattr(qualification, fact.field))
        yield [cells[heading] for heading in HEADINGS]
