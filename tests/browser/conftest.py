"""Debian's Chromium, driven by Playwright, against pytest-django's live server.

The tests here are marked `browser`; `pytest -m "not browser"` leaves them out. Without Chromium
they fail, saying what to install, rather than skip: a green run must mean they ran.
"""

import os
import shutil
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.test.testcases import LiveServerThread
from pytest_django.live_server_helper import LiveServer

from tests.conftest import qualification_with_fees
from tests.factories import AwardingOrganisationFactory, QualificationFactory, units_qualification

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Headless, and quiet: without the last four flags Chromium calls home, which this closed
# network (and CI) would answer with timeouts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ASYNC_UNSAFE = "DJANGO_ALLOW_ASYNC_UNSAFE"
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "screenshots"))
WIDTHS = [320, 1280]
VIEWPORT_HEIGHT = 900


class OneRequestAtATimeServer(ThreadedWSGIServer):
    """The live server, running one request at a time (each connection still has its thread).

    On SQLite the test database is in memory, and every thread of the live server shares its one
    connection: two requests at once (an autocomplete still answering as the form is saved) would
    use it at once, which SQLite answers with "bad parameter or other API misuse" or rows of the
    other's query. pytest-django's live server is Django's LiveServerThread, which uses this."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.request_lock = threading.Lock()

    def get_app(self):
        application = super().get_app()

        def one_at_a_time(environ, start_response):
            with self.request_lock:
                return application(environ, start_response)

        return one_at_a_time


LiveServerThread.server_class = OneRequestAtATimeServer


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(
            f"Chromium is not at {CHROMIUM}: install it with `apt-get install chromium` (or point "
            'CHROMIUM at one), or leave the browser tests out with `pytest -m "not browser"`.',
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    # Playwright's synchronous API keeps an asyncio loop running in this thread for as long as
    # it runs, and Django takes every database call made meanwhile (the fixtures' own, plain
    # synchronous ones) for a call from async code, and refuses it. Allow them for that time.
    allowed_before = os.environ.get(ASYNC_UNSAFE)
    os.environ[ASYNC_UNSAFE] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if allowed_before is None:
            del os.environ[ASYNC_UNSAFE]
        else:
            os.environ[ASYNC_UNSAFE] = allowed_before


def publish_site():
    """The seed qualification, and a few more, published."""
    call_command("load_seed", verbosity=0)
    organisation = AwardingOrganisationFactory(name="AIM Qualifications")
    for title in ["Conflict Resolution Level 3 Certificate", "Counselling Skills Level 2 Award"]:
        QualificationFactory(title=title, awarding_organisation=organisation)
    qualification_with_fees()
    units_qualification()


@pytest.fixture
def site(live_server, transactional_db):
    """The live server's address, with the seed qualification and a few more published."""
    publish_site()
    return live_server.url


@pytest.fixture(scope="session")
def read_only_live_server():
    """The live server of the modules that use `read_only_site`: one of their own, as a test
    that asks for pytest-django's `live_server` is made transactional. Kept for the session and
    stopped at its end, as pytest-django's is: on SQLite its request threads share the test
    database's connection, which must stay shareable for as long as one of them may still close
    its connection."""
    server = LiveServer("localhost")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def read_only_site(django_db_setup, django_db_blocker, read_only_live_server):
    """What `site` gives, made once for a module whose tests only read the public pages (they
    sign no one in, post nothing and change no row), rather than once for each test: the same
    qualifications committed for the module's lifetime, served by `read_only_live_server`, and
    the database emptied when the module ends, as a transactional test empties it (its rows
    flushed, Django's content types and permissions made again). A module uses it by overriding
    `site` with a fixture that returns it. The cache is still emptied before each test."""
    with django_db_blocker.unblock():
        try:
            publish_site()
            with read_only_live_server._live_server_modified_settings:
                yield read_only_live_server.url
        finally:
            call_command("flush", verbosity=0, interactive=False)


class Visit:
    """A browser tab at one width that notes every request it makes and every console error."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.requests = []
        self.console_errors = []
        self.failed = []
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("requestfailed", lambda request: self.failed.append(request.url))
        page.on(
            "console",
            lambda message: message.type == "error" and self.console_errors.append(message.text),
        )

    def open(self, path):
        """Load `path`, wait for the fonts, and return the response."""
        response = self.page.goto(self.base_url + path)
        self.page.evaluate("document.fonts.ready.then(() => true)")
        return response

    def screenshot(self, name):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        return path


@pytest.fixture(params=WIDTHS, ids=[f"{width}px" for width in WIDTHS])
def width(request):
    return request.param


@pytest.fixture
def visit_at(browser, site):
    """Open a tab of a given width on the live site; every tab is closed after the test."""
    contexts = []

    def open_tab(width):
        context = browser.new_context(viewport={"width": width, "height": VIEWPORT_HEIGHT})
        # A missing element fails the test in seconds, not after Playwright's default 30.
        context.set_default_timeout(5_000)
        contexts.append(context)
        return Visit(context.new_page(), site)

    yield open_tab
    for context in contexts:
        context.close()


STAFF_PASSWORD = "a-long-test-password-for-staff"


@pytest.fixture
def staff_tab(visit_at, roles):
    """Open a wide tab signed in to the admin as a new staff user with `role` (a group name, or
    None for a superuser)."""
    from django.contrib.auth.models import Group, User

    def sign_in(username, role=None):
        if role is None:
            User.objects.create_superuser(username, f"{username}@example.org", STAFF_PASSWORD)
        else:
            user = User.objects.create_user(username, password=STAFF_PASSWORD, is_staff=True)
            user.groups.add(Group.objects.get(name=role))
        visit = visit_at(1280)
        visit.open("/admin/login/")
        visit.page.fill("#id_username", username)
        visit.page.fill("#id_password", STAFF_PASSWORD)
        with visit.page.expect_navigation():
            visit.page.click("input[type=submit]")
        return visit

    return sign_in
