"""A qualification page with documents, checked as every public page is (test_accessibility.py):
axe-core, a 320 px screen, touch targets; and its version history opens without script."""

import pytest

from qualifications.models import Qualification
from tests import document_files
from tests.conftest import SEED_SLUG

from .test_accessibility import axe_source, axe_violations  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("media_root")]

PAGE = f"/qualifications/{SEED_SLUG}/"


@pytest.fixture
def with_documents(site):
    qualification = Qualification.objects.get(slug=SEED_SLUG)
    document_files.add_document(qualification, changes="First issue.")
    document_files.add_document(qualification, version_label="2.0", changes="New units.")
    document_files.add_document(qualification, language="cy", title="Manyleb")
    document_files.add_document(qualification, kind="policy", slug="appeals", title="Appeals")


@pytest.mark.usefixtures("with_documents")
def test_a_page_with_documents_is_accessible_at_each_width(visit_at, width, axe_source):  # noqa: F811
    visit = visit_at(width)
    visit.open(PAGE)
    visit.page.click(".documents__history summary >> nth=0")
    visit.screenshot(f"qualification-with-documents-{width}px")

    too_small = visit.page.evaluate(
        """() => [...document.querySelectorAll('.documents a[href], .documents summary')]
          .map(element => [element, element.getBoundingClientRect()])
          .filter(([element, box]) => box.width > 0 && (box.height < 44 || box.width < 44))
          .map(([element, box]) => element.outerHTML.slice(0, 80))"""
    )
    assert visit.page.is_visible(".documents__versions >> nth=0")
    assert axe_violations(visit.page, axe_source) == []
    assert visit.page.evaluate("document.documentElement.scrollWidth") <= width
    assert too_small == []
