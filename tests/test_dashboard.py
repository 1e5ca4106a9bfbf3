"""The admin's front page shows each member of staff what concerns them (dashboard.py)."""

from collections import namedtuple
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from qualifications import dashboard
from qualifications.choices import ReviewAction, ReviewState, Status
from qualifications.models import Notification, PendingChange, Qualification, ReviewEvent
from qualifications.permissions import can_publish

from .factories import AwardingOrganisationFactory, QualificationFactory
from .html import elements

INDEX = reverse("admin:index")
# Summer time in London: 10:00 there.
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
# Each panel's id, in the page's order.
PANELS = [
    *("awaiting-review", "your-changes", "scheduled"),
    *("certification-ending", "recently-published", "unsent-emails"),
]


Shown = namedtuple("Shown", ["text", "items", "links"])


def panel(response, panel_id):
    """The panel `panel_id` of the front page: its text, each item's text and its links; None if
    the page has none."""
    parsed = elements(response.content.decode())
    sections = [e for e in parsed if e.tag == "section" and e.attrs.get("id") == panel_id]
    if not sections:
        return None
    [section] = sections

    def within(tag):
        return [e for e in parsed if e.tag == tag and any(p is section for p in e.parents)]

    return Shown(
        section.text, [li.text for li in within("li")], [a.attrs["href"] for a in within("a")]
    )


def change_form(qualification):
    return reverse("admin:qualifications_qualification_change", args=[qualification.pk])


def user(username):
    return User.objects.get(username=username)


def pending_change(qualification, editor, state, **fields):
    return PendingChange.objects.create(
        qualification=qualification, data="[]", editor=editor, state=state, **fields
    )


def test_a_publisher_sees_a_change_awaiting_review(publisher, roles):
    edna = User.objects.create_user("edna", first_name="Edna", is_staff=True)
    qualification = QualificationFactory(
        title="Carpentry Level 2", qualification_number="601/0001/1"
    )
    with time_machine.travel(NOW, tick=False):
        pending_change(qualification, edna, ReviewState.SUBMITTED, comment="New fees for 2027.")

    shown = panel(publisher.get(INDEX), "awaiting-review")

    assert shown.items == [
        "Carpentry Level 2 (601/0001/1): submitted by Edna on 1 June 2026, 10:00, "
        "saying “New fees for 2027.” · Compare and review it"
    ]
    assert shown.links == [
        change_form(qualification),
        reverse("admin:qualifications_qualification_review", args=[qualification.pk]),
    ]


def test_changes_awaiting_review_are_listed_the_longest_waiting_first(publisher):
    edna = User.objects.create_user("edna", is_staff=True)
    for days, title in [(2, "Waited two days"), (5, "Waited five days"), (1, "Waited a day")]:
        with time_machine.travel(NOW - timedelta(days=days), tick=False):
            pending_change(QualificationFactory(title=title), edna, ReviewState.SUBMITTED)

    shown = panel(publisher.get(INDEX), "awaiting-review")

    assert [item.split(" (")[0] for item in shown.items] == [
        *("Waited five days", "Waited two days", "Waited a day")
    ]


def test_an_editor_does_not_see_changes_awaiting_review(editor):
    other = User.objects.create_user("otto", is_staff=True)
    pending_change(QualificationFactory(title="Otto Carpentry"), other, ReviewState.SUBMITTED)

    response = editor.get(INDEX)

    assert panel(response, "your-changes") is not None
    assert panel(response, "awaiting-review") is None
    assert "Otto Carpentry" not in response.content.decode()


def test_an_editor_sees_their_own_sent_back_change_with_its_reason(editor):
    edna = user("edna")
    mine = QualificationFactory(title="Carpentry Level 2", qualification_number="601/0001/1")
    pending_change(
        mine, edna, ReviewState.SENT_BACK, reason="The fee is per unit, not per learner."
    )
    pending_change(QualificationFactory(title="Not mine"), None, ReviewState.SENT_BACK, reason="x")

    shown = panel(editor.get(INDEX), "your-changes")

    assert len(shown.items) == 1
    assert shown.items[0].startswith("Carpentry Level 2 (601/0001/1): sent back, saved ")
    assert shown.items[0].endswith("Sent back because: The fee is per unit, not per learner.")
    assert shown.links == [change_form(mine)]


def test_your_changes_leaves_out_those_submitted(editor):
    pending_change(QualificationFactory(title="Submitted"), user("edna"), ReviewState.SUBMITTED)
    pending_change(QualificationFactory(title="Still editing"), user("edna"), ReviewState.EDITING)

    shown = panel(editor.get(INDEX), "your-changes")

    assert [item.split(" (")[0] for item in shown.items] == ["Still editing"]
    assert "not yet submitted" in shown.items[0]


def test_go_lives_and_withdrawals_within_30_days_are_listed_the_soonest_first(editor):
    for title, fields in [
        ("Goes live in 31 days", {"live_from": NOW + timedelta(days=31)}),
        ("Withdrawn in 30 days", {"live_until": NOW + timedelta(days=30)}),
        ("Goes live in 29 days", {"live_from": NOW + timedelta(days=29)}),
        ("Went live yesterday", {"live_from": NOW - timedelta(days=1)}),
        ("Draft going live", {"live_from": NOW + timedelta(days=1), "status": Status.DRAFT}),
    ]:
        QualificationFactory(title=title, **fields)

    with time_machine.travel(NOW, tick=False):
        shown = panel(editor.get(INDEX), "scheduled")

    assert [item.split(": ", 1)[1] for item in shown.items] == [
        "goes live 30 June 2026, 10:00",
        "withdrawn from 1 July 2026, 10:00",
    ]
    assert shown.links == [
        change_form(Qualification.objects.get(title="Goes live in 29 days")),
        change_form(Qualification.objects.get(title="Withdrawn in 30 days")),
    ]


def test_a_qualification_going_live_and_withdrawn_within_30_days_says_both(editor):
    QualificationFactory(
        title="Short-lived",
        live_from=NOW + timedelta(days=2),
        live_until=NOW + timedelta(days=20),
    )

    with time_machine.travel(NOW, tick=False):
        shown = panel(editor.get(INDEX), "scheduled")

    assert [item.split(": ", 1)[1] for item in shown.items] == [
        "goes live 3 June 2026, 10:00; withdrawn from 21 June 2026, 10:00"
    ]


def test_certification_ending_within_90_days_is_listed_drafts_left_out(editor):
    today = date(2026, 6, 1)
    for title, days, status in [
        ("Ends in 91 days", 91, Status.PUBLISHED),
        ("Ends in 90 days", 90, Status.PUBLISHED),
        ("Withdrawn, ends today", 0, Status.WITHDRAWN),
        ("Ended yesterday", -1, Status.PUBLISHED),
        ("Draft ending", 10, Status.DRAFT),
    ]:
        QualificationFactory(
            title=title,
            status=status,
            certification_end_date=today + timedelta(days=days),
        )

    with time_machine.travel(NOW, tick=False):
        shown = panel(editor.get(INDEX), "certification-ending")

    assert [item.split(" (")[0] for item in shown.items] == [
        "Withdrawn, ends today",
        "Ends in 90 days",
    ]
    assert shown.items[1].endswith("certification ends 30 August 2026")


def test_recently_published_changes_are_listed_the_latest_first(editor):
    pablo = User.objects.create_user("pablo", first_name="Pablo", is_staff=True)
    earlier, later = QualificationFactory(title="Earlier"), QualificationFactory(title="Later")
    for at, qualification, action in [
        (NOW - timedelta(days=2), earlier, ReviewAction.PUBLISHED),
        (NOW - timedelta(days=1), later, ReviewAction.PUBLISHED),
        (NOW, earlier, ReviewAction.SENT_BACK),
    ]:
        with time_machine.travel(at, tick=False):
            ReviewEvent.objects.create(qualification=qualification, action=action, user=pablo)

    shown = panel(editor.get(INDEX), "recently-published")

    assert [item.split(": ", 1)[1] for item in shown.items] == [
        "published by Pablo on 31 May 2026, 10:00",
        "published by Pablo on 30 May 2026, 10:00",
    ]
    assert shown.links == [change_form(later), change_form(earlier)]


def failed_email(qualification, to, **fields):
    event = ReviewEvent.objects.create(qualification=qualification, action=ReviewAction.PUBLISHED)
    return Notification.objects.create(event=event, to=to, subject="Change published", **fields)


def test_a_publisher_sees_the_emails_that_could_not_be_sent(publisher):
    qualification = QualificationFactory(title="Carpentry", qualification_number="601/0001/1")
    failed_email(qualification, "edna@example.com", attempts=2, last_error="Connection refused")
    failed_email(qualification, "otto@example.com", attempts=0)  # not yet tried
    failed_email(qualification, "ida@example.com", attempts=1, sent_at=NOW)

    shown = panel(publisher.get(INDEX), "unsent-emails")

    assert shown.items == [
        "Carpentry (601/0001/1): “Change published” to edna@example.com, tried 2 times: "
        "Connection refused"
    ]
    assert "Run manage.py send_notifications to try them again." in shown.text
    assert shown.links == [change_form(qualification)]


def test_an_editor_does_not_see_the_emails_that_could_not_be_sent(editor):
    failed_email(QualificationFactory(), "edna@example.com", attempts=1, last_error="Refused")

    response = editor.get(INDEX)

    assert panel(response, "recently-published") is not None
    assert panel(response, "unsent-emails") is None


def test_empty_panels_say_so(publisher):
    response = publisher.get(INDEX)

    assert [panel(response, panel_id).text for panel_id in PANELS] == [
        "Changes awaiting your review No changes are awaiting review.",
        "Your changes You have no changes waiting to be submitted.",
        "Going live or withdrawn in the next 30 days No qualification goes live or is withdrawn "
        "in the next 30 days.",
        "Certification ends in the next 90 days No certification ends in the next 90 days.",
        "Recently published changes No changes have been published yet.",
        "Emails that could not be sent Every email tried has been sent.",
    ]


def test_a_long_list_says_how_many_more_and_links_to_them_all(editor):
    organisation = AwardingOrganisationFactory()
    Qualification.objects.bulk_create(
        QualificationFactory.build(
            title=f"Ending {n:02d}",
            awarding_organisation=organisation,
            certification_end_date=date(2026, 7, 1),
            status=Status.WITHDRAWN if n % 2 else Status.PUBLISHED,
        )
        for n in range(dashboard.LIMIT + 2)
    )
    QualificationFactory(
        title="Draft ending", status=Status.DRAFT, certification_end_date=date(2026, 7, 1)
    )

    with time_machine.travel(NOW, tick=False):
        shown = panel(editor.get(INDEX), "certification-ending")
        more = editor.get(shown.links[-1])

    assert len(shown.items) == dashboard.LIMIT
    assert shown.text.endswith("and 2 more")
    assert more.status_code == 200
    assert more.context["cl"].result_count == dashboard.LIMIT + 2


def test_staff_who_may_not_see_qualifications_see_no_panels(client, editor):
    client.force_login(User.objects.create_user("guest", is_staff=True))
    QualificationFactory(certification_end_date=date.today())

    response = client.get(INDEX)

    assert response.status_code == 200
    assert [panel(response, panel_id) for panel_id in PANELS] == [None] * len(PANELS)
    assert panel(editor.get(INDEX), "certification-ending").items != []


STATES = [ReviewState.SUBMITTED, ReviewState.SENT_BACK]


def add_catalogue(count, editor, start):
    """`count` qualifications, each in every panel but one of the first two: going live, its
    certification ending, a change (submitted, or `editor`'s sent back), one published and an
    email that could not be sent."""
    organisation = AwardingOrganisationFactory()
    qualifications = Qualification.objects.bulk_create(
        Qualification(
            title=f"Scale {start + n}",
            slug=f"scale-{start + n}",
            status=Status.PUBLISHED,
            awarding_organisation=organisation,
            qualification_number=f"{start + n:08d}",
            level=3,
            live_from=NOW + timedelta(days=1, minutes=n),
            certification_end_date=date(2026, 7, 1),
        )
        for n in range(count)
    )
    PendingChange.objects.bulk_create(
        PendingChange(qualification=q, data="[]", editor=editor, state=STATES[n % 2])
        for n, q in enumerate(qualifications)
    )
    events = ReviewEvent.objects.bulk_create(
        ReviewEvent(qualification=q, action=ReviewAction.PUBLISHED, user=editor)
        for q in qualifications
    )
    Notification.objects.bulk_create(
        Notification(event=e, to="edna@example.com", subject="s", attempts=1, last_error="Refused")
        for e in events
    )


def test_the_front_page_runs_as_many_queries_for_10_as_for_10000_qualifications(
    publisher, django_assert_num_queries
):
    pablo = user("pablo")
    with time_machine.travel(NOW, tick=False):
        add_catalogue(10, pablo, start=0)
        with CaptureQueriesContext(connection) as few:
            publisher.get(INDEX)
        add_catalogue(9_990, pablo, start=10)
        with CaptureQueriesContext(connection) as many:
            response = publisher.get(INDEX)
        can_publish(pablo)  # its permissions read, as the admin has read them before
        with django_assert_num_queries(len(PANELS)):
            dashboard.panels(pablo)

    # The session, its user, their permissions (2), a query for each panel, the recent actions.
    assert len(many) == len(few) == 4 + len(PANELS) + 1
    assert [panel(response, panel_id).text.rsplit(" ", 3)[-3:] for panel_id in PANELS] == [
        *(["and", "4990", "more"], ["and", "4990", "more"]),
        *(["and", "9990", "more"], ["and", "9990", "more"]),
        *(["and", "9990", "more"], ["and", "9990", "more"]),
    ]
