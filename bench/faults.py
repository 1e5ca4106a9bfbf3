"""Two servers, one truth, and what they do when PostgreSQL, Redis or a worker fails.

Starts Redis (Debian's redis-server), an S3-compatible object store (moto's server) and two
gunicorn servers on loopback ports that share them and one PostgreSQL: a throwaway cluster, or
the one given with --pg-data and --pg-port (.ci/run's). Then:

1. An edit saved through the first server's admin is seen at once on the second: on the page, in
   the factsheet and in the search (and nothing stale is served on the first).
2. A specification uploaded through the first server's admin is listed on the second's page and
   downloaded through the second (its redirect to a signed address of the shared object store).
3. Under a steady load on both servers, stops PostgreSQL, then Redis, each for a few seconds,
   then kills a worker, and prints the answers by status during and after each fault.

Exits non-zero unless: the edit and the upload are seen everywhere at once; no 500 at any
time; 503 only while the database is down or within RECOVERY_SECONDS of its return; every fault
recovered within RECOVERY_SECONDS.

    .venv/bin/python bench/faults.py [--pg-data DIR --pg-port PORT] [--port 18091]
"""

import argparse
import contextlib
import io
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from pypdf import PdfReader, PdfWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    SEED,
    Gunicorn,
    Load,
    ObjectStore,
    PostgreSQL,
    Redis,
    describe,
    get,
    production_env,
    set_up_site,
    spare_port,
)
from harness.admin import Staff

RECOVERY_SECONDS = 5
OUTAGE_SECONDS = 3
DATABASE = "qualsite_faults"
STAFF = ("faults-staff", secrets.token_urlsafe(16))
# What the visitors ask for during the faults: kept pages and factsheets, the catalogue and a
# search (which always need the database), and the health check.
LOAD_PATHS = [SEED, "/", SEED, "/?q=mediation", SEED + "factsheet.pdf", "/healthz", SEED, "/"]


def seen_everywhere(port, marker):
    """Which of the page, the factsheet and the search on `port` show `marker` (a dict)."""
    _, _, page = get(port, SEED)
    _, _, pdf = get(port, SEED + "factsheet.pdf")
    _, _, search = get(port, f"/?q={marker}")
    pdf_text = "".join(sheet.extract_text() for sheet in PdfReader(io.BytesIO(pdf)).pages)
    return {
        "page": marker in page.decode(),
        "factsheet": marker in pdf_text.replace("\n", " "),
        "search": SEED.encode() in search,
    }


def one_truth(env, first, second):
    """Edit through `first`'s admin; return True if `second` (and `first`) show it at once."""
    username, password = STAFF
    # One shell for both: each start of Django costs seconds on a busy machine.
    pk = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from django.contrib.auth.models import User; "
         "from qualifications.models import Qualification; "
         f"User.objects.create_superuser({username!r}, password={password!r}); "
         f"print(Qualification.objects.get(slug={SEED.split('/')[2]!r}).pk)"],
        cwd=Path(__file__).resolve().parent.parent, env=env, check=True,
        capture_output=True, text=True,
    ).stdout.split()[-1]  # fmt: skip
    # Both servers keep the page and the factsheet before the edit.
    for port in (first.port, second.port):
        seen_everywhere(port, "warm-up")
    marker = "edited" + secrets.token_hex(4)
    staff = Staff(first.port, username, password)
    started = time.monotonic()
    staff.edit(
        "qualifications/qualification", pk, title=f"Interpersonal Mediation Level 4 {marker}"
    )
    on_second = seen_everywhere(second.port, marker)
    on_first = seen_everywhere(first.port, marker)
    took = time.monotonic() - started
    print(f"edit saved through :{first.port}, read back within {took:.2f} s:")
    for name, port, seen in (
        (second.name, second.port, on_second),
        (first.name, first.port, on_first),
    ):
        print(f"  {name} :{port}  " + "  ".join(
            f"{what} {'new' if ok else 'STALE'}" for what, ok in seen.items()))  # fmt: skip
    return all(on_second.values()) and all(on_first.values())


def one_store(env, first, second):
    """Upload a specification through `first`'s admin; return True if `second` lists it on its
    page and serves it (from the shared object store) at once."""
    username, password = STAFF
    marker = "uploaded" + secrets.token_hex(4)
    data = _pdf(marker)
    staff = Staff(first.port, username, password)
    pk = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c",
         "from qualifications.models import Qualification; "
         f"print(Qualification.objects.get(slug={SEED.split('/')[2]!r}).pk)"],
        cwd=Path(__file__).resolve().parent.parent, env=env, check=True,
        capture_output=True, text=True,
    ).stdout.split()[-1]  # fmt: skip
    started = time.monotonic()
    staff.upload(
        "qualifications/qualification",
        pk,
        {"documents-0-file": (f"{marker}.pdf", data)},
        **{
            "documents-TOTAL_FORMS": "1",
            "documents-0-kind": "specification",
            "documents-0-language": "en",
            "documents-0-title": f"Specification {marker}",
            "documents-0-version_label": "1",
            "documents-0-effective_from": "2020-01-01",
        },
    )
    _, _, page = get(second.port, SEED)
    status, headers, _ = get(second.port, SEED + "documents/specification/")
    downloaded = b""
    if status == 302:
        with urllib.request.urlopen(headers["Location"], timeout=10) as response:
            downloaded = response.read()
    took = time.monotonic() - started
    seen = {"page": marker.encode() in page, "download": downloaded == data}
    print(f"specification uploaded through :{first.port}, read back within {took:.2f} s:")
    print(f"  {second.name} :{second.port}  " + "  ".join(
        f"{what} {'new' if ok else 'MISSING'}" for what, ok in seen.items()))  # fmt: skip
    return all(seen.values())


def _pdf(text):
    # A one-page PDF that shows `text`.
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def faults(servers, postgresql, redis):
    """Run the faults under load; return a list of what missed its target."""
    misses = []
    with Load([server.port for server in servers], LOAD_PATHS) as load:
        print("\nfaults under load (clients on both servers), answers by status:")
        print(f"{'phase':<34} {'answers':<60}")

        def phase(name, seconds=None):
            start = time.monotonic()
            if seconds:
                time.sleep(seconds)
            end = time.monotonic()
            print(f"{name:<34} {describe(load.between(start, end))}")
            return start, end

        def recover(name, since):
            """Wait out the recovery window; return the seconds it took the failures to stop."""
            time.sleep(RECOVERY_SECONDS + 1)
            end = time.monotonic()
            last = load.last_failure(since, end)
            took = 0.0 if last is None else last - since
            label = f"  {name} back, next {RECOVERY_SECONDS + 1} s"
            answers = describe(load.between(since, end))
            print(f"{label:<34} {answers}; failures stopped after {took:.1f} s")
            if took > RECOVERY_SECONDS:
                misses.append(f"{name}: failures went on {took:.1f} s after it came back")
            return took

        phase("all up", 2)
        start = time.monotonic()
        postgresql.stop()
        phase("PostgreSQL stopped", OUTAGE_SECONDS)
        postgresql.start()
        back = time.monotonic()
        recover("PostgreSQL", back)
        database_window = (start, back + RECOVERY_SECONDS)

        redis_start = time.monotonic()
        redis.stop()
        phase("Redis stopped", OUTAGE_SECONDS)
        redis.start()
        recover("Redis", time.monotonic())
        redis_window = (redis_start, time.monotonic())

        pid = servers[0].kill_a_worker()
        kill = time.monotonic()
        print(f"{'worker ' + str(pid) + ' of ' + servers[0].name + ' killed':<34}")
        recover("worker", kill)
        phase("all up again", 2)

    statuses = load.between(0, time.monotonic())
    if statuses[500]:
        misses.append(f"{statuses[500]} answers were 500")
    outside = [
        (at, status)
        for at, _, status in load.answers
        if status == 503 and not database_window[0] <= at <= database_window[1]
    ]
    if outside:
        misses.append(f"{len(outside)} answers were 503 while the database was up")
    during_redis = load.between(*redis_window)
    failed = sum(
        n for status, n in during_redis.items() if not (isinstance(status, int) and status < 400)
    )
    if failed:
        misses.append(f"{failed} answers failed while only Redis was down or coming back")
    print(f"{'whole run':<34} {describe(statuses)}")
    return misses


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg-data", help="the data folder of a running cluster to use")
    parser.add_argument("--pg-port", type=int, help="its port")
    parser.add_argument(
        "--port",
        type=int,
        help="first of four loopback ports: two servers, Redis, the object store",
    )
    options = parser.parse_args()
    if not (PostgreSQL.available() and Redis.available()):
        print(
            "skipped: needs PostgreSQL and redis-server (apt-get install postgresql redis-server)"
        )
        return 0

    ports = (
        [options.port + n for n in range(4)] if options.port else [spare_port() for _ in range(4)]
    )
    started = time.monotonic()
    with contextlib.ExitStack() as stack:
        postgresql = PostgreSQL(options.pg_port or spare_port(), options.pg_data)
        stack.callback(postgresql.close)
        postgresql.create_database(DATABASE)
        redis = Redis(ports[2])
        stack.callback(redis.stop)
        store = ObjectStore(ports[3])
        stack.callback(store.stop)
        env = production_env(postgresql.url(DATABASE), redis.url(), **store.env())
        set_up_site(env)
        print(f"PostgreSQL, Redis and the database ready in {time.monotonic() - started:.0f} s")
        log_path = Path(tempfile.mkdtemp(prefix="qualsite-faults-")) / "servers.log"
        log = stack.enter_context(log_path.open("w"))
        servers = [
            Gunicorn(env, port, workers=2, name=f"server {n}", log=log)
            for n, port in enumerate(ports[:2], 1)
        ]
        for server in servers:
            stack.callback(server.stop)
        print(f"two gunicorn servers (:{ports[0]}, :{ports[1]}, 2 workers each) sharing "
              f"PostgreSQL :{postgresql.port}, Redis :{redis.port} and the object store "
              f":{store.port}")  # fmt: skip
        truth = one_truth(env, *servers)
        misses = [] if truth else ["the edit was not seen at once everywhere"]
        if not one_store(env, *servers):
            misses.append("the upload was not seen and served at once by the other server")
        misses += faults(servers, postgresql, redis)
        log.flush()
        logged = log_path.read_text()
        tracebacks = logged.count("Traceback (most recent call last)")
        print(
            f"servers' log ({log_path}): {len(logged.splitlines())} lines, {tracebacks} tracebacks"
        )
        if tracebacks:
            misses.append(f"the servers logged {tracebacks} tracebacks")
    print(f"\n{time.monotonic() - started:.0f} s in all")
    for miss in misses:
        print(f"MISSED: {miss}")
    print("two servers, one truth, faults survived" if not misses else "")
    return 1 if misses else 0


if __name__ == "__main__":
    sys.exit(main())
