"""Documents of a qualification (specifications, handbooks, ...): what an upload is, judged by its
content alone, and how a stored one is served.

`inspect(file)` is the one gate every writer passes through (Document.clean(): the admin, any
import, code): it returns the document's format or raises ValidationError with a message for the
form. `file_response(request, document)` answers a download: from the local disk with ETag,
Last-Modified, 304 and byte ranges; from object storage as a redirect to a short-lived signed
address of the object, which answers ranges itself. A small public file on the local disk is
kept and sent whole instead, as a page is (`whole_file_response()`, see views.py).
"""

import json
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.http import FileResponse, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, get_conditional_response
from django.utils.http import content_disposition_header, http_date, quote_etag

from .choices import DocumentKind


@dataclass(frozen=True)
class Format:
    name: str  # as the page says it
    extension: str
    content_type: str


PDF = Format("PDF", "pdf", "application/pdf")
DOCX = Format(
    "Word document",
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
XLSX = Format(
    "Excel spreadsheet", "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)
PPTX = Format(
    "PowerPoint presentation",
    "pptx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
)
ODT = Format("OpenDocument text", "odt", "application/vnd.oasis.opendocument.text")
ODS = Format("OpenDocument spreadsheet", "ods", "application/vnd.oasis.opendocument.spreadsheet")
FORMATS = {f.content_type: f for f in (PDF, DOCX, XLSX, PPTX, ODT, ODS)}

# An Office Open XML file's main part, by the content type [Content_Types].xml gives it (the
# macro-enabled variants have other types, so they are refused).
OFFICE_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
# [Content_Types].xml is a few kilobytes; more is no Office file.
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
ZIP_MAX_ENTRIES = 10_000

NOT_ACCEPTED = (
    "This file is not a PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument text "
    "(.odt) or spreadsheet (.ods) document: upload one of those. (Its content decides, not its "
    "name.)"
)
EMPTY = "The file is empty: choose the document itself."
DAMAGED = "The file is damaged and cannot be read: save it again."


def inspect(file):
    """The Format of `file` (a Django File, read from its start), judged by its content; raises
    ValidationError with a message for staff if it is empty, too large, of another kind, damaged
    or carries active content."""
    size = file.size
    if not size:
        raise ValidationError(EMPTY)
    if size > settings.DOCUMENT_MAX_BYTES:
        raise ValidationError(
            f"The file is {_megabytes(size)}; documents can be at most "
            f"{_megabytes(settings.DOCUMENT_MAX_BYTES)}."
        )
    file.seek(0)
    head = file.read(8)
    file.seek(0)
    try:
        if head.startswith(b"%PDF-"):
            _check_pdf(file)
            return PDF
        if head.startswith(b"PK\x03\x04"):
            return _zip_format(file)
        raise ValidationError(NOT_ACCEPTED)
    finally:
        file.seek(0)


def _megabytes(size):
    return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")


def _check_pdf(file):
    # pypdf reads every object, those in compressed object streams too, so nothing hides there.
    # Imported when needed: it takes a while, and only uploads need it.
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError, PyPdfError

    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted:
            raise ValidationError("The PDF is password-protected: upload it without a password.")
        for obj in _pdf_objects(reader):
            found = _active_content(obj)
            if found:
                raise ValidationError(
                    f"The PDF carries {found}, which a reader's viewer could run or open: save "
                    "it again without scripts, actions or attached files, then upload it."
                )
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, RecursionError) as error:
        raise ValidationError("The PDF is damaged and cannot be read: save it again.") from error


def _pdf_objects(reader):
    # Every indirect object of the file, wherever its cross-reference table puts it.
    from pypdf.generic import IndirectObject

    seen = set()
    numbers = [
        (number, generation) for generation, table in reader.xref.items() for number in table
    ]
    numbers += [(number, 0) for number in reader.xref_objStm]
    for number, generation in numbers:
        if number in seen:
            continue
        seen.add(number)
        yield IndirectObject(number, generation, reader).get_object()
    yield reader.trailer


def _active_content(obj, depth=0):
    """What active content `obj` (a pypdf object, followed only as far as its direct parts)
    carries, in words, or None."""
    from pypdf.generic import ArrayObject, DictionaryObject

    if depth > 50:
        return None
    if isinstance(obj, DictionaryObject):
        for key, value in obj.items():
            if key in ("/JS", "/JavaScript"):
                return "JavaScript"
            if key in ("/EmbeddedFiles", "/EmbeddedFile", "/EF"):
                return "embedded files"
            if key == "/Launch" or (key == "/S" and value == "/Launch"):
                return "a launch action"
            if key == "/S" and value == "/JavaScript":
                return "JavaScript"
            if key == "/Type" and value == "/EmbeddedFile":
                return "embedded files"
            if not _is_reference(value) and (found := _active_content(value, depth + 1)):
                return found
    elif isinstance(obj, ArrayObject):
        for value in obj:
            if not _is_reference(value) and (found := _active_content(value, depth + 1)):
                return found
    return None


def _is_reference(value):
    from pypdf.generic import IndirectObject

    return isinstance(value, IndirectObject)


def _zip_format(file):
    try:
        archive = zipfile.ZipFile(file)
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        raise ValidationError(
            "The file is damaged or incomplete (perhaps cut short while copying): save it again."
        ) from error
    with archive:
        _check_zip_sizes(entries, file.size)
        names = {entry.filename: entry for entry in entries}
        if entries and entries[0].filename == "mimetype":
            mimetype = _read(archive, entries[0], 200).decode("ascii", "replace").strip()
            if mimetype in (ODT.content_type, ODS.content_type) and "content.xml" in names:
                return FORMATS[mimetype]
            raise ValidationError(NOT_ACCEPTED)
        if "[Content_Types].xml" not in names:
            raise ValidationError(NOT_ACCEPTED)
        types = _read(archive, names["[Content_Types].xml"], CONTENT_TYPES_MAX_BYTES)
        try:
            root = ElementTree.fromstring(types)
        except ElementTree.ParseError as error:
            raise ValidationError(
                "The file is damaged and cannot be read: save it again."
            ) from error
        for override in root.findall("{*}Override"):
            found = OFFICE_MAIN_PARTS.get(override.get("ContentType", ""))
            if found and override.get("PartName", "").lstrip("/") in names:
                return found
        raise ValidationError(NOT_ACCEPTED)


def _check_zip_sizes(entries, packed_size):
    bomb = ValidationError(
        "The file unpacks to far more than its size, as a ZIP bomb does: it is not accepted."
    )
    if len(entries) > ZIP_MAX_ENTRIES:
        raise bomb
    unpacked = 0
    for entry in entries:
        # An entry that ends past the end of the file was cut short.
        if entry.header_offset + entry.compress_size > packed_size:
            raise ValidationError(
                "The file is damaged or incomplete (perhaps cut short while copying): save it "
                "again."
            )
        unpacked += entry.file_size
        if entry.file_size > settings.DOCUMENT_ZIP_MAX_RATIO * max(entry.compress_size, 1024):
            raise bomb
    if unpacked > settings.DOCUMENT_ZIP_MAX_BYTES:
        raise bomb


def _read(archive, entry, limit):
    # At most `limit` bytes of an entry, whatever size it declares.
    try:
        with archive.open(entry) as member:
            data = member.read(limit + 1)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ValidationError("The file is damaged and cannot be read: save it again.") from error
    if len(data) > limit:
        raise ValidationError(NOT_ACCEPTED)
    return data


def stored_name(instance, filename):
    """Where an uploaded document is stored: a new random name, never the uploaded one."""
    known = FORMATS.get(instance.content_type)
    extension = f".{known.extension}" if known else ""
    return f"documents/{uuid.uuid4().hex}{extension}"


def download_name(title, extension):
    """A file name made of `title` (staff text) for a download: no path, no control characters."""
    name = "".join(c for c in title if unicodedata.category(c)[0] != "C")
    name = re.sub(r'[\\/:*?"<>|]+', " ", name)
    name = re.sub(r"\s+", " ", name).strip(" .")[:150] or "document"
    return f"{name}.{extension}"


def purge(document, *, user):
    """Delete the file of `document` (a Document) for legal reasons: an edit of its
    qualification recorded in its history, after which every version naming the file says it
    was purged, so no restore brings it back. The file goes once the transaction commits."""
    from reversion.models import Version

    from . import services

    name, storage = document.file.name, document.file.storage

    def write():
        document.purged_at = timezone.now()
        document.save(update_fields=["purged_at"])
        for version in Version.objects.get_for_object(document):
            data = json.loads(version.serialized_data)
            data[0]["fields"]["purged_at"] = document.purged_at.isoformat()
            version.serialized_data = json.dumps(data)
            version.save(update_fields=["serialized_data"])

    with transaction.atomic():
        services.qualification_save(
            document.qualification,
            write_rows=write,
            user=user,
            comment=f"Purged the file of {document} for legal reasons.",
        )
        transaction.on_commit(lambda: storage.delete(name))


# SERVING

RANGE = re.compile(r"bytes=(\d*)-(\d*)")
# A public file this small on the local disk is kept and sent whole, as a page is (kept.py), byte
# ranges aside: read and streamed on each request a 50 KB PDF answered at 0.6 to 0.7x the health
# check's throughput (bench/pages.py).
SMALL_FILE_BYTES = 256 * 1024


def sent_whole(document):
    """Whether `document` is sent whole, kept like a page, rather than streamed with ranges."""
    storage = document.file.storage
    return isinstance(storage, FileSystemStorage) and document.size <= SMALL_FILE_BYTES


def disposition(document):
    """The Content-Disposition of a download: an attachment named after the title."""
    known = FORMATS.get(document.content_type, PDF)
    return content_disposition_header(True, download_name(document.title, known.extension))


def whole_file_response(document):
    """`document`'s file in one piece (sent_whole()), or 410 if its file is gone."""
    known = FORMATS.get(document.content_type, PDF)
    try:
        with document.file.storage.open(document.file.name, "rb") as handle:
            response = HttpResponse(handle.read(), content_type=known.content_type)
    except FileNotFoundError:
        return _gone()
    response["Last-Modified"] = http_date(document.uploaded_at.timestamp())
    return response


def _gone():
    response = HttpResponse(
        "This document is no longer available.\n", status=410, content_type="text/plain"
    )
    add_never_cache_headers(response)
    return response


def file_response(request, document, *, public, max_age):
    """The download of `document` (a Document): with object storage a redirect to a short-lived
    signed address; from the local disk the file itself, with ETag, Last-Modified, 304 and one
    byte range. `public`: whether shared caches may keep it, for at most `max_age` seconds."""
    known = FORMATS.get(document.content_type, PDF)
    storage = document.file.storage
    if not isinstance(storage, FileSystemStorage):
        url = storage.url(
            document.file.name,
            parameters={
                "ResponseContentDisposition": disposition(document),
                "ResponseContentType": known.content_type,
            },
        )
        response = HttpResponseRedirect(url)
        add_never_cache_headers(response)  # the signed address expires
        return response
    etag = quote_etag(document.file.name.rsplit("/", 1)[-1])
    last_modified = document.uploaded_at.timestamp()
    response = get_conditional_response(request, etag=etag, last_modified=int(last_modified))
    if response is None:
        try:
            response = _ranged(
                request, storage.path(document.file.name), document.size, etag, known
            )
        except FileNotFoundError:
            return _gone()
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Content-Disposition"] = disposition(document)
    response["X-Content-Type-Options"] = "nosniff"
    response["Accept-Ranges"] = "bytes"
    if public:
        response["Cache-Control"] = f"public, max-age={max(0, max_age)}"
    else:
        add_never_cache_headers(response)
    return response


def _ranged(request, path, size, etag, known):
    """200 with the whole file, or 206 with the one range asked for (If-Range permitting), or
    416. Several ranges in one request are answered with the whole file, as RFC 9110 allows."""
    wanted = RANGE.fullmatch(request.headers.get("Range", "").strip())
    if_range = request.headers.get("If-Range")
    if wanted and (if_range is None or if_range == etag):
        first, last = wanted.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        elif last:
            start, end = max(size - int(last), 0), size - 1
        else:
            start, end = 0, -1
        if start > end or start >= size:
            response = HttpResponse(status=416, content_type=known.content_type)
            response["Content-Range"] = f"bytes */{size}"
            return response
        handle = open(path, "rb")  # noqa: SIM115 - FileResponse closes it
        handle.seek(start)
        response = StreamingHttpResponse(
            _limited(handle, end - start + 1), status=206, content_type=known.content_type
        )
        response["Content-Length"] = str(end - start + 1)
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
        return response
    return FileResponse(open(path, "rb"), content_type=known.content_type)


class _limited:
    """The next `length` bytes of `handle`, in blocks; closed with the response."""

    block = 64 * 1024

    def __init__(self, handle, length):
        self.handle, self.left = handle, length

    def __iter__(self):
        while self.left > 0:
            data = self.handle.read(min(self.block, self.left))
            if not data:
                break
            self.left -= len(data)
            yield data

    def close(self):
        self.handle.close()


# VERSIONS: which version of each document is current, decided at request time.


@dataclass(frozen=True)
class DocumentHistory:
    """One document of a qualification: its current version (None before the first takes
    effect) and every version, newest first."""

    current: object
    versions: list

    @property
    def earlier(self):
        return [version for version in self.versions if version is not self.current]


def document_histories(versions, today=None, *, future=False):
    """`versions` (Documents of one qualification, as prefetched) grouped by document, in the
    page's order (kind, then language, then short name): DocumentHistory each. Versions that
    take effect after `today` are left out unless `future`; purged ones always."""
    today = today or timezone.localdate()
    groups = {}
    for version in versions:
        if version.purged_at is None and (future or version.effective_from <= today):
            groups.setdefault((version.kind, version.language, version.slug), []).append(version)
    kinds = list(DocumentKind.values)
    histories = []
    for key in sorted(groups, key=lambda key: (kinds.index(key[0]), key[1] != "en", key[2])):
        ordered = sorted(groups[key], key=lambda v: (v.effective_from, v.pk), reverse=True)
        current = next((v for v in ordered if v.effective_from <= today), None)
        histories.append(DocumentHistory(current, ordered))
    return histories
