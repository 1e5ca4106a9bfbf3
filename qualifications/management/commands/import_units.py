import sys
from pathlib import Path

from django.core.management import BaseCommand, CommandError
from tqdm import tqdm

from qualifications import register, unit_import


class Command(BaseCommand):
    help = (
        "Imports the units of qualifications from a CSV, one row per qualification and unit "
        "(Qualification Number, Group, Group Rule, Unit Reference Number, Unit Title, Unit "
        "Level, Credit Value, Guided Learning Hours). The whole file is checked first: a "
        "rejected row stops the import, and nothing is written. Each qualification in the file "
        "gets exactly the groups and units it gives. Running the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the unit CSV file")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what would be created, changed and rejected, and write nothing",
        )

    def handle(self, *args, file, dry_run, verbosity, **options):
        path = Path(file)
        try:
            with path.open("rb") as opened:
                data = register.read_file(opened)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        if isinstance(data, register.Problem):
            raise CommandError(str(data))
        show_bar = verbosity > 0 and sys.stderr.isatty()

        def progress(iterable, total=None, desc=""):
            return tqdm(iterable, total=total, desc=desc, disable=not show_bar)

        plan = unit_import.plan_import(data, path.name, progress=progress)
        for note in plan.notes:
            self.stderr.write(note)
        if plan.ignored_columns and verbosity > 0:
            self.stdout.write("Columns not read: " + ", ".join(plan.ignored_columns) + ".")
        if plan.problem:
            raise CommandError(str(plan.problem))
        for problem in plan.rejected:
            self.stderr.write(f"Rejected {problem}")
        if plan.rejected:
            raise CommandError(
                f"Nothing was imported: {len(plan.rejected)} problem"
                f"{'s' if len(plan.rejected) != 1 else ''} in the file. Fix them and run it again."
            )
        if verbosity > 1:
            for change in plan.unit_changes:
                self.stdout.write(
                    f"Changed: {change.address} {change.label}: “{change.old}” → “{change.new}”"
                )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written. Would be: {plan.summary()}.")
            return
        unit_import.apply_import(plan, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {plan.summary()}."))
