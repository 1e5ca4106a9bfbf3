import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils.http import http_date
from pypdf import PdfReader

from qualifications.factsheets import BASE_URL, render_factsheet, static_file_for
from qualifications.models import Qualification
from qualifications.services import qualification_save

from .conftest import SEED_SLUG, clear_caches
from .factories import QualificationFactory
from .seed_facts import SEED_FACTS, normalise

# The seed's factsheet is rendered once for the module (`seed_pdf`); django_db sets the test
# database up even when only tests that use no other fixture of it are run.
pytestmark = pytest.mark.django_db

A4_POINTS = (595, 842)
# The seed's factsheet, measured: its sections fill the first A4 page and run onto a second.
SEED_PAGES = 2
FACTSHEET_TEMPLATE = "qualifications/factsheet.html"


@pytest.fixture(scope="module")
def seed_pdf(django_db_setup, django_db_blocker):
    """The seed's factsheet as a visitor downloads it, and the PDF read from it: rendered once
    (WeasyPrint takes about a second) for the tests here that only read it. The seed is loaded
    in a transaction rolled back once the PDF is made, and the cache emptied, so every test still
    starts from an empty database and cache."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("load_seed", verbosity=0)
        seed = Qualification.objects.get(slug=SEED_SLUG)
        response = Client().get(seed.get_factsheet_url())
        transaction.set_rollback(True)
    clear_caches()
    assert response.status_code == 200
    return response, PdfReader(io.BytesIO(response.content))


def pdf_text(reader):
    return normalise(" ".join(page.extract_text() for page in reader.pages))


def test_factsheet_is_a_downloadable_pdf_with_a_sensible_name(seed_pdf):
    response, _ = seed_pdf

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="interpersonal-mediation-level-4-factsheet.pdf"'
    )


def test_factsheet_carries_every_fact_of_the_seed(seed_pdf):
    _, reader = seed_pdf

    text = pdf_text(reader)
    missing = [fact for fact in SEED_FACTS if normalise(fact) not in text]
    assert missing == []


def test_seed_factsheet_is_two_a4_pages(seed_pdf):
    _, reader = seed_pdf

    sizes = [(round(page.mediabox.width), round(page.mediabox.height)) for page in reader.pages]
    assert sizes == [A4_POINTS] * SEED_PAGES


def test_factsheet_metadata_names_the_qualification(seed_pdf, seed):
    _, reader = seed_pdf

    assert reader.metadata.title == f"{seed.title} (Level 4, 601/4433/6)"
    assert reader.metadata.author == "AIM Qualifications"
    assert reader.trailer["/Root"]["/Lang"] == "en-GB"


def test_factsheet_is_tagged_for_accessibility(seed_pdf):
    _, reader = seed_pdf

    root = reader.trailer["/Root"]
    assert root["/MarkInfo"] == {"/Marked": True}
    assert "/StructTreeRoot" in root


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/static/css/factsheet.css",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        f"{BASE_URL}etc/passwd",
        f"{BASE_URL}static/../../../../etc/passwd",
        f"{BASE_URL}static/%2e%2e/%2e%2e/settings.py",
        "data:text/plain,hello",
    ],
)
def test_renderer_refuses_anything_but_the_sites_static_files(url):
    assert static_file_for(url) is None


def test_renderer_reads_the_sites_own_stylesheet():
    path = static_file_for(f"{BASE_URL}static/css/factsheet.css")

    assert path == settings.BASE_DIR / "static" / "css" / "factsheet.css"


def test_content_cannot_make_the_renderer_fetch_files_or_urls(db):
    sneaky = QualificationFactory(
        overview='<img src="file:///etc/passwd"><link rel="stylesheet" href="https://evil.example/x.css">'
        '<iframe src="file:///etc/hostname"></iframe>'
    )

    reader = PdfReader(io.BytesIO(render_factsheet(sneaky)))

    text = pdf_text(reader)
    assert '<img src="file:///etc/passwd">' in text
    assert "root:" not in text


FONT_PROGRAMS = {"/FontFile", "/FontFile2", "/FontFile3"}


def fonts(reader):
    """Each font the pages use, by name (without its subset prefix), and whether the PDF carries
    its glyphs (a font program in its descriptor) rather than leaving them to the reader's
    computer."""
    found = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            parts = [part.get_object() for part in font.get("/DescendantFonts", [font])]
            embedded = all(
                "/FontDescriptor" in part and FONT_PROGRAMS & set(part["/FontDescriptor"])
                for part in parts
            )
            found[font["/BaseFont"].split("+", 1)[-1]] = embedded
    return found


def test_factsheet_is_set_in_the_sites_own_embedded_font(seed_pdf):
    _, reader = seed_pdf

    assert fonts(reader) == {
        "Atkinson-Hyperlegible-Next": True,
        "Atkinson-Hyperlegible-Next-Bold": True,
    }


def test_factsheet_draws_the_path_at_a_glance(seed_pdf):
    _, reader = seed_pdf

    # The steps' labels are set in capitals, which is how the PDF's text holds them.
    text = pdf_text(reader).casefold()

    start = text.index("your path at a glance")
    assert text.index("where you start", start) < text.index("this qualification", start)
    assert text.index("this qualification", start) < text.index("where it can lead", start)
    assert "family mediator" in text[start:]


def structure(node):
    """The PDF's tag tree under `node`, as (tag, children) pairs."""
    node = node.get_object()
    kids = node.get("/K", [])
    kids = kids if isinstance(kids, list) else [kids]
    children = [structure(kid) for kid in kids if hasattr(kid.get_object(), "get")]
    return node.get("/S"), [child for child in children if child[0]]


def tagged(tree, tag):
    """Every element of the tag tree with that tag, in reading order."""
    name, children = tree
    found = [tree] if name == tag else []
    for child in children:
        found.extend(tagged(child, tag))
    return found


def test_factsheet_tags_the_path_as_a_list_of_three_headed_steps(seed_pdf):
    _, reader = seed_pdf

    tree = structure(reader.trailer["/Root"]["/StructTreeRoot"])

    lists_of_steps = [
        items
        for _, items in tagged(tree, "/L")
        if items and all(name == "/LI" and tagged((name, kids), "/H3") for name, kids in items)
    ]
    assert [len(items) for items in lists_of_steps] == [3]


def test_renderer_prefers_the_current_static_files_to_an_old_collectstatic(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "factsheet.css").write_text("/* collected long ago */")

    path = static_file_for(f"{BASE_URL}static/css/factsheet.css")

    assert path == settings.BASE_DIR / "static" / "css" / "factsheet.css"


def test_renderer_reads_collectstatics_hashed_copies(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "factsheet.0123456789ab.css").write_text("/* hashed */")

    path = static_file_for(f"{BASE_URL}static/css/factsheet.0123456789ab.css")

    assert path == tmp_path / "css" / "factsheet.0123456789ab.css"


def test_factsheet_gives_the_address_of_its_page(seed_pdf, seed):
    _, reader = seed_pdf

    # A long address may wrap at a slash, so compare without spaces.
    assert f"http://testserver{seed.get_absolute_url()}" in pdf_text(reader).replace(" ", "")


def rendered_factsheets(response):
    """How many factsheets were rendered to answer `response` (the test client records every
    template rendered during a request)."""
    return [template.name for template in response.templates].count(FACTSHEET_TEMPLATE)


def test_an_unchanged_factsheet_is_rendered_once(client, seed):
    first = client.get(seed.get_factsheet_url())
    second = client.get(seed.get_factsheet_url())

    assert (rendered_factsheets(first), rendered_factsheets(second)) == (1, 0)
    assert second["ETag"] == first["ETag"]
    assert second.content == first.content


def test_an_edit_shows_in_the_factsheet_at_once(client, transactional_db, seed):
    client.get(seed.get_factsheet_url())
    seed.title = "Interpersonal Mediation Level 4 Diploma"
    qualification_save(seed)

    response = client.get(seed.get_factsheet_url())

    assert rendered_factsheets(response) == 1
    text = pdf_text(PdfReader(io.BytesIO(response.content)))
    assert "Interpersonal Mediation Level 4 Diploma" in text
    assert "Interpersonal Mediation Level 4 Qualification" not in text


def test_a_browser_holding_the_current_factsheet_is_told_it_is_unchanged(client, seed):
    first = client.get(seed.get_factsheet_url())

    again = client.get(seed.get_factsheet_url(), headers={"if-none-match": first["ETag"]})

    assert first["Last-Modified"] == http_date(seed.updated_at.timestamp())
    assert again.status_code == 304
    assert again.content == b""


def test_a_browser_holding_an_old_factsheet_gets_the_new_one(client, transactional_db, seed):
    first = client.get(seed.get_factsheet_url())
    seed.title = "Interpersonal Mediation Level 4 Diploma"
    qualification_save(seed)

    again = client.get(seed.get_factsheet_url(), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]
    assert again["Last-Modified"] == http_date(seed.updated_at.timestamp())
