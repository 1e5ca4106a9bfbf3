import pytest
from django.urls import reverse
from reversion.models import Version

from qualifications.models import Qualification

from .factories import (
    AudienceFactory,
    AwardingOrganisationFactory,
    EmployerFactory,
    QualificationFactory,
)

ADD_URL = reverse("admin:qualifications_qualification_add")
INLINE_PREFIXES = [
    *("audiences", "progression_roles", "employer_supports", "fees"),
    *("unit_groups", "unit_memberships", "documents"),
]


def form_data(organisation, **overrides):
    """A complete admin form for a new qualification, with empty inline formsets."""
    data = {
        "title": "Conflict Resolution Level 3 Certificate",
        "slug": "conflict-resolution-level-3",
        "status": "published",
        "awarding_organisation": organisation.pk,
        "qualification_number": "603/1234/5",
        "level": 3,
        "overview": "Covers how to resolve conflict.",
        "is_ofqual_regulated": "on",
        "delivery_restricted_to": "",
    }
    for prefix in INLINE_PREFIXES:
        data |= {
            f"{prefix}-TOTAL_FORMS": 0,
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    return data | overrides


@pytest.fixture
def organisation(db):
    return AwardingOrganisationFactory(name="AIM Qualifications")


def test_staff_add_a_qualification_with_audiences_roles_and_employers(admin_client, organisation):
    employer = EmployerFactory(name="Moat")
    data = form_data(
        organisation,
        **{
            "audiences-TOTAL_FORMS": 1,
            "audiences-0-description": "wish to transfer from another career",
            "audiences-0-order": 1,
            "progression_roles-TOTAL_FORMS": 1,
            "progression_roles-0-title": "Family mediator",
            "progression_roles-0-description": "Help couples reach agreement.",
            "progression_roles-0-order": 1,
            "employer_supports-TOTAL_FORMS": 1,
            "employer_supports-0-employer": employer.pk,
            "employer_supports-0-order": 1,
        },
    )

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    qualification = Qualification.objects.get(slug="conflict-resolution-level-3")
    assert [a.description for a in qualification.audiences.all()] == [
        "wish to transfer from another career"
    ]
    assert [r.title for r in qualification.progression_roles.all()] == ["Family mediator"]
    assert list(qualification.supporting_employers.all()) == [employer]


def test_staff_edit_a_qualification(admin_client, organisation):
    qualification = QualificationFactory(awarding_organisation=organisation, status="draft")
    url = reverse("admin:qualifications_qualification_change", args=[qualification.pk])
    data = form_data(
        organisation,
        title="Renamed Qualification",
        slug=qualification.slug,
        status="draft",
        qualification_number=qualification.qualification_number,
        edit_version=str(Version.objects.get_for_object(qualification).first().pk),
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302
    qualification.refresh_from_db()
    assert qualification.title == "Renamed Qualification"


@pytest.mark.parametrize("number", ["6014433/6", "601/4433/66", "ABC/DEFG/H", "601-4433-6", ""])
def test_a_bad_qualification_number_is_refused_with_a_clear_message(
    admin_client, organisation, number
):
    response = admin_client.post(ADD_URL, form_data(organisation, qualification_number=number))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["qualification_number"]
    assert errors
    if number:
        assert any("NNN/NNNN/N" in error for error in errors)
    assert not Qualification.objects.exists()


def test_a_duplicate_qualification_number_is_refused_and_the_typing_kept(
    admin_client, organisation
):
    QualificationFactory(qualification_number="603/1234/5")

    response = admin_client.post(ADD_URL, form_data(organisation, overview="Typed with care."))

    assert response.status_code == 200
    assert "already exists" in str(response.context["adminform"].form.errors)
    assert "Typed with care." in response.text


def test_employers_are_picked_with_autocomplete(admin_client, organisation):
    EmployerFactory(name="Derbyshire Constabulary")
    url = reverse("admin:autocomplete")
    params = {
        "term": "derby",
        "app_label": "qualifications",
        "model_name": "employersupport",
        "field_name": "employer",
    }

    response = admin_client.get(url, params)

    assert response.status_code == 200
    assert [r["text"] for r in response.json()["results"]] == ["Derbyshire Constabulary"]


def test_every_model_is_registered_with_the_admin(admin_client, db):
    for model in [
        "qualification",
        "awardingorganisation",
        "employer",
        "progressionrole",
        "audience",
    ]:
        response = admin_client.get(reverse(f"admin:qualifications_{model}_changelist"))
        assert response.status_code == 200


def test_admin_changelist_filters_and_searches(admin_client, organisation):
    QualificationFactory(title="Mediation Skills", qualification_number="601/0001/1")
    QualificationFactory(title="Bookkeeping", qualification_number="601/0002/2")
    url = reverse("admin:qualifications_qualification_changelist")

    response = admin_client.get(url, {"q": "601/0001/1"})

    assert "Mediation Skills" in response.text
    assert "Bookkeeping" not in response.text


def test_view_on_site_goes_to_the_public_page(admin_client, organisation):
    qualification = QualificationFactory(awarding_organisation=organisation)
    url = reverse("admin:qualifications_qualification_change", args=[qualification.pk])

    response = admin_client.get(url)

    assert "View on site" in response.text


def test_staff_publish_and_return_to_draft_from_the_list(admin_client, organisation):
    draft = QualificationFactory(status="draft", awarding_organisation=organisation)
    AudienceFactory(qualification=draft)
    url = reverse("admin:qualifications_qualification_changelist")

    response = admin_client.post(
        url, {"action": "publish", "_selected_action": [draft.pk]}, follow=True
    )

    draft.refresh_from_db()
    assert draft.status == "published"
    assert "1 qualification published." in response.text

    admin_client.post(url, {"action": "return_to_draft", "_selected_action": [draft.pk]})

    draft.refresh_from_db()
    assert draft.status == "draft"
