"""The unit CSV: one row per qualification and unit, giving each qualification's groups, their
rules of combination and their units. Read as the Register's CSV is (register.py): the whole file
is validated into a plan without writing anything (`plan_import()`), then the plan is written in
one transaction (`apply_import()`). A qualification named in the file gets exactly the structure
the file gives it; units are matched by their address (reference number, else own code), made if
new, and their title, level, credit and hours updated if they differ. `manage.py import_units`
and the admin's import page are two doors to these two functions; `/units.csv` writes the same
format back (`csv_rows()`).
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from . import services
from .models import (
    GroupRule,
    Qualification,
    Unit,
    UnitLevel,
    unit_code_validator,
    unit_reference_validator,
)
from .register import MAX_ROWS, Problem, _heading_key, _identity, number_problem, read_rows
from .units import Group, Structure, structure_problems

NUMBER = "Qualification Number"
GROUP = "Group"
RULE = "Group Rule"
REFERENCE = "Unit Reference Number"
TITLE = "Unit Title"
LEVEL = "Unit Level"
CREDITS = "Credit Value"
HOURS = "Guided Learning Hours"
HEADINGS = (NUMBER, GROUP, RULE, REFERENCE, TITLE, LEVEL, CREDITS, HOURS)
REQUIRED = HEADINGS[:-1]
_KNOWN_HEADINGS = {_heading_key(heading): heading for heading in HEADINGS}
# A unit's own fields the file sets, with the label a change is shown under.
UNIT_FIELDS = {
    "title": "Title",
    "level": "Level",
    "credits": "Credit value",
    "guided_learning_hours": "Guided learning hours",
}
CHUNK = 1000


class RowProblem(ValueError):
    pass


_RULE = re.compile(r"^min\s+(\d{1,4})(?:\s+max\s+(\d{1,4}))?\s+(credits?|units?)$")


def parse_rule(value):
    """(rule, minimum, maximum) from `all`, `min N credits`, `min N max M units`, …"""
    folded = " ".join(value.casefold().split())
    if folded == "all":
        return GroupRule.ALL, None, None
    match = _RULE.match(folded)
    if match is None:
        raise RowProblem(
            f"“{value}” is not a rule: write all, min N credits, min N units, "
            "min N max M credits or min N max M units."
            if value
            else "A group needs its rule: all, or min N credits, min N units, …"
        )
    low, high, kind = match.groups()
    rule = GroupRule.CREDITS if kind.startswith("credit") else GroupRule.UNITS
    return rule, int(low), None if high is None else int(high)


def format_rule(rule, minimum, maximum):
    if rule == GroupRule.ALL:
        return "all"
    high = f" max {maximum}" if maximum is not None else ""
    return f"min {minimum}{high} {rule}"


_ENTRY = re.compile(r"^(?:entry(?:\s+level)?\s*|e)([123])$")
_LEVEL = re.compile(r"^(?:level\s*|l)?([1-8])$")


def parse_level(value):
    folded = " ".join(value.casefold().split())
    if match := _ENTRY.match(folded):
        return f"E{match.group(1)}"
    if match := _LEVEL.match(folded):
        return match.group(1)
    raise RowProblem(
        f"“{value}” is not a unit level (Entry 1 to Entry 3, or Level 1 to Level 8)."
        if value
        else "A unit needs its level."
    )


def parse_address(value):
    """(reference, code): a unit reference number such as T/617/4242, else an own code."""
    address = value.strip()
    if re.fullmatch(r"[a-zA-Z]/\d{3}/\d{4}", address):
        address = address.upper()
        unit_reference_validator(address)
        return address, None
    try:
        unit_code_validator(address)
    except ValidationError:
        raise RowProblem(
            f"“{value}” is neither a unit reference number (a capital letter, three digits and "
            "four digits, as T/617/4242) nor an own code (letters, digits and hyphens)."
            if value
            else "A row needs its unit's reference number, or its own code."
        ) from None
    return None, address


def _whole_number(value, what, required=True):
    if not value:
        if required:
            raise RowProblem(f"A unit needs its {what}.")
        return None
    if not value.isdigit() or int(value) > 32767:
        raise RowProblem(f"“{value}” is not a whole number of 0 or more.")
    return int(value)


@dataclass(slots=True)
class UnitRow:
    line: int
    qualification_number: str
    group: str
    rule: tuple
    reference: str | None
    code: str | None
    values: dict  # UNIT_FIELDS' values

    @property
    def address(self):
        return self.reference or self.code


@dataclass(frozen=True, slots=True)
class UnitChange:
    address: str
    label: str
    old: str
    new: str


@dataclass
class UnitImportPlan:
    """What importing a unit file would do. Nothing is written while it is made."""

    file_name: str
    problem: Problem | None = None
    rejected: list = field(default_factory=list)  # of Problem
    rows: int = 0
    new_units: list = field(default_factory=list)  # of Unit, unsaved
    changed_units: list = field(default_factory=list)  # of Unit, with new values set
    unit_changes: list = field(default_factory=list)  # of UnitChange
    structures: list = field(default_factory=list)  # of (Qualification, Structure), changed
    unchanged: int = 0  # qualifications whose structure stays as it is
    notes: list = field(default_factory=list)
    ignored_columns: list = field(default_factory=list)

    @property
    def can_import(self):
        return self.problem is None and not self.rejected

    @property
    def has_changes(self):
        return bool(self.new_units or self.changed_units or self.structures)

    def counts(self):
        return {
            "qualifications changed": len(self.structures),
            "qualifications unchanged": self.unchanged,
            "units created": len(self.new_units),
            "units changed": len(self.changed_units),
            "rejected": len(self.rejected),
        }

    def summary(self):
        return ", ".join(f"{number} {what}" for what, number in self.counts().items())

    def fingerprint(self):
        written = (
            [(u.address, [getattr(u, f) for f in UNIT_FIELDS]) for u in self.new_units],
            [(u.address, [getattr(u, f) for f in UNIT_FIELDS]) for u in self.changed_units],
            [(q.pk, _signature(structure)) for q, structure in self.structures],
            self.counts(),
        )
        return hashlib.sha256(repr(written).encode()).hexdigest()


def _signature(structure):
    return [
        (group.name, group.rule, group.minimum, group.maximum, [u.address for u in group.units])
        for group in structure.groups
    ]


def plan_import(data, file_name, *, progress=_identity):
    """Read and validate the whole of a unit CSV (`data`, bytes) and return a UnitImportPlan."""
    plan = UnitImportPlan(file_name=file_name)
    rows = read_rows(data, plan, _read_headings, _read_rows, progress)
    if rows is None:
        return plan
    if not rows and not plan.rejected:
        plan.problem = Problem("The file has the unit headings but no rows.")
        return plan
    plan.rows = len(rows)
    _compare(rows, plan)
    plan.rejected.sort(key=lambda problem: problem.line or 0)
    return plan


def _read_headings(reader, plan):
    headings = next((row for row in reader if any(cell.strip() for cell in row)), None)
    if headings is None:
        plan.problem = Problem("The file is empty.")
        return {}
    columns = {}
    for index, heading in enumerate(headings):
        known = _KNOWN_HEADINGS.get(_heading_key(heading))
        if known is None:
            if heading.strip():
                plan.ignored_columns.append(heading.strip())
            continue
        if known in columns:
            plan.problem = Problem(
                f"The heading “{known}” appears twice (columns {columns[known] + 1} and "
                f"{index + 1}).",
                line=reader.line_num,
            )
            return {}
        columns[known] = index
    missing = [heading for heading in REQUIRED if heading not in columns]
    if missing:
        plan.problem = Problem(
            "The file lacks the column"
            + ("s " if len(missing) > 1 else " ")
            + ", ".join(f"“{heading}”" for heading in missing)
            + f". A unit file's headings are: {', '.join(HEADINGS)}.",
            line=reader.line_num,
        )
        return {}
    return columns


def _read_rows(reader, columns, plan, progress, total):
    width = max(columns.values()) + 1
    rows = []
    line = reader.line_num + 1
    first_unit_line, first_in_qualification, group_rules = {}, {}, {}
    for cells in progress(reader, total=total, desc="Reading"):
        start, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(plan.rejected) >= MAX_ROWS:
            plan.problem = Problem(
                f"The file has more than {MAX_ROWS:,} rows to import: split it in parts."
            )
            return []
        if len(cells) < width:
            plan.rejected.append(
                Problem(
                    f"The row has {len(cells)} values where the headings need at least {width}.",
                    line=start,
                )
            )
            continue
        values = {heading: cells[index].strip() for heading, index in columns.items()}
        row = _parse_row(values, start, plan)
        if row is None:
            continue
        problems = []
        key = (row.qualification_number, row.address)
        if key in first_in_qualification:
            problems.append(
                (
                    REFERENCE,
                    f"{row.address} is already in {row.qualification_number} on line "
                    f"{first_in_qualification[key]}: a unit may be in one group only, once.",
                )
            )
        group_key = (row.qualification_number, row.group.casefold())
        rule_line, rule = group_rules.setdefault(group_key, (start, row.rule))
        if rule != row.rule:
            problems.append((RULE, f"Group {row.group} has another rule on line {rule_line}."))
        unit_line, unit_values = first_unit_line.setdefault(row.address, (start, row.values))
        differing = [UNIT_FIELDS[f] for f in UNIT_FIELDS if unit_values[f] != row.values[f]]
        if differing:
            problems.append(
                (
                    REFERENCE,
                    f"{row.address} has another {', '.join(differing).lower()} on line "
                    f"{unit_line}: a unit is the same in every qualification.",
                )
            )
        for column, reason in problems:
            number = row.qualification_number
            plan.rejected.append(
                Problem(reason, line=start, column=column, qualification_number=number)
            )
        if problems:
            continue
        first_in_qualification[key] = start
        rows.append(row)
    return rows


def _parse_row(values, line, plan):
    number = values[NUMBER].upper()
    problems = []
    if reason := number_problem(number):
        problems.append((NUMBER, reason))
    group = values[GROUP]
    if not group:
        problems.append((GROUP, "A row needs the name of its group, for example A."))
    elif len(group) > 100:
        problems.append((GROUP, "A group's name is at most 100 characters."))
    parsed = {}
    parsers = {
        RULE: parse_rule,
        REFERENCE: parse_address,
        LEVEL: parse_level,
        CREDITS: lambda value: _whole_number(value, "credit value"),
        HOURS: lambda value: _whole_number(value, "guided learning hours", required=False),
    }
    for heading, parse in parsers.items():
        try:
            parsed[heading] = parse(values.get(heading, ""))
        except RowProblem as problem:
            problems.append((heading, str(problem)))
    title = values[TITLE]
    if not title:
        problems.append((TITLE, "A unit needs its title."))
    elif len(title) > 200:
        problems.append((TITLE, f"It is {len(title)} characters long; the site keeps at most 200."))
    for column, reason in problems:
        plan.rejected.append(Problem(reason, line=line, column=column, qualification_number=number))
    if problems:
        return None
    reference, code = parsed[REFERENCE]
    return UnitRow(
        line=line,
        qualification_number=number,
        group=group,
        rule=parsed[RULE],
        reference=reference,
        code=code,
        values={
            "title": title,
            "level": parsed[LEVEL],
            "credits": parsed[CREDITS],
            "guided_learning_hours": parsed[HOURS],
        },
    )


def _chunks(items, size=CHUNK):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _compare(rows, plan):
    numbers = list(dict.fromkeys(row.qualification_number for row in rows))
    qualifications = {}
    for chunk in _chunks(numbers):
        found = Qualification.objects.filter(qualification_number__in=chunk).for_structure()
        qualifications |= {q.qualification_number: q for q in found}
    units = {}
    references = {row.reference for row in rows if row.reference}
    codes = {row.code for row in rows if row.code}
    for chunk in _chunks(references):
        units |= {unit.reference: unit for unit in Unit.objects.filter(reference__in=chunk)}
    for chunk in _chunks(codes):
        units |= {unit.code: unit for unit in Unit.objects.filter(code__in=chunk)}

    structures, first_lines, compared = {}, {}, set()
    for row in rows:
        qualification = qualifications.get(row.qualification_number)
        if qualification is None:
            if row.qualification_number not in first_lines:
                plan.rejected.append(
                    Problem(
                        f"No qualification has the number {row.qualification_number}: import "
                        "it from the Register (or add it) first.",
                        line=row.line,
                        column=NUMBER,
                        qualification_number=row.qualification_number,
                    )
                )
            first_lines.setdefault(row.qualification_number, row.line)
            continue
        first_lines.setdefault(row.qualification_number, row.line)
        unit = units.get(row.address)
        if unit is None:
            unit = Unit(
                reference=row.reference,
                code=row.code,
                awarding_organisation_id=qualification.awarding_organisation_id,
                **row.values,
            )
            units[row.address] = unit
            plan.new_units.append(unit)
        elif unit.pk is not None and unit.pk not in compared:
            compared.add(unit.pk)
            changes = [
                UnitChange(row.address, label, _shown(name, getattr(unit, name)), _shown(name, new))
                for name, label in UNIT_FIELDS.items()
                if getattr(unit, name) != (new := row.values[name])
            ]
            if changes:
                plan.unit_changes += changes
                plan.changed_units.append(unit)
                for name in UNIT_FIELDS:
                    setattr(unit, name, row.values[name])
        groups = structures.setdefault(qualification.pk, (qualification, {}))[1]
        group = groups.get(row.group.casefold())
        if group is None:
            group = groups[row.group.casefold()] = Group(row.group, *row.rule)
        group.units.append(unit)

    for qualification, groups in structures.values():
        structure = Structure(list(groups.values()), qualification.credits)
        for reason in structure_problems(structure):
            plan.rejected.append(
                Problem(
                    reason,
                    line=first_lines[qualification.qualification_number],
                    column=RULE,
                    qualification_number=qualification.qualification_number,
                )
            )
        if _signature(structure) == _signature(qualification.structure):
            plan.unchanged += 1
        else:
            plan.structures.append((qualification, structure))


def _shown(name, value):
    if value is None:
        return ""
    if name == "level":
        return UnitLevel(value).label
    return str(value)


def apply_import(plan, *, user=None, progress=_identity):
    """Write a valid plan in one transaction and return its counts. Each unit made or changed is
    recorded as a version of its own, and each qualification whose structure changed as a version
    of it, attributed to `user` (None from the command) with a comment naming the file."""
    if not plan.can_import:
        raise ValueError("A plan with problems or rejected rows cannot be imported.")
    if not plan.has_changes:
        return plan.counts()
    comment = f"Imported units: {plan.file_name}"
    with transaction.atomic():
        Unit.objects.bulk_create(plan.new_units, batch_size=500)
        for unit in progress(plan.changed_units, desc="Updating units"):
            unit.save(update_fields=[*UNIT_FIELDS, "updated_at"])
        for chunk in progress(list(_chunks(plan.structures)), desc="Writing structures"):
            services.write_structure_rows(chunk)
        services.units_saved(
            [unit.pk for unit in plan.new_units + plan.changed_units],
            structures=[qualification.pk for qualification, _ in plan.structures],
            user=user,
            comment=comment,
        )
    return plan.counts()


def csv_rows(memberships):
    """The unit headings, then one row per membership (with its qualification, group and unit
    selected): what plan_import() reads back."""
    yield list(HEADINGS)
    for membership in memberships:
        group, unit = membership.group, membership.unit
        yield [
            membership.qualification.qualification_number,
            group.name,
            format_rule(group.rule, group.minimum, group.maximum),
            unit.address,
            unit.title,
            unit.get_level_display(),
            str(unit.credits),
            "" if unit.guided_learning_hours is None else str(unit.guided_learning_hours),
        ]
