"""What a screen reader leans on, on every public page: language, title, landmarks, headings.

axe-core's WCAG rules (tests/browser) leave the one-h1, heading-order and landmark rules to its
best practices, so they are checked here, without a browser.
"""

from itertools import pairwise

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.test.html import Element, parse_html

from .conftest import PAGES, clear_caches, qualification_with_fees
from .factories import units_qualification

# The pages are rendered once for the module (`rendered_pages`); django_db sets the test database
# up even when these are the only tests run.
pytestmark = pytest.mark.django_db

# Every title ends with an en dash and the site's name.
SITE_NAME = "Example Awarding Body"


def elements(node):
    for child in getattr(node, "children", []):
        if isinstance(child, Element):
            yield child
            yield from elements(child)


def text(node):
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text(child) for child in node.children).split())


@pytest.fixture(scope="module")
def rendered_pages(django_db_setup, django_db_blocker):
    """Each page of PAGES as a visitor gets it, by name: (status, HTML). Rendered once for this
    module's tests, which only read them: the seed and the other qualifications are made in a
    transaction rolled back once the pages are rendered, and the cache emptied, so every test
    still starts from an empty database and cache."""
    with (
        django_db_blocker.unblock(),
        override_settings(SITE_NAME=SITE_NAME),
        transaction.atomic(),
    ):
        call_command("load_seed", verbosity=0)
        units_qualification()
        qualification_with_fees()
        client = Client()
        responses = {name: client.get(path) for name, path in PAGES.items()}
        transaction.set_rollback(True)
    clear_caches()
    return {name: (response.status_code, response.text) for name, response in responses.items()}


@pytest.fixture(params=PAGES)
def page(request, rendered_pages):
    status_code, html = rendered_pages[request.param]
    assert status_code == (404 if request.param == "not-found" else 200)
    return html


def test_page_is_in_british_english(page):
    assert '<html lang="en-GB">' in page


def test_page_has_one_h1_and_headings_that_never_skip_a_level(page):
    levels = [
        int(e.name[1])
        for e in elements(parse_html(page))
        if e.name in {f"h{n}" for n in range(1, 7)}
    ]

    assert levels.count(1) == 1
    assert levels[0] == 1
    assert all(later <= earlier + 1 for earlier, later in pairwise(levels))


def test_page_title_names_the_page_then_the_site(page):
    tree = list(elements(parse_html(page)))
    (title,) = [text(e) for e in tree if e.name == "title"]
    (h1,) = [text(e) for e in tree if e.name == "h1"]

    assert h1 in title
    assert title.endswith(f" \N{EN DASH} {SITE_NAME}")
    # As sent, on one line: a tab's label and a screen reader read it raw.
    raw_title = page.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "\n" not in raw_title


def test_page_has_banner_main_and_footer_landmarks_and_a_skip_link_to_main(page):
    tree = list(elements(parse_html(page)))
    names = [e.name for e in tree]

    assert names.count("main") == 1
    assert "header" in names
    assert "footer" in names
    (main,) = [e for e in tree if e.name == "main"]
    (skip_link,) = [e for e in tree if "skip-link" in dict(e.attributes).get("class", "")]
    assert dict(skip_link.attributes)["href"] == "#" + dict(main.attributes)["id"]
    assert names.index("a") == names.index("body") + 1, "the skip link comes first"
