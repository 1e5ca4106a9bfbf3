"""Static files as production serves them: hashed names, far-future caching, a light page.

The suite's settings use plain storage; these tests run production's `collectstatic` (production
settings, in a subprocess) into a temporary folder once, then serve the pages from it with
production's storage. `make weight` prints the page's weight.
"""

import gzip
import json
import re

import pytest
from django.core.files.storage import storages
from django.test import Client

from .test_security import manage

HASHED = re.compile(r"\.[0-9a-f]{12}\.(css|woff2|svg)$")
WEIGHT_BUDGET = 100_000  # bytes, compressed: the page, its CSS, its fonts and its icon
# Ten years, and never revalidated: a hashed name always holds the same bytes.
FOR_EVER = "max-age=315360000, public, immutable"
PRINT_STORAGES = (
    "from django.conf import settings; import json; print(json.dumps(settings.STORAGES))"
)


# Session-scoped, not module-scoped: pytest-django runs this module's database tests before the
# rest of the suite and its other tests after, and a module-scoped fixture would collect twice.
@pytest.fixture(scope="session")
def collected(tmp_path_factory):
    """Production's collected static files, and production's storage settings (read only)."""
    static_root = tmp_path_factory.mktemp("staticfiles")
    collect = manage("collectstatic", "--noinput", DJANGO_STATIC_ROOT=str(static_root))
    assert collect.returncode == 0, collect.stderr
    storages = manage("shell", "-v", "0", "-c", PRINT_STORAGES)
    assert storages.returncode == 0, storages.stderr
    return static_root, json.loads(storages.stdout)


@pytest.fixture
def production_static(settings, collected):
    static_root, storages = collected
    settings.STATIC_ROOT = static_root
    settings.STORAGES = storages
    return static_root


def manifest(static_root):
    return json.loads((static_root / "staticfiles.json").read_text())["paths"]


def static_urls(html):
    """The stylesheets, preloaded fonts and icons a page links to, in order."""
    return re.findall(r'<link rel="(?:stylesheet|preload|icon)" href="([^"]+)"', html)


def served_size(path):
    """Bytes sent for a static file: its Brotli or gzip copy when WhiteNoise made one."""
    candidates = [path, path.with_name(path.name + ".br"), path.with_name(path.name + ".gz")]
    return min(candidate.stat().st_size for candidate in candidates if candidate.exists())


def test_collected_css_fonts_and_icon_have_content_hashes_in_their_names(collected):
    static_root, _ = collected
    paths = manifest(static_root)

    for name in ["css/site.css", "css/factsheet.css", "img/favicon.svg"]:
        assert HASHED.search(paths[name]), paths[name]
    fonts = [name for name in paths if name.endswith(".woff2")]
    assert len(fonts) == 4
    assert all(HASHED.search(paths[name]) for name in fonts)
    site_css = (static_root / paths["css/site.css"]).read_text()
    for font in fonts:
        assert paths[font].removeprefix("fonts/") in site_css


def test_pages_link_to_the_hashed_files(seed, production_static):
    paths = manifest(production_static)

    html = Client().get(seed.get_absolute_url()).text

    urls = static_urls(html)
    assert f"/static/{paths['css/site.css']}" in urls
    assert f"/static/{paths['fonts/atkinson-hyperlegible-next-latin-400-normal.woff2']}" in urls
    assert all(HASHED.search(url) for url in urls), urls


@pytest.mark.parametrize(
    ("accept_encoding", "coding"),
    [
        (None, None),
        ("identity", None),
        ("deflate", None),
        ("gzip", "gzip"),
        ("br", "br"),
        ("br, gzip", "br"),
        # A browser's: of the codings it accepts, the smaller copy, Brotli's.
        ("gzip, deflate, br, zstd", "br"),
    ],
)
def test_hashed_css_is_sent_in_the_coding_the_browser_accepts(
    production_static, accept_encoding, coding
):
    paths = manifest(production_static)
    headers = {"accept-encoding": accept_encoding} if accept_encoding is not None else {}

    css = Client().get(f"/static/{paths['css/site.css']}", headers=headers)

    assert css.status_code == 200
    assert css.get("Content-Encoding") == coding
    assert css["Vary"] == "Accept-Encoding"


def test_fonts_are_sent_as_they_are_already_compressed(production_static):
    paths = manifest(production_static)
    name = "fonts/atkinson-hyperlegible-next-latin-400-normal.woff2"

    font = Client().get(f"/static/{paths[name]}", headers={"accept-encoding": "gzip, br"})

    assert font.status_code == 200
    assert font.get("Content-Encoding") is None
    assert b"".join(font.streaming_content) == (production_static / paths[name]).read_bytes()


def test_hashed_files_are_cached_for_ever_and_unhashed_ones_for_a_minute(production_static):
    paths = manifest(production_static)
    client = Client()

    css = client.get(f"/static/{paths['css/site.css']}")
    font = client.get(f"/static/{paths['fonts/atkinson-hyperlegible-next-latin-400-normal.woff2']}")
    unhashed = client.get("/static/css/site.css")

    assert css["Cache-Control"] == FOR_EVER
    assert font["Cache-Control"] == FOR_EVER
    # A name without its hash may point at new content tomorrow, so it is never cached for ever.
    assert unhashed.status_code == 200
    assert unhashed["Cache-Control"] == "max-age=60, public"


def test_qualification_page_with_its_css_fonts_and_icon_weighs_under_100_kb_compressed(
    seed, production_static
):
    paths = {f"/static/{hashed}": name for name, hashed in manifest(production_static).items()}
    html = Client().get(seed.get_absolute_url()).content

    # Everything the page links to, and every font its stylesheets can load, Latin Extended too.
    files = {paths[url] for url in static_urls(html.decode())}
    for name in [name for name in files if name.endswith(".css") and name != "css/factsheet.css"]:
        css = (production_static / manifest(production_static)[name]).read_text()
        files |= {paths[f"/static/{url.replace('../', '')}"] for url in fonts_in(css)}
    weights = {"page HTML (gzip)": len(gzip.compress(html))} | {
        name: served_size(production_static / manifest(production_static)[name])
        for name in sorted(files)
    }
    total = sum(weights.values())

    print(f"\nQualification page, as served compressed ({len(html):,} bytes of HTML before gzip):")
    for name, size in weights.items():
        print(f"  {size / 1000:6.1f} kB  {name}")
    print(f"  {total / 1000:6.1f} kB  in all (budget {WEIGHT_BUDGET / 1000:.0f} kB)")
    assert {"css/site.css", "fonts/atkinson-hyperlegible-next-latin-700-normal.woff2"} <= files
    assert total < WEIGHT_BUDGET


def fonts_in(css):
    return re.findall(r'url\("?(\.\./fonts/[^")]+)"?\)', css)


def test_a_static_address_is_looked_up_in_the_manifest_once(production_static):
    storage = storages["staticfiles"]  # made again, with the manifest, for these settings

    first = storage.url("css/site.css")
    storage.hashed_files = {}  # the manifest forgotten

    assert storage.url("css/site.css") == first
    assert HASHED.search(first)
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        storage.url("css/not-asked-before.css")
