"""The admin's front page, with something in every panel, in a real browser under the strict CSP."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from qualifications.choices import ReviewAction, ReviewState
from qualifications.models import Notification, PendingChange, ReviewEvent
from tests.factories import QualificationFactory

from .test_accessibility import AXE, axe_violations

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def axe_source():
    return AXE.read_text()


def test_the_front_page_with_every_panel_has_no_accessibility_violations(staff_tab, axe_source):
    soon = timezone.now() + timedelta(days=3)
    qualification = QualificationFactory(
        live_from=soon, live_until=soon + timedelta(days=7), certification_end_date=soon.date()
    )
    edna = User.objects.create_user("edna", first_name="Edna", is_staff=True)
    PendingChange.objects.create(
        qualification=qualification,
        data="[]",
        editor=edna,
        state=ReviewState.SUBMITTED,
        comment="New fees.",
    )
    visit = staff_tab("pablo", "Publisher")
    PendingChange.objects.create(
        qualification=QualificationFactory(),
        data="[]",
        editor=User.objects.get(username="pablo"),
        state=ReviewState.SENT_BACK,
        reason="The fee is per unit.",
    )
    event = ReviewEvent.objects.create(qualification=qualification, action=ReviewAction.PUBLISHED)
    Notification.objects.create(
        event=event, to="edna@example.com", subject="Published", attempts=1, last_error="Refused"
    )

    visit.open("/admin/")
    visit.screenshot("admin-dashboard-1280px")

    assert visit.page.locator("section.module li").count() == 6
    assert axe_violations(visit.page, axe_source) == []
    assert [error for error in visit.console_errors if "Content Security Policy" in error] == []
