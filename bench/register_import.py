"""Time and peak memory of importing 20,000 Ofqual Register rows, then the same file again.

Writes a Register CSV of generated rows (clearly synthetic: titles “[Synthetic] …”, qualification
numbers from 900/0000/0, awarded by “Synthetic Awarding Organisation”), migrates a throwaway
SQLite database with production settings, and imports the file three times, each in a fresh
process as `manage.py import_register` would run: into an empty catalogue (every row created),
the same file again (nothing changes), and a file in which every row's facts changed (every row
updated). For each it prints the wall time of planning and writing, the CPU time of the whole
process (which a machine busy with other work does not inflate), and the process's peak resident
memory (Python, Django and the database driver included). Targets on this machine:
under 60 s and under 200 MB for the first import, under 20 s for the second.

    .venv/bin/python bench/register_import.py [--rows 20000] [--database-url postgres://…/scratch]

--database-url runs it on another database instead, e.g. PostgreSQL: give it an empty database
you can throw away (the synthetic qualifications are deleted at the end, their versions kept).
"""

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, manage, throwaway_env

ROWS = 20_000
TARGETS = {"created": (60, 200), "unchanged": (20, 200), "updated": (60, 200)}


def write_register_file(path, rows, changed=False):
    """A Register CSV of `rows` synthetic qualifications; `changed` alters every row's facts."""
    from qualifications.register import HEADINGS

    subjects = ["Law and legal services", "Health and social care", "Business management"]
    kinds = ["Award in", "Certificate in", "Diploma in"]
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(HEADINGS)
        for n in range(rows):
            level = 1 + n % 7
            hours = 30 + n % 200 + (5 if changed else 0)
            writer.writerow(
                [
                    f"{900 + n // 100_000:03d}/{n // 10 % 10_000:04d}/{n % 10}",
                    f"[Synthetic] Level {level} {kinds[n % 3]} Topic {n:05d}",
                    "RN9999",
                    "Synthetic Awarding Organisation",
                    "SYNTH",
                    f"Level {level}",
                    "None",
                    "Other Vocational Qualification",
                    str(hours // 10),
                    subjects[n % 3],
                    "No longer available" if changed else "Available to learners",
                    "01/09/2020",
                    "01/10/2020",
                    "31/08/2030",
                    "31/08/2032",
                    str(hours - 10),
                    str(hours + 10),
                    str(hours * 2),
                    str(hours),
                    "Yes",
                    "Pass/Merit/Distinction" if n % 2 else "Pass/Fail",
                    "Portfolio, multiple choice examination",
                    f"https://example.org/specifications/{n:05d}.pdf",
                ]
            )


def child(path):
    """Import `path` in this process; print seconds, peak memory and counts as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from qualifications import register

    start = time.perf_counter()
    with open(path, "rb") as file:
        data = register.read_file(file)
    plan = register.plan_import(data, Path(path).name)
    planned = time.perf_counter()
    assert plan.can_import, plan.problem or plan.rejected[:3]
    register.apply_import(plan)
    done = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    peak_kb = usage.ru_maxrss  # kilobytes on Linux
    print(
        json.dumps(
            {
                "plan": planned - start,
                "write": done - planned,
                "peak_mb": peak_kb / 1024,
                # Django's start-up included: a figure that a busy machine does not inflate.
                "cpu": usage.ru_utime + usage.ru_stime,
                "counts": plan.counts(),
            }
        )
    )


def run(env, path):
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        sys.exit(f"The import failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--database-url", help="an empty scratch database instead of SQLite")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        return child(options.child)

    with tempfile.TemporaryDirectory() as workdir:
        env = throwaway_env(workdir, options.database_url)
        database = options.database_url.split(":", 1)[0] if options.database_url else "SQLite"
        manage(env, "migrate", "--noinput")
        # The importer's own headings, read with the same settings as the runs.
        import django

        os.environ.update(env)
        sys.path.insert(0, str(ROOT))
        django.setup()
        first, changed = Path(workdir, "register.csv"), Path(workdir, "register-changed.csv")
        write_register_file(first, options.rows)
        write_register_file(changed, options.rows, changed=True)
        size_mb = first.stat().st_size / 1e6
        print(
            f"Register import: {options.rows:,} rows ({size_mb:.1f} MB), throwaway {database} "
            f"database, {os.cpu_count()} CPUs, each run a fresh process"
        )
        print(f"{'run':<20} {'plan s':>7} {'write s':>8} {'total s':>8} {'CPU s':>6} "
              f"{'peak MB':>8}  counts (target)")  # fmt: skip
        try:
            for label, path, kind in [
                ("first import", first, "created"),
                ("same file again", first, "unchanged"),
                ("every row changed", changed, "updated"),
            ]:
                figures = run(env, path)
                total = figures["plan"] + figures["write"]
                seconds, megabytes = TARGETS[kind]
                counts = figures["counts"]
                verdict = "ok" if total < seconds and figures["peak_mb"] < megabytes else "MISSED"
                print(
                    f"{label:<20} {figures['plan']:>7.1f} {figures['write']:>8.1f} {total:>8.1f} "
                    f"{figures['cpu']:>6.1f} {figures['peak_mb']:>8.0f}  {counts[kind]:,} {kind} "
                    f"(< {seconds} s, < {megabytes} MB: {verdict})"
                )
            load = os.getloadavg()[0]
            print(f"Load average at the end: {load:.1f} on {os.cpu_count()} CPUs.")
        finally:
            if options.database_url:
                manage(env, "generate_synthetic_qualifications", "--delete")


if __name__ == "__main__":
    main()
