"""Throughput of the seed qualification's page and factsheet under gunicorn, next to /healthz.

Starts gunicorn on a spare port against a throwaway SQLite database with production settings,
fires requests from a few client threads over keep-alive connections, and prints requests per
second and latency percentiles for each address. Then times one factsheet render in-process next
to WeasyPrint rendering the same text unstyled.

    .venv/bin/python bench/pages.py [--seconds 5] [--clients 4] [--workers 2]
"""

import argparse
import contextlib
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = "/qualifications/interpersonal-mediation-level-4/"
PATHS = ["/healthz", SEED, SEED + "factsheet.pdf", "/"]


def spare_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def production_env(workdir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return env | {
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "benchmark-only-" + "s" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "DATABASE_URL": f"sqlite:///{workdir}/bench.sqlite3",
        "DJANGO_STATIC_ROOT": f"{workdir}/static",
        "DJANGO_SETTINGS_MODULE": "qualsite.settings",
    }


def manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args, "--verbosity", "0"], cwd=ROOT, env=env, check=True
    )


def hammer(port, path, seconds, clients):
    """Return (requests per second, latencies in ms) for `path` over `seconds`."""
    latencies, lock = [], threading.Lock()
    deadline = time.perf_counter() + seconds

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port)
        mine = []
        while (start := time.perf_counter()) < deadline:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            mine.append((time.perf_counter() - start) * 1000)
        connection.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def measure(port, path, seconds, clients):
    """Warm `path` up, then return its (requests per second, p50 ms, p95 ms)."""
    hammer(port, path, 0.3, 1)
    rate, latencies = hammer(port, path, seconds, clients)
    return rate, statistics.median(latencies), statistics.quantiles(latencies, n=20)[-1]


def wait_until_up(port, process):
    # A minute: on a busy machine, loading Django and WeasyPrint can take a good part of it.
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


@contextlib.contextmanager
def serve(env, workers):
    """Set up the database in `env` with the seed, run gunicorn on a spare port; yield the port."""
    manage(env, "migrate", "--noinput")
    manage(env, "load_seed")
    manage(env, "collectstatic", "--noinput")
    port = spare_port()
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--config",
            "gunicorn.conf.py",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
            "--max-requests",
            "0",
            # gunicorn's control socket has one path per user by default: a second server (the
            # catalogue benchmark runs two) would take it over from the first.
            "--no-control-socket",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(port, gunicorn)
        yield port
    finally:
        gunicorn.terminate()
        gunicorn.wait()


def render_times(env, repeats=5):
    """Median seconds for the factsheet render and for WeasyPrint with the same text unstyled."""
    script = f"""
import statistics, time, django
django.setup()
from weasyprint import HTML
from django.utils.html import strip_tags
from qualifications.factsheets import render_factsheet
from qualifications.models import Qualification
from django.template.loader import render_to_string
q = Qualification.objects.for_detail_page().get(slug="interpersonal-mediation-level-4")
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
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    styled, unstyled = (float(x) for x in output.split())
    return styled, unstyled


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as workdir:
        env = production_env(workdir)
        with serve(env, options.workers) as port:
            print(
                f"gunicorn, {options.workers} sync workers, SQLite; {options.clients} client "
                f"threads for {options.seconds:g} s per address, on {os.cpu_count()} CPUs"
            )
            print(f"{'address':<60} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8}  vs /healthz")
            floor = None
            for path in PATHS:
                rate, p50, p95 = measure(port, path, options.seconds, options.clients)
                floor = floor or rate
                print(f"{path:<60} {rate:8.0f} {p50:8.1f} {p95:8.1f}  {rate / floor:6.0%}")
        styled, unstyled = render_times(env)
        print(
            f"factsheet render: {styled * 1000:.0f} ms; WeasyPrint, same text unstyled: "
            f"{unstyled * 1000:.0f} ms ({styled / unstyled:.1f}x)"
        )


if __name__ == "__main__":
    main()
