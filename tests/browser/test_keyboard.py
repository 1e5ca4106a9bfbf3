"""Everything a visitor needs is reachable with the Tab key alone, and focus can always be seen."""

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.conftest import PAGES

# django_db: the test database is set up even when these are the only tests run, and each
# test is rolled back; the pages they read are made once for the module (`site`, below).
pytestmark = [pytest.mark.browser, pytest.mark.django_db]


@pytest.fixture
def site(read_only_site):
    """These tests only read the public pages: one site for the module (conftest.py)."""
    return read_only_site


# More presses than any of these pages has stops before the one sought.
MAX_TABS = 30


def tab_until(page, selector):
    """Press Tab until the element matching `selector` has focus; return the presses it took."""
    target = page.locator(selector).first
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            return presses
    raise AssertionError(f"{MAX_TABS} presses of Tab never reached {selector}")


def focus_is_visible(page, selector):
    """Focus changes the element's outline, shadow or background, and in a colour one can see.

    Computed styles rather than pictures: a search box shows its clear button when focused,
    and a picture would count that as a focus indicator."""
    element = page.locator(selector).first
    focused = element.evaluate(FOCUS_STYLES)
    element.evaluate("element => element.blur()")
    unfocused = element.evaluate(FOCUS_STYLES)
    element.focus()
    outline = focused["outline"] != unfocused["outline"] and focused["outlineVisible"]
    return outline or any(focused[p] != unfocused[p] for p in ["boxShadow", "backgroundColor"])


FOCUS_STYLES = """element => {
  const style = getComputedStyle(element);
  return {
    outline: `${style.outlineStyle} ${style.outlineWidth} ${style.outlineColor}`,
    outlineVisible: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2
      && !style.outlineColor.endsWith(", 0)") && style.outlineColor !== "transparent",
    boxShadow: style.boxShadow,
    backgroundColor: style.backgroundColor,
  };
}"""


def test_first_tab_shows_the_skip_link_which_moves_focus_to_the_content(visit_at, width):
    visit = visit_at(width)
    visit.open(PAGES["catalogue"])

    visit.page.keyboard.press("Tab")

    skip_link = visit.page.locator(".skip-link")
    assert skip_link.evaluate("element => element === document.activeElement")
    assert skip_link.is_visible()
    box = skip_link.bounding_box()
    assert box["x"] >= 0
    assert box["y"] >= 0
    visit.page.keyboard.press("Enter")
    assert visit.page.evaluate("document.activeElement.id") == "main-content"


def test_keyboard_reaches_the_search_box_and_a_result_with_visible_focus(visit_at, width):
    visit = visit_at(width)
    visit.open(PAGES["search-with-results"])

    tab_until(visit.page, "input#q")
    assert focus_is_visible(visit.page, "input#q")
    tab_until(visit.page, ".catalogue__title a")
    assert focus_is_visible(visit.page, ".catalogue__title a")

    with visit.page.expect_navigation():
        visit.page.keyboard.press("Enter")
    assert "/qualifications/" in visit.page.url


def test_keyboard_reaches_the_pdf_link_with_visible_focus(visit_at, width):
    visit = visit_at(width)
    visit.open(PAGES["qualification"])

    tab_until(visit.page, ".factsheet-link a")

    assert focus_is_visible(visit.page, ".factsheet-link a")
    assert visit.page.locator(".factsheet-link a").inner_text() == (
        "Download a PDF of this information"
    )


def test_search_can_be_typed_and_sent_from_the_keyboard(visit_at):
    visit = visit_at(320)
    visit.open(PAGES["catalogue"])

    tab_until(visit.page, "input#q")
    visit.page.keyboard.type("mediation")
    with visit.page.expect_navigation():
        visit.page.keyboard.press("Enter")

    address = urlsplit(visit.page.url)
    assert address.path == "/"
    # The form sends its empty filters too; the search is what matters.
    assert parse_qs(address.query) == {"q": ["mediation"]}
