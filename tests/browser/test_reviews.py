"""Issue 19 in a real browser, under the strict CSP: an Editor changes the live seed qualification
and submits it, and the public page is unchanged; a Publisher opens the dashboard, compares, and
sends it back with a reason; the Editor sees the reason, amends and resubmits; the Publisher
publishes and the public page shows the change. Four emails went, each to whom it concerns. The
dashboard, the review page and the change form showing the pending change pass axe-core.

The live server runs in a thread of this process: its commits are real (a transactional
database), its emails are sent once they commit, to the locmem outbox this test reads."""

import pytest
from django.contrib.auth.models import User

from qualifications.models import Notification, PendingChange, Qualification
from tests.conftest import SEED_SLUG

from .test_accessibility import axe_source, axe_violations  # noqa: F401

pytestmark = pytest.mark.browser

CHANGE_FORM = "/admin/qualifications/qualification/{pk}/change/"
REVIEW_PAGE = "/admin/qualifications/qualification/{pk}/review/"
FIRST_SENTENCE = "Now with a weekend cohort in Leeds."
AMENDMENT = "The weekend cohort meets on Saturdays at Leeds Civic Hall."
COMMENT = "Leeds asked for a weekend cohort."
REASON = "Say where in Leeds the weekend cohort meets."
RESUBMIT_COMMENT = "Added where it meets."
EDITOR_EMAIL = "edna@example.org"
PUBLISHER_EMAIL = "pablo@example.org"


def signed_in(staff_tab, username, role, email):
    visit = staff_tab(username, role)
    User.objects.filter(username=username).update(email=email)
    return visit


def append_to_overview(page, text):
    """Type `text` at the end of the change form's overview, as a new paragraph."""
    page.click("#id_overview")
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\n\n{text}")


def click_and_wait(page, selector):
    with page.expect_navigation():
        page.click(selector)
    return page.inner_text(".messagelist") if page.locator(".messagelist").count() else ""


def public_text(visit_at, qualification):
    """The public page's text as a new visitor sees it: a new browser, as the page may be kept
    for PUBLIC_MAX_AGE in the cache of one that saw it before."""
    visit = visit_at(1280)
    response = visit.open(qualification.get_absolute_url())
    assert not [e for e in visit.console_errors if "Content Security Policy" in e]
    assert response.status == 200
    return visit.page.inner_text("main")


def open_review_from_dashboard(visit, qualification):
    """From the admin's front page to the review page, through the links a Publisher follows."""
    visit.open("/admin/")
    with visit.page.expect_navigation():
        visit.page.click(f"#awaiting-review a >> text={qualification.title}")
    with visit.page.expect_navigation():
        visit.page.click("#pending-change a >> text=Compare it with the published version")
    assert visit.page.url.endswith(REVIEW_PAGE.format(pk=qualification.pk))


def test_a_change_to_the_live_seed_is_reviewed_sent_back_resubmitted_and_published(
    staff_tab,
    visit_at,
    mailoutbox,
    axe_source,  # noqa: F811
):
    seed = Qualification.objects.get(slug=SEED_SLUG)
    live_overview = seed.overview
    editor = signed_in(staff_tab, "edna", "Editor", EDITOR_EMAIL)
    publisher = signed_in(staff_tab, "pablo", "Publisher", PUBLISHER_EMAIL)
    form, review = CHANGE_FORM.format(pk=seed.pk), REVIEW_PAGE.format(pk=seed.pk)

    # The Editor changes the live qualification: kept for review, the public page unchanged.
    editor.open(form)
    append_to_overview(editor.page, FIRST_SENTENCE)
    assert "kept for review" in click_and_wait(editor.page, "input[name=_save]")
    assert editor.page.url.endswith(review)
    assert FIRST_SENTENCE in editor.page.inner_text("#changes")
    editor.page.fill("#id_comment", COMMENT)
    assert "submitted for review" in click_and_wait(editor.page, "button[value=submit]")
    assert FIRST_SENTENCE not in public_text(visit_at, seed)
    assert Qualification.objects.get(pk=seed.pk).overview == live_overview

    # The Publisher finds it on the dashboard, compares it and sends it back with a reason.
    publisher.open("/admin/")
    awaiting = publisher.page.inner_text("#awaiting-review")
    assert seed.title in awaiting
    assert COMMENT in awaiting
    assert axe_violations(publisher.page, axe_source) == []
    open_review_from_dashboard(publisher, seed)
    assert FIRST_SENTENCE in publisher.page.inner_text("#changes")
    publisher.screenshot("admin-review-1280px")
    assert axe_violations(publisher.page, axe_source) == []
    publisher.page.fill("#id_reason", REASON)
    assert "sent back" in click_and_wait(publisher.page, "button[value=send_back]")

    # The Editor reads the reason on the form, amends the change and submits it again.
    editor.open(form)
    note = editor.page.inner_text("#pending-change")
    assert "sent back" in note.lower()
    assert REASON in note
    assert FIRST_SENTENCE in editor.page.input_value("#id_overview")
    editor.screenshot("admin-change-form-sent-back-1280px")
    assert axe_violations(editor.page, axe_source) == []
    append_to_overview(editor.page, AMENDMENT)
    assert "kept for review" in click_and_wait(editor.page, "input[name=_save]")
    assert AMENDMENT in editor.page.inner_text("#changes")
    assert axe_violations(editor.page, axe_source) == []
    editor.page.fill("#id_comment", RESUBMIT_COMMENT)
    assert "submitted for review" in click_and_wait(editor.page, "button[value=submit]")
    assert AMENDMENT not in public_text(visit_at, seed)

    # The Publisher publishes it: the public page shows it.
    open_review_from_dashboard(publisher, seed)
    assert AMENDMENT in publisher.page.inner_text("#changes")
    assert "published" in click_and_wait(publisher.page, "button[value=publish]")
    shown = public_text(visit_at, seed)
    assert FIRST_SENTENCE in shown
    assert AMENDMENT in shown
    assert not PendingChange.objects.exists()

    # Four emails, in order, each to whom it concerns, none left unsent.
    assert [(message.to, message.subject) for message in mailoutbox] == [
        ([PUBLISHER_EMAIL], f"Change submitted for review: {seed}"),
        ([EDITOR_EMAIL], f"Change sent back: {seed}"),
        ([PUBLISHER_EMAIL], f"Change resubmitted for review: {seed}"),
        ([EDITOR_EMAIL], f"Change published: {seed}"),
    ]
    assert COMMENT in mailoutbox[0].body
    assert REASON in mailoutbox[1].body
    assert RESUBMIT_COMMENT in mailoutbox[2].body
    assert seed.get_absolute_url() in mailoutbox[3].body
    assert not Notification.objects.filter(sent_at=None).exists()
    for visit in (editor, publisher):
        assert [e for e in visit.console_errors if "Content Security Policy" in e] == []
