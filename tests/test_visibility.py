"""Who sees a qualification, and when: drafts, scheduled go-live and withdrawal, withdrawn pages
answering 410 Gone, and previews decided by permission."""

import datetime

import pytest
import time_machine
from django.contrib.auth.models import Permission, User
from django.utils import timezone

from qualifications import services
from qualifications.choices import Status
from qualifications.models import Qualification

from .factories import QualificationFactory

HOUR = datetime.timedelta(hours=1)


@pytest.fixture
def previewer(db):
    user = User.objects.create_user("previewer", password="unused-password-1")
    user.user_permissions.add(Permission.objects.get(codename="view_qualification"))
    return user


def addresses(qualification):
    return [qualification.get_absolute_url(), qualification.get_factsheet_url()]


@pytest.mark.parametrize("address", ["page", "factsheet"])
def test_withdrawn_qualification_answers_gone_with_a_way_back(client, db, address):
    qualification = QualificationFactory(status=Status.WITHDRAWN, title="Old Plumbing")
    url = dict(zip(["page", "factsheet"], addresses(qualification), strict=True))[address]

    response = client.get(url)

    assert response.status_code == 410
    assert "Old Plumbing has been withdrawn" in response.text
    assert 'href="/"' in response.text
    assert "Content-Disposition" not in response


def test_unknown_address_is_still_not_found(client, db):
    assert client.get("/qualifications/no-such-thing/").status_code == 404
    assert client.get("/qualifications/no-such-thing/factsheet.pdf").status_code == 404


def test_qualification_past_its_withdrawal_date_is_gone(client, db):
    qualification = QualificationFactory(live_until=timezone.now() - HOUR)

    assert client.get(qualification.get_absolute_url()).status_code == 410
    assert not Qualification.objects.published().exists()


def test_qualification_not_yet_live_is_not_found_nor_listed(client, db):
    qualification = QualificationFactory(live_from=timezone.now() + HOUR, title="Future Welding")

    assert client.get(qualification.get_absolute_url()).status_code == 404
    assert "Future Welding" not in client.get("/").text
    assert qualification.get_absolute_url() not in client.get("/sitemap.xml").text


def test_scheduled_qualification_goes_live_and_leaves_on_time(client, db):
    now = timezone.now()
    qualification = QualificationFactory(
        live_from=now + HOUR, live_until=now + 3 * HOUR, title="Timed Carpentry"
    )
    url = qualification.get_absolute_url()

    with time_machine.travel(now, tick=False):
        assert client.get(url).status_code == 404
    with time_machine.travel(now + 2 * HOUR, tick=False):
        assert client.get(url).status_code == 200
        assert "Timed Carpentry" in client.get("/").text
    with time_machine.travel(now + 4 * HOUR, tick=False):
        assert client.get(url).status_code == 410
        assert "Timed Carpentry" not in client.get("/").text


def test_a_kept_page_is_not_served_past_its_withdrawal(client, db):
    now = timezone.now()
    qualification = QualificationFactory(live_until=now + HOUR)
    url = qualification.get_absolute_url()
    with time_machine.travel(now, tick=False):
        kept = client.get(url)

    with time_machine.travel(now + 2 * HOUR, tick=False):
        later = client.get(url, headers={"if-none-match": kept["ETag"]})

    assert kept.status_code == 200
    assert later.status_code == 410


def test_browsers_may_keep_a_page_no_longer_than_its_window(client, db):
    now = timezone.now()
    qualification = QualificationFactory(live_until=now + datetime.timedelta(seconds=90))

    with time_machine.travel(now, tick=False):
        response = client.get(qualification.get_absolute_url())

    assert "max-age=90" in response["Cache-Control"]


def test_previewer_sees_a_draft_never_cached(client, previewer):
    draft = QualificationFactory(status=Status.DRAFT, title="Draft Glazing")
    client.force_login(previewer)

    page = client.get(draft.get_absolute_url())
    factsheet = client.get(draft.get_factsheet_url())

    assert page.status_code == 200
    assert "Draft Glazing" in page.text
    assert factsheet.status_code == 200
    for response in (page, factsheet):
        assert "no-store" in response["Cache-Control"]


def test_staff_without_the_permission_cannot_preview(client, db):
    draft = QualificationFactory(status=Status.DRAFT)
    staff = User.objects.create_user("staff", password="unused-password-1", is_staff=True)
    client.force_login(staff)

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(draft.get_factsheet_url()).status_code == 404


def test_publishing_shows_in_the_catalogue_at_once(client, db):
    qualification = QualificationFactory(title="Soon Published", status=Status.DRAFT)
    before = client.get("/")

    qualification.status = Status.PUBLISHED
    services.qualification_save(qualification)

    after = client.get("/", headers={"if-none-match": before["ETag"]})
    assert after.status_code == 200
    assert "Soon Published" in after.text


def test_previewer_past_the_withdrawal_date_is_told_the_public_cannot_see_it(client, previewer):
    withdrawn = QualificationFactory(live_until=timezone.now() - HOUR)
    client.force_login(previewer)

    response = client.get(withdrawn.get_absolute_url())

    assert response.status_code == 200
    assert "the public does not see it now" in response.text
    assert "application/ld+json" not in response.text
