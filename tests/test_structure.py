"""A qualification's structure: the one validation (service, admin formsets), the admin's
editing of units and groups, and the history following them."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reversion.models import Version

from qualifications import services
from qualifications.choices import Status
from qualifications.models import GroupRule, LearningOutcome, Qualification, Unit
from qualifications.units import Group, Structure, structure_problems

from .factories import (
    AudienceFactory,
    AwardingOrganisationFactory,
    QualificationFactory,
    UnitFactory,
    give_units,
)
from .html import form_data

ALL, CREDITS, UNITS = GroupRule.ALL, GroupRule.CREDITS, GroupRule.UNITS
FORM_ID = "qualification_form"


def units(*credits):
    return [UnitFactory(credits=credit) for credit in credits]


def problems(total, *groups):
    return structure_problems(
        Structure(
            [Group(name, rule, low, high, list(us)) for name, rule, low, high, us in groups], total
        )
    )


# THE ONE VALIDATION


def test_a_structure_that_can_be_met_has_no_problems(db):
    assert (
        problems(12, ("A", ALL, None, None, units(3, 3)), ("B", CREDITS, 6, None, units(3, 3, 3)))
        == []
    )


def test_a_group_asking_for_more_credits_than_it_holds_is_refused(db):
    assert problems(None, ("B", CREDITS, 10, None, units(3, 3))) == [
        "Group B asks for at least 10 credits but holds 6 credits."
    ]


def test_a_group_asking_for_more_units_than_it_holds_is_refused(db):
    assert problems(None, ("C", UNITS, 3, None, units(3, 3))) == [
        "Group C asks for at least 3 units but holds 2 units."
    ]


def test_mandatory_units_beyond_the_total_are_refused(db):
    assert problems(5, ("A", ALL, None, None, units(3, 3))) == [
        "The mandatory units alone give 6 credits, more than the qualification's total of 5."
    ]


def test_every_unit_together_short_of_the_total_is_refused(db):
    assert problems(20, ("A", ALL, None, None, units(3)), ("B", CREDITS, 3, 6, units(3, 3, 3))) == [
        "Every unit the groups allow together gives 9 credits, fewer than the qualification's "
        "total of 20."
    ]


def test_a_unit_twice_is_refused_naming_both_groups(db):
    [unit] = units(3)
    assert problems(None, ("A", ALL, None, None, [unit]), ("B", UNITS, 1, None, [unit])) == [
        f"{unit.reference} is twice in the qualification (group A and group B): a unit may be in "
        "one group only, once."
    ]


def test_a_credit_range_no_choice_can_give_is_refused(db):
    assert problems(None, ("D", CREDITS, 4, 5, units(3, 3))) == [
        "Group D: no choice of its units gives from 4 to 5 credits."
    ]


def test_a_maximum_below_the_minimum_and_an_empty_group_are_refused(db):
    assert problems(None, ("E", UNITS, 3, 2, units(3, 3, 3)), ("F", ALL, None, None, [])) == [
        "Group E asks for at most 2 but at least 3.",
        "Group F has no units.",
    ]


def test_the_service_refuses_a_structure_that_cannot_be_met_and_writes_nothing(db):
    qualification = QualificationFactory(credits=5)
    versions = Version.objects.get_for_object(qualification).count()

    with pytest.raises(ValidationError) as raised:
        give_units(qualification, ("A", ALL, None, None, units(3, 3)))

    assert "more than the qualification's total of 5" in str(raised.value)
    assert not qualification.unit_memberships.exists()
    assert Version.objects.get_for_object(qualification).count() == versions


# THE ADMIN


def change_url(qualification):
    return reverse("admin:qualifications_qualification_change", args=[qualification.pk])


def opened_form(client, qualification):
    response = client.get(change_url(qualification))
    assert response.status_code == 200
    return form_data(response.text, FORM_ID)


def with_structure(data, groups, memberships):
    """`data` with the groups inline holding `groups` (name, rule, min, max) and the units inline
    `memberships` (group name, unit), replacing what they held."""
    data = {
        k: v for k, v in data.items() if not k.startswith(("unit_groups-", "unit_memberships-"))
    }
    for prefix, rows in (("unit_groups", groups), ("unit_memberships", memberships)):
        data |= {
            f"{prefix}-TOTAL_FORMS": len(rows),
            f"{prefix}-INITIAL_FORMS": 0,
            f"{prefix}-MIN_NUM_FORMS": 0,
            f"{prefix}-MAX_NUM_FORMS": 1000,
        }
    for n, (name, rule, low, high) in enumerate(groups):
        data |= {
            f"unit_groups-{n}-name": name,
            f"unit_groups-{n}-rule": rule,
            f"unit_groups-{n}-minimum": "" if low is None else low,
            f"unit_groups-{n}-maximum": "" if high is None else high,
            f"unit_groups-{n}-order": n,
        }
    for n, (name, unit) in enumerate(memberships):
        data |= {
            f"unit_memberships-{n}-group_name": name,
            f"unit_memberships-{n}-unit": unit.pk,
            f"unit_memberships-{n}-order": n,
        }
    return data


def save(client, qualification, data):
    return client.post(change_url(qualification), data | {"_save": "Save"})


def test_a_publisher_gives_a_qualification_its_groups_and_units(publisher, client, db):
    qualification = QualificationFactory(credits=9)
    AudienceFactory(qualification=qualification)
    a, b, c = units(3, 3, 3)
    data = with_structure(
        opened_form(publisher, qualification),
        [("A", ALL, None, None), ("B", CREDITS, 3, None)],
        [("A", a), ("A", b), ("B", c)],
    )

    response = save(publisher, qualification, data)

    assert response.status_code == 302
    structure = Qualification.objects.for_detail_page().get(pk=qualification.pk).structure
    assert [(g.name, [u.pk for u in g.units]) for g in structure.groups] == [
        ("A", [a.pk, b.pk]),
        ("B", [c.pk]),
    ]
    assert (
        "Group B: at least 3 credits from this group"
        in client.get(qualification.get_absolute_url()).text
    )


def test_the_admin_refuses_a_structure_that_cannot_be_met_naming_the_group(editor, db):
    qualification = QualificationFactory(credits=None, status=Status.DRAFT)
    a, b = units(3, 3)
    data = with_structure(
        opened_form(editor, qualification),
        [("A", ALL, None, None), ("B", CREDITS, 9, None)],
        [("A", a), ("B", b)],
    )

    response = save(editor, qualification, data)

    assert response.status_code == 200
    assert "Group B asks for at least 9 credits but holds 3 credits." in response.text
    assert not qualification.unit_memberships.exists()


def test_the_admin_refuses_a_unit_in_a_group_not_named_above(editor, db):
    qualification = QualificationFactory(credits=None, status=Status.DRAFT)
    [a] = units(3)
    data = with_structure(opened_form(editor, qualification), [("A", ALL, None, None)], [("Z", a)])

    response = save(editor, qualification, data)

    assert response.status_code == 200
    assert "No group above is named “Z”" in response.text


def test_the_admin_refuses_two_groups_named_alike(editor, db):
    qualification = QualificationFactory(credits=None, status=Status.DRAFT)
    a, b = units(3, 3)
    data = with_structure(
        opened_form(editor, qualification),
        [("A", ALL, None, None), ("a", ALL, None, None)],
        [("A", a), ("a", b)],
    )

    response = save(editor, qualification, data)

    assert response.status_code == 200
    assert "Two groups are named “a”: rename one." in response.text
    assert not qualification.unit_groups.exists()


def test_a_qualifications_history_compares_and_restores_its_units(editor, db):
    qualification = QualificationFactory(credits=None, status=Status.DRAFT)
    a, b = units(3, 3)
    opened = opened_form(editor, qualification)
    save(editor, qualification, with_structure(opened, [("A", ALL, None, None)], [("A", a)]))
    first = Version.objects.get_for_object(qualification).first()
    save(
        editor,
        qualification,
        opened_form(editor, qualification) | {"unit_memberships-0-unit": b.pk},
    )
    second = Version.objects.get_for_object(qualification).first()

    compare = editor.get(
        reverse("admin:qualifications_qualification_compare", args=[qualification.pk]),
        {"a": first.pk, "b": second.pk},
    )
    changes = {change.label: change for change in compare.context["changes"]}
    assert changes["Units"].removed == [f"Group A: {a.reference} {a.title}"]
    assert changes["Units"].added == [f"Group A: {b.reference} {b.title}"]

    revision_url = reverse(
        "admin:qualifications_qualification_revision", args=[qualification.pk, first.pk]
    )
    response = editor.post(revision_url, form_data(editor.get(revision_url).text, FORM_ID))
    assert response.status_code == 302
    assert [m.unit for m in qualification.unit_memberships.all()] == [a]


# What an admin save of a qualification costs per unit in it, all in Django's own validation of
# the units inline: it reads the membership back by its pk, reads its unit, checks that the unit
# exists and that it is not twice in the qualification. Writing, the search text and the version
# cost the same however many units there are.
QUERIES_PER_UNIT = 4
# With 10 units in two groups: the 40 above, then what test_staff_workflow's admin save counts.
ADMIN_SAVE_WITH_TEN_UNITS = 101 if connection.vendor == "sqlite" else 100


def admin_save_queries(client, count):
    qualification = QualificationFactory(credits=None, status=Status.DRAFT)
    chosen = units(*[3] * count)
    give_units(
        qualification,
        ("A", ALL, None, None, chosen[: count // 2]),
        ("B", UNITS, 1, None, chosen[count // 2 :]),
    )
    data = opened_form(client, qualification) | {"title": "Saved once"}
    with CaptureQueriesContext(connection) as queries:
        response = save(client, qualification, data)
    assert response.status_code == 302, response.context["errors"]
    return len(queries.captured_queries)


def test_an_admin_save_costs_a_fixed_number_of_queries_per_unit(editor):
    ten, twenty = admin_save_queries(editor, 10), admin_save_queries(editor, 20)

    assert ten == ADMIN_SAVE_WITH_TEN_UNITS
    assert (twenty - ten) / 10 == QUERIES_PER_UNIT


def test_a_publisher_edits_a_shared_unit_with_its_outcomes_in_one_place(publisher, db):
    unit = UnitFactory(title="Old title")
    qualification = QualificationFactory(credits=None)
    give_units(qualification, ("A", ALL, None, None, [unit]))
    versions = Version.objects.get_for_object(qualification).count()
    url = reverse("admin:qualifications_unit_change", args=[unit.pk])
    data = form_data(publisher.get(url).text, "unit_form") | {
        "title": "New title",
        "outcomes-TOTAL_FORMS": 1,
        "outcomes-0-text": "understand conflict",
        "outcomes-0-criteria": "Explain causes\nDescribe effects",
        "outcomes-0-order": 1,
    }

    response = publisher.post(url, data | {"_save": "Save"})

    assert response.status_code == 302
    unit.refresh_from_db()
    assert unit.title == "New title"
    assert unit.outcomes.get().criteria_list == ["Explain causes", "Describe effects"]
    assert list(Qualification.objects.search("new title")) == [qualification]
    assert Version.objects.get_for_object(qualification).count() == versions
    assert Version.objects.get_for_object(unit).count() == 2


def test_a_unit_needs_a_reference_or_its_own_code(editor, db):
    url = reverse("admin:qualifications_unit_add")
    organisation = AwardingOrganisationFactory()
    data = form_data(editor.get(url).text, "unit_form") | {
        "title": "A unit",
        "level": "3",
        "credits": 3,
        "awarding_organisation": organisation.pk,
    }

    missing = editor.post(url, data)
    malformed = editor.post(url, data | {"reference": "T/61/4242"})
    made = editor.post(url, data | {"reference": "T/617/4242"})

    assert "Give the unit reference number or" in missing.text
    assert "a capital letter, three digits and four digits" in malformed.text
    assert made.status_code == 302
    assert Unit.objects.get().address == "T/617/4242"
    assert not LearningOutcome.objects.exists()


def test_a_unit_saved_while_a_qualifications_form_is_open_is_no_edit_conflict(editor, db):
    [unit] = units(3)
    qualification = QualificationFactory(credits=None, status=Status.DRAFT)
    give_units(qualification, ("A", ALL, None, None, [unit]))
    opened = opened_form(editor, qualification)

    unit.title = "Renamed meanwhile"
    services.unit_save(unit)
    response = save(editor, qualification, opened | {"title": "Saved after"})

    assert response.status_code == 302
    assert Qualification.objects.get(pk=qualification.pk).title == "Saved after"


def test_a_unit_has_a_history_of_its_own_in_the_admin(editor, db):
    [unit] = units(3)
    unit.title = "Second title"
    services.unit_save(unit)

    history = editor.get(reverse("admin:qualifications_unit_history", args=[unit.pk]))

    assert history.status_code == 200
    assert len(history.context["action_list"]) == 2
