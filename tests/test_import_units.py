"""The unit CSV import: `manage.py import_units` and the admin's page, validated whole first,
atomic, idempotent, every change a version attributed to the import; and the round trip with
/units.csv."""

import csv
import io

import pytest
from django.contrib.auth.models import Group as Role
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from qualifications import unit_import
from qualifications.models import GroupRule, Qualification, Unit, UnitMembership

from .factories import QualificationFactory, give_units

HEADINGS = list(unit_import.HEADINGS)
IMPORT_URL = reverse("admin:qualifications_qualification_import_units")


def unit_csv(rows, headings=HEADINGS):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headings)
    writer.writerows(rows)
    return out.getvalue().encode()


def row(
    number, group, rule, reference, title="Unit title", level="Level 3", credits="3", hours="20"
):
    return [number, group, rule, reference, title, level, credits, hours]


@pytest.fixture
def qualification(db):
    return QualificationFactory(qualification_number="603/1234/5", credits=None)


def good_file(number="603/1234/5"):
    return unit_csv(
        [
            row(number, "A", "all", "T/617/0001", "Understanding conflict"),
            row(number, "A", "all", "T/617/0002", "Managing conflict", "Entry 3", "3", ""),
            row(number, "B", "min 6 credits", "T/617/0003"),
            row(number, "B", "min 6 credits", "T/617/0004"),
            row(number, "B", "min 6 credits", "AIM-OWN-1"),
        ]
    )


def run(data, **options):
    plan = unit_import.plan_import(data, "units.csv")
    assert plan.can_import, [str(p) for p in plan.rejected] + [plan.problem]
    unit_import.apply_import(plan, **options)
    return plan


def test_an_import_gives_the_qualification_its_groups_and_units(qualification):
    plan = run(good_file())

    structure = Qualification.objects.for_detail_page().get(pk=qualification.pk).structure
    assert [(g.name, g.rule_text, [u.address for u in g.units]) for g in structure.groups] == [
        ("A", "all units in this group, 6 credits", ["T/617/0001", "T/617/0002"]),
        ("B", "at least 6 credits from this group", ["T/617/0003", "T/617/0004", "AIM-OWN-1"]),
    ]
    second = Unit.objects.get(reference="T/617/0002")
    assert (second.level, second.guided_learning_hours) == ("E3", None)
    assert (
        Unit.objects.get(code="AIM-OWN-1").awarding_organisation
        == qualification.awarding_organisation
    )
    assert plan.summary() == (
        "1 qualifications changed, 0 qualifications unchanged, 5 units created, 0 units changed, "
        "0 rejected"
    )


def test_the_same_file_twice_changes_nothing(qualification):
    run(good_file())
    versions, updated = Version.objects.count(), Qualification.objects.get().updated_at

    plan = run(good_file())

    assert plan.counts() == {
        "qualifications changed": 0,
        "qualifications unchanged": 1,
        "units created": 0,
        "units changed": 0,
        "rejected": 0,
    }
    assert Version.objects.count() == versions
    assert Qualification.objects.get().updated_at == updated


def test_every_change_is_a_version_attributed_to_the_import(qualification, django_user_model):
    user = django_user_model.objects.create_user("importer")

    run(good_file(), user=user)

    version = Version.objects.get_for_object(qualification).first()
    assert version.revision.user == user
    assert version.revision.comment == "Imported units: units.csv"
    unit_version = Version.objects.get_for_object(Unit.objects.get(reference="T/617/0001")).get()
    assert unit_version.revision.comment == "Imported units: units.csv"


def test_a_changed_unit_is_updated_everywhere_with_a_version_of_it(qualification):
    other = QualificationFactory(credits=None)
    run(good_file())
    give_units(other, ("A", GroupRule.ALL, None, None, [Unit.objects.get(reference="T/617/0003")]))
    data = good_file().replace(b"T/617/0003,Unit title", b"T/617/0003,Renamed unit")

    plan = run(data)

    assert [(c.address, c.label, c.old, c.new) for c in plan.unit_changes] == [
        ("T/617/0003", "Title", "Unit title", "Renamed unit")
    ]
    assert set(Qualification.objects.search("renamed")) == {qualification, other}
    assert Version.objects.get_for_object(Unit.objects.get(reference="T/617/0003")).count() == 2


@pytest.mark.parametrize(
    ("cells", "column", "reason"),
    [
        (
            row("603/1234", "A", "all", "T/617/0001"),
            "Qualification Number",
            "is not an Ofqual qualification number",
        ),
        (row("603/1234/5", "", "all", "T/617/0001"), "Group", "needs the name of its group"),
        (row("603/1234/5", "A", "some", "T/617/0001"), "Group Rule", "“some” is not a rule"),
        (
            row("603/1234/5", "A", "all", "T/61/0001"),
            "Unit Reference Number",
            "is neither a unit reference",
        ),
        (row("603/1234/5", "A", "all", "T/617/0001", title=""), "Unit Title", "needs its title"),
        (
            row("603/1234/5", "A", "all", "T/617/0001", level="Level 9"),
            "Unit Level",
            "is not a unit level",
        ),
        (
            row("603/1234/5", "A", "all", "T/617/0001", credits="x"),
            "Credit Value",
            "is not a whole number",
        ),
        (
            row("999/9999/9", "A", "all", "T/617/0001"),
            "Qualification Number",
            "No qualification has the number",
        ),
    ],
)
def test_a_bad_row_is_reported_by_line_and_column_and_nothing_is_imported(
    qualification, cells, column, reason
):
    data = unit_csv([row("603/1234/5", "A", "all", "T/617/0009"), cells])

    plan = unit_import.plan_import(data, "units.csv")

    [problem] = plan.rejected
    assert (problem.line, problem.column) == (3, column)
    assert reason in problem.reason
    with pytest.raises(ValueError, match="cannot be imported"):
        unit_import.apply_import(plan)
    assert not Unit.objects.exists()


def test_a_unit_differing_between_rows_is_refused(qualification):
    data = unit_csv(
        [
            row("603/1234/5", "A", "all", "T/617/0001", credits="3"),
            row("603/1234/5", "B", "min 1 units", "T/617/0002"),
            row("603/1234/5", "B", "min 2 units", "T/617/0001", credits="6"),
        ]
    )

    reasons = [str(problem) for problem in unit_import.plan_import(data, "u.csv").rejected]

    assert reasons == [
        "line 4, column “Unit Reference Number”: T/617/0001 is already in 603/1234/5 on line 2: a "
        "unit may be in one group only, once.",
        "line 4, column “Group Rule”: Group B has another rule on line 3.",
        "line 4, column “Unit Reference Number”: T/617/0001 has another credit value on line 2: a "
        "unit is the same in every qualification.",
    ]


def test_a_structure_that_cannot_be_met_is_refused_naming_the_group(qualification):
    data = unit_csv(
        [
            row("603/1234/5", "A", "all", "T/617/0001"),
            row("603/1234/5", "B", "min 9 credits", "T/617/0002"),
        ]
    )

    [problem] = unit_import.plan_import(data, "u.csv").rejected

    assert str(problem) == (
        "line 2, column “Group Rule”: Group B asks for at least 9 credits but holds 3 credits."
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"Qualification Number,Group\r\n", "The file lacks the columns “Group Rule”"),
        (b"PK\x03\x04rest", "spreadsheet workbook"),
    ],
)
def test_a_file_that_is_no_unit_csv_is_refused_whole(db, data, message):
    plan = unit_import.plan_import(data, "u.csv")

    assert message in str(plan.problem)


def test_the_command_imports_and_its_dry_run_writes_nothing(qualification, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(good_file())
    out = io.StringIO()

    call_command("import_units", str(path), "--dry-run", stdout=out)
    assert not Unit.objects.exists()
    assert "Dry run, nothing written. Would be: 1 qualifications changed" in out.getvalue()

    call_command("import_units", str(path), stdout=out)
    assert UnitMembership.objects.count() == 5
    assert "Imported units.csv: 1 qualifications changed" in out.getvalue()


def test_the_command_stops_at_a_bad_file(qualification, tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes(unit_csv([row("603/1234/5", "A", "every", "T/617/0001")]))
    err = io.StringIO()

    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_units", str(path), stderr=err)
    assert "Rejected line 2, column “Group Rule”" in err.getvalue()


def test_what_the_site_exports_it_imports_again_unchanged(client, qualification):
    run(good_file())
    exported = client.get(reverse("qualifications:units-csv")).content
    UnitMembership.objects.all().delete()
    qualification.unit_groups.all().delete()

    plan = run(exported)

    assert plan.counts()["qualifications changed"] == 1
    assert plan.counts()["units changed"] == 0
    assert client.get(reverse("qualifications:units-csv")).content == exported
    assert (
        exported.decode().splitlines()[2]
        == "603/1234/5,A,all,T/617/0002,Managing conflict,Entry 3,3,"
    )


def test_a_publisher_imports_units_in_the_admin_after_a_preview(roles, qualification):
    user = User.objects.create_user("pablo", is_staff=True)
    user.groups.add(Role.objects.get(name="Publisher"))
    publisher = Client()
    publisher.force_login(user)

    preview = publisher.post(IMPORT_URL, {"file": io.BytesIO(good_file())})
    assert "1 qualifications changed" in preview.text
    assert not Unit.objects.exists()
    token = preview.context["token"]
    done = publisher.post(IMPORT_URL, {"token": token})

    assert done.status_code == 302
    assert UnitMembership.objects.count() == 5
    assert Version.objects.get_for_object(qualification).first().revision.user == user


def test_an_editor_may_not_import_units(roles, db):
    user = User.objects.create_user("edna", is_staff=True)
    user.groups.add(Role.objects.get(name="Editor"))
    editor = Client()
    editor.force_login(user)

    assert editor.get(IMPORT_URL).status_code == 403
