import pytest
from django.core.cache import cache
from django.core.management import call_command

from qualifications.models import Qualification

SEED_SLUG = "interpersonal-mediation-level-4"

# Every public page the accessibility and structure checks cover, by a name the browser tests'
# screenshots are filed under.
PAGES = {
    "catalogue": "/",
    "search-with-results": "/?q=mediation",
    "search-with-no-results": "/?q=zzzz",
    "search-with-a-suggestion": "/?q=counciling",
    "filter-with-no-results": "/?level=2",
    "qualification": f"/qualifications/{SEED_SLUG}/",
    "not-found": "/qualifications/no-such-qualification/",
}


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached, as a fresh server would."""
    cache.clear()


@pytest.fixture
def seed(db):
    """The seed qualification, loaded from the real fixture."""
    call_command("loaddata", "seed", verbosity=0)
    return Qualification.objects.get(slug=SEED_SLUG)


def pytest_report_header(config):
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or ''}".strip()
