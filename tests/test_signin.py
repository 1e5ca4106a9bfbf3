"""Staff sign-in: lockout after repeated failures (django-axes), unlocking, session length, where
the admin lives, and which client address is believed."""

import importlib
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from django.utils.timesince import timeuntil

import qualsite.urls
from qualsite.signin import client_ip_address

from .html import select, select_one
from .test_security import manage

PASSWORD = "a-long-test-password-for-staff"
ADDRESS = "198.51.100.7"
OTHER_ADDRESS = "192.0.2.44"
# What a publisher needs to see and clear lockouts; the Publisher group is given these.
UNLOCK_PERMISSIONS = ["axes.view_accessattempt", "axes.delete_accessattempt"]
WORKING_DAY = timedelta(hours=8)


def sign_in(client, username, password, address=ADDRESS, **headers):
    """POST the admin's sign-in form from `address` and return the response."""
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=address,
        **headers,
    )


def fail_until_locked(client, username, address=ADDRESS):
    """Sign in with wrong passwords as many times as the limit allows; return the last response."""
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        response = sign_in(client, username, f"wrong-password-{attempt}", address)
    return response


def is_signed_in(client):
    return "_auth_user_id" in client.session


def make_staff(username, permissions=()):
    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    for permission in permissions:
        app_label, codename = permission.split(".")
        user.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return user


@pytest.fixture
def editor(db):
    return make_staff("editor")


# Lockout


def test_failures_below_the_limit_leave_the_account_open(client, editor):
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "editor", f"wrong-password-{attempt}")

    response = sign_in(client, "editor", PASSWORD)

    assert response.status_code == 302
    assert is_signed_in(client)


def test_twelve_wrong_passwords_then_the_right_one_do_not_get_in(client, editor):
    for attempt in range(12):
        sign_in(client, "editor", f"wrong-password-{attempt}")

    response = sign_in(client, "editor", PASSWORD)

    assert response.status_code == 429
    assert not is_signed_in(client)
    assert client.get(reverse("admin:index")).status_code == 302


def test_an_account_is_locked_against_guesses_spread_over_many_addresses(client, editor):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "editor", f"wrong-password-{attempt}", f"203.0.113.{attempt + 1}")

    response = sign_in(client, "editor", PASSWORD, OTHER_ADDRESS)

    assert response.status_code == 429
    assert not is_signed_in(client)


def test_an_address_is_locked_after_guesses_at_many_accounts(client, editor):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, f"guessed-name-{attempt}", "wrong-password", ADDRESS)

    from_there = sign_in(client, "editor", PASSWORD, ADDRESS)
    from_elsewhere = sign_in(Client(), "editor", PASSWORD, OTHER_ADDRESS)

    assert from_there.status_code == 429
    assert not is_signed_in(client)
    # The address is locked, not the account: its owner still gets in from another one.
    assert from_elsewhere.status_code == 302


def test_a_locked_out_sign_in_gets_a_page_saying_for_how_long(client, editor):
    response = fail_until_locked(client, "editor")

    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    assert select(response.text, "h1")[0].text == "Sign-in locked"
    now = timezone.now()
    wait = " ".join(timeuntil(now + settings.AXES_COOLOFF_TIME, now).split())
    paragraphs = [p.text for p in select(response.text, "p")]
    assert any(f"signing in is locked for {wait}." in text for text in paragraphs)
    assert response["Retry-After"] == str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    assert "no-store" in response["Cache-Control"]
    links = [a.attrs["href"] for a in select(response.text, "a", "error-page__link")]
    assert links == [reverse("admin:login")]


def test_the_lockout_page_says_until_when(client, editor):
    response = fail_until_locked(client, "editor")

    time = select_one(response.text, "time")
    until = timezone.datetime.fromisoformat(time.attrs["datetime"])
    expected = timezone.now() + settings.AXES_COOLOFF_TIME
    assert abs(until - expected) < timedelta(minutes=1)


def test_an_overlong_or_nul_username_gets_the_form_back(client, db):
    longest = AccessAttempt._meta.get_field("username").max_length
    for username in ["x" * (longest + 50), "ed\x00itor"]:
        response = sign_in(client, username, "wrong-password")

        assert response.status_code == 200
    # The overlong one counts, under as much of it as axes can record.
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["x" * longest]


# Unlocking


def test_a_publisher_unlocks_an_account_and_its_owner_signs_in_again(client, editor):
    fail_until_locked(client, "editor")
    assert sign_in(client, "editor", PASSWORD).status_code == 429
    publisher = Client()
    publisher.force_login(make_staff("publisher", UNLOCK_PERMISSIONS))
    changelist = reverse("admin:axes_accessattempt_changelist")

    listed = publisher.get(changelist, {"q": "editor", "locked_out": "yes"})
    attempts = list(AccessAttempt.objects.filter(username="editor").values_list("pk", flat=True))
    unlocked = publisher.post(
        changelist,
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )
    response = sign_in(client, "editor", PASSWORD)

    assert listed.status_code == 200
    assert "editor" in [td.text for td in select(listed.text, "td", "field-username")]
    assert unlocked.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert response.status_code == 302
    assert is_signed_in(client)


def test_staff_without_the_delete_permission_cannot_unlock(client, editor):
    fail_until_locked(client, "editor")
    viewer = Client()
    viewer.force_login(make_staff("viewer", ["axes.view_accessattempt"]))
    attempts = list(AccessAttempt.objects.values_list("pk", flat=True))

    viewer.post(
        reverse("admin:axes_accessattempt_changelist"),
        {"action": "delete_selected", "_selected_action": attempts, "post": "yes"},
    )

    assert list(AccessAttempt.objects.values_list("pk", flat=True)) == attempts
    assert sign_in(client, "editor", PASSWORD).status_code == 429


# Sessions


def test_a_staff_session_lasts_a_working_day(client, editor):
    response = sign_in(client, "editor", PASSWORD)

    assert int(response.cookies[settings.SESSION_COOKIE_NAME]["max-age"]) == (
        WORKING_DAY.total_seconds()
    )
    session = Session.objects.get(session_key=client.session.session_key)
    assert abs(session.expire_date - (timezone.now() + WORKING_DAY)) < timedelta(minutes=1)


def test_using_the_admin_does_not_extend_a_session(client, editor):
    sign_in(client, "editor", PASSWORD)
    session = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=session.pk).update(
        expire_date=session.expire_date - timedelta(hours=1)
    )

    response = client.get(reverse("admin:index"))

    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    session.refresh_from_db()
    assert session.expire_date < timezone.now() + WORKING_DAY - timedelta(minutes=30)


def test_an_expired_session_is_sent_back_to_sign_in(client, editor):
    sign_in(client, "editor", PASSWORD)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(reverse("admin:index"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


# Where the admin lives


@pytest.fixture
def admin_moved(settings):
    """The admin at a path of the operator's choosing, as DJANGO_ADMIN_URL sets it."""
    original = settings.ADMIN_URL
    settings.ADMIN_URL = "staff-desk-7f3a/"
    importlib.reload(qualsite.urls)
    clear_url_caches()
    yield "/staff-desk-7f3a/"
    settings.ADMIN_URL = original
    importlib.reload(qualsite.urls)
    clear_url_caches()


def test_the_admin_answers_at_its_configured_path_and_not_at_admin(client, db, admin_moved):
    assert reverse("admin:login") == f"{admin_moved}login/"
    assert client.get(f"{admin_moved}login/").status_code == 200
    assert client.get("/admin/login/").status_code == 404
    assert client.get("/admin/").status_code == 404


def test_sign_in_at_the_configured_admin_path_is_locked_out_too(client, editor, admin_moved):
    fail_until_locked(client, "editor")

    response = sign_in(client, "editor", PASSWORD)

    assert response.request["PATH_INFO"] == f"{admin_moved}login/"
    assert response.status_code == 429


# The client's address


def test_x_forwarded_for_is_ignored_by_default(client, editor):
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(
            client,
            f"guessed-name-{attempt}",
            "wrong-password",
            ADDRESS,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt + 1}",
        )

    response = sign_in(client, "editor", PASSWORD, ADDRESS, HTTP_X_FORWARDED_FOR=OTHER_ADDRESS)

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ADDRESS}
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("environment", "trusted"),
    [({}, 0), ({"DJANGO_SECURE_PROXY_SSL_HEADER": "true"}, 1)],
)
def test_x_forwarded_for_is_trusted_only_behind_a_declared_proxy(environment, trusted):
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)",
        **environment,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(trusted)


def test_behind_a_proxy_an_address_forged_in_x_forwarded_for_is_not_believed(
    client, editor, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        # The client wrote the first entry; the proxy appended the address it really came from.
        sign_in(
            client,
            f"guessed-name-{attempt}",
            "wrong-password",
            proxy,
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt + 1}, {ADDRESS}",
        )

    locked = sign_in(client, "editor", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=ADDRESS)
    elsewhere = sign_in(Client(), "editor", PASSWORD, proxy, HTTP_X_FORWARDED_FOR=OTHER_ADDRESS)

    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {ADDRESS}
    assert locked.status_code == 429
    assert elsewhere.status_code == 302


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (0, "203.0.113.9", ADDRESS),
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "198.51.100.200, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.200, 203.0.113.9", "198.51.100.200"),
        (2, "203.0.113.9", ADDRESS),
        (1, "", ADDRESS),
        (1, "not-an-address", ADDRESS),
        (1, "2001:DB8:0:0::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_the_one_the_trusted_proxies_saw(
    settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().post("/", REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip_address(request) == expected


def test_a_garbled_x_forwarded_for_behind_a_proxy_is_no_error(client, editor, settings):
    settings.TRUSTED_PROXY_COUNT = 1

    response = sign_in(client, "editor", "wrong-password", HTTP_X_FORWARDED_FOR="\x00garbage")

    assert response.status_code == 200
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == [ADDRESS]
