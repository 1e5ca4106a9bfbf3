"""Catalogue listing and search timings at 100, 1,000 and 10,000 qualifications, next to /healthz.

Starts gunicorn on a spare port against a throwaway SQLite database with production settings (the
same set-up as bench/pages.py), loads the seed qualification and tops the catalogue up with
synthetic ones (`generate_synthetic_qualifications`) to each size in turn. At each size it sends
requests over HTTP for a few seconds per address and prints requests per second and latency
percentiles, then a summary of median latencies across the sizes.

    .venv/bin/python bench/catalogue.py [--seconds 2] [--clients 1] [--workers 1]
        [--sizes 100,1000,10000] [--database-url postgres://…/scratch]

--database-url runs it on another database instead, e.g. PostgreSQL to see production's search:
give it an empty database you can throw away (its synthetic qualifications are deleted at the end).
"""

import argparse
import os
import tempfile

from pages import manage, measure, production_env, serve

SIZES = [100, 1_000, 10_000]


def addresses(size):
    """(label, path) pairs: the floor, listing, a deep page, a filter, then searches."""
    middle_page = max(1, size // 20 // 2)
    return [
        ("/healthz (floor)", "/healthz"),
        ("list: first page", "/"),
        ("list: middle page", f"/?page={middle_page}"),
        ("filter: level 3", "/?level=3"),
        ("search: one word, many hits", "/?q=management"),
        ("search: two words", "/?q=team+leader"),
        ("search: the seed's role", "/?q=family+mediator"),
        ("search: number", "/?q=601%2F4433%2F6"),
        ("search + filter + page 2", "/?q=synthetic&level=3&page=2"),
        ("search: no match", "/?q=zzzz"),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2)
    parser.add_argument("--clients", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--sizes", type=lambda text: [int(n) for n in text.split(",")], default=SIZES
    )
    parser.add_argument("--database-url", help="an empty scratch database instead of SQLite")
    options = parser.parse_args()

    medians = {}  # label -> {size: ms}
    with tempfile.TemporaryDirectory() as workdir:
        env = production_env(workdir)
        if options.database_url:
            env["DATABASE_URL"] = options.database_url
        database = options.database_url.split(":", 1)[0] if options.database_url else "SQLite"
        try:
            with serve(env, options.workers) as port:
                print(
                    f"Catalogue under gunicorn over HTTP: {options.workers} sync worker(s), "
                    f"{options.clients} client thread(s), {options.seconds:g} s per address, "
                    f"throwaway {database} database, {os.cpu_count()} CPUs"
                )
                published = 1  # the seed
                for size in options.sizes:
                    if size > published:
                        manage(
                            env,
                            "generate_synthetic_qualifications",
                            "--count",
                            str(size - published),
                        )
                        published = size
                    print(f"\n{size:,} published qualifications")
                    print(f"{'address':<34} {'path':<32} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}  "
                          "vs /healthz")  # fmt: skip
                    floor = None
                    for label, path in addresses(size):
                        rate, p50, p95 = measure(port, path, options.seconds, options.clients)
                        floor = floor or rate
                        medians.setdefault(label, {})[size] = p50
                        print(
                            f"{label:<34} {path:<32} {rate:7.0f} {p50:7.1f} {p95:7.1f}  "
                            f"{rate / floor:6.0%}"
                        )
        finally:
            if options.database_url:
                manage(env, "generate_synthetic_qualifications", "--delete")

    print("\nMedian latency in ms, by number of qualifications")
    print(f"{'address':<34}" + "".join(f"{size:>10,}" for size in options.sizes))
    for label, by_size in medians.items():
        print(f"{label:<34}" + "".join(f"{by_size[size]:10.1f}" for size in options.sizes))


if __name__ == "__main__":
    main()
