"""What review costs staff: the seed's change form opened and saved through gunicorn (production
settings, one worker), with and without a pending change, and the review page and its publish
step, beside /healthz. A pending change is written over the live rows and rolled back each time
it is shown, so opening its form costs more than opening a form without one: this says how much.

    .venv/bin/python bench/reviews.py [--repeats 20] [--database-url postgres://…/scratch]
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import ROOT, get, serve, throwaway_env
from harness.admin import Staff

SEED = "interpersonal-mediation-level-4"
FORM = "qualifications/qualification"
STAFF = f"""
import django
django.setup()
from django.contrib.auth.models import Group, User
from qualifications.models import Qualification
for name, group in [("bench-editor", "Editor"), ("bench-publisher", "Publisher")]:
    user = User.objects.create_user(name, name + "@example.org", "bench-password-1", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
print(Qualification.objects.get(slug="{SEED}").pk)
"""


def timed(repeats, action):
    """The median and the slowest of `repeats` runs of `action()`, in milliseconds, after one run
    to warm up."""
    action()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--database-url", help="an empty database to throw away")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        env = throwaway_env(workdir, args.database_url)
        with serve(env, workers=1) as port:
            made = subprocess.run(
                [sys.executable, "-c", STAFF], cwd=ROOT, env=env, check=True, capture_output=True
            )
            pk = int(made.stdout.split()[-1])
            editor = Staff(port, "bench-editor", "bench-password-1")
            publisher = Staff(port, "bench-publisher", "bench-password-1")
            change = f"/admin/{FORM}/{pk}/change/"
            review = f"/admin/{FORM}/{pk}/review/"
            rows = [("/healthz", timed(args.repeats, lambda: get(port, "/healthz")))]
            rows.append(("form, nothing pending", timed(args.repeats, lambda: editor.open(change))))
            counter = iter(range(10**6))
            rows.append(
                (
                    "Editor's save, kept for review",
                    timed(
                        args.repeats,
                        lambda: editor.edit(FORM, pk, employer_statement=f"Edit {next(counter)}"),
                    ),
                )
            )
            rows.append(
                ("form, a change pending", timed(args.repeats, lambda: editor.open(change)))
            )
            rows.append(("review page", timed(args.repeats, lambda: publisher.open(review))))

            def publish():
                editor.edit(FORM, pk, employer_statement=f"Edit {next(counter)}")
                publisher.step(review, "publish")

            rows.append(("Editor's save, then publish", timed(args.repeats, publish)))
            print(f"gunicorn, 1 worker, {env['DATABASE_URL'].split(':')[0]}; {args.repeats} each")
            print(f"{'':32} {'median ms':>10} {'slowest ms':>11}")
            for name, (median, slowest) in rows:
                print(f"{name:32} {median:10.1f} {slowest:11.1f}")


if __name__ == "__main__":
    main()
