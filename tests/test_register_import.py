import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.urls import reverse
from reversion.models import Revision, Version

from qualifications import register, services
from qualifications.choices import Status
from qualifications.models import AwardingOrganisation, Qualification

from .factories import AudienceFactory, AwardingOrganisationFactory, QualificationFactory
from .register_csv import register_csv, register_row

IMPORT_URL = reverse("admin:qualifications_qualification_import")


def plan(data, **kwargs):
    return register.plan_import(data, "register.csv", **kwargs)


def run_import(data, **kwargs):
    """Plan and apply `data`; returns the plan."""
    result = plan(data, **kwargs)
    assert result.can_import, [str(problem) for problem in result.rejected] + [result.problem]
    register.apply_import(result)
    return result


@pytest.fixture
def register_file(tmp_path):
    def write(data, name="register.csv"):
        path = tmp_path / name
        path.write_bytes(data)
        return str(path)

    return write


# CREATING AND UPDATING


def test_a_new_qualification_is_created_as_a_draft_with_the_registers_facts(db):
    run_import(register_csv([register_row("603/1234/5")]))

    qualification = Qualification.objects.get(qualification_number="603/1234/5")
    assert qualification.status == Status.DRAFT
    assert qualification.title == "Conflict Resolution Level 3 Certificate"
    assert qualification.slug == "conflict-resolution-level-3-certificate"
    assert qualification.level == 3
    assert qualification.qualification_type == "Other Vocational Qualification"
    assert qualification.sub_level == ""
    assert qualification.credits == 12
    assert qualification.subject_area == "Law and legal services"
    assert qualification.register_status == "Available to learners"
    assert qualification.regulation_start_date == datetime.date(2020, 9, 1)
    assert qualification.operational_start_date == datetime.date(2020, 10, 1)
    assert qualification.operational_end_date == datetime.date(2030, 8, 31)
    assert qualification.certification_end_date == datetime.date(2032, 8, 31)
    assert qualification.minimum_guided_learning_hours == 90
    assert qualification.maximum_guided_learning_hours == 110
    assert qualification.total_qualification_time == 120
    assert qualification.guided_learning_hours == 100
    assert qualification.offered_in_england is True
    assert qualification.grading_type == "Pass/Fail"
    assert qualification.assessment == "Portfolio of evidence"
    assert qualification.specification_url.endswith("/conflict-resolution.pdf")
    organisation = qualification.awarding_organisation
    assert (organisation.name, organisation.recognition_number, organisation.acronym) == (
        "AIM Qualifications",
        "RN5220",
        "AIM QUALS",
    )


def test_an_existing_qualification_gets_only_the_registers_facts_never_staff_text(db):
    organisation = AwardingOrganisationFactory(name="AIM Qualifications")
    existing = QualificationFactory(
        qualification_number="603/1234/5",
        title="Old Title",
        slug="kept-slug",
        status=Status.PUBLISHED,
        awarding_organisation=organisation,
        overview="Written by staff.",
        entry_requirement="a keen interest",
        assessment="Observed practice",
        level=2,
    )

    result = run_import(register_csv([register_row("603/1234/5")]))

    existing.refresh_from_db()
    assert existing.title == "Conflict Resolution Level 3 Certificate"
    assert existing.level == 3
    assert existing.guided_learning_hours == 100
    assert (existing.slug, existing.status) == ("kept-slug", Status.PUBLISHED)
    assert (existing.overview, existing.entry_requirement) == (
        "Written by staff.",
        "a keen interest",
    )
    # Assessment is filled from the Register only while staff have left it empty.
    assert existing.assessment == "Observed practice"
    changed = {change.field: (change.old, change.new) for change in result.updated[0].changes}
    assert changed["title"] == ("Old Title", "Conflict Resolution Level 3 Certificate")
    assert changed["level"] == ("Level 2", "Level 3")
    assert "assessment" not in changed
    organisation.refresh_from_db()
    assert (organisation.recognition_number, organisation.acronym) == ("RN5220", "AIM QUALS")


def test_a_column_missing_from_the_file_leaves_that_fact_as_it_is(db):
    QualificationFactory(qualification_number="603/1234/5", guided_learning_hours=42)
    headings = [h for h in register.HEADINGS if h != "Guided Learning Hours"]

    result = run_import(register_csv([register_row("603/1234/5")], headings=headings))

    assert Qualification.objects.get().guided_learning_hours == 42
    assert "Guided Learning Hours" in result.missing_columns


def test_the_same_file_twice_changes_nothing_and_records_no_version(db):
    data = register_csv([register_row("603/1234/5"), register_row("603/1234/6")])
    run_import(data)
    stamps = dict(Qualification.objects.values_list("pk", "updated_at"))
    revisions = Revision.objects.count()

    second = run_import(data)

    assert second.counts() == {
        "created": 0,
        "updated": 0,
        "unchanged": 2,
        "rejected": 0,
        "skipped": 0,
    }
    assert dict(Qualification.objects.values_list("pk", "updated_at")) == stamps
    assert Revision.objects.count() == revisions


def test_every_change_is_a_version_attributed_to_the_import(db):
    changed = QualificationFactory(qualification_number="603/1234/5", title="Old Title")
    AudienceFactory(qualification=changed)
    made_in_code = set(Revision.objects.values_list("pk", flat=True))

    run_import(register_csv([register_row("603/1234/5"), register_row("603/1234/6")]))

    revisions = Revision.objects.exclude(pk__in=made_in_code)
    assert {(r.comment, r.user) for r in revisions} == {
        ("Imported from the Ofqual Register: register.csv", None)
    }
    new = Qualification.objects.get(qualification_number="603/1234/6")
    versions_of = Version.objects.filter(revision__in=revisions)
    assert versions_of.get_for_object(new).count() == 1
    assert versions_of.get_for_object(changed).count() == 1
    # The changed qualification's audience is kept with it, as a restore needs.
    assert versions_of.filter(content_type__model="audience").count() == 1
    version = Version.objects.get_for_object(changed).first()
    assert version.field_dict["title"] == "Conflict Resolution Level 3 Certificate"


def test_an_import_is_searchable_at_once(db):
    QualificationFactory(qualification_number="603/1234/5", title="Old Title", status="published")

    run_import(register_csv([register_row("603/1234/5", Qualification_Title="Beekeeping Skills")]))

    assert list(Qualification.objects.search("beekeeping").values_list("title", flat=True)) == [
        "Beekeeping Skills"
    ]
    assert not Qualification.objects.search("old title").exists()


def test_an_import_shows_at_once_on_the_page_and_in_the_catalogue(client, db):
    qualification = QualificationFactory(qualification_number="603/1234/5", title="Old Title")
    page, catalogue = client.get(qualification.get_absolute_url()), client.get("/")

    run_import(register_csv([register_row("603/1234/5", Qualification_Title="New Title")]))

    page_again = client.get(
        qualification.get_absolute_url(), headers={"if-none-match": page["ETag"]}
    )
    catalogue_again = client.get("/", headers={"if-none-match": catalogue["ETag"]})
    assert "New Title" in page_again.text
    assert "New Title" in catalogue_again.text


def test_a_second_qualification_with_the_same_title_gets_its_own_slug(db):
    run_import(register_csv([register_row("603/1234/5"), register_row("603/1234/6")]))

    assert set(Qualification.objects.values_list("slug", flat=True)) == {
        "conflict-resolution-level-3-certificate",
        "conflict-resolution-level-3-certificate-60312346",
    }


def test_a_qualification_number_ending_in_x_is_imported(db):
    run_import(register_csv([register_row("603/1234/x")]))

    assert Qualification.objects.get().qualification_number == "603/1234/X"


def test_organisation_option_imports_only_that_organisations_rows(db):
    rows = [
        register_row("603/1234/5"),
        register_row(
            "603/1234/6",
            Owner_Organisation_Name="Other Awards",
            Owner_Organisation_Acronym="OTHER",
            Owner_Organisation_Recognition_Number="RN1",
            Qualification_Level="Level 1/2",  # not checked: not imported
        ),
    ]

    result = run_import(register_csv(rows), organisation="aim quals")

    assert list(Qualification.objects.values_list("qualification_number", flat=True)) == [
        "603/1234/5"
    ]
    assert result.skipped == 1
    assert not AwardingOrganisation.objects.filter(name="Other Awards").exists()


def test_an_organisation_with_no_row_in_the_file_is_a_clear_answer(db):
    result = plan(register_csv([register_row()]), organisation="NOBODY")

    assert "No row is of the awarding organisation “NOBODY”" in str(result.problem)


# REJECTED ROWS


@pytest.mark.parametrize(
    ("column", "value", "reason"),
    [
        ("Qualification Number", "60/1234/5", "is not an Ofqual qualification number"),
        ("Qualification Title", "", "needs its title"),
        ("Qualification Level", "Level 1/2", "is not a level the site shows"),
        ("Total Credits", "twelve", "is not a whole number"),
        ("Guided Learning Hours", "-5", "is not a whole number"),
        ("Certification End Date", "2032-08-31", "is not a date written dd/mm/yyyy"),
        ("Operational End Date", "31/02/2030", "is not a date written dd/mm/yyyy"),
        ("Offered In England", "Maybe", "is neither Yes nor No"),
        ("Link To Specification", "javascript:alert(1)", "is not a web address"),
        ("Qualification Title", "x" * 201, "the site keeps at most 200"),
        ("Owner Organisation Recognition Number", "5220", "is not a recognition number"),
    ],
)
def test_a_bad_value_rejects_its_row_with_line_column_and_reason_and_nothing_is_written(
    db, column, value, reason
):
    rows = [register_row("603/1234/5"), register_row("603/1234/6", **{column: value})]

    result = plan(register_csv(rows))

    assert not result.can_import
    [problem] = result.rejected
    assert (problem.line, problem.column) == (3, column)
    assert reason in problem.reason
    with pytest.raises(ValueError, match="cannot be imported"):
        register.apply_import(result)
    assert not Qualification.objects.exists()


def test_a_qualification_number_twice_in_the_file_is_rejected(db):
    result = plan(register_csv([register_row("603/1234/5"), register_row("603/1234/5")]))

    [problem] = result.rejected
    assert (problem.line, problem.column) == (3, "Qualification Number")
    assert "already on line 2" in problem.reason


def test_a_row_with_too_few_values_is_rejected(db):
    data = register_csv([register_row("603/1234/5")]) + b"603/1234/6,Short Row\n"

    [problem] = plan(data).rejected

    assert problem.line == 3
    assert "has 2 values" in problem.reason


def test_line_numbers_count_the_lines_a_quoted_value_spans(db):
    rows = [
        register_row("603/1234/5", Qualification_Type="Spans\ntwo lines"),
        register_row("603/1234/6", Qualification_Level="Level 9"),
    ]

    [problem] = plan(register_csv(rows)).rejected

    assert problem.line == 4


def test_a_rejected_row_through_the_command_writes_nothing_and_says_where(
    db, register_file, capsys
):
    rows = [register_row("603/1234/5"), register_row("603/1234/6", Qualification_Level="")]

    with pytest.raises(CommandError, match="Nothing was imported: 1 problem"):
        call_command("import_register", register_file(register_csv(rows)))

    assert "line 3, column “Qualification Level”" in capsys.readouterr().err
    assert not Qualification.objects.exists()


# FILES OF EVERY KIND


def test_reordered_columns_import_the_same_as_the_registers_order(db):
    headings = list(reversed(register.HEADINGS))

    run_import(register_csv([register_row("603/1234/5")], headings=headings))

    assert Qualification.objects.get().guided_learning_hours == 100


def test_unknown_columns_are_ignored_and_named(db):
    headings = [*register.HEADINGS, "Offered In Wales", "Pathways"]

    result = run_import(register_csv([register_row()], headings=headings))

    assert result.ignored_columns == ["Offered In Wales", "Pathways"]
    assert Qualification.objects.count() == 1


def test_a_byte_order_mark_and_windows_line_endings_are_read(db):
    data = register_csv([register_row("603/1234/5")], line_ending="\r\n", bom=True)

    run_import(data)

    qualification = Qualification.objects.get()
    assert qualification.qualification_number == "603/1234/5"
    assert qualification.specification_url.endswith(".pdf")


def test_a_quoted_comma_stays_in_its_value(db):
    run_import(register_csv([register_row(Qualification_SSA="Law, and legal services")]))

    assert Qualification.objects.get().subject_area == "Law, and legal services"


def test_a_windows_1252_file_is_read_and_said_so(db):
    data = register_csv([register_row(Qualification_Title="Café Skills")]).decode()
    result = run_import(data.encode("cp1252"))

    assert Qualification.objects.get().title == "Café Skills"
    assert "Windows-1252" in result.notes[0]


@pytest.mark.parametrize(
    ("data", "answer"),
    [
        (b"", "The file is empty."),
        (b"\r\n\r\n", "The file is empty."),
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet workbook"),
        (b"%PDF-1.7\n\x00\x01\x02binary", "holds binary data"),
        (b"Dear colleague,\nplease find attached.\n", "does not look like the Ofqual Register"),
        (b'{"qualifications": []}', "does not look like the Ofqual Register"),
        (b"Qualification Number,Qualification Title\n", "lacks the columns"),
        (register_csv([]), "has the Register's headings but no rows"),
        (
            b"Qualification Number,Qualification Number,Qualification Title",
            "appears twice",
        ),
        (b'Qualification Number,"unterminated\x00', "holds binary data"),
    ],
)
def test_a_file_that_cannot_be_imported_gets_a_clear_answer(db, data, answer):
    result = plan(data)

    assert answer in str(result.problem)
    assert not result.can_import


def test_an_unreadable_file_through_the_command_is_a_clear_answer(db, register_file):
    with pytest.raises(CommandError, match="This is a spreadsheet workbook"):
        call_command("import_register", register_file(b"PK\x03\x04rest"))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_register", "/no/such/file.csv")


def test_a_file_of_twenty_thousand_rows_is_planned_whole(db):
    rows = [register_row(f"6{n // 10000:02d}/{n % 10000:04d}/{n % 10}") for n in range(20_000)]

    result = plan(register_csv(rows))

    assert result.can_import
    assert len(result.created) == 20_000


def test_more_rows_than_an_import_takes_is_a_clear_answer(db, monkeypatch):
    monkeypatch.setattr(register, "MAX_ROWS", 3)
    rows = [register_row(f"603/1234/{n}") for n in range(4)]

    assert "more than 3 rows" in str(plan(register_csv(rows)).problem)


# THE COMMAND


def test_a_dry_run_says_what_would_happen_and_writes_nothing(db, register_file, capsys):
    QualificationFactory(qualification_number="603/1234/5", title="Old Title")
    path = register_file(register_csv([register_row("603/1234/5"), register_row("603/1234/6")]))
    revisions = Revision.objects.count()

    call_command("import_register", path, "--dry-run", verbosity=2)

    out = capsys.readouterr().out
    assert "New: 603/1234/6 Conflict Resolution Level 3 Certificate" in out
    assert "Changed: 603/1234/5 Title: “Old Title” → “Conflict Resolution" in out
    assert "Would be: 1 created, 1 updated, 0 unchanged, 0 rejected." in out
    assert Qualification.objects.count() == 1
    assert Revision.objects.count() == revisions


def test_the_command_imports_and_ends_with_the_counts(db, register_file, capsys):
    run_import(register_csv([register_row("603/1234/7")]))
    QualificationFactory(qualification_number="603/1234/5")
    data = register_csv(
        [register_row("603/1234/5"), register_row("603/1234/6"), register_row("603/1234/7")]
    )

    call_command("import_register", register_file(data), "--organisation", "AIM QUALS")

    assert (
        "Imported register.csv: 1 created, 1 updated, 1 unchanged, 0 rejected."
        in capsys.readouterr().out
    )


# THE ADMIN PAGE


@pytest.fixture
def publisher(db):
    user = User.objects.create_user("publisher", password="x", is_staff=True)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["publish_qualification", "view_qualification", "change_qualification"]
        )
    )
    return user


def upload(client, data, name="register.csv", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data, "text/csv"), **fields})


def test_a_publisher_previews_an_upload_then_confirms_it(client, publisher):
    QualificationFactory(qualification_number="603/1234/5", title="Old Title")
    client.force_login(publisher)

    preview = upload(client, register_csv([register_row("603/1234/5"), register_row("603/1234/6")]))

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "1 created, 1 updated, 0 unchanged, 0 rejected" in html
    assert "Old Title" in html  # the change, field by field
    assert Qualification.objects.count() == 1  # nothing written yet

    confirmed = client.post(IMPORT_URL, {"token": preview.context["token"], "confirm": "Import"})

    assert confirmed.status_code == 302
    assert Qualification.objects.count() == 2
    imported = Revision.objects.filter(comment__startswith="Imported from the Ofqual Register")
    assert {revision.user for revision in imported} == {publisher}
    assert Qualification.objects.get(qualification_number="603/1234/6").status == Status.DRAFT


def test_a_catalogue_changed_since_the_preview_is_shown_again_before_importing(client, publisher):
    existing = QualificationFactory(qualification_number="603/1234/5", title="Old Title")
    client.force_login(publisher)
    preview = upload(client, register_csv([register_row("603/1234/5", Qualification_Title="New")]))
    existing.title = "New"
    services.qualification_save(existing)

    shown_again = client.post(IMPORT_URL, {"token": preview.context["token"], "confirm": "Import"})

    assert shown_again.status_code == 200
    assert "The catalogue changed since the preview" in shown_again.text
    assert "Old Title" in preview.text
    assert "Old Title" not in shown_again.text  # the title is no longer a change it makes
    assert not Revision.objects.filter(comment__startswith="Imported from the Ofqual").exists()
    confirmed = client.post(IMPORT_URL, {"token": preview.context["token"], "confirm": "Import"})
    assert confirmed.status_code == 302


def test_the_admin_preview_lists_rejected_rows_and_offers_no_import(client, publisher):
    client.force_login(publisher)

    preview = upload(
        client, register_csv([register_row(), register_row("6", Qualification_Level="Level 1/2")])
    )

    html = preview.content.decode()
    assert "Rejected (2)" in html
    assert "Level 1/2" in html
    assert 'name="token"' not in html


def test_the_admin_says_so_when_a_file_is_not_csv(client, publisher):
    client.force_login(publisher)

    preview = upload(client, b"PK\x03\x04...", name="register.xlsx")

    assert preview.status_code == 200
    assert "This file cannot be imported" in preview.content.decode()


def test_an_expired_preview_asks_for_the_file_again(client, publisher):
    client.force_login(publisher)

    response = client.post(IMPORT_URL, {"token": "gone", "confirm": "Import"}, follow=True)

    assert "That preview has expired" in response.content.decode()
    assert not Qualification.objects.exists()


def test_staff_who_cannot_publish_cannot_import(client, db):
    editor = User.objects.create_user("editor", password="x", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__endswith="_qualification"))
    editor.user_permissions.remove(Permission.objects.get(codename="publish_qualification"))
    client.force_login(editor)

    assert client.get(IMPORT_URL).status_code == 403
    assert upload(client, register_csv([register_row()])).status_code == 403
    changelist = client.get(reverse("admin:qualifications_qualification_changelist"))
    assert IMPORT_URL not in changelist.content.decode()
    assert not Qualification.objects.exists()


def test_the_changelist_links_publishers_to_the_import(client, publisher):
    client.force_login(publisher)

    changelist = client.get(reverse("admin:qualifications_qualification_changelist"))

    assert IMPORT_URL in changelist.content.decode()
