"""What the catalogue search finds, in what order, and what it suggests. The suite runs on SQLite
and on PostgreSQL (CI runs both), so every case here holds on each."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from qualifications import search, services
from qualifications.choices import Level, Status
from qualifications.models import Qualification

from .factories import (
    AudienceFactory,
    EmployerFactory,
    EmployerSupportFactory,
    ProgressionRoleFactory,
    QualificationFactory,
)


def titles(query):
    return list(Qualification.objects.published().search(query).values_list("title", flat=True))


@pytest.fixture
def catalogue(seed):
    """The seed among other qualifications that share none of its words."""
    QualificationFactory(
        title="Bookkeeping Level 3 Certificate",
        level=Level.LEVEL_3,
        overview="Covers double-entry accounts and the trial balance.",
    )
    QualificationFactory(
        title="Plumbing Level 2 Diploma",
        level=Level.LEVEL_2,
        overview="Covers pipework, heating systems and the water regulations.",
    )
    return seed


SEED = "Interpersonal Mediation Level 4 Qualification"


@pytest.mark.parametrize(
    ("query", "what"),
    [
        ("interpersonal mediation", "words from the title"),
        ("601/4433/6", "the qualification number"),
        ("60144336", "the qualification number as one run of digits"),
        ("proficient practitioner", "what it covers"),
        ("transfer from another career", "an audience it suits"),
        ("family mediator", "a progression role's title"),
        ("PALS officer", "another progression role's title"),
        ("Derbyshire Constabulary", "a supporting employer"),
        ("literacy", "its entry requirement"),
        ("UK Mediation Ltd", "who it is restricted to"),
    ],
)
def test_search_finds_a_qualification_by(catalogue, query, what):
    assert titles(query) == [SEED], what


def test_level_words_find_the_qualifications_at_that_level(catalogue):
    other_level_4 = QualificationFactory(title="Bookkeeping Level 4 Diploma", level=Level.LEVEL_4)

    found = titles("level 4")

    assert sorted(found) == sorted([SEED, other_level_4.title])


def test_entry_level_is_found_by_its_name(db):
    entry = QualificationFactory(title="Reading Skills", level=Level.ENTRY)
    QualificationFactory(title="Writing Skills", level=Level.LEVEL_1)

    assert titles("entry level") == [entry.title]


def test_every_word_must_match_somewhere(catalogue):
    assert titles("family plumber") == []
    assert titles("mediation plumbing") == []


def test_words_match_in_any_field_together(catalogue):
    # "family" is in a role title, "constabulary" in an employer, "interpersonal" in the title.
    assert titles("interpersonal family constabulary") == [SEED]


def test_case_punctuation_and_common_words_do_not_matter(catalogue):
    assert titles("  FAMILY, the Mediator!  ") == [SEED]
    assert titles("mediation at the level 4") == [SEED]


def test_other_forms_of_a_word_are_found(catalogue):
    assert titles("mediators") == [SEED]
    assert titles("mediate") == [SEED]
    assert titles("families") == [SEED]
    assert titles("counselling") == [SEED]  # the seed says "counselling"


def test_a_qualification_number_matches_only_as_a_whole(catalogue):
    assert titles("601 / 4433 / 6") == [SEED]
    assert titles("601") == []
    assert titles("6") == []
    assert titles("601/4433/7") == []


def test_level_words_do_not_match_a_digit_of_a_qualification_number(db):
    level_3 = QualificationFactory(level=Level.LEVEL_3, qualification_number="603/1234/4")
    level_4 = QualificationFactory(level=Level.LEVEL_4, qualification_number="603/1111/1")

    assert titles("level 4") == [level_4.title]
    assert titles("level 3") == [level_3.title]


def test_a_title_match_ranks_before_a_passing_mention(db):
    mention = QualificationFactory(
        title="Community Leadership Award",
        overview="Touches on mediation among many other community skills.",
    )
    titled = QualificationFactory(title="Workplace Mediation Certificate")
    role = QualificationFactory(title="Conflict Coaching Certificate")
    ProgressionRoleFactory(qualification=role, title="Mediation officer")

    assert titles("mediation") == [titled.title, role.title, mention.title]


def test_the_closer_match_wins_when_several_words_are_searched(db):
    both_in_title = QualificationFactory(title="Family Mediation Diploma")
    one_in_title = QualificationFactory(
        title="Family Support Diploma", overview="Includes a short unit on mediation."
    )

    assert titles("family mediation") == [both_in_title.title, one_in_title.title]


def test_equal_matches_are_in_title_order(db):
    for title in ["Mediation C", "Mediation A", "Mediation B"]:
        QualificationFactory(title=title)

    assert titles("mediation") == ["Mediation A", "Mediation B", "Mediation C"]


def test_drafts_are_never_found(db):
    QualificationFactory(title="Secret Mediation Draft", status=Status.DRAFT)

    assert titles("mediation") == []


@pytest.mark.parametrize("query", ["the", "!!!", "&|!():*'", "of and to", "\u200b"])
def test_a_query_with_no_word_to_search_for_finds_nothing(catalogue, query):
    assert titles(query) == []


@pytest.mark.parametrize(
    ("query", "found"),
    [
        # Operators are separators: "mediat" and "plumb" must both match, and no one has both.
        ("mediat:* | plumb:*", []),
        ("'; DROP TABLE qualifications_qualification; --", []),
        ("100% mediation_", []),  # no qualification mentions 100
        ("(family) & !plumbing <-> mediator", []),  # "plumbing" is a word to match, not a not
        ('family "mediator"', [SEED]),
        ("médiation famille", []),  # accents are kept: "médiation" is not "mediation"
        ("family 🙂 mediator", [SEED]),
        ("mediator's", [SEED]),  # "s" is a stop word
    ],
)
def test_search_syntax_and_odd_characters_are_only_words(catalogue, query, found):
    assert titles(query) == found
    assert Qualification.objects.count() == 3


def test_a_blank_query_changes_nothing(catalogue):
    assert Qualification.objects.published().search("   ").count() == 3


def test_a_renamed_role_is_found_by_its_new_title_only(db):
    qualification = QualificationFactory(title="Conflict Certificate")
    role = ProgressionRoleFactory(qualification=qualification, title="Family mediator")

    role.title = "Workplace adviser"
    services.row_save(role)

    assert titles("family mediator") == []
    assert titles("workplace adviser") == [qualification.title]


def test_a_deleted_audience_is_no_longer_found(db):
    qualification = QualificationFactory()
    audience = AudienceFactory(qualification=qualification, description="wish to retrain")
    assert titles("retrain") == [qualification.title]

    services.qualification_save(qualification, write_rows=audience.delete)

    assert titles("retrain") == []


def test_a_role_moved_to_another_qualification_is_found_there_only(db):
    first = QualificationFactory(title="First Certificate")
    second = QualificationFactory(title="Second Certificate")
    role = ProgressionRoleFactory(qualification=first, title="Harbour pilot")

    role.qualification = second
    services.row_save(role)

    assert titles("harbour pilot") == [second.title]


def test_a_renamed_employer_is_found_by_its_new_name(db):
    qualification = QualificationFactory()
    employer = EmployerFactory(name="Moat")
    EmployerSupportFactory(qualification=qualification, employer=employer)

    employer.name = "Derwent Living Ltd"
    services.shared_save(employer)

    assert titles("moat") == []
    assert titles("derwent") == [qualification.title]


def test_a_renamed_awarding_organisation_is_found_by_its_new_name(db):
    qualification = QualificationFactory()
    organisation = qualification.awarding_organisation

    organisation.name = "Harbourside Awards"
    services.shared_save(organisation)

    assert titles("harbourside") == [qualification.title]


def test_an_edited_title_is_found_at_once(db):
    qualification = QualificationFactory(title="Old Name Certificate")
    qualification.title = "Lighthouse Keeping Certificate"
    services.qualification_save(qualification)

    assert titles("lighthouse") == [qualification.title]
    assert titles("old name") == []


def test_the_seed_fixture_is_searchable_as_loaded(seed):
    # loaddata saves raw: load_seed then indexes it through the write path.
    assert titles("family mediator derbyshire constabulary") == [SEED]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgresql_search_uses_the_gin_index(catalogue):
    # So few rows would be read whole, or by key; forbid that to see whether the GIN index (read
    # by a bitmap scan) can be used at all.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")

    plan = Qualification.objects.search("family mediator").explain()

    assert "qualification_search_idx" in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table is SQLite's")
def test_sqlite_search_reads_the_fts5_table_first(catalogue):
    plan = str(Qualification.objects.published().search("family mediator").explain())

    assert "VIRTUAL TABLE INDEX" in plan
    assert "SCAN qualifications_qualification" not in plan


def test_editing_a_row_marks_its_qualification_updated(db):
    qualification = QualificationFactory()
    role = ProgressionRoleFactory(qualification=qualification)
    Qualification.objects.filter(pk=qualification.pk).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    stale = Qualification.objects.get(pk=qualification.pk).updated_at

    role.description = "Now a different job."
    services.row_save(role)

    assert Qualification.objects.get(pk=qualification.pk).updated_at > stale


# WRITING: search.index() and search.forget()


def test_qualifications_written_in_bulk_are_found_once_indexed(db):
    organisation = QualificationFactory().awarding_organisation
    Qualification.objects.bulk_create(
        QualificationFactory.build(
            title=f"Lighthouse Keeping {n}", awarding_organisation=organisation
        )
        for n in range(3)
    )
    assert titles("lighthouse") == []

    search.index(Qualification.objects.filter(title__startswith="Lighthouse").for_detail_page())

    assert titles("lighthouse") == ["Lighthouse Keeping 0", "Lighthouse Keeping 1",
                                    "Lighthouse Keeping 2"]  # fmt: skip


def test_index_returns_the_qualifications_with_their_search_text(db):
    QualificationFactory(
        title="The Lighthouse Keeping", level=Level.LEVEL_2, qualification_number="603/1234/4"
    )

    (indexed,) = search.index(Qualification.objects.for_detail_page())

    assert indexed.search_heading == "lighthouse keeping 60312344 level2"


def test_a_reindexed_title_is_found_by_its_new_words_only(db):
    qualification = QualificationFactory(title="Old Name Certificate")
    Qualification.objects.filter(pk=qualification.pk).update(title="Lighthouse Certificate")

    search.index(Qualification.objects.for_detail_page())

    assert titles("lighthouse") == ["Lighthouse Certificate"]
    assert titles("old name") == []


def test_a_deleted_qualification_is_no_longer_found(db):
    services.qualification_delete(QualificationFactory(title="Lighthouse Keeping Certificate"))
    kept = QualificationFactory(title="Lighthouse Painting Certificate")

    assert titles("lighthouse") == [kept.title]


# DID YOU MEAN …?


def suggestion(query, **filters):
    return search.suggestion(query, Qualification.objects.published().filter_by(**filters))


@pytest.mark.parametrize(
    ("query", "corrected"),
    [
        ("practitoiner", "practitioner"),  # a swapped pair of letters
        ("counciling", "counselling"),
        ("pateint advise", "patient advice"),  # every misspelt word
        ("interpersonel mediaton", "interpersonal mediation"),
        ("constabullary derbyshire", "constabulary derbyshire"),  # a right word stays
        ("level 4 mediaton", "level4 mediation"),  # a level stays, as one word
    ],
)
def test_a_misspelt_search_suggests_the_words_most_likely_meant(catalogue, query, corrected):
    assert titles(query) == []

    assert suggestion(query) == corrected
    assert titles(corrected) == [SEED]


def test_among_words_as_near_the_most_common_is_suggested(catalogue):
    # "mediaton" is one edit from "mediator" and from "mediation"; more hold "mediator" now.
    for n in range(2):
        QualificationFactory(title=f"Workplace Mediator {n}")

    assert suggestion("mediaton") == "mediator"


def test_a_swapped_pair_of_letters_is_nearer_than_two_other_edits(db):
    # "tiral" is "trial" with two letters swapped: one edit. "trail", held by more, is two.
    QualificationFactory(title="Clinical Trial Practice")
    for n in range(3):
        QualificationFactory(title=f"Trail Building {n}")

    assert suggestion("tiral") == "trial"


@pytest.mark.parametrize("query", ["601/4433/7", "60144337", "level 9", "zzzz", "mediation"])
def test_no_suggestion_for_numbers_nonsense_or_a_search_that_finds_something(catalogue, query):
    assert suggestion(query) is None


def test_no_suggestion_when_the_corrected_search_finds_nothing_either(catalogue):
    assert titles("mediation") == [SEED]

    assert suggestion("mediaton", level=Level.LEVEL_2) is None


def test_a_draft_is_never_suggested(db):
    QualificationFactory(title="Lighthouse Keeping", status=Status.DRAFT)

    assert suggestion("lighthose") is None


def test_suggestions_follow_the_catalogues_words(db):
    qualification = QualificationFactory(title="Beekeeping Basics")
    assert suggestion("beekeping") == "beekeeping"

    qualification.title = "Woodland Crafts"
    services.qualification_save(qualification)

    assert suggestion("beekeping") is None
    assert suggestion("woodlnd") == "woodland"
    services.qualification_delete(qualification)
    assert suggestion("woodlnd") is None
