"""Files for the document tests, made here byte by byte: real PDFs, Office and OpenDocument files,
and the odd uploads the site must refuse."""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

OOXML_MAIN = {
    "docx": (
        "word/document.xml",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ),
    "xlsx": (
        "xl/workbook.xml",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    ),
    "pptx": (
        "ppt/presentation.xml",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    ),
}


def pdf(text="Qualification specification", *, size=None, javascript=False, launch=False,
        attachment=False):  # fmt: skip
    """A one-page PDF whose page shows `text`, padded to about `size` bytes if given."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})}
    )
    content = f"BT /F1 12 Tf 72 770 Td ({text}) Tj ET".encode()
    if size:
        # Padding the page draws nothing with: a comment per line.
        content += b"\n" + b"% padding\n" * max(0, (size - 900) // 10)
    from pypdf.generic import StreamObject

    stream = StreamObject()
    stream.set_data(content)
    page[NameObject("/Contents")] = writer._add_object(stream)
    if javascript:
        writer._root_object[NameObject("/OpenAction")] = writer._add_object(
            DictionaryObject(
                {
                    NameObject("/S"): NameObject("/JavaScript"),
                    NameObject("/JS"): TextStringObject("app.alert('hello');"),
                }
            )
        )
    if launch:
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("calc.exe"),
            }
        )
    if attachment:
        writer.add_attachment("notes.txt", b"attached")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_javascript_in_an_object_stream():
    """A PDF 1.5 whose open action, a JavaScript action, sits compressed in an object stream:
    the words /JavaScript and /JS appear nowhere in the file's bytes."""
    action = b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"
    header = b"4 0 "
    packed = zlib.compress(header + action)
    parts = [b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n"]
    offsets = {}

    def add(number, body):
        offsets[number] = sum(map(len, parts))
        parts.append(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    add(1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>")
    add(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    add(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>")
    add(
        5,
        b"<< /Type /ObjStm /N 1 /First %d /Filter /FlateDecode /Length %d >>\nstream\n"
        % (len(header), len(packed))
        + packed
        + b"\nendstream",
    )
    xref_at = sum(map(len, parts))
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, 7):
        if number == 4:
            rows.append(struct.pack(">BIH", 2, 5, 0))
        elif number == 6:
            rows.append(struct.pack(">BIH", 1, xref_at, 0))
        else:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
    table = b"".join(rows)
    parts.append(
        b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n"
        % len(table)
        + table
        + b"\nendstream\nendobj\n"
    )
    parts.append(b"startxref\n%d\n%%%%EOF\n" % xref_at)
    return b"".join(parts)


def ooxml(extension="docx", *, extra=None):
    """A minimal Word, Excel or PowerPoint file; `extra` adds {name: bytes} entries."""
    main, content_type = OOXML_MAIN[extension]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{main}" ContentType="{content_type}"/></Types>',
        )
        archive.writestr(main, "<document>Qualification handbook</document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def opendocument(kind="text"):
    """A minimal OpenDocument text or spreadsheet: its `mimetype` entry first, stored."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            f"application/vnd.oasis.opendocument.{kind}",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("content.xml", "<office:document-content/>")
    return out.getvalue()


def zip_bomb_docx(megabytes=30):
    """A Word file with an entry of `megabytes` of zeros, packed to a thousandth of that."""
    out = io.BytesIO()
    base = ooxml("docx")
    out.write(base)
    with (
        zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive,
        archive.open("word/media/zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(megabytes):
            member.write(bytes(1024 * 1024))
    return out.getvalue()


HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def upload(data, name="document.pdf"):
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def add_document(qualification, data=None, *, name="specification.pdf", user=None, **fields):
    """A document version of `qualification`, checked (full_clean) and saved through the write
    path as an edit of it, as the admin saves one."""
    import datetime

    from qualifications import services
    from qualifications.models import Document

    fields = {
        "kind": "specification",
        "language": "en",
        "title": "Qualification specification",
        "version_label": "1.0",
        "effective_from": datetime.date(2020, 1, 1),
    } | fields
    document = Document(qualification=qualification, file=upload(data or pdf(), name), **fields)
    document.full_clean()
    services.row_save(document, user=user)
    return document
