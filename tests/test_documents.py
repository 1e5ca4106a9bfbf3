"""A qualification's documents: stable addresses serving the version in effect, each version at
its own address, served well (type, name, ETag, 304, ranges), seen by whoever sees the page, and
kept in the qualification's history."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader
from reversion.models import Version

from qualifications import services
from qualifications.choices import Status
from qualifications.models import Document, Qualification

from . import document_files as files
from .conftest import SEED_SLUG, stored_files
from .factories import QualificationFactory
from .html import form_data, select

pytestmark = pytest.mark.usefixtures("media_root")

SPECIFICATION = f"/qualifications/{SEED_SLUG}/documents/specification/"
TODAY = datetime.date(2026, 6, 15)
NOON = datetime.datetime(2026, 6, 15, 12, tzinfo=datetime.UTC)


@pytest.fixture
def today():
    with time_machine.travel(NOON, tick=False):
        yield TODAY


# SERVING

# Past this, a file is streamed with byte ranges rather than kept and sent whole.
LARGE = 300_000


def body(response):
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_the_stable_address_serves_the_specification_as_an_attachment(client, seed, today):
    data = files.pdf("Specification text")
    files.add_document(seed, data, title="Spécification: Level 4/ünits")

    response = client.get(SPECIFICATION)

    assert response.status_code == 200
    assert body(response) == data
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''Sp%C3%A9cification%20Level%204%20%C3%BCnits.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["ETag"]
    assert response["Last-Modified"]
    assert response["Cache-Control"] == "public, max-age=300"


def test_a_plain_title_gives_a_plain_file_name(client, seed, today):
    files.add_document(seed, title='Handbook "2026"', kind="qualification-handbook")

    response = client.get(f"/qualifications/{SEED_SLUG}/documents/qualification-handbook/")

    assert response["Content-Disposition"] == 'attachment; filename="Handbook 2026.pdf"'


def test_a_document_is_served_as_what_it_is_whatever_it_was_called(client, seed, today):
    files.add_document(seed, files.ooxml("docx"), name="page.html", title="Centre guidance")

    response = client.get(SPECIFICATION)

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert response["Content-Disposition"] == 'attachment; filename="Centre guidance.docx"'


def test_a_browser_with_the_current_copy_gets_304(client, seed, today):
    files.add_document(seed)
    first = client.get(SPECIFICATION)

    by_etag = client.get(SPECIFICATION, headers={"If-None-Match": first["ETag"]})
    by_date = client.get(SPECIFICATION, headers={"If-Modified-Since": first["Last-Modified"]})

    assert (by_etag.status_code, by_date.status_code) == (304, 304)


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-99", 0, 99), ("bytes=100-", 100, None), ("bytes=-10", -10, None)],
    ids=["first-bytes", "from-an-offset", "last-bytes"],
)
def test_a_byte_range_is_answered_with_206(client, seed, today, header, start, end):
    data = files.pdf(size=LARGE)
    files.add_document(seed, data)
    expected = data[start : None if end is None else end + 1]
    first = len(data) + start if start < 0 else start

    response = client.get(SPECIFICATION, headers={"Range": header})

    assert response.status_code == 206
    assert response["Accept-Ranges"] == "bytes"
    assert body(response) == expected
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert response["Content-Length"] == str(len(expected))


def test_a_range_past_the_end_is_416(client, seed, today):
    data = files.pdf(size=LARGE)
    files.add_document(seed, data)

    response = client.get(SPECIFICATION, headers={"Range": f"bytes={len(data)}-"})

    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(data)}"


def test_a_range_of_a_copy_that_changed_gets_the_whole_file(client, seed, today):
    data = files.pdf(size=LARGE)
    files.add_document(seed, data)

    response = client.get(SPECIFICATION, headers={"Range": "bytes=0-9", "If-Range": '"old"'})

    assert response.status_code == 200
    assert body(response) == data


def test_a_small_file_is_kept_and_answered_again_with_one_query(
    client, seed, today, django_assert_num_queries
):
    data = files.pdf()
    files.add_document(seed, data, title="Specification")
    client.get(SPECIFICATION)

    with django_assert_num_queries(1):
        again = client.get(SPECIFICATION, headers={"Range": "bytes=0-9"})

    # Sent whole, ranges aside, as a server may.
    assert (again.status_code, body(again)) == (200, data)
    assert again["Content-Disposition"] == 'attachment; filename="Specification.pdf"'


# WHICH VERSION, AND WHO SEES IT


def documents_text(response):
    [section] = select(response.text, "section", class_="documents")
    return " ".join(section.text.split())


def test_a_new_version_is_served_from_the_day_it_takes_effect(client, seed, today):
    files.add_document(seed, files.pdf("first"), version_label="1.0")
    files.add_document(
        seed,
        files.pdf("second"),
        version_label="2.0",
        effective_from=TODAY + datetime.timedelta(days=1),
    )
    before = client.get(SPECIFICATION)
    page_before = client.get(seed.get_absolute_url())

    with time_machine.travel(NOON + datetime.timedelta(days=1), tick=False):
        after = client.get(SPECIFICATION)
        page_after = client.get(seed.get_absolute_url())

    assert body(before) == files.pdf("first")
    assert body(after) == files.pdf("second")
    assert "Version 2.0" not in documents_text(page_before)
    assert "Version 2.0 (current)" in documents_text(page_after)
    # No copy outlives the change: midnight, London time, is 11 hours after noon UTC in June.
    assert before["Cache-Control"] == "public, max-age=300"
    at = datetime.datetime(2026, 6, 15, 22, 59, 0, tzinfo=datetime.UTC)
    with time_machine.travel(at, tick=False):
        assert client.get(SPECIFICATION)["Cache-Control"] == "public, max-age=60"


def test_the_next_version_is_the_qualifications_next_scheduled_change(seed, today):
    files.add_document(seed, effective_from=TODAY + datetime.timedelta(days=10))
    midnight = timezone.make_aware(datetime.datetime(2026, 6, 25))

    assert Qualification.objects.get(pk=seed.pk).next_scheduled_change() == midnight
    assert Qualification.objects.keeping(SEED_SLUG).next_scheduled_change() == midnight
    assert Qualification.objects.next_scheduled_change() == midnight


def test_every_version_keeps_its_own_address(client, seed, today):
    first = files.add_document(seed, files.pdf("first"), version_label="1.0")
    files.add_document(seed, files.pdf("second"), version_label="2.0")

    response = client.get(first.get_absolute_url())

    assert first.get_absolute_url() == (
        f"/qualifications/{SEED_SLUG}/documents/versions/{first.pk}/"
    )
    assert body(response) == files.pdf("first")
    assert body(client.get(SPECIFICATION)) == files.pdf("second")


def test_welsh_and_further_documents_have_addresses_of_their_own(client, seed, today):
    files.add_document(seed, files.pdf("english"))
    files.add_document(seed, files.pdf("welsh"), language="cy", title="Manyleb")
    files.add_document(seed, files.pdf("appeals"), kind="policy", slug="appeals")
    files.add_document(seed, files.pdf("malpractice"), kind="policy", slug="malpractice")
    base = f"/qualifications/{SEED_SLUG}/documents/"

    served = {
        path: body(client.get(base + path))
        for path in ("specification/", "cy/specification/", "policy/appeals/")
    }

    assert served == {
        "specification/": files.pdf("english"),
        "cy/specification/": files.pdf("welsh"),
        "policy/appeals/": files.pdf("appeals"),
    }
    assert client.get(base + "policy/").status_code == 404  # no main policy
    assert client.get(base + "timetable/").status_code == 404


def test_a_version_not_yet_in_effect_is_for_staff_only(client, admin_client, seed, today):
    future = files.add_document(seed, effective_from=TODAY + datetime.timedelta(days=3))

    assert client.get(future.get_absolute_url()).status_code == 404
    assert client.get(SPECIFICATION).status_code == 404
    assert admin_client.get(future.get_absolute_url()).status_code == 200


def test_documents_of_a_draft_are_not_found_but_staff_preview_them(client, admin_client, today):
    draft = QualificationFactory(status=Status.DRAFT)
    document = files.add_document(draft)

    public = client.get(document.get_absolute_url())
    staff = admin_client.get(document.get_absolute_url())

    assert public.status_code == 404
    assert staff.status_code == 200
    assert "no-store" in staff["Cache-Control"]


def test_documents_of_a_withdrawn_qualification_are_gone(client, seed, today):
    document = files.add_document(seed)
    seed.status = Status.WITHDRAWN
    services.qualification_save(seed)

    assert client.get(document.get_absolute_url()).status_code == 410
    assert client.get(SPECIFICATION).status_code == 410


def test_a_file_stays_readable_while_a_new_version_is_uploaded(client, seed, today, media_root):
    first = files.add_document(seed, files.pdf("first"))
    second = files.add_document(seed, files.pdf("second"), version_label="2.0")

    assert first.file.name != second.file.name
    assert stored_files(media_root) == sorted([first.file.name, second.file.name])
    assert body(client.get(first.get_absolute_url())) == files.pdf("first")


# EVERYWHERE THE QUALIFICATION IS


def test_the_page_lists_current_documents_with_format_size_and_history(client, seed, today):
    files.add_document(seed, files.pdf(size=50_000), version_label="1.0", changes="First issue.")
    files.add_document(seed, files.pdf(size=50_000), version_label="1.1", changes="Typos.")
    files.add_document(seed, files.ooxml("docx"), kind="centre-guidance", title="Guidance")

    html = client.get(seed.get_absolute_url()).text

    items = [" ".join(item.text.split()) for item in select(html, "li", class_="documents__item")]
    assert select(html, "h2", id="documents-heading")[0].text == "Documents"
    assert items[0].startswith(
        "Qualification specification (PDF, 49 KB; version 1.1, in effect from 1 January 2020)"
    )
    cells = [" ".join(cell.text.split()) for cell in select(html, "td")]
    assert cells[:6] == [
        "Version 1.1 (current)",
        "1 January 2020",
        "Typos.",
        "Version 1.0",
        "1 January 2020",
        "First issue.",
    ]
    assert items[1].startswith("Guidance (Word document, 1 KB; version 1.0")
    links = [a.attrs["href"] for a in select(html, "a") if "/documents/" in a.attrs["href"]]
    assert links[0] == SPECIFICATION


def test_the_specification_link_is_the_sites_own_once_one_is_uploaded(client, seed, today):
    seed.specification_url = "https://example.org/register-spec.pdf"
    services.qualification_save(seed)
    files.add_document(seed)

    html = client.get(seed.get_absolute_url()).text
    csv = client.get("/qualifications.csv").content.decode()

    [link] = [a for a in select(html, "a") if a.text == "Read the specification"]
    assert link.attrs["href"] == SPECIFICATION
    assert f"http://testserver{SPECIFICATION}" in csv
    assert "register-spec.pdf" not in csv


def test_the_register_link_stays_until_a_specification_is_uploaded(client, seed, today):
    seed.specification_url = "https://example.org/register-spec.pdf"
    services.qualification_save(seed)

    csv = client.get("/qualifications.csv").content.decode()

    assert "https://example.org/register-spec.pdf" in csv


def test_the_factsheet_lists_documents_with_their_absolute_addresses(client, seed, today):
    files.add_document(seed)

    response = client.get(seed.get_factsheet_url())

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert f"http://testserver{SPECIFICATION}" in text.replace("\n", "")


def test_the_json_holds_the_documents_with_their_versions(client, seed, today):
    first = files.add_document(seed, version_label="1.0", changes="First issue.")
    second = files.add_document(seed, version_label="2.0", effective_from=TODAY)

    data = client.get(f"/qualifications/{SEED_SLUG}.json").json()

    assert data["specification_url"] == f"http://testserver{SPECIFICATION}"
    assert data["documents"] == [
        {
            "kind": "specification",
            "language": "en",
            "title": "Qualification specification",
            "url": f"http://testserver{SPECIFICATION}",
            "versions": [
                {
                    "version": "2.0",
                    "title": "Qualification specification",
                    "effective_from": "2026-06-15",
                    "changes": None,
                    "format": "pdf",
                    "content_type": "application/pdf",
                    "size": second.size,
                    "url": f"http://testserver{second.get_absolute_url()}",
                    "current": True,
                },
                {
                    "version": "1.0",
                    "title": "Qualification specification",
                    "effective_from": "2020-01-01",
                    "changes": "First issue.",
                    "format": "pdf",
                    "content_type": "application/pdf",
                    "size": first.size,
                    "url": f"http://testserver{first.get_absolute_url()}",
                    "current": False,
                },
            ],
        }
    ]


def test_the_catalogue_links_the_atom_feed_in_its_head(client, seed):
    html = client.get("/").text

    [link] = select(html, "link", rel="alternate")
    assert link.attrs["type"] == "application/atom+xml"
    assert link.attrs["href"] == reverse("qualifications:feed")
    assert any(parent.tag == "head" for parent in link.parents)


# HISTORY


def change_url(qualification):
    return reverse("admin:qualifications_qualification_change", args=[qualification.pk])


def test_adding_and_removing_a_document_are_versions_and_restore_brings_it_back(
    admin_client, client, seed, today
):
    document = files.add_document(seed, files.pdf("kept"))
    with_document = Version.objects.get_for_object(seed).first()
    data = form_data(admin_client.get(change_url(seed)).text, "qualification_form")
    data["documents-0-DELETE"] = "on"
    admin_client.post(change_url(seed), data | {"_save": "Save"})
    assert not Document.objects.exists()
    assert client.get(SPECIFICATION).status_code == 404
    revision_url = reverse(
        "admin:qualifications_qualification_revision", args=[seed.pk, with_document.pk]
    )

    admin_client.post(
        revision_url, form_data(admin_client.get(revision_url).text, "qualification_form")
    )

    assert Version.objects.get_for_object(seed).count() == 4
    restored = Document.objects.get()
    assert (restored.pk, restored.file.name) == (document.pk, document.file.name)
    assert body(client.get(SPECIFICATION)) == files.pdf("kept")


def test_a_publisher_purges_a_file_and_the_history_says_so(
    publisher, client, seed, today, django_capture_on_commit_callbacks
):
    document = files.add_document(seed)
    changelist = reverse("admin:qualifications_document_changelist")

    with django_capture_on_commit_callbacks(execute=True):
        publisher.post(changelist, {"action": "purge", "_selected_action": [document.pk]})

    document.refresh_from_db()
    assert document.purged_at is not None
    assert not document.file.storage.exists(document.file.name)
    assert client.get(document.get_absolute_url()).status_code == 410
    assert client.get(SPECIFICATION).status_code == 404
    latest = Version.objects.get_for_object(seed).first()
    assert latest.revision.comment == (
        "Purged the file of Qualification specification, version 1.0 for legal reasons."
    )


def test_an_editor_cannot_purge(editor, seed, today, django_capture_on_commit_callbacks):
    document = files.add_document(seed)
    changelist = reverse("admin:qualifications_document_changelist")

    with django_capture_on_commit_callbacks(execute=True):
        editor.post(changelist, {"action": "purge", "_selected_action": [document.pk]})

    document.refresh_from_db()
    assert document.purged_at is None
    assert document.file.storage.exists(document.file.name)


def test_a_publisher_uploads_a_document(publisher, seed, today):
    data = form_data(publisher.get(change_url(seed)).text, "qualification_form")
    data |= {
        "documents-TOTAL_FORMS": "1",
        "documents-0-kind": "specification",
        "documents-0-language": "en",
        "documents-0-title": "Specification",
        "documents-0-version_label": "3",
        "documents-0-effective_from": "2026-01-01",
        "documents-0-file": files.upload(files.pdf()),
        "_save": "Save",
    }

    response = publisher.post(change_url(seed), data)

    assert response.status_code == 302
    assert Document.objects.get().version_label == "3"
    assert Version.objects.get_for_object(seed).first().revision.user.username == "pablo"


def test_restoring_a_version_from_before_a_purge_keeps_the_file_purged(
    admin_client, client, seed, today, django_capture_on_commit_callbacks
):
    document = files.add_document(seed)
    before = Version.objects.get_for_object(seed).first()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:qualifications_document_changelist"),
            {"action": "purge", "_selected_action": [document.pk]},
        )
    revision_url = reverse("admin:qualifications_qualification_revision", args=[seed.pk, before.pk])

    admin_client.post(
        revision_url, form_data(admin_client.get(revision_url).text, "qualification_form")
    )

    assert Document.objects.get().purged_at is not None
    assert client.get(document.get_absolute_url()).status_code == 410
    assert client.get(f"/qualifications/{SEED_SLUG}.json").json()["documents"] == []


def test_the_history_compares_documents(admin_client, seed, today):
    files.add_document(seed, version_label="1.0")
    older = Version.objects.get_for_object(seed).first()
    files.add_document(seed, version_label="2.0", effective_from=datetime.date(2026, 1, 1))
    newer = Version.objects.get_for_object(seed).first()
    compare = reverse("admin:qualifications_qualification_compare", args=[seed.pk])

    response = admin_client.get(compare, {"a": older.pk, "b": newer.pk})

    [change] = [c for c in response.context["changes"] if c.label == "Documents"]
    assert change.added == [
        "Qualification specification (Specification, English), version 2.0, in effect from "
        "01 January 2026"
    ]
