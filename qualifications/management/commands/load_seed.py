from django.core.management import BaseCommand, call_command

from qualifications import services
from qualifications.models import Qualification

SEED_FIXTURE = "seed"
SEED_SLUG = "interpersonal-mediation-level-4"


class Command(BaseCommand):
    help = (
        "Loads the seed qualification from fixtures/seed.json, unless it is already in the "
        "database: running it again never overwrites what staff have edited."
    )

    def handle(self, *args, **options):
        if Qualification.objects.filter(slug=SEED_SLUG).exists():
            self.stdout.write("The seed qualification is already loaded.")
            return
        call_command("loaddata", SEED_FIXTURE, verbosity=options["verbosity"])
        # loaddata writes the rows as they are; the write path adds what is built from them.
        services.qualifications_saved(
            Qualification.objects.filter(slug=SEED_SLUG).values_list("pk", flat=True),
            comment="Loaded from the seed fixture.",
        )
