"""Uploading a qualification's documents: a file is accepted by what it is, not by its name; odd
uploads get a clear message in the form and nothing is stored."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from qualifications.models import Document

from . import document_files as files
from .conftest import stored_files
from .html import form_data

pytestmark = pytest.mark.usefixtures("media_root")

NOT_ACCEPTED = (
    "This file is not a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument text "
    "(.odt) or spreadsheet (.ods) document: upload one of those. (Its content decides, not its "
    "name.)"
)
DAMAGED_ZIP = "The file is damaged or incomplete (perhaps cut short while copying): save it again."
ZIP_BOMB = "The file unpacks to far more than its size, as a ZIP bomb does: it is not accepted."
ACTIVE_PDF = (
    "The PDF carries {}, which a reader's viewer could run or open: save it again without "
    "scripts, actions or attached files, then upload it."
)
STORED_NAME = re.compile(r"documents/[0-9a-f]{32}\.(pdf|docx|xlsx|pptx|odt|ods)")


def post_document(client, qualification, upload, **fields):
    """Post the qualification's admin form with one new document version."""
    url = reverse("admin:qualifications_qualification_change", args=[qualification.pk])
    data = form_data(client.get(url).text, "qualification_form")
    data |= {
        "documents-TOTAL_FORMS": "1",
        "documents-0-kind": "specification",
        "documents-0-language": "en",
        "documents-0-slug": "",
        "documents-0-title": "Qualification specification",
        "documents-0-version_label": "1.0",
        "documents-0-effective_from": "2025-09-01",
        "documents-0-changes": "First issue.",
        "documents-0-file": upload,
        "_save": "Save",
    }
    data |= {f"documents-0-{name}": value for name, value in fields.items()}
    return client.post(url, data)


def file_errors(response):
    [formset] = [
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "documents"
    ]
    return formset.formset.errors[0].get("file", [])


@pytest.fixture
def qualification(seed):
    return seed


@pytest.mark.parametrize(
    ("data", "content_type"),
    [
        (files.pdf(), "application/pdf"),
        (
            files.ooxml("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            files.ooxml("xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            files.ooxml("pptx"),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (files.opendocument("text"), "application/vnd.oasis.opendocument.text"),
        (files.opendocument("spreadsheet"), "application/vnd.oasis.opendocument.spreadsheet"),
    ],
    ids=["pdf", "docx", "xlsx", "pptx", "odt", "ods"],
)
def test_each_accepted_format_is_stored_under_a_generated_name(
    admin_client, qualification, media_root, data, content_type
):
    # Named as none of them is: the content decides.
    response = post_document(admin_client, qualification, files.upload(data, "upload.bin"))

    assert response.status_code == 302
    document = Document.objects.get()
    assert document.content_type == content_type
    assert document.size == len(data)
    assert STORED_NAME.fullmatch(document.file.name)
    assert stored_files(media_root) == [document.file.name]
    assert (media_root / document.file.name).read_bytes() == data


ODD_UPLOADS = {
    "html-named-pdf": (files.HTML_PAGE, "specification.pdf", NOT_ACCEPTED),
    "svg": (files.SVG, "diagram.svg", NOT_ACCEPTED),
    "svg-named-pdf": (files.SVG, "specification.pdf", NOT_ACCEPTED),
    "empty": (b"", "specification.pdf", "The file is empty: choose the document itself."),
    "26-mb": (
        files.pdf() + b"%" * (26 * 1024 * 1024),
        "specification.pdf",
        "The file is 26 MB; documents can be at most 25 MB.",
    ),
    "truncated-zip": (files.ooxml("docx")[:300], "handbook.docx", DAMAGED_ZIP),
    "truncated-zip-end": (files.ooxml("docx")[:-30], "handbook.docx", DAMAGED_ZIP),
    "zip-bomb-as-docx": (files.zip_bomb_docx(), "handbook.docx", ZIP_BOMB),
    "other-opendocument-as-docx": (files.opendocument("presentation"), "a.docx", NOT_ACCEPTED),
    "pdf-with-javascript": (files.pdf(javascript=True), "s.pdf", ACTIVE_PDF.format("JavaScript")),
    "pdf-with-javascript-in-an-object-stream": (
        files.pdf_with_javascript_in_an_object_stream(),
        "s.pdf",
        ACTIVE_PDF.format("JavaScript"),
    ),
    "pdf-with-launch-action": (
        files.pdf(launch=True),
        "s.pdf",
        ACTIVE_PDF.format("a launch action"),
    ),
    "pdf-with-embedded-file": (
        files.pdf(attachment=True),
        "s.pdf",
        ACTIVE_PDF.format("embedded files"),
    ),
    "damaged-pdf": (
        b"%PDF-1.7\n" + b"garbage " * 50,
        "s.pdf",
        "The PDF is damaged and cannot be read: save it again.",
    ),
}


@pytest.mark.parametrize(("data", "name", "message"), ODD_UPLOADS.values(), ids=ODD_UPLOADS)
def test_an_odd_upload_gets_a_clear_message_and_nothing_is_stored(
    admin_client, qualification, media_root, data, name, message
):
    response = post_document(admin_client, qualification, files.upload(data, name))

    assert response.status_code == 200
    assert file_errors(response) == [message]
    assert message in response.text.replace("&#x27;", "'")
    assert not Document.objects.exists()
    assert stored_files(media_root) == []


def test_a_zip_that_unpacks_past_the_limit_is_refused(admin_client, qualification, settings):
    # Each entry packs moderately; together they unpack past the limit.
    settings.DOCUMENT_ZIP_MAX_BYTES = 10_000
    data = files.ooxml("docx", extra={f"word/part{n}.xml": "x" * 5_000 for n in range(3)})

    response = post_document(admin_client, qualification, files.upload(data, "a.docx"))

    assert file_errors(response) == [ZIP_BOMB]


@pytest.mark.parametrize(
    "name",
    [
        "../../../etc/passwd.pdf",
        "spec\x07\x1b[31m.pdf",
        "s" * 296 + ".pdf",
        r"..\..\spec.pdf",
        "ﬁle ☃.pdf",
    ],
    ids=["path", "control-characters", "300-characters", "windows-path", "unicode"],
)
def test_an_uploaded_name_is_never_a_path_nor_refused(
    admin_client, qualification, media_root, name
):
    response = post_document(admin_client, qualification, files.upload(files.pdf(), name))

    assert response.status_code == 302
    document = Document.objects.get()
    assert STORED_NAME.fullmatch(document.file.name)
    assert stored_files(media_root) == [document.file.name]


def test_the_model_itself_refuses_an_odd_file_for_every_writer(qualification):
    # The gate is the model's: imports and code meet the same message as the admin form.
    document = Document(
        qualification=qualification,
        kind="specification",
        title="Specification",
        version_label="1",
        effective_from="2025-01-01",
        file=files.upload(files.HTML_PAGE, "specification.pdf"),
    )

    with pytest.raises(ValidationError) as refused:
        document.full_clean()

    assert refused.value.message_dict == {"file": [NOT_ACCEPTED]}


def test_a_short_name_the_site_uses_is_refused(admin_client, qualification):
    response = post_document(admin_client, qualification, files.upload(files.pdf()), slug="cy")

    [formset] = [
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "documents"
    ]
    assert formset.formset.errors[0]["slug"] == ["That name is taken by the site: choose another."]
