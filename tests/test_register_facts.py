import datetime
import io

from django.utils import timezone
from pypdf import PdfReader

from qualifications.models import Qualification

from .factories import QualificationFactory
from .test_factsheet import pdf_text
from .test_qualification_page import parse

REGISTER_FACTS = {
    "qualification_type": "Other Vocational Qualification",
    "sub_level": "Entry 3",
    "grading_type": "Pass/Merit/Distinction",
    "guided_learning_hours": 100,
    "minimum_guided_learning_hours": 90,
    "maximum_guided_learning_hours": 110,
    "total_qualification_time": 150,
    "credits": 15,
    "register_status": "Available to learners",
    "operational_end_date": datetime.date(2030, 8, 31),
    "certification_end_date": datetime.date(2099, 8, 31),
    "offered_in_england": True,
    "specification_url": "https://example.org/specification.pdf",
}
# What the key facts say for REGISTER_FACTS, in both the page and the PDF.
SHOWN = [
    "Type Other Vocational Qualification",
    "(Entry 3)",
    "Grading Pass/Merit/Distinction",
    "Guided learning hours 100 (from 90 to 110)",
    "Total qualification time 150 hours",
    "Credits 15",
    "Status on the Ofqual Register Available to learners",
    "Operational end date 31 August 2030",
    "Certification end date 31 August 2099",
    "Offered in England Yes",
    "Specification Read the specification",
]


def test_the_page_shows_the_registers_facts(client, db):
    qualification = QualificationFactory(**REGISTER_FACTS)

    text, _ = parse(client.get(qualification.get_absolute_url()))

    for fact in SHOWN:
        assert fact in text
    assert "can no longer be awarded" not in text


def test_the_factsheet_shows_the_registers_facts(client, db):
    qualification = QualificationFactory(**REGISTER_FACTS)

    response = client.get(qualification.get_factsheet_url())
    text = pdf_text(PdfReader(io.BytesIO(response.content)))

    for fact in SHOWN:
        assert fact in text


def test_the_page_links_to_the_specification(client, db):
    qualification = QualificationFactory(specification_url="https://example.org/spec.pdf")

    html = client.get(qualification.get_absolute_url()).content.decode()

    assert '<a href="https://example.org/spec.pdf">Read the specification</a>' in html


def test_unknown_register_facts_are_not_shown(client, db):
    qualification = QualificationFactory()

    text, _ = parse(client.get(qualification.get_absolute_url()))

    for label in [
        "Type",
        "Grading",
        "Status on the Ofqual Register",
        "Offered in England",
        "Operational end date",
        "Certification end date",
        "Specification",
        "Guided learning hours",
    ]:
        assert f" {label} " not in f" {text} "


def test_a_guided_learning_hours_range_alone_is_shown_as_a_range(client, db):
    qualification = QualificationFactory(
        minimum_guided_learning_hours=30, maximum_guided_learning_hours=45
    )

    text, _ = parse(client.get(qualification.get_absolute_url()))

    assert "Guided learning hours From 30 to 45" in text


def test_offered_in_england_no_is_said(client, db):
    qualification = QualificationFactory(offered_in_england=False)

    text, _ = parse(client.get(qualification.get_absolute_url()))

    assert "Offered in England No" in text


def test_a_qualification_past_its_certification_end_date_says_so_plainly(client, db):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    qualification = QualificationFactory(certification_end_date=yesterday)

    text, _ = parse(client.get(qualification.get_absolute_url()))

    assert "this date has passed, so the qualification can no longer be awarded" in text


def test_the_public_version_changes_the_day_after_a_certification_end_date(db):
    today = timezone.localdate()
    QualificationFactory(certification_end_date=today + datetime.timedelta(days=3))

    moment = Qualification.objects.next_scheduled_change()

    assert timezone.localtime(moment) == timezone.make_aware(
        datetime.datetime.combine(today + datetime.timedelta(days=4), datetime.time())
    )
