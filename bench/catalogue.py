"""Catalogue listing and search timings at 1,000, 10,000 and 100,000 qualifications, next to
/healthz: from the cache, and rendered on every request.

Starts gunicorn (gunicorn.conf.py, production settings, the same set-up as bench/pages.py) against a
throwaway database, loads the seed qualification and tops the catalogue up with synthetic ones
(`generate_synthetic_qualifications`) to each size in turn, then analyses the tables (VACUUM
ANALYZE on PostgreSQL, ANALYZE on SQLite) as production's autovacuum would have. At each size it
measures every address twice, each for a few seconds over HTTP, on two servers:

- cached: a repeat visit, the rendering kept in the cache;
- rendered: every request searches, counts, pages and renders (KEEP_RENDERINGS=false), with the
  filters' values kept per version of the catalogue, as by design.

It prints each address's median and p95 latency and its throughput next to /healthz's, then the
medians across sizes.

    .venv/bin/python bench/catalogue.py [--seconds 2] [--clients 1] [--workers 1]
        [--sizes 1000,10000] [--database-url postgres://…/scratch]

SQLite by default, up to 10,000 (the embedded default's scale); --database-url runs it on an
empty PostgreSQL database you can throw away, by default up to 100,000 (its synthetic
qualifications are deleted at the end).
"""

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, manage, measure, serve, throwaway_env

SQLITE_SIZES = [1_000, 10_000]
POSTGRESQL_SIZES = [1_000, 10_000, 100_000]
MODES = ("cached", "rendered")
# A search for exactly one qualification's number answers with a redirect to its page.
NUMBER_SEARCH = "/?q=601%2F4433%2F6"


def addresses(size):
    """(label, path) pairs: the floor, listing, a deep page, a filter, then searches."""
    middle_page = max(1, size // 20 // 2)
    return [
        ("/healthz (floor)", "/healthz"),
        ("list: first page", "/"),
        ("list: middle page", f"/?page={middle_page}"),
        ("filter: level 3", "/?level=3"),
        ("filter: offered in Wales", "/?offered_in=wales"),
        ("filter: Wales, page 2", "/?offered_in=wales&page=2"),
        ("search: one word, many hits", "/?q=management"),
        ("search: a word in many titles", "/?q=certificate"),
        ("search: a level", "/?q=level+3"),
        ("search: a level and a kind", "/?q=level+3+diploma"),
        ("search: two words", "/?q=team+leader"),
        ("search: the seed's role", "/?q=family+mediator"),
        ("search: number", NUMBER_SEARCH),
        ("search + filter + page 2", "/?q=synthetic&level=3&page=2"),
        ("search: misspelt", "/?q=counciling"),
        ("search: no match", "/?q=zzzz"),
    ]


def analyse(env):
    """Analyse the tables, as autovacuum would after a bulk load."""
    script = """
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--sizes", type=lambda text: [int(n) for n in text.split(",")])
    parser.add_argument("--database-url", help="an empty scratch database instead of SQLite")
    options = parser.parse_args()
    sizes = options.sizes or (POSTGRESQL_SIZES if options.database_url else SQLITE_SIZES)

    medians = {}  # (label, mode) -> {size: ms}
    with tempfile.TemporaryDirectory() as workdir:
        env = throwaway_env(workdir, options.database_url)
        database = options.database_url.split(":", 1)[0] if options.database_url else "SQLite"
        mode_envs = {
            "cached": env,
            "rendered": env | {"KEEP_RENDERINGS": "false"},
        }
        print(
            f"Catalogue under gunicorn over HTTP: {options.workers} sync worker(s), "
            f"{options.clients} client thread(s), {options.seconds:g} s per address, "
            f"throwaway {database} database, {os.cpu_count()} CPUs"
        )
        try:
            published = 1  # the seed, once the first server has loaded it
            for size in sizes:
                if size > published:
                    if published == 1:
                        with serve(env, options.workers):
                            pass  # migrate and load the seed
                    manage(
                        env, "generate_synthetic_qualifications", "--count", str(size - published)
                    )
                    published = size
                analyse(env)
                print(f"\n{size:,} published qualifications")
                print(f"{'address':<30} {'path':<30} {'mode':<9} {'req/s':>6} {'p50 ms':>7} "
                      f"{'p95 ms':>7}  vs /healthz")  # fmt: skip
                # Fresh servers at each size (adding qualifications gave the catalogue a new
                # version, so nothing kept before is served).
                with contextlib.ExitStack() as servers:
                    ports = {
                        mode: servers.enter_context(serve(mode_env, options.workers))
                        for mode, mode_env in mode_envs.items()
                    }
                    for mode in MODES:
                        floor = None
                        for label, path in addresses(size):
                            rate, p50, p95 = measure(
                                ports[mode],
                                path,
                                options.seconds,
                                options.clients,
                                status=302 if path == NUMBER_SEARCH else 200,
                            )
                            floor = floor or rate
                            medians.setdefault((label, mode), {})[size] = p50
                            print(
                                f"{label:<30} {path:<30} {mode:<9} {rate:6.0f} {p50:7.1f} "
                                f"{p95:7.1f}  {rate / floor:6.0%}"
                            )
        finally:
            if options.database_url:
                manage(env, "generate_synthetic_qualifications", "--delete")

    print(f"\nMedian latency in ms, by number of qualifications ({database})")
    print(f"{'address':<30} {'mode':<9}" + "".join(f"{size:>10,}" for size in sizes))
    for (label, mode), by_size in sorted(medians.items(), key=lambda item: item[0][1]):
        print(f"{label:<30} {mode:<9}" + "".join(f"{by_size[size]:10.1f}" for size in sizes))


if __name__ == "__main__":
    main()
