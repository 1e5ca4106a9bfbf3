from io import StringIO

from django.core.management import call_command

from qualifications.models import Qualification

from .conftest import SEED_SLUG


def test_migrations_match_the_models(db):
    output = StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=output)

    assert "No changes detected" in output.getvalue()


def test_load_seed_loads_once_and_never_overwrites_edits(db):
    call_command("load_seed", verbosity=0)
    Qualification.objects.filter(slug=SEED_SLUG).update(title="Edited by staff")

    call_command("load_seed", verbosity=0)

    assert Qualification.objects.get(slug=SEED_SLUG).title == "Edited by staff"
