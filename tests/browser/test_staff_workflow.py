"""An editor writes a qualification and previews it but cannot publish it; a publisher does; an
edit is undone by restoring the earlier version. In Debian's Chromium, under the strict CSP."""

import pytest

from qualifications.models import Qualification
from tests.factories import EmployerFactory

pytestmark = pytest.mark.browser

CHANGELIST = "/admin/qualifications/qualification/"
TITLE = "Workplace Mediation Level 3 Certificate"
FIRST_OVERVIEW = "Covers how to mediate between colleagues at work."


def pick(page, field, typed, choice):
    """Choose `choice` in the admin's autocomplete for `field` (a CSS selector of its row)."""
    page.click(f"{field} .select2-selection")
    page.keyboard.type(typed)
    page.click(f".select2-results__option >> text={choice}")


def save(page):
    with page.expect_navigation():
        page.click("input[name=_save]")
    return page.inner_text(".messagelist")


def test_editor_writes_publisher_publishes_and_undoes_an_edit(staff_tab):
    EmployerFactory(name="Moat Housing")
    editor = staff_tab("edna", role="Editor")
    page = editor.page

    editor.open(f"{CHANGELIST}add/")
    assert page.locator("#id_status").count() == 0
    page.fill("#id_title", TITLE)
    pick(page, ".field-awarding_organisation", "AIM", "AIM Qualifications")
    page.fill("#id_qualification_number", "603/9999/1")
    page.select_option("#id_level", "3")
    page.fill("#id_overview", FIRST_OVERVIEW)
    page.click("#audiences-group .add-row a")
    page.fill("#id_audiences-0-description", "resolve disputes between colleagues")
    page.click("#progression_roles-group .add-row a")
    page.fill("#id_progression_roles-0-title", "Workplace mediator")
    page.fill("#id_progression_roles-0-description", "Helps colleagues settle disputes.")
    page.click("#employer_supports-group .add-row a")
    pick(page, "#employer_supports-group tr.dynamic-employer_supports", "moat", "Moat Housing")
    assert "was added successfully" in save(page)
    qualification = Qualification.objects.get(title=TITLE)
    assert qualification.status == "draft"

    preview = editor.open(qualification.get_absolute_url())
    assert preview.status == 200
    assert "Workplace mediator" in page.inner_text("main")
    assert "Moat Housing" in page.inner_text("main")

    editor.open(CHANGELIST)
    actions = page.locator("select[name=action] option").all_inner_texts()
    assert not [action for action in actions if "Publish" in action]
    assert editor.open("/").ok
    assert TITLE not in page.inner_text("main")

    publisher = staff_tab("pablo", role="Publisher")
    publisher.open(CHANGELIST)
    publisher.page.check(f"input[name=_selected_action][value='{qualification.pk}']")
    publisher.page.select_option("select[name=action]", "publish")
    with publisher.page.expect_navigation():
        publisher.page.click("button[name=index]")
    assert "1 qualification published." in publisher.page.inner_text(".messagelist")
    publisher.open("/")
    assert TITLE in publisher.page.inner_text("main")

    # Live now: a Publisher's edit goes live at once (an Editor's waits for review, as
    # test_reviews.py drives).
    page = publisher.page
    publisher.open(f"{CHANGELIST}{qualification.pk}/change/")
    page.fill("#id_overview", "A careless edit that loses the point.")
    assert "was changed successfully" in save(page)
    publisher.open(qualification.get_absolute_url())
    assert "A careless edit" in page.inner_text("main")

    publisher.open(f"{CHANGELIST}{qualification.pk}/history/")
    # Newest first: the careless edit, then the version published just before it.
    page.locator("text=Review and restore").nth(1).click()
    page.wait_for_load_state()
    assert page.input_value("#id_overview") == FIRST_OVERVIEW
    save(page)

    publisher.open(qualification.get_absolute_url())
    assert FIRST_OVERVIEW in page.inner_text("main")
    assert "A careless edit" not in page.inner_text("main")
    for visit in (editor, publisher):
        assert [e for e in visit.console_errors if "Content Security Policy" in e] == []
