"""Staff edit a qualification in the admin, in a real browser, under the site's strict CSP."""

import pytest

from qualifications.models import Qualification
from tests.conftest import SEED_SLUG
from tests.factories import EmployerFactory

pytestmark = pytest.mark.browser


@pytest.fixture
def staff_visit(staff_tab):
    return staff_tab("editor")


def test_staff_pick_a_supporting_employer_with_autocomplete_and_save(staff_visit):
    EmployerFactory(name="Nottinghamshire Fire and Rescue Service")
    qualification = Qualification.objects.get(slug=SEED_SLUG)
    visit = staff_visit

    visit.open(f"/admin/qualifications/qualification/{qualification.pk}/change/")
    visit.page.click("#employer_supports-group .add-row a")
    visit.page.click("#employer_supports-group tr.dynamic-employer_supports .select2-selection")
    visit.page.keyboard.type("nottingham")
    visit.page.click(".select2-results__option >> text=Nottinghamshire Fire and Rescue Service")
    with visit.page.expect_navigation():
        visit.page.click("input[name=_save]")

    assert "was changed successfully" in visit.page.inner_text(".messagelist")
    names = [employer.name for employer in qualification.supporting_employers.all()]
    assert "Nottinghamshire Fire and Rescue Service" in names
    # The admin's own scripts and styles run under the same policy as the public site.
    assert [error for error in visit.console_errors if "Content Security Policy" in error] == []
