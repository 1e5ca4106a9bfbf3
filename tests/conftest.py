import datetime
import os
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from qualifications.choices import FeeKind, FeePer, FeeVat
from qualifications.models import Qualification

from .factories import AudienceFactory, FeeLineFactory, QualificationFactory

SEED_SLUG = "interpersonal-mediation-level-4"
# What a kept rendering is kept under: a qualification's version, or the catalogue's.
KEPT_VERSION_QUERIES = 1
# A new catalogue version (services.catalogue_changed): when it next changes by itself, one
# look-up in an index for each of the go-live, withdrawal, certification end, fee start and fee
# end dates, then its upsert.
NEW_CATALOGUE_VERSION_QUERIES = 6

# Property-based tests (test_bad_input.py): few enough examples to keep the suite fast; each runs
# against function-scoped fixtures (the client, the seed) that hold nothing an example changes.
# HYPOTHESIS_PROFILE=thorough tries many more.
hypothesis_settings.register_profile(
    "qualsite",
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
hypothesis_settings.register_profile(
    "thorough", hypothesis_settings.get_profile("qualsite"), max_examples=500
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "qualsite"))

# Every public page the accessibility and structure checks cover, by a name the browser tests'
# screenshots are filed under.
PAGES = {
    "catalogue": "/",
    "search-with-results": "/?q=mediation",
    "search-with-no-results": "/?q=zzzz",
    "search-with-a-suggestion": "/?q=counciling",
    "filter-with-no-results": "/?level=2",
    "qualification": f"/qualifications/{SEED_SLUG}/",
    "qualification-with-fees": "/qualifications/fee-carpentry/",
    "catalogue-offered-in-wales": "/?offered_in=wales",
    "not-found": "/qualifications/no-such-qualification/",
    # Made by factories.units_qualification(), beside the seed.
    "qualification-with-units": "/qualifications/workplace-conflict-units-level-3/",
    "unit": "/units/T/617/4242/",
    "structure-checker": "/qualifications/workplace-conflict-units-level-3/structure/",
    "structure-checker-answer": (
        "/qualifications/workplace-conflict-units-level-3/structure/?unit=T/617/4242&unit=WCU-1"
    ),
}


def qualification_with_fees():
    """The qualification PAGES shows with fees, age ranges, where it is offered and funding."""
    qualification = QualificationFactory(
        title="Fee Carpentry Level 3 Certificate",
        slug="fee-carpentry",
        approved_16_to_18=True,
        approved_19_plus=True,
        welsh_medium=True,
        offered_in_england=True,
        offered_in_wales=True,
        advanced_learner_loans=True,
    )
    AudienceFactory(qualification=qualification)
    FeeLineFactory(qualification=qualification, amount=Decimal("1234.50"))
    FeeLineFactory(
        qualification=qualification,
        kind=FeeKind.LEARNER,
        description="Resit of one unit",
        amount=Decimal("45"),
        per=FeePer.UNIT,
        vat=FeeVat.INCLUDED,
    )
    FeeLineFactory(
        qualification=qualification,
        kind=FeeKind.CENTRE,
        description="Centre approval",
        amount=Decimal("300"),
        per=FeePer.YEAR,
        vat=FeeVat.NOT_APPLICABLE,
        ends_on=datetime.date(2099, 8, 31),
    )
    return qualification


def clear_caches():
    """Empty the shared cache and this process's own."""
    for alias in settings.CACHES:
        caches[alias].clear()


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached, as a fresh server would."""
    clear_caches()


@pytest.fixture
def seed(db):
    """The seed qualification, loaded from the real fixture."""
    call_command("load_seed", verbosity=0)
    return Qualification.objects.get(slug=SEED_SLUG)


@pytest.fixture
def roles(db):
    """The Editor and Publisher groups, made as migrations 0007 and 0008 make them: a
    transactional test (the browser's) empties every table, groups included, when it ends."""
    import_module("qualifications.migrations.0007_editor_and_publisher_roles").create_roles(
        apps, None
    )
    import_module("qualifications.migrations.0008_publishers_unlock_sign_in").grant(apps, None)
    import_module("qualifications.migrations.0034_fees_access_funding").grant(apps, None)
    import_module("qualifications.migrations.0035_units").grant(apps, None)
    import_module("qualifications.migrations.0036_documents").grant(apps, None)


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''}".strip()


@pytest.fixture
def media_root(settings, tmp_path):
    """Documents stored on the local disk, in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root):
    """The files under `root` (a Path), as paths relative to it."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def staff_client(role, username):
    """A client signed in as a new member of staff in `role` (Editor or Publisher)."""
    user = User.objects.create_user(
        username,
        email=f"{username}@example.org",
        password="unused-password-1",
        is_staff=True,
        first_name=username.title(),
    )
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def editor(roles):
    return staff_client("Editor", "edna")


@pytest.fixture
def publisher(roles):
    return staff_client("Publisher", "pablo")
