"""Throughput of the seed qualification's page and factsheet, of a qualification with 40 units in
four groups, and of a 50 KB PDF document (the seed's specification, from local storage) under
gunicorn, next to /healthz.

Starts gunicorn (as `make run` does, or with --workers) against a throwaway SQLite database with
production settings and the default shared cache (--redis: a throwaway Redis instead), keeps the
page and the factsheet, adds the document, then measures /healthz, the page, the factsheet and
the document in turn, round after
round, with wrk (Debian's; 16 connections, browser's Accept-Encoding), so that whatever else the
machine is doing weighs on all three alike. Prints each round, the medians, each address against
/healthz (target: 0.9x or more) and the bytes on the wire. Then times one factsheet render
in-process next to WeasyPrint rendering the same text unstyled.

    .venv/bin/python bench/pages.py [--seconds 3] [--rounds 3] [--workers N] [--redis]
"""

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    ROOT,
    SEED,
    Gunicorn,
    Redis,
    bytes_on_the_wire,
    get,
    production_env,
    set_up_site,
    spare_port,
    wrk,
)

UNITS_SLUG = "forty-units-level-3"
UNITS = f"/qualifications/{UNITS_SLUG}/"
# A published qualification with 40 units in four groups, written through the write path.
MAKE_UNITS_QUALIFICATION = f"""
import django
django.setup()
from qualifications import services
from qualifications.models import Audience, AwardingOrganisation, Qualification, Unit
from qualifications.units import Group, Structure
organisation = AwardingOrganisation.objects.get_or_create(name="Benchmark Awarding Body")[0]
q = Qualification(title="Forty Units Level 3", slug="{UNITS_SLUG}", status="published",
    awarding_organisation=organisation, qualification_number="699/0040/0", level=3, credits=45,
    overview="A qualification of forty units, for benchmarks.")
services.qualification_save(q, write_rows=lambda: Audience.objects.create(
    qualification=q, description="want to measure pages"))
units = []
for n in range(40):
    unit = Unit(reference=f"Y/699/{{n:04d}}", title=f"Benchmark unit {{n}} on a subject",
        level="3", credits=3, guided_learning_hours=20, awarding_organisation=organisation)
    services.unit_save(unit)
    units.append(unit)
services.structure_save(q, Structure([Group("A", "all", None, None, units[:10]),
    Group("B", "credits", 6, None, units[10:20]), Group("C", "units", 2, 4, units[20:30]),
    Group("D", "credits", 3, None, units[30:])], 45))
"""
DOCUMENT = SEED + "documents/specification/"
DOCUMENT_BYTES = 50 * 1024
PATHS = ["/healthz", SEED, SEED + "factsheet.pdf", UNITS, UNITS + "factsheet.pdf", DOCUMENT]


def add_document(env):
    """Give the seed a 50 KB PDF specification, through the write path as the admin would."""
    script = f"""
import datetime, io, django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfWriter
from pypdf.generic import NameObject, StreamObject
from qualifications import services
from qualifications.models import Document, Qualification
writer = PdfWriter()
page = writer.add_blank_page(595, 842)
stream = StreamObject()
stream.set_data(b"% padding\\n" * ({DOCUMENT_BYTES} // 10 - 60))
page[NameObject("/Contents")] = writer._add_object(stream)
out = io.BytesIO()
writer.write(out)
document = Document(
    qualification=Qualification.objects.get(slug="{SEED.split("/")[2]}"),
    kind="specification", title="Specification", version_label="1",
    effective_from=datetime.date(2020, 1, 1),
    file=SimpleUploadedFile("specification.pdf", out.getvalue()),
)
document.full_clean()
services.row_save(document)
print(document.size)
"""
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    return int(output.split()[-1])


def render_times(env, slug="interpersonal-mediation-level-4", repeats=5):
    """Median seconds for the factsheet render and for WeasyPrint with the same text unstyled."""
    script = f"""
import statistics, time, django
django.setup()
from weasyprint import HTML
from django.utils.html import strip_tags
from qualifications.factsheets import render_factsheet
from qualifications.models import Qualification
from django.template.loader import render_to_string
q = Qualification.objects.for_detail_page().get(slug="{slug}")
text = strip_tags(render_to_string("qualifications/factsheet.html", {{"qualification": q}}))
plain = "<p>" + "</p><p>".join(line for line in text.splitlines() if line.strip()) + "</p>"
def median(fn):
    fn()
    runs = []
    for _ in range({repeats}):
        start = time.perf_counter(); fn(); runs.append(time.perf_counter() - start)
    return statistics.median(runs)
print(median(lambda: render_factsheet(q)), median(lambda: HTML(string=plain).write_pdf()))
"""
    output = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, check=True, capture_output=True,
        text=True,
    ).stdout  # fmt: skip
    styled, unstyled = (float(x) for x in output.split())
    return styled, unstyled


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3, help="per address and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, help="default: gunicorn.conf.py's, as make run")
    parser.add_argument("--redis", action="store_true", help="keep renderings in a Redis")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("skipped: needs wrk (apt-get install wrk)")
        return

    with tempfile.TemporaryDirectory() as workdir, contextlib.ExitStack() as stack:
        if options.redis:
            redis = Redis(spare_port())
            stack.callback(redis.stop)
            cache_url = redis.url()
        else:
            cache_url = f"filecache://{workdir}/cache"
        env = production_env(
            f"sqlite:///{workdir}/bench.sqlite3",
            cache_url,
            DJANGO_STATIC_ROOT=f"{workdir}/static",
            DJANGO_MEDIA_ROOT=f"{workdir}/media",
        )
        set_up_site(env)
        subprocess.run(
            [sys.executable, "-c", MAKE_UNITS_QUALIFICATION], cwd=ROOT, env=env, check=True
        )
        document_size = add_document(env)
        server = Gunicorn(env, spare_port(), workers=options.workers)
        stack.callback(server.stop)
        for path in PATHS:  # rendered and kept before anything is measured
            assert get(server.port, path)[0] == 200, path
        print(
            f"gunicorn, {len(server.workers())} sync workers, SQLite, cache: "
            f"{'Redis' if options.redis else 'files'}; wrk {options.connections} connections, "
            f"{options.seconds:g} s per address per round, {options.rounds} rounds, "
            f"on {os.cpu_count()} CPUs"
        )
        rates = {path: [] for path in PATHS}
        latencies = {path: [] for path in PATHS}
        for round_number in range(1, options.rounds + 1):
            figures = []
            for path in PATHS:
                result = wrk(server.port, [path], options.seconds, options.connections)
                if result["non_2xx"] or result["errors"]:
                    raise RuntimeError(f"{path}: {result}")
                rates[path].append(result["rate"])
                latencies[path].append(result["p50"])
                figures.append(f"{result['rate']:7.0f}")
            print(f"  round {round_number}: req/s " + " ".join(figures))
        print(f"{'address':<60} {'req/s':>7} {'p50 ms':>7} {'vs /healthz':>11} {'bytes sent':>17}")
        for path in PATHS:
            rate = statistics.median(rates[path])
            # Each round's own ratio, so a busy moment that slowed one round weighs on both sides.
            ratio = statistics.median(
                r / h for r, h in zip(rates[path], rates["/healthz"], strict=True)
            )
            head, body = bytes_on_the_wire(server.port, path)
            print(
                f"{path:<60} {rate:7.0f} {statistics.median(latencies[path]):7.1f} "
                f"{ratio:10.2f}x {head:>5} + {body:>7,}"
            )
        _, plain_headers, plain = get(server.port, SEED)
        print(f"(the page uncompressed: {len(plain):,} bytes; sent {plain_headers['Vary']=!s})")
        print(f"(the document: a {document_size:,}-byte PDF from local storage)")
        for slug in ["interpersonal-mediation-level-4", UNITS_SLUG]:
            styled, unstyled = render_times(env, slug)
            print(
                f"factsheet render, {slug}: {styled * 1000:.0f} ms; WeasyPrint, same text "
                f"unstyled: {unstyled * 1000:.0f} ms ({styled / unstyled:.1f}x)"
            )


if __name__ == "__main__":
    main()
