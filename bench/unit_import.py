"""Time and peak memory of importing 20,000 unit rows, then the same file again, then every unit
changed.

Imports clearly synthetic qualifications first (titles “[Synthetic] …”, numbers from 900/0000/0,
with the Register import), then a unit CSV giving each of them 40 units in four groups (A all,
B at least 6 credits, C 2 to 4 units, D at least 3 credits; two qualifications share each set of
40 units, so 20,000 rows hold 10,000 units), each run in a fresh process as `manage.py
import_units` would run: into qualifications without units (every structure and unit created),
the same file again (nothing changes), and a file in which every unit's title changed (every
unit updated and versioned, every qualification re-indexed). Prints the wall time of planning
and writing, the CPU time and the peak resident memory of the whole process. Targets on this
machine: under 60 s and under 200 MB.

    .venv/bin/python bench/unit_import.py [--rows 20000] [--database-url postgres://…/scratch]
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
UNITS_EACH = 40
TARGET_SECONDS, TARGET_MB = 60, 200
GROUPS = [("A", "all", 10), ("B", "min 6 credits", 10), ("C", "min 2 max 4 units", 10)]
GROUPS += [("D", "min 3 credits", 10)]


DELETE_UNITS = """
import django
django.setup()
from qualifications.models import Unit, UnitMembership
UnitMembership.objects.filter(unit__title__startswith="[Synthetic]").delete()
Unit.objects.filter(title__startswith="[Synthetic]").delete()
"""


def number(n):
    return f"{900 + n // 10_000:03d}/{n % 10_000:04d}/{n % 10}"


def write_register_file(path, qualifications):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                *("Qualification Number", "Qualification Title", "Owner Organisation Name"),
                *("Qualification Level", "Total Credits"),
            ]
        )
        for n in range(qualifications):
            title = f"[Synthetic] Units Topic {n:05d}"
            writer.writerow([number(n), title, "Synthetic Awarding Organisation", "Level 3", "45"])


def write_unit_file(path, qualifications, changed=False):
    with open(path, "w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(
            [
                *("Qualification Number", "Group", "Group Rule", "Unit Reference Number"),
                *("Unit Title", "Unit Level", "Credit Value", "Guided Learning Hours"),
            ]
        )
        for n in range(qualifications):
            k = n // 2 * UNITS_EACH  # two qualifications share each set of units
            for group, rule, count in GROUPS:
                for _ in range(count):
                    title = f"[Synthetic] Unit {k:05d}" + (" revised" if changed else "")
                    reference = f"Y/{900 + k // 10_000:03d}/{k % 10_000:04d}"
                    writer.writerow([number(n), group, rule, reference, title, "Level 3", 3, 20])
                    k += 1


def child(mode, path):
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from qualifications import register, unit_import

    module = register if mode == "register" else unit_import
    start = time.perf_counter()
    with open(path, "rb") as file:
        data = module.read_file(file)
    plan = module.plan_import(data, Path(path).name)
    planned = time.perf_counter()
    assert plan.can_import, plan.problem or [str(p) for p in plan.rejected[:3]]
    module.apply_import(plan)
    done = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    print(
        json.dumps(
            {
                "plan": planned - start,
                "write": done - planned,
                "peak_mb": usage.ru_maxrss / 1024,
                "cpu": usage.ru_utime + usage.ru_stime,
                "counts": plan.counts(),
            }
        )
    )


def run(env, mode, path):
    result = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)],
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
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.child:
        return child(*options.child)

    qualifications = options.rows // UNITS_EACH
    with tempfile.TemporaryDirectory() as workdir:
        env = throwaway_env(workdir, options.database_url)
        database = options.database_url.split(":", 1)[0] if options.database_url else "SQLite"
        manage(env, "migrate", "--noinput")
        registered = Path(workdir, "register.csv")
        first, changed = Path(workdir, "units.csv"), Path(workdir, "units-changed.csv")
        write_register_file(registered, qualifications)
        write_unit_file(first, qualifications)
        write_unit_file(changed, qualifications, changed=True)
        run(env, "register", registered)
        size_mb = first.stat().st_size / 1e6
        print(
            f"Unit import: {options.rows:,} rows ({size_mb:.1f} MB) for {qualifications:,} "
            f"qualifications, throwaway {database} database, {os.cpu_count()} CPUs, each run a "
            "fresh process"
        )
        print(f"{'run':<20} {'plan s':>7} {'write s':>8} {'total s':>8} {'CPU s':>6} "
              f"{'peak MB':>8}  counts (target)")  # fmt: skip
        try:
            for label, path in [
                ("first import", first),
                ("same file again", first),
                ("every unit changed", changed),
            ]:
                figures = run(env, "units", path)
                total = figures["plan"] + figures["write"]
                ok = total < TARGET_SECONDS and figures["peak_mb"] < TARGET_MB
                counts = ", ".join(f"{v:,} {k}" for k, v in figures["counts"].items() if v)
                print(
                    f"{label:<20} {figures['plan']:>7.1f} {figures['write']:>8.1f} {total:>8.1f} "
                    f"{figures['cpu']:>6.1f} {figures['peak_mb']:>8.0f}  {counts} "
                    f"(< {TARGET_SECONDS} s, < {TARGET_MB} MB: {'ok' if ok else 'MISSED'})"
                )
            print(f"Load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs.")
        finally:
            if options.database_url:
                # The synthetic units first: they keep the synthetic awarding organisation.
                subprocess.run([sys.executable, "-c", DELETE_UNITS], cwd=ROOT, env=env, check=True)
                manage(env, "generate_synthetic_qualifications", "--delete")


if __name__ == "__main__":
    main()
