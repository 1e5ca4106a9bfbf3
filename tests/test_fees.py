"""Fees (Ofqual Condition F1), who may take a qualification, where it is offered and how it is
funded: on the page, in the factsheet, in open data, edited and versioned by staff."""

import csv
import datetime
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from pypdf import PdfReader
from reversion.models import Version

from qualifications import register, services
from qualifications.choices import FeeKind, FeePer, FeeVat, Level, Status
from qualifications.models import Qualification
from qualifications.templatetags.money import pounds

from .conftest import qualification_with_fees
from .factories import (
    AudienceFactory,
    AwardingOrganisationFactory,
    FeeLineFactory,
    QualificationFactory,
)
from .html import form_data
from .register_csv import register_csv, register_row
from .test_factsheet import pdf_text, structure, tagged
from .test_qualification_page import parse
from .test_staff_workflow import FORM_ID, opened_form, save

LONDON = ZoneInfo("Europe/London")
FEES_CSV = reverse("qualifications:fees-csv")


def at(year, month, day, hour=0, minute=0, second=0):
    """A moment on the site's clock (settings.TIME_ZONE)."""
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


def date(year, month, day):
    return datetime.date(year, month, day)


@pytest.fixture
def yearly_fees(db):
    """A qualification whose standard fee is £1,234.50 to 31 August 2027, then £1,300.00."""
    qualification = QualificationFactory(title="Fee Carpentry")
    FeeLineFactory(
        qualification=qualification,
        amount=Decimal("1234.50"),
        starts_on=date(2026, 9, 1),
        ends_on=date(2027, 8, 31),
    )
    FeeLineFactory(qualification=qualification, amount=Decimal("1300"), starts_on=date(2027, 9, 1))
    return Qualification.objects.get(pk=qualification.pk)


def detail_json(client, qualification):
    return client.get(reverse("qualifications:detail-json", args=[qualification.slug])).json()


def fees_csv_rows(client):
    response = client.get(FEES_CSV)
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.content.decode())))


# MONEY


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Decimal("1234.5"), "£1,234.50"),
        (Decimal("0.99"), "£0.99"),
        (Decimal("1000000"), "£1,000,000.00"),
        (Decimal("75"), "£75.00"),
    ],
)
def test_amounts_are_written_in_pounds_and_pence(amount, shown):
    assert pounds(amount) == shown


# THE PAGE, THE FACTSHEET


def test_the_page_lists_the_fees_in_force_with_what_each_is_per_and_vat(client, db):
    qualification = QualificationFactory()
    FeeLineFactory(qualification=qualification, amount=Decimal("1234.5"), vat=FeeVat.EXCLUDED)
    FeeLineFactory(
        qualification=qualification,
        kind=FeeKind.LEARNER,
        description="Resit of one unit",
        amount=Decimal("45"),
        per=FeePer.UNIT,
        vat=FeeVat.INCLUDED,
    )
    FeeLineFactory(
        qualification=qualification,
        kind=FeeKind.CENTRE,
        amount=Decimal("300"),
        per=FeePer.YEAR,
        vat=FeeVat.NOT_APPLICABLE,
    )

    text, headings = parse(client.get(qualification.get_absolute_url()))

    assert ("h2", "Fees") in headings
    assert "Standard qualification fee £1,234.50 per learner, plus VAT" in text
    assert "Associated learner fee Resit of one unit £45.00 per unit, VAT included" in text
    assert "Mandatory centre fee £300.00 per year, no VAT" in text
    assert "Standard qualification fee £1,234.50 per learner, plus VAT" in text.split("Fees")[0]


def test_next_years_fee_appears_at_midnight_on_its_first_day_never_early(client, yearly_fees):
    url = yearly_fees.get_absolute_url()

    with time_machine.travel(at(2027, 8, 31, 23, 59, 59), tick=False):
        before = parse(client.get(url))[0]
    with time_machine.travel(at(2027, 9, 1), tick=False):
        after = parse(client.get(url))[0]

    assert "£1,234.50" in before
    assert "£1,300.00" not in before
    assert "£1,300.00" in after
    assert "£1,234.50" not in after


def test_a_kept_page_and_factsheet_never_outlive_a_fee_change(client, yearly_fees):
    page, factsheet = yearly_fees.get_absolute_url(), yearly_fees.get_factsheet_url()
    with time_machine.travel(at(2027, 8, 31, 23, 59, 50), tick=False):
        kept_page = client.get(page)
        kept_factsheet = client.get(factsheet)

    with time_machine.travel(at(2027, 9, 1, 0, 0, 1), tick=False):
        later_page = client.get(page, headers={"if-none-match": kept_page["ETag"]})
        later_factsheet = client.get(factsheet)

    assert "max-age=10" in kept_page["Cache-Control"]
    assert "max-age=10" in kept_factsheet["Cache-Control"]
    assert later_page.status_code == 200
    assert "£1,300.00" in parse(later_page)[0]
    assert "£1,300.00" in pdf_text(PdfReader(io.BytesIO(later_factsheet.content)))


def test_a_fee_stops_showing_the_day_after_its_last_day(client, db):
    qualification = QualificationFactory()
    FeeLineFactory(qualification=qualification, kind=FeeKind.PACKAGE, ends_on=date(2027, 3, 31))
    url = qualification.get_absolute_url()

    with time_machine.travel(at(2027, 3, 31, 23, 59), tick=False):
        last_day = parse(client.get(url))[0]
    with time_machine.travel(at(2027, 4, 1), tick=False):
        day_after = parse(client.get(url))[0]

    assert "Package fee £250.00" in last_day
    assert "Package fee" not in day_after


def test_the_key_facts_give_the_standard_fee_in_force(client, yearly_fees):
    with time_machine.travel(at(2027, 1, 15), tick=False):
        text, _ = parse(client.get(yearly_fees.get_absolute_url()))

    key_facts = text.split("Key facts")[1].split("Your path at a glance")[0]
    assert "Standard qualification fee £1,234.50 per learner, plus VAT" in key_facts


def test_a_qualification_without_fees_says_where_to_ask_never_a_price(client, db):
    organisation = AwardingOrganisationFactory(
        name="Fee Awards", fees_contact="fees@fee-awards.example"
    )
    qualification = QualificationFactory(awarding_organisation=organisation)
    response = client.get(qualification.get_absolute_url())

    text, _ = parse(response)

    assert "The fees for this qualification are not published here yet: ask Fee Awards" in text
    assert 'href="mailto:fees@fee-awards.example"' in response.text
    assert "£" not in text


def test_the_factsheet_has_the_fees_section(client, db):
    qualification = QualificationFactory()
    FeeLineFactory(qualification=qualification, amount=Decimal("1234.5"))

    response = client.get(qualification.get_factsheet_url())

    text = pdf_text(PdfReader(io.BytesIO(response.content)))
    assert "Fees Fee Amount Standard qualification fee £1,234.50 per learner, plus VAT" in text


def test_the_factsheets_fees_are_a_tagged_table_with_headers(client, db):
    reader = PdfReader(
        io.BytesIO(client.get(qualification_with_fees().get_factsheet_url()).content)
    )

    tree = structure(reader.trailer["/Root"]["/StructTreeRoot"])

    [table] = tagged(tree, "/Table")
    assert len(tagged(table, "/TR")) == 4
    assert len(tagged(table, "/TH")) == 2 + 3
    assert reader.trailer["/Root"]["/MarkInfo"] == {"/Marked": True}


def test_who_may_take_it_where_and_funding_are_key_facts(client, db):
    qualification = QualificationFactory(
        qualification_number="603/1234/5",
        level=Level.LEVEL_3,
        approved_16_to_18=True,
        approved_19_plus=True,
        approved_pre_16=False,
        welsh_medium=True,
        offered_in_england=True,
        offered_in_wales=False,
        offered_internationally=True,
        advanced_learner_loans=True,
    )

    response = client.get(qualification.get_absolute_url())
    text, _ = parse(response)

    assert "Approved for ages 16\N{EN DASH}18, 19+" in text
    assert "Offered in England Yes" in text
    assert "Offered in Wales No" in text
    assert "Offered internationally Yes" in text
    assert "Offered in Northern Ireland" not in text
    assert "Through the medium of Welsh Available" in text
    assert "Learning aim reference 60312345" in text
    assert (
        'href="https://submit-learner-data.service.gov.uk/find-a-learning-aim/'
        'LearningAimDetails/60312345"' in response.text
    )
    assert "Advanced Learner Loans Can fund it" in text


# THE SEED: NOTHING INVENTED


def test_the_seed_gives_no_fees_and_its_page_says_where_to_ask(client, seed):
    text, _ = parse(client.get(seed.get_absolute_url()))

    assert "The fees for this qualification are not published here yet: ask AIM Qualifications" in (
        text
    )
    assert "£" not in text
    assert "Learning aim reference 60144336" in text
    for unstated in [
        "Approved for ages",
        "Offered in",
        "Offered internationally",
        "medium of Welsh",
        "Advanced Learner Loans",
        "Standard qualification fee",
    ]:
        assert unstated not in text


def test_the_seed_states_nothing_about_access_or_funding_in_its_open_data(client, seed):
    data = detail_json(client, seed)

    assert data["fees"] == []
    assert data["fees_contact"] is None
    assert data["learning_aim_reference"] == "60144336"
    assert data["age_ranges"] == {
        "pre_16": None,
        "16_to_18": None,
        "18_plus": None,
        "19_plus": None,
    }
    unknown = ["offered_in_wales", "offered_in_northern_ireland", "offered_internationally"]
    assert [data[key] for key in [*unknown, "welsh_medium", "advanced_learner_loans"]] == [None] * 5


# OPEN DATA


def test_the_json_gives_fees_as_decimal_strings_in_pounds(client, yearly_fees):
    with time_machine.travel(at(2027, 1, 15), tick=False):
        data = detail_json(client, yearly_fees)

    assert data["fees"] == [
        {
            "kind": "standard",
            "kind_name": "Standard qualification fee",
            "description": None,
            "amount": "1234.50",
            "currency": "GBP",
            "per": "learner",
            "vat": "excluded",
            "starts_on": "2026-09-01",
            "ends_on": "2027-08-31",
        }
    ]


def test_the_json_says_where_it_is_offered_who_may_take_it_and_funding(client, db):
    qualification = QualificationFactory(
        offered_in_wales=True,
        offered_in_northern_ireland=False,
        approved_18_plus=True,
        welsh_medium=False,
        advanced_learner_loans=False,
    )

    data = detail_json(client, qualification)

    assert data["offered_in_wales"] is True
    assert data["offered_in_northern_ireland"] is False
    assert data["offered_internationally"] is None
    assert data["age_ranges"] == {
        "pre_16": None,
        "16_to_18": None,
        "18_plus": True,
        "19_plus": None,
    }
    assert data["welsh_medium"] is False
    assert data["advanced_learner_loans"] is False
    assert data["learning_aim_url"].endswith(
        "/LearningAimDetails/" + data["learning_aim_reference"]
    )


def test_fees_csv_lists_the_fees_in_force_of_published_qualifications(client, yearly_fees):
    draft = QualificationFactory(status=Status.DRAFT)
    FeeLineFactory(qualification=draft, amount=Decimal("99"))
    other = QualificationFactory(qualification_number="603/0001/1", title="Fee Joinery")
    FeeLineFactory(
        qualification=other,
        kind=FeeKind.LEARNER,
        description="Replacement certificate",
        amount=Decimal("25"),
        vat=FeeVat.INCLUDED,
    )

    with time_machine.travel(at(2027, 1, 15), tick=False):
        rows = fees_csv_rows(client)

    assert [(row["Qualification Number"], row["Fee"], row["Amount"]) for row in rows] == [
        (yearly_fees.qualification_number, "Standard qualification fee", "1234.50"),
        ("603/0001/1", "Associated learner fee", "25.00"),
    ]
    assert rows[1] == {
        "Qualification Number": "603/0001/1",
        "Qualification Title": "Fee Joinery",
        "Fee": "Associated learner fee",
        "Description": "Replacement certificate",
        "Amount": "25.00",
        "Currency": "GBP",
        "Per": "learner",
        "VAT": "included",
        "From": "2020-01-01",
        "Until": "",
    }


def test_a_kept_fees_csv_never_outlives_a_fee_change(client, yearly_fees):
    with time_machine.travel(at(2027, 8, 31, 23, 59, 50), tick=False):
        before = client.get(FEES_CSV)
    with time_machine.travel(at(2027, 9, 1, 0, 0, 1), tick=False):
        after = fees_csv_rows(client)

    assert "max-age=10" in before["Cache-Control"]
    assert "1234.50" in before.content.decode()
    assert [row["Amount"] for row in after] == ["1300.00"]


def test_the_catalogues_next_change_is_the_next_fee_change(db, yearly_fees):
    with time_machine.travel(at(2027, 1, 15), tick=False):
        moment = Qualification.objects.next_scheduled_change()
    with time_machine.travel(at(2027, 9, 1, 12), tick=False):
        none_left = Qualification.objects.next_scheduled_change()

    assert moment == at(2027, 9, 1)
    assert none_left is None


def test_a_fee_change_gives_the_catalogue_a_new_version(client, db):
    qualification = QualificationFactory()
    listing = client.get(reverse("qualifications:list-json"))

    FeeLineFactory(qualification=qualification)

    assert client.get(reverse("qualifications:list-json"))["ETag"] != listing["ETag"]


# THE CATALOGUE: WHERE IT IS OFFERED


def test_the_catalogue_filters_by_where_it_is_offered(client, db):
    QualificationFactory(title="Welsh Carpentry", offered_in_wales=True)
    QualificationFactory(title="English Carpentry", offered_in_wales=False)
    QualificationFactory(title="Unknown Carpentry")

    response = client.get("/", {"offered_in": "wales"})

    assert response.status_code == 200
    assert "Welsh Carpentry" in response.text
    assert "English Carpentry" not in response.text
    assert "Unknown Carpentry" not in response.text
    assert '<option value="wales" selected>Wales</option>' in response.text


def test_a_filter_by_a_place_that_is_not_offered_says_so(client, db):
    QualificationFactory(title="English Carpentry", offered_in_england=True)

    response = client.get("/", {"offered_in": "internationally"})

    assert "No qualifications offered internationally." in response.text


@pytest.mark.parametrize("value", ["mars", "WALES", "wales'--", "1"])
def test_an_unknown_place_is_left_out_with_a_clear_message(client, db, value):
    QualificationFactory(title="Welsh Carpentry", offered_in_wales=True)
    QualificationFactory(title="English Carpentry", offered_in_wales=False)

    response = client.get("/", {"offered_in": value})

    assert response.status_code == 200
    assert "did not recognise (offered in)" in response.text
    assert "English Carpentry" in response.text


def test_each_place_is_a_rendering_of_its_own(client, db):
    QualificationFactory(title="Welsh Carpentry", offered_in_wales=True)
    QualificationFactory(title="Irish Carpentry", offered_in_northern_ireland=True)

    wales = client.get("/", {"offered_in": "wales"})
    northern_ireland = client.get("/", {"offered_in": "northern-ireland"})

    assert "Irish Carpentry" not in wales.text
    assert "Irish Carpentry" in northern_ireland.text
    assert wales["ETag"] != northern_ireland["ETag"]


# THE REGISTER IMPORT


def test_the_register_import_fills_where_it_is_offered(db):
    data = register_csv([register_row(Offered_In_England="No", Offered_In_Northern_Ireland="Yes")])

    plan = register.plan_import(data, "register.csv")
    register.apply_import(plan)

    qualification = Qualification.objects.get(qualification_number="603/1234/5")
    assert (qualification.offered_in_england, qualification.offered_in_northern_ireland) == (
        False,
        True,
    )
    assert qualification.offered_in_wales is None
    assert qualification.offered_internationally is None


def test_the_catalogue_csv_says_where_it_is_offered_as_the_register_does(client, db):
    QualificationFactory(offered_in_northern_ireland=True)

    response = client.get(reverse("qualifications:list-csv"))

    [row] = csv.DictReader(io.StringIO(response.content.decode()))
    assert row["Offered In Northern Ireland"] == "Yes"


# STAFF: EDITING, VALIDATION, HISTORY


@pytest.fixture
def with_fee(db):
    qualification = QualificationFactory(title="Fee Carpentry")
    AudienceFactory(qualification=qualification)
    FeeLineFactory(qualification=qualification, starts_on=date(2026, 9, 1))
    return qualification


def fee_form(data, index, **values):
    """`data` with fee row `index` set to `values` (a new row if it is the next one)."""
    total = int(data["fees-TOTAL_FORMS"])
    if index >= total:
        data["fees-TOTAL_FORMS"] = str(index + 1)
    defaults = {"kind": "standard", "amount": "250.00", "per": "learner", "vat": "excluded"}
    defaults |= {"starts_on": "2026-09-01", "ends_on": "", "description": ""}
    row = (defaults if index >= total else {}) | values
    return data | {f"fees-{index}-{name}": value for name, value in row.items()}


def fee_errors(response, index):
    [formset] = [
        f.formset for f in response.context["inline_admin_formsets"] if f.formset.prefix == "fees"
    ]
    return formset.forms[index].errors


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"ends_on": "2026-08-31"}, "ends_on", "The last day cannot come before the first."),
        ({"amount": "-1.00"}, "amount", "A fee cannot be negative."),
        ({"amount": "12.345"}, "amount", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_staff_are_told_at_the_field_what_is_wrong_with_a_fee(
    publisher, with_fee, values, field, message
):
    data = fee_form(opened_form(publisher, with_fee), 0, **values)

    response = save(publisher, with_fee, data)

    assert response.status_code == 200
    assert fee_errors(response, 0)[field] == [message]
    assert with_fee.fees.get().amount == Decimal("250.00")


def test_two_standard_fees_in_force_at_once_are_refused(publisher, with_fee):
    data = fee_form(opened_form(publisher, with_fee), 1, starts_on="2027-09-01", amount="300.00")

    response = save(publisher, with_fee, data)

    assert fee_errors(response, 1)["starts_on"] == [
        "Another standard qualification fee applies on some of these days: end one before the "
        "other starts."
    ]
    assert with_fee.fees.count() == 1


def test_ending_this_years_fee_and_adding_next_years_is_one_save(publisher, with_fee):
    data = fee_form(opened_form(publisher, with_fee), 0, ends_on="2027-08-31")
    data = fee_form(data, 1, starts_on="2027-09-01", amount="300.00")

    response = save(publisher, with_fee, data)

    assert response.status_code == 302
    assert [(fee.amount, fee.ends_on) for fee in with_fee.fees.all()] == [
        (Decimal("250.00"), date(2027, 8, 31)),
        (Decimal("300.00"), None),
    ]


def test_advanced_learner_loans_are_refused_outside_levels_3_to_6(publisher, with_fee):
    data = opened_form(publisher, with_fee) | {"level": "2", "advanced_learner_loans": "true"}

    response = save(publisher, with_fee, data)

    assert response.context["adminform"].form.errors["advanced_learner_loans"] == [
        "Advanced Learner Loans fund levels 3 to 6 only."
    ]


def test_a_fees_contact_must_be_an_email_or_web_address(publisher, db):
    organisation = AwardingOrganisationFactory(name="Fee Awards")
    url = reverse("admin:qualifications_awardingorganisation_change", args=[organisation.pk])

    response = publisher.post(url, {"name": "Fee Awards", "fees_contact": "ring us"})

    assert response.context["adminform"].form.errors["fees_contact"] == [
        "Enter an email address or a web address starting https://."
    ]


def test_a_fee_edit_is_a_version_and_restoring_brings_the_fee_back(publisher, with_fee):
    save(publisher, with_fee, opened_form(publisher, with_fee))
    first = Version.objects.get_for_object(with_fee).first()
    save(publisher, with_fee, fee_form(opened_form(publisher, with_fee), 0, amount="275.00"))
    newer = Version.objects.get_for_object(with_fee).first()

    compare = publisher.get(
        reverse("admin:qualifications_qualification_compare", args=[with_fee.pk]),
        {"a": newer.pk, "b": first.pk},
    )
    revision_url = reverse(
        "admin:qualifications_qualification_revision", args=[with_fee.pk, first.pk]
    )
    publisher.post(revision_url, form_data(publisher.get(revision_url).text, FORM_ID))

    changes = {change.label: change for change in compare.context["changes"]}
    assert changes["Fees"].removed == [
        "Standard qualification fee: £250.00 per learner, plus VAT, from 01/09/2026"
    ]
    assert changes["Fees"].added == [
        "Standard qualification fee: £275.00 per learner, plus VAT, from 01/09/2026"
    ]
    assert with_fee.fees.get().amount == Decimal("250.00")


def test_changing_the_fees_contact_shows_at_once(client, db):
    organisation = AwardingOrganisationFactory(name="Fee Awards")
    qualification = QualificationFactory(awarding_organisation=organisation)
    client.get(qualification.get_absolute_url())
    organisation.fees_contact = "https://fee-awards.example/fees"

    services.shared_save(organisation)

    response = client.get(qualification.get_absolute_url())
    assert 'href="https://fee-awards.example/fees"' in response.text
