"""A bounded load run: visitors reading the catalogue, searching, reading pages and downloading
factsheets, all at once, under gunicorn on loopback.

Sets up a throwaway site with the seed and --qualifications synthetic ones, on SQLite and the
default shared cache, or (--production) on a throwaway PostgreSQL and Redis; then wrk (Debian's)
asks for a mix of addresses in turn for --seconds and prints throughput, p50/p90/p99 latency and
the answers by status (target: none but 2xx). Bounded: one run of --seconds, loopback only.

    .venv/bin/python bench/load.py [--seconds 15] [--connections 16] [--production]
"""

import argparse
import contextlib
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    BROWSER_HEADERS,
    SEED,
    Gunicorn,
    PostgreSQL,
    Redis,
    describe,
    get,
    manage,
    production_env,
    set_up_site,
    spare_port,
    wrk,
)

SYNTHETIC_SLUG = "synthetic-{:05d}"


def mix(qualifications):
    """The addresses the visitors ask for, in turn: for every factsheet, about three catalogue
    pages or searches and five qualification pages."""
    pages = [f"/qualifications/{SYNTHETIC_SLUG.format(n)}/" for n in range(1, qualifications + 1)]
    catalogue = ["/", "/?page=2", "/?q=mediation", "/?q=level+3", "/?q=care+worker", "/?page=5"]
    factsheets = [SEED + "factsheet.pdf", pages[0] + "factsheet.pdf", pages[1] + "factsheet.pdf"]
    paths = []
    for n in range(max(len(pages), 12)):
        paths += [SEED, pages[n % len(pages)], catalogue[n % len(catalogue)]]
        paths += [pages[(n * 7) % len(pages)], catalogue[(n + 3) % len(catalogue)], SEED]
        if n % 2 == 0:
            paths.append(factsheets[(n // 2) % len(factsheets)])
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--qualifications", type=int, default=200, help="synthetic ones")
    parser.add_argument("--workers", type=int, help="default: gunicorn.conf.py's")
    parser.add_argument("--production", action="store_true", help="PostgreSQL and Redis")
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        print("skipped: needs wrk (apt-get install wrk)")
        return 0

    with tempfile.TemporaryDirectory() as workdir, contextlib.ExitStack() as stack:
        if options.production:
            postgresql = PostgreSQL(spare_port())
            stack.callback(postgresql.close)
            postgresql.create_database("qualsite_load")
            redis = Redis(spare_port())
            stack.callback(redis.stop)
            database_url, cache_url = postgresql.url("qualsite_load"), redis.url()
        else:
            database_url = f"sqlite:///{workdir}/load.sqlite3"
            cache_url = f"filecache://{workdir}/cache"
        env = production_env(database_url, cache_url, DJANGO_STATIC_ROOT=f"{workdir}/static")
        set_up_site(env)
        manage(env, "generate_synthetic_qualifications", "--count", str(options.qualifications))
        server = Gunicorn(env, spare_port(), workers=options.workers)
        stack.callback(server.stop)
        paths = mix(options.qualifications)
        # Every address once first: the run measures a site in service, whose pages and
        # factsheets were rendered when first asked for, not a cold start.
        for path in dict.fromkeys(paths):
            get(server.port, path, BROWSER_HEADERS, timeout=60)
        print(
            f"gunicorn, {len(server.workers())} workers, "
            f"{'PostgreSQL and Redis' if options.production else 'SQLite and a file cache'}, "
            f"{options.qualifications + 1} qualifications; wrk, {options.connections} "
            f"connections for {options.seconds:g} s over {len(set(paths))} addresses "
            f"(catalogue, searches, pages, factsheets), each asked for once before"
        )
        result = wrk(server.port, paths, options.seconds, options.connections)
        print(
            f"{result['rate']:.0f} req/s; latency p50 {result['p50']:.1f} ms, "
            f"p90 {result['p90']:.1f} ms, p99 {result['p99']:.1f} ms"
        )
        print(
            f"answers by status: {describe(result['statuses'])}; socket errors: {result['errors']}"
        )
        failed = result["non_2xx"] + result["errors"]
        print(f"non-2xx: {result['non_2xx']}" + ("" if not failed else "  MISSED: target none"))
        return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
