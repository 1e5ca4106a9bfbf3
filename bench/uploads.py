"""The peak memory of a 25 MB document upload through the admin, to each storage.

Starts gunicorn (one worker) against a throwaway SQLite database with production settings,
storing documents on the local disk, then again in an S3-compatible object store (moto's
server); signs in, uploads a 25 MB PDF as the qualification's specification through the admin
form, and prints the worker's peak resident memory (VmHWM) before and after, and how long the
upload took.

    .venv/bin/python bench/uploads.py [--megabytes 25]
"""

import argparse
import contextlib
import io
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    ROOT,
    SEED,
    Gunicorn,
    ObjectStore,
    get,
    production_env,
    set_up_site,
    spare_port,
)
from harness.admin import Staff

STAFF = ("bench-staff", secrets.token_urlsafe(16))


def large_pdf(size):
    """A one-page PDF of about `size` bytes, most of it one stream (as a scanned page is)."""
    writer = PdfWriter()
    page = writer.add_blank_page(595, 842)
    stream = StreamObject()
    stream.set_data(os.urandom(size - 1024))
    page[NameObject("/Thumb")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def peak_kilobytes(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM")


def measure(env, data, label):
    pk = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from django.contrib.auth.models import User; "
         "from qualifications.models import Qualification; "
         f"User.objects.create_superuser({STAFF[0]!r}, password={STAFF[1]!r}); "
         f"print(Qualification.objects.get(slug={SEED.split('/')[2]!r}).pk)"],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout.split()[-1]  # fmt: skip
    server = Gunicorn(env, spare_port(), workers=1)
    try:
        [worker] = server.workers()
        staff = Staff(server.port, *STAFF)
        # Warm: the admin's form and the page are loaded and rendered once before measuring.
        get(server.port, SEED)
        staff._form(f"/admin/qualifications/qualification/{pk}/change/", None)
        before = peak_kilobytes(worker)
        started = time.monotonic()
        staff.upload(
            "qualifications/qualification",
            pk,
            {"documents-0-file": ("specification.pdf", data)},
            **{
                "documents-TOTAL_FORMS": "1",
                "documents-0-kind": "specification",
                "documents-0-language": "en",
                "documents-0-title": "Specification",
                "documents-0-version_label": "1",
                "documents-0-effective_from": "2020-01-01",
            },
        )
        took = time.monotonic() - started
        after = peak_kilobytes(worker)
        status, _, _ = get(server.port, SEED + "documents/specification/")
        assert status in (200, 302), status
    finally:
        server.stop()
    print(
        f"{label:<28} peak RSS {before / 1024:6.1f} MB before, {after / 1024:6.1f} MB after "
        f"(+{(after - before) / 1024:5.1f} MB); upload {took:.2f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=25)
    options = parser.parse_args()
    data = large_pdf(int(options.megabytes * 1024 * 1024) - 4096)
    print(f"a {len(data) / (1024 * 1024):.1f} MB PDF uploaded through the admin, gunicorn 1 worker")
    for storage in ("local disk", "S3-compatible (moto)"):
        with tempfile.TemporaryDirectory() as workdir, contextlib.ExitStack() as stack:
            extra = {"DJANGO_MEDIA_ROOT": f"{workdir}/media"}
            if storage != "local disk":
                store = ObjectStore(spare_port())
                stack.callback(store.stop)
                extra |= store.env()
            env = production_env(
                f"sqlite:///{workdir}/bench.sqlite3",
                f"filecache://{workdir}/cache",
                DJANGO_STATIC_ROOT=f"{workdir}/static",
                **extra,
            )
            set_up_site(env)
            measure(env, data, storage)


if __name__ == "__main__":
    main()
