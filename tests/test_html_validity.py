"""Every public page is valid HTML by the Nu HTML Checker (npm vnu-jar, run with Java)."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from . import document_files
from .conftest import PAGES, qualification_with_fees
from .factories import QualificationFactory, units_qualification

ROOT = Path(__file__).resolve().parent.parent
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"

pytestmark = pytest.mark.vnu

# Java's quick-starting compiler only (C1): a run over a few files starts in about half the time
# and reports the same. The checker needs a larger thread stack under C1 than under the default.
JAVA_OPTIONS = ["-XX:TieredStopAtLevel=1", "-Xss4m"]

CHECKED_PAGES = PAGES | {
    "catalogue-page-2": "/?page=2",
    "qualification-without-roles": "/qualifications/test-qualification-without-roles/",
    "qualification-with-documents": "/qualifications/test-qualification-with-documents/",
}
# Error pages Django renders by itself; their templates are checked as they would be served.
ERROR_TEMPLATES = ["400.html", "403.html", "500.html", "503.html"]


def nu_html_checker(paths):
    """Run vnu once over `paths` and return its messages."""
    java = shutil.which("java")
    if java is None or not VNU.is_file():
        pytest.fail(
            "The Nu HTML Checker needs Java (`apt-get install default-jre-headless`) and "
            f'{VNU.relative_to(ROOT)} (`npm ci`); or leave it out with `pytest -m "not vnu"`.',
            pytrace=False,
        )
    result = subprocess.run(
        [java, *JAVA_OPTIONS, "-jar", str(VNU), "--format", "json", "--stdout", *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return json.loads(result.stdout)["messages"]


@pytest.fixture
def pages(client, seed, tmp_path, media_root):
    """Each public page's HTML, written to a file named after the page."""
    QualificationFactory(
        title="Test Qualification Without Roles", slug="test-qualification-without-roles"
    )
    units_qualification()
    with_documents = QualificationFactory(slug="test-qualification-with-documents")
    document_files.add_document(with_documents, changes="First issue.")
    document_files.add_document(with_documents, version_label="2.0")
    document_files.add_document(with_documents, language="cy", title="Manyleb")
    document_files.add_document(with_documents, kind="policy", slug="appeals", title="Appeals")
    # Enough to need a second page of results.
    QualificationFactory.create_batch(20)
    qualification_with_fees()
    files = []
    for name, path in CHECKED_PAGES.items():
        response = client.get(path)
        assert response.status_code == (404 if name == "not-found" else 200), path
        files.append(tmp_path / f"{name}.html")
        files[-1].write_bytes(response.content)
    for template in ERROR_TEMPLATES:
        files.append(tmp_path / template)
        files[-1].write_text(render_to_string(template))
    # What a sign-in gets once the account or address is locked out.
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        locked_out = client.post(
            reverse("admin:login"), {"username": "editor", "password": f"wrong-{attempt}"}
        )
    assert locked_out.status_code == 429
    files.append(tmp_path / "sign-in-locked.html")
    files[-1].write_bytes(locked_out.content)
    return files


def test_every_public_page_is_valid_html(pages):
    messages = nu_html_checker(pages)

    problems = [
        f"{Path(m['url']).name}:{m.get('lastLine')}: {m['type']} {m.get('subType', '')}: "
        f"{m['message']}"
        for m in messages
        if m["type"] != "info" or m.get("subType") == "warning"
    ]
    assert problems == []


def test_the_checker_reports_invalid_html(tmp_path):
    broken = tmp_path / "broken.html"
    broken.write_text("<!DOCTYPE html><html lang=en><title>x</title><p><div></p></span>")

    messages = nu_html_checker([broken])

    assert any(m["type"] == "error" for m in messages)
