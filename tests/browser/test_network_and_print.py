"""What the pages fetch (only from the site itself), and how the qualification page prints."""

import io

import pytest
from pypdf import PdfReader

from tests.conftest import PAGES

# django_db: the test database is set up even when these are the only tests run, and each
# test is rolled back; the pages they read are made once for the module (`site`, below).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def site(read_only_site):
    """These tests only read the public pages: one site for the module (conftest.py)."""
    return read_only_site


@pytest.mark.parametrize("name", PAGES)
def test_page_requests_nothing_from_any_other_site(visit_at, name):
    visit = visit_at(1280)

    visit.open(PAGES[name])
    visit.page.wait_for_load_state("networkidle")

    assert visit.requests, "the browser recorded no request at all"
    assert [url for url in visit.requests if not url.startswith(visit.base_url + "/")] == []


@pytest.mark.parametrize("name", PAGES)
def test_page_loads_its_css_and_fonts_without_errors_or_policy_violations(visit_at, name):
    visit = visit_at(1280)

    response = visit.open(PAGES[name])
    visit.page.wait_for_load_state("networkidle")

    assert visit.failed == []
    # Chromium reports a page that answers 404 as a failed load of that page itself.
    expected = ["the server responded with a status of 404"] if response.status == 404 else []
    assert [
        error for error in visit.console_errors if not any(allowed in error for allowed in expected)
    ] == []
    assert visit.page.evaluate(
        "document.fonts.check('700 16px \"Atkinson Hyperlegible Next\"')"
        " && document.fonts.check('400 16px \"Atkinson Hyperlegible Next\"')"
    )
    fonts_loaded = visit.page.evaluate(
        "[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family + ' ' + f.weight)"
    )
    assert "Atkinson Hyperlegible Next 400" in fonts_loaded
    assert "Atkinson Hyperlegible Next 700" in fonts_loaded


def test_path_at_a_glance_reads_as_an_ordered_list_from_start_to_roles(visit_at, width):
    visit = visit_at(width)
    visit.open(PAGES["qualification"])

    steps = visit.page.locator(".pathway ol > li")

    assert steps.count() == 3
    labels = [steps.nth(i).locator("h3").inner_text().casefold() for i in range(3)]
    assert labels == ["where you start", "this qualification", "where it can lead"]
    assert "Family mediator" in steps.nth(2).inner_text()
    boxes = [steps.nth(i).bounding_box() for i in range(3)]
    if width >= 1280:
        # Side by side, left to right.
        assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
        assert boxes[0]["y"] == boxes[1]["y"] == boxes[2]["y"]
    else:
        # Stacked, top to bottom.
        assert boxes[0]["y"] < boxes[1]["y"] < boxes[2]["y"]


def test_printed_qualification_page_keeps_the_content_and_drops_the_site_furniture(visit_at):
    visit = visit_at(1280)
    visit.open(PAGES["qualification"])

    visit.page.emulate_media(media="print")
    visit.screenshot("qualification-print")
    pdf = PdfReader(io.BytesIO(visit.page.pdf(format="A4")))

    page = visit.page
    for furniture in [".site-header", ".site-footer", ".factsheet-link", ".skip-link"]:
        assert not page.locator(furniture).is_visible(), furniture
    assert page.locator("h1").is_visible()
    assert page.locator(".pathway").is_visible()
    boxes = [page.locator(".pathway ol > li").nth(i).bounding_box() for i in range(3)]
    assert boxes[0]["x"] < boxes[1]["x"] < boxes[2]["x"]
    # White text on the blue step would vanish where the printer leaves backgrounds out.
    assert page.locator(".pathway__step--this .pathway__card").evaluate(
        "element => getComputedStyle(element).color"
    ) == ("rgb(0, 0, 0)")
    text = " ".join(p.extract_text() for p in pdf.pages)
    assert "Interpersonal Mediation Level 4 Qualification" in text
    assert "Download a PDF" not in text
    assert len(pdf.pages) <= 3


def test_every_feature_the_permissions_policy_denies_is_one_chromium_knows_and_denies(
    visit_at, settings
):
    visit = visit_at(1280)
    visit.open(PAGES["qualification"])

    policy = visit.page.evaluate(
        "({known: document.featurePolicy.features(),"
        " allowed: document.featurePolicy.allowedFeatures()})"
    )

    denied = set(settings.PERMISSIONS_POLICY)
    assert denied - set(policy["known"]) == set()
    assert denied & set(policy["allowed"]) == set()
