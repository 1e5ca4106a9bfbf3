from html.parser import HTMLParser

from django.urls import reverse

from qualifications import services
from qualifications.choices import FeeKind, Status
from qualifications.kept import release

from .conftest import KEPT_VERSION_QUERIES
from .factories import (
    AudienceFactory,
    EmployerSupportFactory,
    FeeLineFactory,
    ProgressionRoleFactory,
    QualificationFactory,
)
from .seed_facts import SEED_FACTS, SEED_HEADINGS, normalise

# The version it is kept under, then the qualification with its organisation, its audiences, its
# roles, its fees, its employers, its units with their groups, its documents.
DETAIL_PAGE_QUERIES = KEPT_VERSION_QUERIES + 7
# Kept: only the version it is kept under.
CACHED_DETAIL_PAGE_QUERIES = KEPT_VERSION_QUERIES


class _TextAndHeadings(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.headings, self._heading = [], [], None

    def handle_starttag(self, tag, attrs):
        if tag in {"h1", "h2"}:
            self._heading = []

    def handle_endtag(self, tag):
        if tag in {"h1", "h2"} and self._heading is not None:
            self.headings.append((tag, normalise("".join(self._heading))))
            self._heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._heading is not None:
            self._heading.append(data)


def parse(response):
    parser = _TextAndHeadings()
    parser.feed(response.content.decode())
    return normalise(" ".join(parser.text)), parser.headings


def test_seed_page_carries_every_fact_of_the_seed(client, seed):
    response = client.get(seed.get_absolute_url())

    assert response.status_code == 200
    text, _ = parse(response)
    missing = [fact for fact in SEED_FACTS if normalise(fact) not in text]
    assert missing == []


def test_seed_page_shows_the_sections_in_the_seeds_order_under_one_h1(client, seed):
    _, headings = parse(client.get(seed.get_absolute_url()))

    assert [text for tag, text in headings if tag == "h1"] == [seed.title]
    h2s = [text for tag, text in headings if tag == "h2"]
    assert [h for h in h2s if h in SEED_HEADINGS] == SEED_HEADINGS


def test_page_links_to_its_factsheet(client, seed):
    response = client.get(seed.get_absolute_url())

    assert response.status_code == 200
    assert reverse("qualifications:factsheet", kwargs={"slug": seed.slug}) in response.text
    assert "Download a PDF of this information" in response.text


def test_register_facts_are_shown_only_when_known(client, db):
    unknown = QualificationFactory()
    known = QualificationFactory(guided_learning_hours=120, credits=15, assessment="Portfolio")

    unknown_text, _ = parse(client.get(unknown.get_absolute_url()))
    known_text, _ = parse(client.get(known.get_absolute_url()))

    assert "Guided learning hours" not in unknown_text
    assert "Credits" not in unknown_text
    assert "Guided learning hours 120" in known_text
    assert "Credits 15" in known_text
    assert "Assessment Portfolio" in known_text


def test_detail_page_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries):
    qualification = QualificationFactory()
    for _ in range(10):
        AudienceFactory(qualification=qualification)
        ProgressionRoleFactory(qualification=qualification)
        EmployerSupportFactory(qualification=qualification)
        FeeLineFactory(qualification=qualification, kind=FeeKind.LEARNER)

    with django_assert_num_queries(DETAIL_PAGE_QUERIES):
        response = client.get(qualification.get_absolute_url())
    with django_assert_num_queries(CACHED_DETAIL_PAGE_QUERIES):
        again = client.get(qualification.get_absolute_url())

    assert response.status_code == 200
    assert response.text.count('class="roles__role"') == 10
    assert response.text.count("Associated learner fee") == 10
    assert again.content == response.content


def test_an_edit_shows_on_the_page_at_once(client, transactional_db, seed):
    client.get(seed.get_absolute_url())
    role = seed.progression_roles.first()
    role.title = "Community mediator"
    services.row_save(role)

    response = client.get(seed.get_absolute_url())

    assert "Community mediator" in response.text


def test_a_browser_holding_the_current_page_is_told_it_is_unchanged(client, seed):
    first = client.get(seed.get_absolute_url())

    again = client.get(seed.get_absolute_url(), headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304


def test_a_new_design_gets_new_cache_keys(client, seed, settings, tmp_path):
    (tmp_path / "templates").mkdir()
    page = tmp_path / "templates" / "page.html"
    page.write_text("<p>old design</p>")
    settings.BASE_DIR = tmp_path
    try:
        release.cache_clear()
        old = release()
        page.write_text("<p>new design</p>")
        release.cache_clear()
        new = release()
    finally:
        release.cache_clear()

    assert old != new


def test_unknown_slug_gets_the_sites_404_page(client, db):
    response = client.get("/qualifications/no-such-qualification/")

    assert response.status_code == 404
    assert "Page not found" in response.text


def test_unpublished_qualification_is_not_found(client, db):
    draft = QualificationFactory(status=Status.DRAFT)

    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(draft.get_factsheet_url()).status_code == 404


def test_staff_preview_a_draft_that_is_never_cached(admin_client, db):
    draft = QualificationFactory(status=Status.DRAFT)

    response = admin_client.get(draft.get_absolute_url())

    assert response.status_code == 200
    assert "Draft preview" in response.text
    assert "no-cache" in response["Cache-Control"]


def test_staff_entered_html_is_shown_as_text(client, db):
    qualification = QualificationFactory(
        overview='<script>alert("x")</script><img src="https://evil.example/x.png">'
    )

    response = client.get(qualification.get_absolute_url())

    assert "<script>alert" not in response.text
    assert '<img src="https://evil.example' not in response.text
    assert "&lt;script&gt;alert" in response.text
