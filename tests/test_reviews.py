"""Changes to live qualifications are reviewed before the public sees them: an Editor's save is
kept as a pending change, submitted, sent back with a reason or published by a Publisher, each
step recorded and emailed once."""

import datetime
import io
import smtplib
from decimal import Decimal

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.urls import reverse
from django.utils.text import capfirst
from reversion.models import Version

from qualifications import reviews, services
from qualifications.choices import GroupRule, ReviewAction, ReviewState, Status
from qualifications.models import (
    Audience,
    Employer,
    Notification,
    PendingChange,
    Qualification,
    ReviewEvent,
    Unit,
)

from .factories import (
    AudienceFactory,
    EmployerFactory,
    EmployerSupportFactory,
    QualificationFactory,
    UnitFactory,
    give_units,
)
from .html import form_data, select

FORM_ID = "qualification_form"
NEW_SENTENCE = "Now with a weekend cohort in Leeds."


def change_url(qualification):
    return reverse("admin:qualifications_qualification_change", args=[qualification.pk])


def review_url(qualification):
    return reverse("admin:qualifications_qualification_review", args=[qualification.pk])


def opened_form(client, qualification, url=None):
    response = client.get(url or change_url(qualification))
    assert response.status_code == 200
    return form_data(response.text, FORM_ID)


def edit_overview(client, qualification, sentence=NEW_SENTENCE, **extra):
    data = opened_form(client, qualification)
    data["overview"] = f"{data['overview']}\n\n{sentence}"
    return client.post(change_url(qualification), data | {"_save": "Save"} | extra)


def seen_on(client, qualification):
    """The review page's stamp of the pending change, as its forms post it."""
    page = client.get(review_url(qualification)).text
    return next((i.attrs["value"] for i in select(page, "input", name="seen")), "")


def step(client, qualification, name, text="", seen=None):
    if seen is None:
        seen = seen_on(client, qualification)
    return client.post(review_url(qualification), {"step": name, "text": text, "seen": seen})


def rows_of(html, table_id):
    """The text of each body row of the table with `table_id`."""
    return [
        row.text
        for row in select(html, "tr")
        if any(p.attrs.get("id") == table_id for p in row.parents)
        and not any(p.tag == "thead" for p in row.parents)
    ]


def public_text(client, qualification):
    response = client.get(qualification.get_absolute_url())
    assert response.status_code == 200
    return response.text


@pytest.fixture
def pending(editor, seed, django_capture_on_commit_callbacks):
    """The seed with an Editor's change to its overview kept for review."""
    with django_capture_on_commit_callbacks(execute=True):
        response = edit_overview(editor, seed)
    assert response.status_code == 302
    return PendingChange.objects.get(qualification=seed)


@pytest.fixture
def submitted(editor, seed, pending, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        step(editor, seed, "submit", "Leeds asked for it.")
    mailoutbox.clear()
    pending.refresh_from_db()
    return pending


# PENDING CHANGES


def test_an_editors_save_of_a_live_qualification_keeps_the_public_page(
    editor, client, seed, pending
):
    assert NEW_SENTENCE not in public_text(client, seed)
    assert NEW_SENTENCE not in Qualification.objects.get(pk=seed.pk).overview
    assert pending.state == ReviewState.EDITING
    assert pending.editor.username == "edna"


def test_the_editors_form_shows_the_pending_change_and_further_saves_update_it(
    editor, client, seed, pending
):
    data = opened_form(editor, seed)
    assert data["overview"].endswith(NEW_SENTENCE)

    data["title"] = "Interpersonal Mediation (Level 4)"
    editor.post(change_url(seed), data | {"_save": "Save"})

    data = opened_form(editor, seed)
    assert (data["title"], data["overview"].endswith(NEW_SENTENCE)) == (
        "Interpersonal Mediation (Level 4)",
        True,
    )
    assert Qualification.objects.get(pk=seed.pk).title == seed.title
    assert PendingChange.objects.count() == 1


def test_a_save_that_changes_nothing_keeps_no_pending_change(editor, seed):
    data = opened_form(editor, seed)

    response = editor.post(change_url(seed), data | {"_save": "Save"}, follow=True)

    assert not PendingChange.objects.exists()
    assert "no change is pending" in response.text


def test_a_draft_is_edited_directly(editor, client, db):
    draft = QualificationFactory(status=Status.DRAFT)

    edit_overview(editor, draft)

    assert Qualification.objects.get(pk=draft.pk).overview.endswith(NEW_SENTENCE)
    assert not PendingChange.objects.exists()


def test_public_search_catalogue_and_open_data_keep_the_published_version(
    editor, client, seed, pending
):
    data = opened_form(editor, seed)
    data["title"] = "Zebra Mediation"
    editor.post(change_url(seed), data | {"_save": "Save"})

    assert "Zebra" not in client.get("/?q=zebra").text
    assert client.get(f"/qualifications/{seed.slug}.json").json()["title"] == seed.title
    assert "Zebra" not in client.get("/").text


def test_staff_preview_shows_the_pending_change_marked_and_never_kept(
    editor, client, seed, pending
):
    response = editor.get(reverse("admin:qualifications_qualification_preview", args=[seed.pk]))

    assert NEW_SENTENCE in response.text
    assert "Preview of a change not yet published" in response.text
    assert "no-store" in response["Cache-Control"]
    assert NEW_SENTENCE not in public_text(client, seed)
    assert "Preview of a change" not in public_text(client, seed)


def test_staff_on_the_public_page_are_told_of_the_pending_change(editor, client, seed, pending):
    preview = reverse("admin:qualifications_qualification_preview", args=[seed.pk])

    staff_page, public_page = public_text(editor, seed), public_text(client, seed)

    assert [a.attrs["href"] for a in select(staff_page, "a") if a.text.startswith("Preview")] == [
        preview
    ]
    assert NEW_SENTENCE not in staff_page
    assert preview not in public_page


def test_a_second_editor_saving_over_a_pending_change_meanwhile_is_a_conflict(
    editor, seed, pending, roles
):
    from .conftest import staff_client

    other = staff_client("Editor", "olga")
    first = opened_form(editor, seed)
    second = opened_form(other, seed)
    first["title"] = "First title"
    editor.post(change_url(seed), first | {"_save": "Save"})

    second["title"] = "Second title"
    response = other.post(change_url(seed), second | {"_save": "Save"})

    assert response.status_code == 200
    assert "while you were editing it" in response.text
    assert opened_form(editor, seed)["title"] == "First title"


# FEES, UNITS AND DOCUMENTS ARE ROWS OF THE PENDING CHANGE


def test_a_fee_added_by_an_editor_waits_for_the_publisher(editor, publisher, client, seed):
    data = opened_form(editor, seed)
    data |= {
        "fees-TOTAL_FORMS": "1",
        "fees-0-kind": "standard",
        "fees-0-description": "",
        "fees-0-amount": "345.00",
        "fees-0-per": "learner",
        "fees-0-vat": "excluded",
        "fees-0-starts_on": "2020-01-01",
        "fees-0-ends_on": "",
    }
    editor.post(change_url(seed), data | {"_save": "Save"})
    assert "£345.00" not in public_text(client, seed)
    assert "£345.00" in editor.get(reviews.review_url(seed)).text

    step(publisher, seed, "publish")

    assert "£345.00" in public_text(client, seed)
    assert Qualification.objects.get(pk=seed.pk).fees.get().amount == Decimal("345.00")


def test_units_given_by_an_editor_wait_for_the_publisher(editor, publisher, client, db):
    qualification = QualificationFactory(credits=6)
    AudienceFactory(qualification=qualification)
    a, b = UnitFactory(title="Listening well", credits=3), UnitFactory(credits=3)
    data = opened_form(editor, qualification)
    data |= {
        "unit_groups-TOTAL_FORMS": "1",
        "unit_groups-0-name": "A",
        "unit_groups-0-rule": "all",
        "unit_groups-0-minimum": "",
        "unit_groups-0-maximum": "",
        "unit_groups-0-order": "0",
        "unit_memberships-TOTAL_FORMS": "2",
        "unit_memberships-0-group_name": "A",
        "unit_memberships-0-unit": str(a.pk),
        "unit_memberships-0-order": "0",
        "unit_memberships-1-group_name": "A",
        "unit_memberships-1-unit": str(b.pk),
        "unit_memberships-1-order": "1",
    }
    response = editor.post(change_url(qualification), data | {"_save": "Save"})
    assert response.status_code == 302
    assert "Listening well" not in public_text(client, qualification)
    assert not qualification.unit_memberships.exists()

    step(publisher, qualification, "publish")

    assert "Listening well" in public_text(client, qualification)
    assert qualification.unit_memberships.count() == 2


def test_a_document_uploaded_by_an_editor_waits_for_the_publisher(editor, publisher, client, seed):
    from . import document_files as files

    data = opened_form(editor, seed)
    data |= {
        "documents-TOTAL_FORMS": "1",
        "documents-0-kind": "specification",
        "documents-0-language": "en",
        "documents-0-title": "Mediation specification 2026",
        "documents-0-version_label": "3",
        "documents-0-effective_from": "2026-01-01",
        "documents-0-file": files.upload(files.pdf()),
    }
    editor.post(change_url(seed), data | {"_save": "Save"})
    assert not seed.documents.exists()
    assert "Mediation specification 2026" not in public_text(client, seed)

    step(publisher, seed, "publish")

    assert seed.documents.get().version_label == "3"
    assert "Mediation specification 2026" in public_text(client, seed)


def test_a_row_whose_key_another_qualification_took_meanwhile_is_published_as_a_new_row(
    editor, publisher, seed
):
    data = opened_form(editor, seed)
    total = int(data["audiences-TOTAL_FORMS"])
    data |= {
        "audiences-TOTAL_FORMS": str(total + 1),
        f"audiences-{total}-description": "Mediators new to workplace disputes",
        f"audiences-{total}-order": "9",
    }
    editor.post(change_url(seed), data | {"_save": "Save"})
    # SQLite gives the rolled-back row's key to the next row written; PostgreSQL never does.
    other = AudienceFactory(description="Someone else's audience")

    step(publisher, seed, "publish")

    assert Audience.objects.get(pk=other.pk).description == "Someone else's audience"
    assert Audience.objects.get(pk=other.pk).qualification != seed
    assert seed.audiences.filter(description="Mediators new to workplace disputes").count() == 1


# SUBMIT, SEND BACK, PUBLISH, DISCARD


def test_submitting_emails_the_publishers_once_it_commits(
    editor, publisher, seed, pending, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        step(editor, seed, "submit", "Leeds asked for it.")
        assert mailoutbox == []
    for callback in callbacks:
        callback()

    [message] = mailoutbox
    assert message.to == ["pablo@example.org"]
    assert "submitted" in message.subject
    assert "Leeds asked for it." in message.body
    assert f"http://testserver{review_url(seed)}" in message.body
    pending.refresh_from_db()
    assert (pending.state, pending.comment) == (ReviewState.SUBMITTED, "Leeds asked for it.")


def test_the_review_page_compares_the_pending_change_with_the_live_version(
    publisher, seed, submitted
):
    page = publisher.get(review_url(seed)).text

    label = capfirst(Qualification._meta.get_field("overview").verbose_name)
    assert [row.startswith(label) for row in rows_of(page, "changes")] == [True]
    before, after = [
        cell.text
        for cell in select(page, "td")
        if any(p.attrs.get("id") == "changes" for p in cell.parents)
    ]
    assert before == " ".join(seed.overview.split())
    assert after.startswith(before)
    assert after.endswith(NEW_SENTENCE)
    assert "Leeds asked for it." in page


def test_sending_back_needs_a_reason(publisher, seed, submitted, mailoutbox):
    response = step(publisher, seed, "send_back", "  ")

    assert "Say why it is sent back" in response.text
    submitted.refresh_from_db()
    assert submitted.state == ReviewState.SUBMITTED
    assert mailoutbox == []


def test_sent_back_the_editor_reads_the_reason_in_the_form_and_the_email(
    editor, publisher, seed, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        step(publisher, seed, "send_back", "Name the Leeds venue.")

    [message] = mailoutbox
    assert message.to == ["edna@example.org"]
    assert "Name the Leeds venue." in message.body
    assert f"http://testserver{change_url(seed)}" in message.body
    [note] = select(editor.get(change_url(seed)).text, "div", id="pending-change")
    assert "Sent back: Name the Leeds venue." in note.text


def test_publishing_from_the_review_page_makes_a_version_and_tells_the_editor(
    editor, publisher, client, seed, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        step(publisher, seed, "publish")

    assert NEW_SENTENCE in public_text(client, seed)
    assert not PendingChange.objects.exists()
    latest = Version.objects.get_for_object(seed).first()
    assert latest.revision.user.username == "pablo"
    assert NEW_SENTENCE in latest.field_dict["overview"]
    [message] = mailoutbox
    assert (message.to, "published" in message.subject) == (["edna@example.org"], True)


def test_a_publishers_save_of_the_form_publishes_the_pending_change(
    publisher, client, seed, pending
):
    data = opened_form(publisher, seed)
    assert data["overview"].endswith(NEW_SENTENCE)

    publisher.post(change_url(seed), data | {"_save": "Save"})

    assert NEW_SENTENCE in public_text(client, seed)
    assert not PendingChange.objects.exists()
    assert ReviewEvent.objects.get().action == ReviewAction.PUBLISHED


def test_a_publisher_may_save_for_review_instead(publisher, client, seed):
    edit_overview(publisher, seed, _save_for_review="Save for review")

    assert NEW_SENTENCE not in public_text(client, seed)
    assert PendingChange.objects.get().editor.username == "pablo"


def test_the_publish_action_publishes_pending_changes(publisher, client, seed, pending):
    publisher.post(
        reverse("admin:qualifications_qualification_changelist"),
        {"action": "publish", "_selected_action": [seed.pk]},
    )

    assert NEW_SENTENCE in public_text(client, seed)
    assert not PendingChange.objects.exists()


def test_the_editor_or_a_publisher_may_discard_another_editor_may_not(
    editor, publisher, client, seed, pending, roles
):
    from .conftest import staff_client

    assert step(staff_client("Editor", "olga"), seed, "discard").status_code == 403
    assert PendingChange.objects.exists()

    step(editor, seed, "discard")

    assert not PendingChange.objects.exists()
    assert NEW_SENTENCE not in public_text(client, seed)
    assert ReviewEvent.objects.get().action == ReviewAction.DISCARDED


def test_the_history_shows_who_submitted_sent_back_and_published(
    editor, publisher, seed, submitted
):
    step(publisher, seed, "send_back", "Name the Leeds venue.")
    step(editor, seed, "submit", "Named it.")
    step(publisher, seed, "publish")

    page = publisher.get(reverse("admin:qualifications_qualification_history", args=[seed.pk]))
    rows = rows_of(page.text, "review-history")
    assert [
        (e.action, e.user.username, e.text) for e in ReviewEvent.objects.order_by("at", "pk")
    ] == [
        (ReviewAction.SUBMITTED, "edna", "Leeds asked for it."),
        (ReviewAction.SENT_BACK, "pablo", "Name the Leeds venue."),
        (ReviewAction.SUBMITTED, "edna", "Named it."),
        (ReviewAction.PUBLISHED, "pablo", ""),
    ]
    assert len(rows) == 4
    assert "Name the Leeds venue." in rows[2]


# FORGED REQUESTS: an Editor never publishes


def test_an_editors_forged_publish_step_is_refused(editor, client, seed, submitted):
    response = step(editor, seed, "publish")

    assert response.status_code == 403
    assert NEW_SENTENCE not in public_text(client, seed)
    assert PendingChange.objects.exists()


def test_an_editors_forged_send_back_is_refused(editor, seed, submitted):
    assert step(editor, seed, "send_back", "No.").status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == ReviewState.SUBMITTED


def test_an_editors_forged_publish_action_publishes_nothing(editor, client, seed, pending):
    editor.post(
        reverse("admin:qualifications_qualification_changelist"),
        {"action": "publish", "_selected_action": [seed.pk]},
    )

    assert NEW_SENTENCE not in public_text(client, seed)
    assert PendingChange.objects.exists()


def test_an_editors_forged_form_fields_publish_nothing(editor, client, seed, pending):
    edit_overview(
        editor,
        seed,
        sentence="Forged.",
        _save_for_review="",
        status=Status.DRAFT,
        edit_version="",
    )

    assert "Forged." not in public_text(client, seed)
    assert Qualification.objects.get(pk=seed.pk).status == Status.PUBLISHED


def test_an_editors_restore_of_a_live_qualifications_version_is_kept_for_review(
    editor, publisher, client, seed
):
    edit_overview(publisher, seed)  # live at once: a version to go back from
    before = Version.objects.get_for_object(seed)[1]
    url = reverse("admin:qualifications_qualification_revision", args=[seed.pk, before.pk])

    response = editor.post(url, opened_form(editor, seed, url) | {"_save": "Save"})

    assert response.status_code == 302
    assert NEW_SENTENCE in public_text(client, seed)
    assert NEW_SENTENCE not in opened_form(editor, seed)["overview"]


# WHAT LIVE QUALIFICATIONS SHARE IS CHANGED BY PUBLISHERS


def test_an_editor_sees_a_unit_held_by_a_live_qualification_read_only(editor, publisher, db):
    unit = UnitFactory(credits=3)
    give_units(QualificationFactory(credits=None), ("A", GroupRule.ALL, None, None, [unit]))
    url = reverse("admin:qualifications_unit_change", args=[unit.pk])

    page = editor.get(url, follow=True).text
    refused = editor.post(url, {"title": "Renamed by an editor"})
    allowed = publisher.get(url)

    assert "Only a Publisher can change this unit" in page
    assert refused.status_code == 403
    assert Unit.objects.get(pk=unit.pk).title == unit.title
    assert 'name="title"' in allowed.text


def test_an_editor_changes_a_live_qualifications_rows_only_in_its_form(editor, seed):
    audience = seed.audiences.first()

    response = editor.post(
        reverse("admin:qualifications_audience_change", args=[audience.pk]),
        {"description": "Forged", "order": "0", "qualification": str(seed.pk)},
    )

    assert response.status_code == 403
    assert Audience.objects.get(pk=audience.pk).description == audience.description


# EMAIL: kept and retried, never twice


class FailingBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_a_failed_email_loses_nothing_and_is_retried_once(
    editor, publisher, seed, pending, settings, mailoutbox, django_capture_on_commit_callbacks
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        response = step(editor, seed, "submit", "Leeds asked for it.")

    assert response.status_code == 302
    assert PendingChange.objects.get().state == ReviewState.SUBMITTED
    notification = Notification.objects.get()
    assert (notification.sent_at, notification.attempts) == (None, 1)
    assert "Connection unexpectedly closed" in notification.last_error

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    call_command("send_notifications", verbosity=0)
    call_command("send_notifications", verbosity=0)

    assert [m.to for m in mailoutbox] == [["pablo@example.org"]]
    assert Notification.objects.get().sent_at is not None


def test_the_retry_command_fails_loudly_while_the_server_is_down(
    settings, seed, editor, publisher, pending
):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
    step(editor, seed, "submit", "")  # its email waits: on_commit never runs in a test

    with pytest.raises(Exception, match="1 email could not be sent"):
        call_command("send_notifications", verbosity=0)


def test_an_email_claimed_by_another_sender_is_not_sent_again(
    editor, publisher, seed, pending, mailoutbox, settings
):
    step(editor, seed, "submit", "")
    Notification.objects.update(claimed_until=datetime.datetime(2100, 1, 1, tzinfo=datetime.UTC))

    call_command("send_notifications", verbosity=0)

    assert mailoutbox == []


def test_publishing_a_change_keeps_a_withdrawal_made_since(publisher, client, seed, pending):
    publisher.post(
        reverse("admin:qualifications_qualification_changelist"),
        {"action": "withdraw", "_selected_action": [seed.pk]},
    )

    step(publisher, seed, "publish")

    seed.refresh_from_db()
    assert seed.status == Status.WITHDRAWN
    assert seed.overview.endswith(NEW_SENTENCE)
    assert client.get(seed.get_absolute_url()).status_code == 410


def test_a_change_saved_after_the_publisher_opened_it_is_not_published_unread(
    editor, publisher, client, seed, submitted
):
    seen = seen_on(publisher, seed)
    edit_overview(editor, seed, sentence="Slipped in after the review began.")

    response = step(publisher, seed, "publish", seen=seen)

    assert "saved, submitted or reviewed since you opened this page" in response.text
    assert "Slipped in" not in public_text(client, seed)
    assert PendingChange.objects.get().state == ReviewState.EDITING


def test_publishing_twice_from_one_page_publishes_and_emails_once(
    editor, publisher, seed, submitted, mailoutbox, django_capture_on_commit_callbacks
):
    seen = seen_on(publisher, seed)
    with django_capture_on_commit_callbacks(execute=True):
        step(publisher, seed, "publish", seen=seen)
        step(publisher, seed, "publish", seen=seen)

    assert ReviewEvent.objects.filter(action=ReviewAction.PUBLISHED).count() == 1
    assert len(mailoutbox) == 1


def test_returning_to_draft_discards_the_pending_change(publisher, seed, pending):
    publisher.post(
        reverse("admin:qualifications_qualification_changelist"),
        {"action": "return_to_draft", "_selected_action": [seed.pk]},
    )

    assert not PendingChange.objects.exists()
    event = ReviewEvent.objects.get()
    assert (event.action, event.text) == (ReviewAction.DISCARDED, "Returned to draft.")


def test_a_long_title_is_shortened_in_the_email_subject_never_refused(
    editor, publisher, seed, pending, mailoutbox, django_capture_on_commit_callbacks
):
    Qualification.objects.filter(pk=seed.pk).update(title="Mediation " * 20)
    limit = Notification._meta.get_field("subject").max_length

    with django_capture_on_commit_callbacks(execute=True):
        response = step(editor, seed, "submit", "")

    assert response.status_code == 302
    [message] = mailoutbox
    assert len(message.subject) == limit
    assert message.subject.endswith("…")


def test_a_restore_reverts_only_its_qualification_never_others_saved_with_it(publisher, client, db):
    first, second = QualificationFactory(title="First"), QualificationFactory(title="Second")
    AudienceFactory(qualification=first)
    employer = EmployerFactory(name="Moat Housing")
    EmployerSupportFactory(qualification=first, employer=employer)
    services.qualifications_saved([first.pk, second.pk], comment="Imported.")
    version = Version.objects.get_for_object(first).first()
    Qualification.objects.filter(pk=second.pk).update(title="Second, renamed since")
    employer.name = "Moat Homes"
    services.shared_save(employer)
    url = reverse("admin:qualifications_qualification_revision", args=[first.pk, version.pk])

    response = publisher.post(url, opened_form(publisher, first, url) | {"_save": "Save"})

    assert response.status_code == 302
    assert Qualification.objects.get(pk=second.pk).title == "Second, renamed since"
    assert Employer.objects.get(pk=employer.pk).name == "Moat Homes"


def test_a_pending_change_naming_an_employer_deleted_since_is_shown_and_published_without_it(
    editor, publisher, client, seed
):
    employer = EmployerFactory(name="Gone Housing")
    data = opened_form(editor, seed)
    total = int(data["employer_supports-TOTAL_FORMS"])
    data |= {
        "employer_supports-TOTAL_FORMS": str(total + 1),
        f"employer_supports-{total}-employer": str(employer.pk),
        f"employer_supports-{total}-order": "9",
    }
    data["overview"] += f"\n\n{NEW_SENTENCE}"
    editor.post(change_url(seed), data | {"_save": "Save"})
    employer.delete()

    assert publisher.get(review_url(seed)).status_code == 200
    step(publisher, seed, "publish")

    assert NEW_SENTENCE in public_text(client, seed)
    assert not seed.employer_supports.filter(employer__name="Gone Housing").exists()


def test_the_review_page_warns_of_what_was_published_since_the_change_began(
    publisher, seed, submitted
):
    seed.refresh_from_db()
    seed.title = "Interpersonal Mediation, renamed by the Register"
    services.qualification_save(seed, comment="Imported.")

    page = publisher.get(review_url(seed)).text

    [warning] = select(page, "div", id="published-since")
    assert "An import or a script saved it on" in warning.text
    rows = rows_of(page, "published-since-changes")
    assert [row.startswith("Title") for row in rows] == [True]
    assert "renamed by the Register" in rows[0]


def test_the_review_page_gives_no_warning_when_nothing_was_published_since(
    publisher, seed, submitted
):
    assert select(publisher.get(review_url(seed)).text, "div", id="published-since") == []


def test_a_mail_server_that_fails_is_tried_once_per_send_the_rest_wait(
    editor, publisher, seed, pending, settings, roles
):
    from .conftest import staff_client

    staff_client("Publisher", "petra")
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.FailingBackend"}}
    step(editor, seed, "submit", "")

    with pytest.raises(Exception, match="1 email could not be sent"):
        call_command("send_notifications", verbosity=0)

    assert sorted(Notification.objects.values_list("attempts", flat=True)) == [0, 1]


def pdf_text(content):
    from pypdf import PdfReader

    return " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages).split()
    )


def test_the_preview_links_a_factsheet_with_the_pending_change_the_public_one_keeps_the_live(
    editor, client, seed, pending
):
    page = editor.get(reverse("admin:qualifications_qualification_preview", args=[seed.pk])).text
    [link] = [a.attrs["href"] for a in select(page, "a") if "download" in a.attrs]

    preview = editor.get(link)

    assert link == reverse("admin:qualifications_qualification_preview_factsheet", args=[seed.pk])
    assert preview["Content-Type"] == "application/pdf"
    assert "no-store" in preview["Cache-Control"]
    assert NEW_SENTENCE in pdf_text(preview.content)
    assert NEW_SENTENCE not in pdf_text(client.get(seed.get_factsheet_url()).content)


def test_an_address_taken_since_keeps_the_change_readable_and_refuses_to_publish_it(
    editor, publisher, client, seed
):
    data = opened_form(editor, seed)
    data |= {"slug": "mediation-l4", "overview": data["overview"] + f"\n\n{NEW_SENTENCE}"}
    editor.post(change_url(seed), data | {"_save": "Save"})
    QualificationFactory(slug="mediation-l4")

    review = publisher.get(review_url(seed))
    refused = step(publisher, seed, "publish")

    assert review.status_code == 200
    assert "Another qualification has taken the slug" in refused.text
    assert PendingChange.objects.filter(qualification=seed).exists()
    assert NEW_SENTENCE not in public_text(client, seed)
