import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from qualifications import opendata, register, services
from qualifications.choices import Status
from qualifications.models import Qualification

from .conftest import KEPT_VERSION_QUERIES
from .factories import (
    AudienceFactory,
    AwardingOrganisationFactory,
    EmployerSupportFactory,
    ProgressionRoleFactory,
    QualificationFactory,
)

LIST_JSON = reverse("qualifications:list-json")
LIST_CSV = reverse("qualifications:list-csv")
FEED = reverse("qualifications:feed")
ATOM = "{http://www.w3.org/2005/Atom}"
# The catalogue's version, the count, the page of qualifications with their organisations, then
# their audiences, their roles, their fees, their employers, their units with their groups,
# their documents.
LIST_JSON_QUERIES = KEPT_VERSION_QUERIES + 8


def detail_json(qualification):
    return reverse("qualifications:detail-json", args=[qualification.slug])


def with_register_facts(**values):
    facts = {
        "qualification_type": "Other Vocational Qualification",
        "sub_level": "Entry 3",
        "grading_type": "Pass/Fail",
        "guided_learning_hours": 100,
        "minimum_guided_learning_hours": 90,
        "maximum_guided_learning_hours": 110,
        "total_qualification_time": 150,
        "credits": 15,
        "assessment": "Portfolio",
        "subject_area": "Law, and legal services",
        "register_status": "Available to learners",
        "regulation_start_date": datetime.date(2020, 9, 1),
        "operational_start_date": datetime.date(2020, 10, 1),
        "operational_end_date": datetime.date(2030, 8, 31),
        "certification_end_date": datetime.date(2032, 8, 31),
        "offered_in_england": True,
        "specification_url": "https://example.org/spec.pdf",
    }
    return QualificationFactory(
        awarding_organisation=AwardingOrganisationFactory(
            name="AIM Qualifications", acronym="AIM QUALS", recognition_number="RN5220"
        ),
        **(facts | values),
    )


# JSON


def test_a_qualifications_json_holds_the_facts_of_its_page_with_links(client, db):
    qualification = with_register_facts(entry_requirement="a keen interest", level=0)
    AudienceFactory(qualification=qualification, description="want to learn")
    ProgressionRoleFactory(qualification=qualification, title="Mediator", description="Mediates.")
    EmployerSupportFactory(qualification=qualification, employer__name="Moat")

    response = client.get(detail_json(qualification))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["url"] == f"http://testserver{qualification.get_absolute_url()}"
    assert data["factsheet_url"] == f"http://testserver{qualification.get_factsheet_url()}"
    assert data["title"] == qualification.title
    assert data["qualification_number"] == qualification.qualification_number
    assert data["level"] == {"code": 0, "name": "Entry level"}
    assert data["awarding_organisation"]["recognition_number"] == "RN5220"
    assert data["guided_learning_hours"] == 100
    assert data["certification_end_date"] == "2032-08-31"
    assert data["offered_in_england"] is True
    assert data["entry_requirement"] == "a keen interest"
    assert data["audiences"] == ["want to learn"]
    assert data["job_roles"] == [{"title": "Mediator", "description": "Mediates."}]
    assert data["supporting_employers"] == ["Moat"]


def test_unknown_facts_are_null_in_json_never_invented(client, db):
    qualification = QualificationFactory()

    data = client.get(detail_json(qualification)).json()

    assert data["guided_learning_hours"] is None
    assert data["type"] is None
    assert data["specification_url"] is None


@pytest.mark.parametrize("status", [Status.DRAFT, Status.WITHDRAWN])
def test_only_published_qualifications_have_json(client, db, status):
    qualification = QualificationFactory(status=status)

    response = client.get(detail_json(qualification))

    assert response.status_code == (410 if status == Status.WITHDRAWN else 404)
    assert "error" in response.json()


def test_an_unknown_slug_is_a_json_404(client, db):
    response = client.get("/qualifications/no-such-thing.json")

    assert response.status_code == 404
    assert response.json() == {"error": "No qualification has that address."}


def test_the_catalogue_json_is_paginated_and_holds_only_published_ones(client, db, monkeypatch):
    monkeypatch.setattr(opendata, "PAGE_SIZE", 2)
    published = [QualificationFactory(title=f"Qualification {n}") for n in range(3)]
    QualificationFactory(title="A draft", status=Status.DRAFT)
    QualificationFactory(
        title="Not yet live", live_from=timezone.now() + datetime.timedelta(days=1)
    )

    first = client.get(LIST_JSON).json()
    second = client.get(first["next"]).json()

    assert (first["count"], first["pages"], first["previous"]) == (3, 2, None)
    assert first["next"] == f"http://testserver{LIST_JSON}?page=2"
    assert second["previous"] == f"http://testserver{LIST_JSON}"
    titles = [item["title"] for item in first["results"] + second["results"]]
    assert titles == [q.title for q in published]


@pytest.mark.parametrize("page", ["0", "3", "two", "1" * 40])
def test_a_page_that_is_not_there_is_a_json_404(client, db, page):
    QualificationFactory()

    response = client.get(LIST_JSON, {"page": page})

    assert response.status_code == 404
    assert "error" in response.json()


def test_the_catalogue_json_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries):
    for _ in range(5):
        qualification = QualificationFactory()
        AudienceFactory.create_batch(3, qualification=qualification)
        ProgressionRoleFactory.create_batch(3, qualification=qualification)
        EmployerSupportFactory.create_batch(3, qualification=qualification)

    with django_assert_num_queries(LIST_JSON_QUERIES):
        response = client.get(LIST_JSON)

    assert len(response.json()["results"]) == 5


def test_open_data_is_readable_from_any_site(client, db):
    qualification = QualificationFactory()

    for url in [LIST_JSON, detail_json(qualification), LIST_CSV, FEED]:
        assert client.get(url)["Access-Control-Allow-Origin"] == "*"


# KEPT, WITH ETAGS


@pytest.mark.parametrize("url", [LIST_JSON, LIST_CSV, FEED, "detail"])
def test_open_data_carries_an_etag_and_answers_304_when_current(client, db, url):
    qualification = QualificationFactory()
    url = detail_json(qualification) if url == "detail" else url

    first = client.get(url)
    again = client.get(url, headers={"if-none-match": first["ETag"]})

    assert first.status_code == 200
    assert first["ETag"]
    assert again.status_code == 304


def test_an_edit_shows_in_the_open_data_at_once(client, transactional_db):
    qualification = QualificationFactory(title="Before")
    first = client.get(LIST_JSON)

    qualification.title = "After"
    services.qualification_save(qualification)
    second = client.get(LIST_JSON, headers={"if-none-match": first["ETag"]})

    assert second.status_code == 200
    assert second.json()["results"][0]["title"] == "After"
    assert client.get(LIST_CSV).content.decode().count("After") == 1


def test_kept_open_data_is_served_without_rendering_again(client, db, monkeypatch):
    QualificationFactory()
    first = client.get(LIST_JSON)
    monkeypatch.setattr(opendata, "catalogue_page", None)  # a render would now fail

    again = client.get(LIST_JSON)

    assert again.content == first.content


# CSV


def read_csv(response):
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_the_csv_is_in_the_registers_headings(client, db):
    with_register_facts()

    response = client.get(LIST_CSV)

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="qualifications.csv"' in response["Content-Disposition"]
    [row] = read_csv(response)
    assert list(row) == list(register.HEADINGS)
    assert row["Qualification Level"] == "Level 3"
    assert row["Certification End Date"] == "31/08/2032"
    assert row["Owner Organisation Recognition Number"] == "RN5220"
    assert row["Qualification SSA"] == "Law, and legal services"
    assert row["Offered In England"] == "Yes"


def test_the_csv_holds_only_published_qualifications(client, db):
    published = QualificationFactory()
    QualificationFactory(status=Status.DRAFT)
    QualificationFactory(status=Status.WITHDRAWN)

    rows = read_csv(client.get(LIST_CSV))

    assert [row["Qualification Number"] for row in rows] == [published.qualification_number]


def test_the_csv_imports_back_unchanged(client, db):
    with_register_facts()
    with_register_facts(level=0, offered_in_england=False, credits=None, sub_level="")
    data = client.get(LIST_CSV).content

    plan = register.plan_import(data, "qualifications.csv")

    assert plan.can_import
    assert plan.counts()["unchanged"] == 2
    assert not plan.created
    assert not plan.updated


def test_the_csv_round_trip_recreates_every_register_fact(client, db):
    originals = [with_register_facts(), with_register_facts(credits=None, level=7)]
    facts = {
        q.qualification_number: {f: getattr(q, f) for f in register.FACT_FIELDS} for q in originals
    }
    data = client.get(LIST_CSV).content
    services.qualifications_delete(Qualification.objects.all())

    plan = register.plan_import(data, "qualifications.csv")
    register.apply_import(plan)

    assert len(plan.created) == 2
    for qualification in Qualification.objects.all():
        got = {f: getattr(qualification, f) for f in register.FACT_FIELDS}
        assert got == facts[qualification.qualification_number]


# ATOM


def test_the_feed_lists_recently_changed_published_qualifications_newest_first(client, db):
    older = QualificationFactory(title="Older")
    newer = QualificationFactory(title="Newer")
    QualificationFactory(title="Draft", status=Status.DRAFT)
    Qualification.objects.filter(pk=older.pk).update(
        updated_at=timezone.now() - datetime.timedelta(days=2)
    )

    response = client.get(FEED)

    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}title").text for e in entries] == [
        f"Newer ({newer.qualification_number})",
        f"Older ({older.qualification_number})",
    ]
    assert entries[0].find(f"{ATOM}link").get("href") == (
        f"http://testserver{newer.get_absolute_url()}"
    )


def test_json_dates_and_times_are_iso_8601(client, db):
    qualification = with_register_facts()

    data = json.loads(client.get(detail_json(qualification)).content)

    assert data["regulation_start_date"] == "2020-09-01"
    # To the millisecond, as JSON gives times.
    updated_at = qualification.updated_at
    assert datetime.datetime.fromisoformat(data["updated_at"]) == updated_at.replace(
        microsecond=updated_at.microsecond // 1000 * 1000
    )
