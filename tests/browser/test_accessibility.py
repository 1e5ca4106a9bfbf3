"""axe-core on every public page at a phone's width and a desktop's, with a screenshot of each."""

import pytest

from tests.conftest import PAGES

from .conftest import ROOT

# django_db: the test database is set up even when these are the only tests run, and each
# test is rolled back; the pages they read are made once for the module (`site`, below).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def site(read_only_site):
    """These tests only read the public pages: one site for the module (conftest.py)."""
    return read_only_site


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EXPECTED_STATUS = dict.fromkeys(PAGES, 200) | {"not-found": 404}


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run `npm ci` in {ROOT}.", pytrace=False)
    return AXE.read_text()


def axe_violations(page, axe_source):
    """List what axe-core finds wrong in the page, run by evaluation so the CSP stays in force."""
    page.evaluate(axe_source)
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA_TAGS
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results["violations"]
    ]


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_wcag_aa_accessibility_violations(visit_at, width, name, axe_source):
    visit = visit_at(width)

    response = visit.open(PAGES[name])
    visit.screenshot(f"{name}-{width}px")

    assert response.status == EXPECTED_STATUS[name]
    assert axe_violations(visit.page, axe_source) == []


@pytest.mark.parametrize("name", PAGES)
def test_page_fits_a_320px_screen_without_scrolling_sideways(visit_at, name):
    visit = visit_at(320)

    visit.open(PAGES[name])

    assert visit.page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.mark.parametrize("name", PAGES)
def test_every_control_is_a_touch_target_of_at_least_44px(visit_at, width, name):
    visit = visit_at(width)
    visit.open(PAGES[name])

    too_small = visit.page.evaluate(
        """() => [...document.querySelectorAll('a[href], button, input, select, textarea')]
          .map(element => [element, element.getBoundingClientRect()])
          // The skip link waits off screen until it is focused.
          .filter(([element, box]) => box.right > 0 && box.width > 0)
          .filter(([element, box]) => box.height < 44 || box.width < 44)
          .map(([element, box]) => `${element.outerHTML.slice(0, 80)}:`
            + ` ${Math.round(box.width)} by ${Math.round(box.height)}`)"""
    )

    assert too_small == []
