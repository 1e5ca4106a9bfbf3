"""Units on the public site: the "What you will study" section, a unit's page and JSON, the
checker, the search, and a unit's save keeping every qualification that holds it current."""

import io
import json
import time

import pytest
from django.urls import reverse
from pypdf import PdfReader
from reversion.models import Version

from qualifications import services
from qualifications.choices import Status
from qualifications.models import GroupRule, LearningOutcome, Qualification, UnitLevel

from .factories import QualificationFactory, UnitFactory, give_units
from .html import select, select_one
from .seed_facts import normalise
from .test_qualification_page import DETAIL_PAGE_QUERIES

ALL, CREDITS, UNITS = GroupRule.ALL, GroupRule.CREDITS, GroupRule.UNITS
# A unit's page: the unit with its organisation, its outcomes, the published qualifications
# holding it.
UNIT_PAGE_QUERIES = 3
# The checker: the qualification with its organisation, its units with their groups.
CHECKER_QUERIES = 2


def forty_units(qualification=None, **kwargs):
    """A published qualification of 40 units in four groups: A mandatory (10 units, 30
    credits), B at least 6 credits, C at least 2 units at most 4, D at least 3 credits."""
    qualification = qualification or QualificationFactory(credits=45, **kwargs)
    units = UnitFactory.create_batch(40)
    give_units(
        qualification,
        ("A", ALL, None, None, units[:10]),
        ("B", CREDITS, 6, None, units[10:20]),
        ("C", UNITS, 2, 4, units[20:30]),
        ("D", CREDITS, 3, None, units[30:]),
    )
    return qualification, units


# THE PAGE


def test_the_page_lists_each_group_with_its_rule_and_units(client, db):
    qualification, units = forty_units()

    html = client.get(qualification.get_absolute_url()).text

    headings = [h.text for h in select(html, "h3", "units__group")]
    assert headings == [
        "Group A: all units in this group, 30 credits",
        "Group B: at least 6 credits from this group",
        "Group C: at least 2 and at most 4 units from this group",
        "Group D: at least 3 credits from this group",
    ]
    rows = select(html, "tr")
    assert len(rows) == 4 + 40  # a heading row per table
    first = select_one(html, "a", href=f"/units/{units[0].reference}/")
    assert first.text == units[0].reference


def test_the_seed_shows_no_units_section(client, seed):
    html = client.get(seed.get_absolute_url()).text

    assert "What you will study" not in html
    assert 'class="units' not in html


def test_the_page_with_forty_units_runs_a_fixed_number_of_queries(
    client, db, django_assert_num_queries
):
    qualification, _ = forty_units()

    with django_assert_num_queries(DETAIL_PAGE_QUERIES):
        response = client.get(qualification.get_absolute_url())

    assert response.text.count('class="units__reference"') == 40


def factsheet_pages(client, qualification):
    response = client.get(qualification.get_factsheet_url())
    assert response.status_code == 200
    return [
        normalise(page.extract_text()) for page in PdfReader(io.BytesIO(response.content)).pages
    ]


def test_the_factsheet_carries_the_groups_and_units_not_the_outcomes(client, db):
    qualification, units = forty_units()
    LearningOutcome.objects.create(unit=units[0], text="understand outcomes text", order=1)

    text = " ".join(factsheet_pages(client, qualification))

    assert "What you will study" in text
    assert "Group B: at least 6 credits from this group" in text
    assert all(unit.reference in text for unit in units)
    assert "understand outcomes text" not in text
    assert "Check a choice of units" not in text


def test_a_unit_table_over_pages_repeats_its_headings_and_splits_no_row(client, db):
    qualification = QualificationFactory(credits=None)
    units = [
        UnitFactory(title=f"Unit {n} on a long subject, " + "with a title over lines " * 3)
        for n in range(40)
    ]
    give_units(qualification, ("A", ALL, None, None, units))

    pages = factsheet_pages(client, qualification)

    table_pages = [page for page in pages if any(unit.reference in page for unit in units)]
    assert len(table_pages) >= 2
    assert all("Reference Title Level Credit GLH" in page for page in table_pages)
    # No row split: each unit's reference and its credit and hours are on one page.
    for unit in units:
        page = next(page for page in pages if unit.reference in page)
        assert f"Unit {units.index(unit)} on a long subject" in page


def test_the_factsheet_of_forty_units_renders_in_under_a_second_and_a_half(db):
    from qualifications.factsheets import render_factsheet

    qualification, _ = forty_units()
    render_factsheet(Qualification.objects.for_detail_page().get(pk=qualification.pk))

    started = time.perf_counter()
    render_factsheet(Qualification.objects.for_detail_page().get(pk=qualification.pk))

    assert time.perf_counter() - started < 1.5


# THE UNIT'S PAGE


def test_a_units_page_shows_its_outcomes_criteria_and_qualifications(client, db):
    qualification, units = forty_units()
    draft = QualificationFactory(status=Status.DRAFT, credits=None)
    give_units(draft, ("A", ALL, None, None, [units[0]]))
    LearningOutcome.objects.create(
        unit=units[0], text="understand conflict", criteria="Explain causes\nDescribe effects"
    )

    html = client.get(f"/units/{units[0].reference}/").text

    assert select_one(html, "h1").text == units[0].title
    assert "The learner will understand conflict" in html
    assert [
        li.text for li in select(html, "li") if li.text.startswith(("Explain", "Describe"))
    ] == [
        "Explain causes",
        "Describe effects",
    ]
    assert qualification.title in html
    assert draft.title not in html


def test_a_unit_held_by_no_published_qualification_is_not_found(client, db):
    unit = UnitFactory()
    give_units(QualificationFactory(status=Status.DRAFT), ("A", ALL, None, None, [unit]))

    assert client.get(f"/units/{unit.reference}/").status_code == 404
    assert client.get(f"/units/{unit.reference}.json").status_code == 404


def test_a_unit_with_its_own_code_has_its_page_at_the_code(client, db):
    unit = UnitFactory(reference=None, code="AIM-MED-01")
    qualification = QualificationFactory()
    give_units(qualification, ("A", ALL, None, None, [unit]))

    assert client.get("/units/AIM-MED-01/").status_code == 200
    assert 'href="/units/AIM-MED-01/"' in client.get(qualification.get_absolute_url()).text


def test_odd_unit_addresses_are_not_found(client, db):
    for address in ["A/1/2", "a/617/4242", "x" * 40, "T/617/4242/extra", "%00"]:
        assert client.get(f"/units/{address}/").status_code == 404, address


def test_a_units_page_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries):
    qualification, units = forty_units()
    for n in range(10):
        LearningOutcome.objects.create(unit=units[0], text=f"outcome {n}", order=n)
    for _ in range(5):
        give_units(QualificationFactory(credits=None), ("A", ALL, None, None, [units[0]]))

    with django_assert_num_queries(UNIT_PAGE_QUERIES):
        response = client.get(f"/units/{units[0].reference}/")

    assert response.text.count("outcome ") == 10
    assert qualification.title in response.text


def test_a_units_json_holds_its_outcomes_and_qualifications(client, db):
    qualification, units = forty_units()
    LearningOutcome.objects.create(unit=units[3], text="understand", criteria="one\ntwo")

    data = client.get(f"/units/{units[3].reference}.json").json()

    assert data["reference"] == units[3].reference
    assert data["level"] == {"code": "3", "name": "Level 3"}
    assert data["learning_outcomes"] == [
        {"outcome": "understand", "assessment_criteria": ["one", "two"]}
    ]
    assert [q["qualification_number"] for q in data["qualifications"]] == [
        qualification.qualification_number
    ]


def test_a_qualifications_json_holds_its_structure(client, db):
    qualification, units = forty_units()

    data = json.loads(client.get(f"/qualifications/{qualification.slug}.json").content)

    assert [group["group"] for group in data["structure"]] == ["A", "B", "C", "D"]
    assert data["structure"][2]["rule"] == {
        "kind": "units",
        "minimum": 2,
        "maximum": 4,
        "text": "at least 2 and at most 4 units from this group",
    }
    assert [unit["reference"] for unit in data["structure"][0]["units"]] == [
        unit.reference for unit in units[:10]
    ]


def test_the_seeds_json_has_no_structure(client, seed):
    assert client.get(f"/qualifications/{seed.slug}.json").json()["structure"] == []


# A UNIT IS SHARED


def test_editing_a_unit_keeps_every_qualification_holding_it_current(client, db):
    unit = UnitFactory(title="Managing conflict")
    first, second = QualificationFactory(credits=None), QualificationFactory(credits=None)
    give_units(first, ("A", ALL, None, None, [unit]))
    give_units(second, ("A", ALL, None, None, [unit]))
    client.get(first.get_absolute_url())
    before = {q.pk: q.updated_at for q in Qualification.objects.all()}
    versions = Version.objects.get_for_object(first).count()

    unit.title = "Resolving disputes"
    services.unit_save(unit)

    assert "Resolving disputes" in client.get(first.get_absolute_url()).text
    assert "Resolving disputes" in client.get(second.get_absolute_url()).text
    assert all(q.updated_at > before[q.pk] for q in Qualification.objects.all())
    assert set(Qualification.objects.search("disputes")) == {first, second}
    assert not Qualification.objects.search("managing").exists()
    # No edit of the qualifications, but a version of the unit.
    assert Version.objects.get_for_object(first).count() == versions
    assert Version.objects.get_for_object(unit).count() == 2


def test_a_unit_reference_and_title_find_the_qualifications_holding_it(db):
    unit = UnitFactory(reference="T/617/4242", title="Understanding mediation ethics")
    other = UnitFactory(reference="T/617/4243")
    holder = QualificationFactory(credits=None)
    give_units(holder, ("A", ALL, None, None, [unit]))
    give_units(QualificationFactory(credits=None), ("A", ALL, None, None, [other]))

    assert list(Qualification.objects.search("T/617/4242")) == [holder]
    assert list(Qualification.objects.search("ethics")) == [holder]
    # One word: its numbers alone are not a match.
    assert not Qualification.objects.search("617").exists()


# THE CHECKER


def checker(client, qualification, *addresses, **extra):
    query = "&".join(f"unit={address}" for address in addresses)
    return client.get(f"/qualifications/{qualification.slug}/structure/?{query}", extra)


def answer_of(response):
    return select_one(response.text, "div", id="checker-answer").text


def test_a_choice_meeting_every_rule_meets_them(client, db):
    qualification, units = forty_units()
    chosen = [u.reference for u in units[:10] + units[10:12] + units[20:22] + units[30:31]]

    response = checker(client, qualification, *chosen)

    answer = answer_of(response)
    assert "This choice meets the rules of combination" in answer
    assert "Your choice: 45 credits and 300 guided learning hours." in answer


def test_a_choice_short_of_a_rule_says_what_is_missing_group_by_group(client, db):
    qualification, units = forty_units()
    chosen = [u.reference for u in units[:9] + units[10:11] + units[20:21]]

    answer = answer_of(checker(client, qualification, *chosen, "A/601/0001"))

    assert "This choice does not meet the rules of combination" in answer
    assert "A/601/0001 is not in this qualification." in answer
    assert f"1 more unit from group A, which are all needed: {units[9].reference}." in answer
    assert "3 more credits from group B." in answer
    assert "1 more unit from group C." in answer
    assert "3 more credits from group D." in answer
    assert "12 more credits in all: the qualification needs 45." in answer


def test_too_many_from_a_group_is_said(client, db):
    qualification, units = forty_units()

    answer = answer_of(checker(client, qualification, *(u.reference for u in units)))

    assert "6 units too many from group C (at most 4)." in answer


def test_a_repeated_unit_counts_once(client, db):
    qualification, units = forty_units()

    answer = answer_of(checker(client, qualification, *[units[0].reference] * 5))

    assert "Your choice: 3 credits and 20 guided learning hours." in answer


def test_the_checker_form_ticks_the_chosen_units(client, db):
    qualification, units = forty_units()

    html = checker(client, qualification, units[4].reference).text

    boxes = select(html, "input", type="checkbox")
    assert len(boxes) == 40
    assert [box.attrs["value"] for box in boxes if "checked" in box.attrs] == [units[4].reference]


def test_thousands_of_units_get_a_clear_answer(client, db):
    qualification, _ = forty_units()

    many = checker(client, qualification, *(f"X{n}" for n in range(900)))
    too_many = checker(client, qualification, *(f"X{n}" for n in range(2000)))

    assert many.status_code == 400
    assert "That is 900 units: this qualification has 40" in answer_of(many)
    assert too_many.status_code == 400
    assert "too many units" in answer_of(too_many)


def test_the_checker_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries):
    qualification, units = forty_units()

    with django_assert_num_queries(CHECKER_QUERIES):
        response = checker(client, qualification, *(u.reference for u in units[:20]))

    assert response.status_code == 200


def test_the_checker_of_a_qualification_without_units_is_not_found(client, seed):
    assert client.get(f"/qualifications/{seed.slug}/structure/").status_code == 404


def test_the_checker_of_a_draft_is_not_found(client, db):
    qualification, _ = forty_units(status=Status.DRAFT)

    assert client.get(f"/qualifications/{qualification.slug}/structure/").status_code == 404


@pytest.mark.parametrize("query", ["unit=%00", "unit=" + "é" * 500, "unit=&unit=", "check=1"])
def test_odd_checker_input_gets_an_answer(client, db, query):
    qualification, _ = forty_units()

    response = client.get(f"/qualifications/{qualification.slug}/structure/?{query}")

    assert response.status_code == 200
    assert "does not meet the rules" in answer_of(response)


def test_a_unit_level_reads_as_entry_or_level(db):
    assert UnitLevel("E2").label == "Entry 2"
    assert UnitLevel("8").label == "Level 8"


def test_the_units_csv_lists_one_row_per_published_qualification_and_unit(client, db):
    qualification, units = forty_units()
    give_units(
        QualificationFactory(status=Status.DRAFT, credits=None), ("A", ALL, None, None, units[:1])
    )

    response = client.get(reverse("qualifications:units-csv"))

    lines = response.content.decode().splitlines()
    assert lines[0] == (
        "Qualification Number,Group,Group Rule,Unit Reference Number,Unit Title,Unit Level,"
        "Credit Value,Guided Learning Hours"
    )
    assert len(lines) == 41
    number, unit = qualification.qualification_number, units[0]
    assert lines[1] == f"{number},A,all,{unit.reference},{unit.title},Level 3,3,20"
    assert lines[-1].startswith(f"{qualification.qualification_number},D,min 3 credits,")
