import sys
from pathlib import Path

from django.core.management import BaseCommand, CommandError
from tqdm import tqdm

from qualifications import register


class Command(BaseCommand):
    help = (
        "Imports qualifications from the Ofqual Register's data set CSV. The whole file is "
        "checked first: a rejected row stops the import, and nothing is written. New "
        "qualifications are created as drafts; existing ones (matched by qualification number) "
        "get only the Register's facts, never the text staff wrote. Running the same file "
        "again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the Register's CSV file")
        parser.add_argument(
            "--organisation",
            metavar="ACRONYM",
            default="",
            help="import only the rows of this awarding organisation (its Register acronym)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="say what would be created, changed and rejected, and write nothing",
        )

    def handle(self, *args, file, organisation, dry_run, verbosity, **options):
        path = Path(file)
        try:
            with path.open("rb") as opened:
                data = register.read_file(opened)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror or error}.") from None
        if isinstance(data, register.Problem):
            raise CommandError(str(data))

        # The bar goes to stderr, and only to a terminal: a log file gets the summary alone.
        show_bar = verbosity > 0 and sys.stderr.isatty()

        def progress(iterable, total=None, desc=""):
            return tqdm(iterable, total=total, desc=desc, disable=not show_bar)

        plan = register.plan_import(data, path.name, organisation=organisation, progress=progress)
        self.report(plan, verbosity)
        if plan.problem:
            raise CommandError(str(plan.problem))
        if plan.rejected:
            raise CommandError(
                f"Nothing was imported: {len(plan.rejected)} problem"
                f"{'s' if len(plan.rejected) != 1 else ''} in the file. Fix them and run it again."
            )
        if dry_run:
            self.stdout.write(f"Dry run, nothing written. Would be: {plan.summary()}.")
            return
        register.apply_import(plan, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Imported {path.name}: {plan.summary()}."))

    def report(self, plan, verbosity):
        for note in plan.notes:
            self.stderr.write(note)
        if plan.ignored_columns and verbosity > 0:
            self.stdout.write("Columns not read: " + ", ".join(plan.ignored_columns) + ".")
        if plan.missing_columns and verbosity > 0:
            self.stdout.write(
                "Columns not in the file (those facts are left as they are): "
                + ", ".join(plan.missing_columns)
                + "."
            )
        for problem in plan.rejected:
            self.stderr.write(f"Rejected {problem}")
        if verbosity > 1:
            for row in plan.created:
                self.stdout.write(f"New: {row.qualification_number} {row.title}")
            for row in plan.updated:
                for change in row.changes:
                    self.stdout.write(
                        f"Changed: {row.qualification_number} {change.label}: "
                        f"“{change.old}” → “{change.new}”"
                    )
