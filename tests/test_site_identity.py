"""The site's own name (SITE_NAME) and address (SITE_URL): what heads the pages and factsheets, and
the one origin every absolute URL is made with, whatever Host or scheme a request came with."""

import io
import json
import xml.etree.ElementTree as ET

import pytest
from django.views.defaults import server_error
from pypdf import PdfReader

from .html import select, select_one
from .test_factsheet import pdf_text
from .test_security import manage

NAME = "Example Awarding Body"
ORIGIN = "https://qualifications.example.org"
SITEMAP_NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
# A request from somewhere else than the pinned origin: another allowed host, plain HTTP.
ELSEWHERE = {"headers": {"host": "localhost"}, "secure": False}


@pytest.fixture
def named(settings):
    settings.SITE_NAME = NAME


@pytest.fixture
def pinned(settings):
    settings.SITE_URL = ORIGIN


def wordmark(html):
    return select_one(html, "span", class_="site-header__wordmark").text


# SITE_NAME


def test_the_site_name_heads_every_page_and_ends_its_title(client, seed, named):
    for path in ["/", seed.get_absolute_url(), "/qualifications/no-such-thing/"]:
        html = client.get(path).text

        assert wordmark(html) == NAME
        assert select_one(html, "title").text.endswith(f"\N{EN DASH} {NAME}")


def test_the_server_error_page_names_the_site_without_a_template_context(rf, named):
    # Django renders the 500 page with no context processors: the name must not depend on them.
    html = server_error(rf.get("/")).content.decode()

    assert wordmark(html) == NAME


def test_the_factsheet_is_headed_by_the_site_name(client, seed, named):
    reader = PdfReader(io.BytesIO(client.get(seed.get_factsheet_url()).content))

    assert pdf_text(reader).startswith(NAME)
    assert reader.metadata["/Creator"] == NAME


# SITE_URL


def test_without_site_url_addresses_follow_the_request(client, seed):
    response = client.get(seed.get_absolute_url(), secure=True, headers={"host": "localhost"})

    href = select_one(response.text, "link", rel="canonical").attrs["href"]
    assert href == f"https://localhost{seed.get_absolute_url()}"


def test_site_url_pins_the_pages_canonical_link_open_graph_and_json_ld(client, seed, pinned):
    response = client.get(seed.get_absolute_url(), **ELSEWHERE)

    url = f"{ORIGIN}{seed.get_absolute_url()}"
    assert select_one(response.text, "link", rel="canonical").attrs["href"] == url
    assert select_one(response.text, "meta", property="og:url").attrs["content"] == url
    (block,) = select(response.text, "script", type="application/ld+json")
    data = json.loads(block.raw_text)
    assert (data["url"], data["@id"]) == (url, f"{url}#credential")


def test_site_url_pins_the_catalogues_canonical_link(client, seed, pinned):
    response = client.get("/?q=mediation&utm_source=mail", **ELSEWHERE)

    href = select_one(response.text, "link", rel="canonical").attrs["href"]
    assert href == f"{ORIGIN}/?q=mediation"


def test_site_url_pins_the_sitemap_and_robots_txt(client, seed, pinned):
    sitemap = client.get("/sitemap.xml", **ELSEWHERE)
    robots = client.get("/robots.txt", **ELSEWHERE)

    locations = {
        loc.text for loc in ET.fromstring(sitemap.content).iterfind("s:url/s:loc", SITEMAP_NS)
    }
    assert locations == {f"{ORIGIN}/", f"{ORIGIN}{seed.get_absolute_url()}"}
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in robots.text.splitlines()


def test_site_url_pins_the_address_printed_on_the_factsheet(client, seed, pinned):
    response = client.get(seed.get_factsheet_url(), **ELSEWHERE)

    text = pdf_text(PdfReader(io.BytesIO(response.content))).replace(" ", "")
    assert f"{ORIGIN}{seed.get_absolute_url()}" in text
    assert "localhost" not in text


def test_with_site_url_the_page_is_the_same_whoever_asks(client, seed, pinned):
    # Each request is rendered afresh: the kept copy would hide a difference.
    from_here = client.get(seed.get_absolute_url(), {"from": ""}, secure=True)
    from_elsewhere = client.get(seed.get_absolute_url(), {"from": ""}, **ELSEWHERE)

    assert from_here.content == from_elsewhere.content


@pytest.mark.parametrize(
    "site_url",
    [
        "qualifications.example.org",
        "ftp://qualifications.example.org",
        "https://qualifications.example.org/catalogue",
        "https://qualifications.example.org/?x=1",
        "https://user@qualifications.example.org",
    ],
)
def test_a_site_url_that_is_not_an_origin_stops_the_site(site_url):
    result = manage("check", SITE_URL=site_url)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SITE_URL" in result.stderr


def test_a_site_url_may_end_in_a_slash():
    result = manage("check", "--deploy", "--fail-level", "WARNING", SITE_URL=f"{ORIGIN}/")

    assert result.returncode == 0, result.stderr
