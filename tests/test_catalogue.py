"""The catalogue at /: listing, search, filters, paging, bad input, breadcrumbs, scale."""

import datetime
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import set_script_prefix
from django.utils import timezone

from qualifications import search, services
from qualifications.choices import Level, Status
from qualifications.forms import OFFERED_IN_FIELDS
from qualifications.models import AwardingOrganisation, Employer, Qualification

from .conftest import KEPT_VERSION_QUERIES, SEED_SLUG, clear_caches
from .factories import AwardingOrganisationFactory, ProgressionRoleFactory, QualificationFactory
from .html import elements, select, select_one

# A page of results: its keys in order, then their rows.
PAGE_QUERIES = 2
# With nothing cached: the catalogue's version, the filters' values with their counts and their
# organisations' names, and the page of results. A listing's number of results comes from the
# filters' counts; a search counts its own, up to the limit.
CATALOGUE_QUERIES = KEPT_VERSION_QUERIES + 2 + PAGE_QUERIES
SEARCH_COUNT_QUERIES = 1
# A search not seen before, once the filters' values are kept: the catalogue's version, the
# search's count and its page.
NEW_SEARCH_QUERIES = KEPT_VERSION_QUERIES + SEARCH_COUNT_QUERIES + PAGE_QUERIES
# The detail page's own queries, and (nothing being cached yet) the catalogue's version and the
# filters' values (two queries), to re-check the search it came from.
DETAIL_PAGE_FROM_SEARCH_QUERIES = 7 + KEPT_VERSION_QUERIES + 2
PAGE_SIZE = 20


def result_titles(response):
    return [element.text for element in select(response.text, "h2", "catalogue__title")]


def result_count(response):
    return select_one(response.text, "p", "result-count").text


def options(response, name):
    """(value, text, selected) for each option of the select called `name`."""
    return [
        (option.attrs["value"], option.text, "selected" in option.attrs)
        for option in select(response.text, "option")
        if any(parent.attrs.get("name") == name for parent in option.parents)
    ]


def links_inside(response, container):
    return [e for e in select(response.text, "a") if container in e.parents]


# LISTING


def test_each_entry_shows_title_level_number_organisation_and_summary(client, seed):
    response = client.get("/")

    item = select_one(response.text, "li", "catalogue__item")
    assert item.text.startswith(seed.title)
    link = select_one(response.text, "a", href=seed.get_absolute_url())
    assert link.text == seed.title
    meta = select_one(response.text, "p", "catalogue__meta").text
    assert meta == "Level 4 · 601/4433/6 · AIM Qualifications"
    summary = select_one(response.text, "p", "catalogue__summary").text
    # The overview's first sentence, whole.
    assert summary == (
        "This qualification has been designed to support you, the learner, to develop the "
        "knowledge, understanding and skills required to become a proficient mediation "
        "practitioner."
    )


def test_without_a_search_qualifications_are_in_title_order(client, db):
    for title in ["Carpentry", "Accounting", "Bricklaying"]:
        QualificationFactory(title=title)

    response = client.get("/")

    assert result_titles(response) == ["Accounting", "Bricklaying", "Carpentry"]
    assert result_count(response) == "3 qualifications"


def test_a_listing_counts_exactly_what_its_filters_match(client, db):
    organisations = AwardingOrganisationFactory.create_batch(2)
    now = timezone.now()
    for n in range(24):
        QualificationFactory(
            awarding_organisation=organisations[n % 2],
            level=[Level.LEVEL_2, Level.LEVEL_3, Level.LEVEL_4][n % 3],
            subject_area=["Law", "Care", ""][(n // 2) % 3],
            # Drafts, withdrawn, scheduled and lapsed ones are not counted.
            status=[Status.PUBLISHED, Status.DRAFT, Status.WITHDRAWN][0 if n % 5 else n % 3],
            live_from=now + datetime.timedelta(days=1) if n % 7 == 3 else None,
            live_until=now - datetime.timedelta(days=1) if n % 11 == 5 else None,
            # Offered in Wales, not, or not known; internationally in every fourth.
            offered_in_wales=[True, False, None][n % 3],
            offered_internationally=n % 4 == 0,
        )
    published = Qualification.objects.published()

    for params in [
        {},
        {"level": 3},
        {"subject": "Law"},
        {"organisation": organisations[1].pk},
        {"level": 4, "subject": "Care", "organisation": organisations[0].pk},
        {"offered_in": "wales"},
        {"offered_in": "internationally", "level": 2},
    ]:
        expected = published.filter_by(
            level=params.get("level"),
            subject_area=params.get("subject"),
            awarding_organisation=params.get("organisation"),
            offered_in=OFFERED_IN_FIELDS.get(params.get("offered_in"), ""),
        ).count()
        response = client.get("/", params)

        assert result_count(response).split()[0] == str(expected), params
        assert len(result_titles(response)) == expected


def test_a_search_lists_exactly_what_the_querysets_search_finds_in_its_order(client, db):
    # The catalogue's own SQL (Qualification.objects.catalogue) against published().search():
    # the same rows, the same order, the same count, whatever is scheduled, lapsed or filtered.
    organisations = AwardingOrganisationFactory.create_batch(2)
    now = timezone.now()
    for n in range(30):
        QualificationFactory(
            title=f"{['Family', 'Workplace', 'Community'][n % 3]} Mediation {n:02d}",
            overview="Covers conflict coaching." if n % 4 else "Covers mediation and coaching.",
            awarding_organisation=organisations[n % 2],
            level=[Level.LEVEL_3, Level.LEVEL_4][n % 2],
            status=[Status.PUBLISHED, Status.DRAFT, Status.WITHDRAWN][0 if n % 5 else n % 3],
            live_from=now + datetime.timedelta(days=1) if n % 7 == 3 else None,
            live_until=now - datetime.timedelta(days=1) if n % 11 == 5 else None,
        )

    for params in [
        {"q": "mediation"},
        {"q": "coaching"},
        {"q": "family mediation", "level": 4},
        {"q": "mediat", "organisation": organisations[1].pk},
    ]:
        expected = list(
            Qualification.objects.published()
            .filter_by(level=params.get("level"), awarding_organisation=params.get("organisation"))
            .search(params["q"])
            .values_list("title", flat=True)
        )
        pages = range(1, (len(expected) - 1) // PAGE_SIZE + 2)
        responses = [client.get("/", params | {"page": page}) for page in pages]

        assert expected, params  # the case is worth asking
        assert result_count(responses[0]).split()[0] == str(len(expected)), params
        assert [title for page in responses for title in result_titles(page)] == expected


@pytest.fixture
def ranked_catalogue(db):
    """Qualifications with "family" and "mediation" in every pair of fields (title, role, body),
    some scheduled, lapsed, drafts or at another level: every rank of a two-word search; and two
    whose titles name a level other than their own."""
    now = timezone.now()
    places = ["title", "role", "body"]
    n = 0
    for family in places:
        for mediation in places:
            for copy in range(8):
                n += 1
                words = {place: [] for place in places}
                words[family].append("Family")
                words[mediation].append("Mediation")
                qualification = QualificationFactory(
                    title=" ".join(["Award", *words["title"], f"{n:03d}"]),
                    overview=" ".join(["Covers", *words["body"], "practice."]),
                    level=[Level.LEVEL_3, Level.LEVEL_4][copy % 2],
                    status=Status.DRAFT if n % 13 == 0 else Status.PUBLISHED,
                    live_from=now + datetime.timedelta(days=1) if n % 17 == 0 else None,
                    live_until=now - datetime.timedelta(days=1) if n % 19 == 0 else None,
                )
                if words["role"]:
                    ProgressionRoleFactory(
                        qualification=qualification, title=" ".join([*words["role"], "worker"])
                    )
    # A heading names its own level; these name another, and are first in title order.
    QualificationFactory(title="Award 000 Level 3 Taster", level=Level.LEVEL_2)
    QualificationFactory(title="Award Family Level 3 Bridge", level=Level.LEVEL_4)


@pytest.mark.parametrize(
    "params",
    [
        {"q": "family mediation"},
        {"q": "mediat"},
        {"q": "family mediation", "level": 4},
        {"q": "award family mediation"},
        {"q": "award family mediation practice"},
        {"q": "level 3"},
        {"q": "level 3 award"},
        {"q": "level 3", "level": 3},
    ],
)
def test_a_search_matching_more_than_it_counts_lists_its_best_in_order(
    client, ranked_catalogue, settings, params
):
    settings.CATALOGUE_SEARCH_LIMIT = limit = 25  # not a whole number of pages
    expected = list(
        Qualification.objects.published()
        .filter_by(level=params.get("level"))
        .search(params["q"])
        .values_list("title", flat=True)
    )

    responses = [client.get("/", params | {"page": page}) for page in [1, 2]]

    assert len(expected) > limit, params  # the case is worth asking
    assert [title for page in responses for title in result_titles(page)] == expected[:limit]
    assert result_count(responses[0]).startswith(f"More than {limit} qualifications match")
    assert result_count(responses[1]).endswith(f"showing 21 to {limit}")
    assert result_titles(client.get("/", params | {"page": 3})) == expected[PAGE_SIZE:limit]


def test_a_search_matching_more_than_500_says_so_and_lists_500(client, db):
    organisation = AwardingOrganisationFactory()
    Qualification.objects.bulk_create(
        QualificationFactory.build(title=f"Carpentry {n:03d}", awarding_organisation=organisation)
        for n in range(501)
    )
    search.index(Qualification.objects.for_detail_page())

    response = client.get("/", {"q": "carpentry", "page": 99})

    assert result_count(response) == (
        "More than 500 qualifications match “carpentry”, best match first; showing 481 to 500"
    )
    assert result_titles(response) == [f"Carpentry {n:03d}" for n in range(480, 500)]


def test_an_entrys_address_is_its_qualifications_under_any_script_prefix(seed):
    entry = Qualification.objects.published().for_catalogue()[0]
    try:
        for prefix in ["/", "/catalogue/"]:
            set_script_prefix(prefix)

            assert entry.get_absolute_url() == seed.get_absolute_url()
            assert entry.get_absolute_url().startswith(f"{prefix}qualifications/")
    finally:
        set_script_prefix("/")


def test_drafts_are_not_listed_or_counted(client, db):
    QualificationFactory(title="Published Carpentry")
    QualificationFactory(title="Draft Carpentry", status=Status.DRAFT)

    response = client.get("/", {"q": "carpentry"})

    assert result_titles(response) == ["Published Carpentry"]
    assert result_count(response).startswith("1 qualification matches")


def test_the_catalogue_runs_a_fixed_number_of_queries(client, db, django_assert_num_queries):
    organisations = AwardingOrganisationFactory.create_batch(5)
    for n in range(200):
        QualificationFactory(
            title=f"Mediation Skills {n:03d}",
            awarding_organisation=organisations[n % 5],
            level=[Level.LEVEL_2, Level.LEVEL_3, Level.LEVEL_4][n % 3],
            subject_area=["Law", "Care"][n % 2],
            offered_in_wales=n % 2 == 0,
        )

    for params in [
        {},
        {"level": 3, "page": 2},
        {"offered_in": "wales"},
        {"q": "mediation skills"},
        {"q": "mediation", "level": 3, "page": 2},
    ]:
        clear_caches()
        count_queries = SEARCH_COUNT_QUERIES if "q" in params else 0
        with django_assert_num_queries(CATALOGUE_QUERIES + count_queries):
            response = client.get("/", params)
        assert response.status_code == 200
        assert len(result_titles(response)) == PAGE_SIZE


def test_the_filters_values_are_not_recounted_for_each_search(
    client, seed, django_assert_num_queries
):
    client.get("/")

    with django_assert_num_queries(NEW_SEARCH_QUERIES):
        response = client.get("/", {"q": "mediation"})

    assert result_titles(response) == [seed.title]


def test_each_process_keeps_the_filters_values_for_the_version(
    client, seed, django_assert_num_queries
):
    client.get("/")
    # Gone from the shared cache; this process still has them for this version.
    cache.clear()

    with django_assert_num_queries(NEW_SEARCH_QUERIES):
        client.get("/", {"q": "mediation"})

    # A change gives the content a new version: they are counted again, the new level with them.
    QualificationFactory(title="Bookkeeping", level=Level.LEVEL_2)
    response = client.get("/")
    assert ("2", "Level 2", False) in options(response, "level")


def test_a_search_seen_before_is_served_from_the_cache_without_a_query(
    client, seed, django_assert_num_queries
):
    first = client.get("/", {"q": "mediation", "level": 4})

    with django_assert_num_queries(KEPT_VERSION_QUERIES):
        # The same search, its parameters in another order and with one the site ignores.
        again = client.get("/?level=4&utm_source=newsletter&q=mediation")

    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


# SEARCH ON THE PAGE


def test_a_search_shows_its_results_best_first_with_a_count(client, db):
    QualificationFactory(title="Community Leadership", overview="Includes mediation.")
    QualificationFactory(title="Workplace Mediation")
    QualificationFactory(title="Carpentry")

    response = client.get("/", {"q": "mediation"})

    assert result_titles(response) == ["Workplace Mediation", "Community Leadership"]
    assert result_count(response) == "2 qualifications match “mediation”, best match first"
    assert select_one(response.text, "input", id="q").attrs["value"] == "mediation"


def test_the_page_title_says_what_was_searched(client, seed):
    response = client.get("/", {"q": "family mediator"})

    title = select_one(response.text, "title").text
    assert title.startswith("Results for “family mediator” \N{EN DASH} Find a qualification")


def test_the_search_form_is_a_plain_labelled_get_form(client, seed):
    response = client.get("/")

    form = select_one(response.text, "form", "search")
    assert form.attrs["role"] == "search"
    assert form.attrs["method"] == "get"
    assert form.attrs["action"] == "/"
    search_box = select_one(response.text, "input", id="q")
    assert search_box.attrs["name"] == "q"
    assert search_box.attrs["type"] == "search"
    assert select_one(response.text, "label", for_="q").text == "Search qualifications"
    assert select_one(response.text, "button", "button").attrs["type"] == "submit"


def test_each_filter_is_a_labelled_select_inside_the_form(client, db):
    QualificationFactory(level=Level.LEVEL_2, subject_area="Law")

    response = client.get("/")

    filters = select_one(response.text, "div", "filters")
    assert any("search" in parent.classes for parent in filters.parents)
    for name, label in [
        ("level", "Level"),
        ("subject", "Subject area"),
        ("organisation", "Awarding organisation"),
    ]:
        assert select_one(response.text, "select", name=name, id=name)
        assert select_one(response.text, "label", for_=name).text == label


def test_a_filter_is_shown_only_when_it_has_values(client, db):
    QualificationFactory(subject_area="")

    response = client.get("/")

    assert select(response.text, "select", name="level")
    assert not select(response.text, "select", name="subject")


def test_a_filter_offers_only_values_that_published_qualifications_have(client, db):
    QualificationFactory(level=Level.LEVEL_2)
    QualificationFactory(level=Level.LEVEL_5)
    QualificationFactory(level=Level.LEVEL_7, status=Status.DRAFT)

    response = client.get("/")

    assert [text for _, text, _ in options(response, "level")] == [
        "Any level",
        "Level 2",
        "Level 5",
    ]


def test_filters_narrow_the_results_and_combine(client, db):
    law = AwardingOrganisationFactory(name="Law Awards")
    QualificationFactory(title="Law 3", level=3, subject_area="Law", awarding_organisation=law)
    QualificationFactory(title="Law 4", level=4, subject_area="Law", awarding_organisation=law)
    QualificationFactory(title="Care 4", level=4, subject_area="Care")

    assert result_titles(client.get("/", {"level": 4})) == ["Care 4", "Law 4"]
    assert result_titles(client.get("/", {"subject": "Law"})) == ["Law 3", "Law 4"]
    assert result_titles(client.get("/", {"organisation": law.pk})) == ["Law 3", "Law 4"]
    assert result_titles(client.get("/", {"level": 4, "subject": "Law"})) == ["Law 4"]
    assert result_titles(client.get("/", {"q": "law", "level": 3})) == ["Law 3"]
    response = client.get("/", {"level": 4, "organisation": law.pk})
    assert result_count(response) == "1 qualification matches Level 4, Law Awards"
    assert ("4", "Level 4", True) in options(response, "level")
    assert (str(law.pk), "Law Awards", True) in options(response, "organisation")


def test_results_are_paged_and_the_pages_keep_the_search(client, db):
    for n in range(45):
        QualificationFactory(title=f"Mediation {n:02d}", level=Level.LEVEL_3)
    QualificationFactory(title="Mediation at level 4", level=Level.LEVEL_4)

    response = client.get("/", {"q": "mediation", "level": 3, "page": 2})

    assert result_titles(response)[0] == "Mediation 20"
    assert result_count(response).endswith("showing 21 to 40")
    pagination = select_one(response.text, "nav", "pagination")
    assert "Page 2 of 3" in pagination.text
    search = {"q": ["mediation"], "level": ["3"]}
    # The first page at its own address, without page=1.
    for rel, query in [("prev", search), ("next", search | {"page": ["3"]})]:
        href = select_one(response.text, "a", rel=rel).attrs["href"]
        assert urlsplit(href).path == "/"
        assert parse_qs(urlsplit(href).query) == query


def test_no_results_says_so_and_offers_to_clear_the_search(client, seed):
    response = client.get("/", {"q": "zzzz", "level": 4})

    empty = select_one(response.text, "div", "empty-state")
    assert "No qualifications match “zzzz” with Level 4." in empty.text
    assert [link.attrs["href"] for link in links_inside(response, empty)] == ["/"]
    assert result_count(response) == "0 qualifications match “zzzz” with Level 4"
    assert not select(response.text, "ul", "catalogue")


def test_an_empty_catalogue_says_nothing_is_published_yet(client, db):
    response = client.get("/")

    assert "No qualifications have been published yet." in response.text


def test_a_misspelt_search_offers_the_corrected_one_as_a_link_in_the_status(client, seed):
    response = client.get("/", {"q": "counciling", "level": 4})

    status = select_one(response.text, "div", "results-status")
    assert status.attrs["role"] == "status"
    (link,) = links_inside(response, status)
    assert link.text == "counselling"
    assert parse_qs(urlsplit(link.attrs["href"]).query) == {"q": ["counselling"], "level": ["4"]}
    assert result_titles(client.get(link.attrs["href"])) == [seed.title]


@pytest.mark.parametrize("number", ["601/4433/6", " 601 / 4433 / 6 ", "60144336"])
def test_a_search_for_a_qualification_number_goes_to_its_page(client, seed, number):
    response = client.get("/", {"q": number})

    assert response.status_code == 302
    assert response["Location"] == seed.get_absolute_url()


@pytest.mark.parametrize(
    "params",
    [
        {"q": "601/4433/6 mediation"},  # more than the number: a search
        {"q": "601/4433/6", "level": 3},  # the filters leave it out
        {"q": "601/4433/7"},  # nobody's number
        {"q": "601 4433 6"},  # three numbers, not one
    ],
)
def test_a_search_that_is_not_exactly_a_listed_qualifications_number_is_listed(
    client, seed, params
):
    response = client.get("/", params)

    assert response.status_code == 200
    assert result_titles(response) == ([seed.title] if "mediation" in params["q"] else [])


def test_a_withdrawn_qualifications_number_finds_nothing(client, seed):
    seed.status = Status.WITHDRAWN
    services.qualification_save(seed)

    response = client.get("/", {"q": "601/4433/6"})

    assert response.status_code == 200
    assert result_titles(response) == []


def test_a_qualification_number_ending_in_x_goes_to_its_page(client, db):
    qualification = QualificationFactory(qualification_number="603/1234/X")

    response = client.get("/", {"q": "603/1234/x"})

    assert response["Location"] == qualification.get_absolute_url()


def test_a_search_that_finds_something_offers_no_correction(client, seed):
    response = client.get("/", {"q": "mediation"})

    assert not select(response.text, "p", "suggestion")


def test_the_kept_catalogue_shows_a_publication_at_once(client, transactional_db):
    QualificationFactory(title="Carpentry")
    draft = QualificationFactory(title="Bricklaying", status=Status.DRAFT)
    assert result_titles(client.get("/")) == ["Carpentry"]

    draft.status = Status.PUBLISHED
    services.qualification_save(draft)

    assert result_titles(client.get("/")) == ["Bricklaying", "Carpentry"]
    assert [text for _, text, _ in options(client.get("/"), "level")] == ["Any level", "Level 3"]


# BAD INPUT: never a 500


@pytest.mark.parametrize(
    "params",
    [
        {"level": "99"},
        {"level": "four"},
        {"subject": "Astrology"},
        {"organisation": "999999"},
        {"organisation": "AIM"},
    ],
)
def test_an_unknown_filter_is_left_out_and_said_so(client, seed, params):
    response = client.get("/", params)

    assert response.status_code == 200
    assert result_titles(response) == [seed.title]
    assert "We left out a filter" in select_one(response.text, "p", "notice").text
    # The filters show what the search used, not a value to correct: nothing is marked invalid
    # or described by an error message the page does not show.
    page = elements(response.text)
    ids = {element.attrs.get("id") for element in page}
    assert not [element for element in page if "aria-invalid" in element.attrs]
    described_by = {
        ref for element in page for ref in element.attrs.get("aria-describedby", "").split()
    }
    assert described_by <= ids


def test_a_level_no_qualification_has_finds_none_and_says_so(client, seed):
    response = client.get("/", {"level": 2})

    assert result_titles(response) == []
    assert not select(response.text, "p", "notice")
    empty = select_one(response.text, "div", "empty-state")
    assert "No Level 2 qualifications." in empty.text
    assert result_count(response) == "0 qualifications match Level 2"
    assert ("2", "Level 2", True) in options(response, "level")


def test_a_subject_area_and_organisation_seen_before_find_none_and_say_so(client, seed):
    gone = QualificationFactory(
        title="Old Law Certificate", subject_area="Law", status=Status.WITHDRAWN
    )
    organisation = gone.awarding_organisation

    response = client.get("/", {"subject": "Law", "organisation": organisation.pk})

    assert result_titles(response) == []
    assert not select(response.text, "p", "notice")
    empty = select_one(response.text, "div", "empty-state")
    assert f"No qualifications in Law from {organisation.name}." in empty.text


def test_a_drafts_subject_area_is_not_a_filter_the_public_can_use(client, seed):
    QualificationFactory(subject_area="Secret Plans", status=Status.DRAFT)

    response = client.get("/", {"subject": "Secret Plans"})

    assert result_titles(response) == [seed.title]
    assert "We left out a filter" in select_one(response.text, "p", "notice").text
    assert "Secret Plans" not in response.text


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "", "1e9999", "\u0661"])
def test_a_page_that_is_not_a_page_number_shows_the_first_page(client, seed, page):
    response = client.get("/", {"page": page})

    assert response.status_code == 200
    assert result_titles(response) == [seed.title]


# A listing knows its count beforehand; a search finds it with its page, and past the end asks.
@pytest.mark.parametrize("search", [{}, {"q": "carpentry"}], ids=["listing", "search"])
@pytest.mark.parametrize("page", ["2", "3", "99999999999999999999"])
def test_a_page_past_the_end_shows_the_last_page(client, db, search, page):
    for n in range(25):
        QualificationFactory(title=f"Carpentry {n:02d}")

    response = client.get("/", search | {"page": page})

    assert response.status_code == 200
    assert result_titles(response) == [
        "Carpentry 20",
        "Carpentry 21",
        "Carpentry 22",
        "Carpentry 23",
        "Carpentry 24",
    ]


@pytest.mark.parametrize("query", ["x" * 201, "mediation " * 30, "media\x00tion"])
def test_a_search_too_long_or_with_a_nul_byte_gets_the_400_page(client, seed, query):
    response = client.get("/", {"q": query})

    assert response.status_code == 400
    assert "Bad request" in select_one(response.text, "h1").text


def test_a_query_string_of_thousands_of_parameters_gets_the_400_page(client, seed):
    response = client.get("/?" + "&".join(f"q{n}=x" for n in range(2000)))

    assert response.status_code == 400
    assert "Bad request" in select_one(response.text, "h1").text


def test_a_search_as_long_as_the_box_allows_is_answered(client, seed):
    response = client.get("/", {"q": ("family mediator " * 13)[:200]})

    assert response.status_code == 200
    assert result_titles(response) == [seed.title]


@pytest.mark.parametrize(
    "query_string",
    [
        "q=%FF%FE",  # not UTF-8
        "q=%25%5F%5C",  # LIKE's wildcards and escape
        "q=mediat%3A*%20%7C%20plumb%3A*",  # tsquery syntax
        "q=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "q[]=mediation&level[]=4",
        "q=&level=&subject=&organisation=&page=",
        "utm_source=newsletter&fbclid=abc",
        "=&&&=x",
    ],
)
def test_strange_query_strings_are_answered(client, seed, query_string):
    response = client.get(f"/?{query_string}")

    assert response.status_code == 200
    assert "<script>alert(1)" not in response.text


def test_repeated_parameters_count_once_the_last_winning(client, db):
    QualificationFactory(title="Level 2 thing", level=Level.LEVEL_2)
    QualificationFactory(title="Level 3 thing", level=Level.LEVEL_3)

    response = client.get("/?level=2&level=3&q=thing&q=level")

    assert response.status_code == 200
    assert result_titles(response) == ["Level 3 thing"]


# BREADCRUMBS


def test_a_result_links_to_its_page_with_the_search_it_came_from(client, seed):
    response = client.get("/", {"q": "family mediator", "level": 4, "utm_source": "x"})

    link = next(e for e in select(response.text, "a") if e.text == seed.title)
    url = urlsplit(link.attrs["href"])
    assert url.path == seed.get_absolute_url()
    assert parse_qs(url.query) == {"from": ["q=family+mediator&level=4"]}


def test_the_qualification_page_leads_back_to_the_exact_search(client, seed):
    catalogue = client.get("/", {"q": "family mediator", "level": 4})
    link = next(e for e in select(catalogue.text, "a") if e.text == seed.title)

    response = client.get(link.attrs["href"])

    crumbs = select_one(response.text, "nav", "breadcrumbs")
    assert crumbs.attrs["aria-label"] == "Breadcrumb"
    items = [e for e in select(response.text, "li") if crumbs in e.parents]
    assert [item.text for item in items] == [
        "Qualifications",
        "Results for “family mediator” with Level 4",
        seed.title,
    ]
    assert items[-1].attrs["aria-current"] == "page"
    back = next(e for e in select(response.text, "a") if e.text.startswith("Results for"))
    assert back.attrs["href"] == "/?q=family+mediator&level=4"


def test_without_a_search_the_breadcrumbs_lead_to_the_catalogue(client, seed):
    response = client.get(seed.get_absolute_url())

    crumbs = select_one(response.text, "nav", "breadcrumbs")
    assert [link.attrs["href"] for link in links_inside(response, crumbs)] == ["/"]


def test_a_later_page_of_results_is_kept_in_the_breadcrumbs(client, db):
    for n in range(25):
        QualificationFactory(title=f"Carpentry {n:02d}")
    page_2 = client.get("/", {"page": 2})
    link = next(e for e in select(page_2.text, "a") if e.text == "Carpentry 20")

    response = client.get(link.attrs["href"])

    back = next(e for e in select(response.text, "a") if e.text == "Page 2")
    assert back.attrs["href"] == "/?page=2"


@pytest.mark.parametrize(
    "came_from",
    [
        "https://evil.example/",
        "//evil.example/?q=x",
        "javascript:alert(1)",
        "q=" + "x" * 500,
        "q=a%00b",
        "level=99",
        "utm_source=x",
        "q=x" + "&" * 5000,
    ],
)
def test_a_made_up_search_never_becomes_a_link(client, seed, came_from):
    response = client.get(seed.get_absolute_url(), {"from": came_from})

    assert response.status_code == 200
    crumbs = select_one(response.text, "nav", "breadcrumbs")
    assert [link.attrs["href"] for link in links_inside(response, crumbs)] == ["/"]
    assert "evil.example" not in response.text
    assert "javascript:" not in response.text


def test_a_search_in_the_breadcrumbs_is_cleaned_through_the_catalogue_form(client, seed):
    response = client.get(
        seed.get_absolute_url(), {"from": "q=mediation&level=99&utm_source=x&page=3"}
    )

    back = next(e for e in select(response.text, "a") if e.text.startswith("Results for"))
    assert back.attrs["href"] == "/?q=mediation&page=3"


def test_the_page_reached_from_a_search_runs_a_fixed_number_of_queries(
    client, seed, django_assert_num_queries
):
    with django_assert_num_queries(DETAIL_PAGE_FROM_SEARCH_QUERIES):
        response = client.get(seed.get_absolute_url(), {"from": "q=family+mediator"})

    assert response.status_code == 200


# SYNTHETIC QUALIFICATIONS


def test_synthetic_qualifications_are_labelled_and_searchable(client, seed):
    call_command("generate_synthetic_qualifications", "--count", "30", stdout=StringIO())

    synthetic = Qualification.objects.synthetic()
    assert synthetic.count() == 30
    assert all(q.title.startswith("[Synthetic] ") for q in synthetic)
    assert all(q.slug.startswith("synthetic-") for q in synthetic)
    assert {q.awarding_organisation.name for q in synthetic} == {"Synthetic Awarding Organisation"}
    assert all(q.audiences.count() == 2 and q.progression_roles.exists() for q in synthetic)
    assert Qualification.objects.search("synthetic").count() == 30
    some = synthetic.first()
    role = some.progression_roles.first().title
    assert some in Qualification.objects.search(role)
    assert client.get(some.get_absolute_url()).status_code == 200


def test_synthetic_qualifications_are_added_to_and_deleted_without_touching_real_ones(seed):
    call_command("generate_synthetic_qualifications", "--count", "5", stdout=StringIO())
    call_command("generate_synthetic_qualifications", "--count", "5", stdout=StringIO())
    assert Qualification.objects.synthetic().count() == 10

    call_command("generate_synthetic_qualifications", "--delete", stdout=StringIO())

    assert list(Qualification.objects.values_list("slug", flat=True)) == [SEED_SLUG]
    assert not AwardingOrganisation.objects.filter(name__startswith="Synthetic").exists()
    assert not Employer.objects.filter(name__startswith="[Synthetic]").exists()
    assert list(Qualification.objects.search("derbyshire constabulary")) == [seed]
    assert not Qualification.objects.search("synthetic").exists()


def test_synthetic_qualifications_never_reach_the_fixtures():
    fixtures = Path(__file__).resolve().parent.parent / "fixtures"

    assert not any("Synthetic" in path.read_text() for path in fixtures.rglob("*.json"))


def test_a_summary_without_a_short_first_sentence_is_cut_at_thirty_words(db):
    qualification = QualificationFactory(overview=" ".join(["word"] * 50) + ". Second sentence.")

    assert qualification.summary == " ".join(["word"] * 30) + " …"
