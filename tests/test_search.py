"""What the catalogue search finds and in what order. The suite runs on SQLite and on PostgreSQL
(CI runs both), so every case here holds on each."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import BooleanField, Func
from django.utils import timezone

from qualifications import search
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
    role.save()

    assert titles("family mediator") == []
    assert titles("workplace adviser") == [qualification.title]


def test_a_deleted_audience_is_no_longer_found(db):
    qualification = QualificationFactory()
    audience = AudienceFactory(qualification=qualification, description="wish to retrain")
    assert titles("retrain") == [qualification.title]

    audience.delete()

    assert titles("retrain") == []


def test_a_role_moved_to_another_qualification_is_found_there_only(db):
    first = QualificationFactory(title="First Certificate")
    second = QualificationFactory(title="Second Certificate")
    role = ProgressionRoleFactory(qualification=first, title="Harbour pilot")

    role.qualification = second
    role.save()

    assert titles("harbour pilot") == [second.title]


def test_a_renamed_employer_is_found_by_its_new_name(db):
    qualification = QualificationFactory()
    employer = EmployerFactory(name="Moat")
    EmployerSupportFactory(qualification=qualification, employer=employer)

    employer.name = "Derwent Living Ltd"
    employer.save()

    assert titles("moat") == []
    assert titles("derwent") == [qualification.title]


def test_a_renamed_awarding_organisation_is_found_by_its_new_name(db):
    qualification = QualificationFactory()
    organisation = qualification.awarding_organisation

    organisation.name = "Harbourside Awards"
    organisation.save()

    assert titles("harbourside") == [qualification.title]


def test_an_edited_title_is_found_at_once(db):
    qualification = QualificationFactory(title="Old Name Certificate")
    qualification.title = "Lighthouse Keeping Certificate"
    qualification.save(update_fields=["title"])

    assert titles("lighthouse") == [qualification.title]
    assert titles("old name") == []


def test_the_seed_fixture_is_searchable_as_loaded(seed):
    # loaddata saves raw, without Qualification.save(): the signals fill the search text.
    assert "family mediator" in seed.search_keywords
    assert "derbyshire constabulary" in seed.search_body


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgresql_search_uses_the_gin_index(catalogue):
    # So few rows would be read whole; forbid that to see whether the index can be used at all.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")

    plan = Qualification.objects.search("family mediator").explain()

    assert "qualification_search_idx" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the stored tsvector is PostgreSQL's")
def test_postgresqls_stored_vector_is_the_weighted_vector_of_the_search_fields(catalogue):
    stored = search.stored_search_vector(Qualification._meta.db_table)

    same = Func(
        stored, search.search_vector(), template="(%(expressions)s)", arg_joiner=" = ",
        output_field=BooleanField(),
    )  # fmt: skip

    rows = Qualification.objects.annotate(same=same).values_list("same", flat=True)

    assert list(rows) == [True, True, True]


def test_editing_a_row_marks_its_qualification_updated(db):
    qualification = QualificationFactory()
    role = ProgressionRoleFactory(qualification=qualification)
    Qualification.objects.filter(pk=qualification.pk).update(
        updated_at=timezone.now() - timedelta(days=30)
    )
    stale = Qualification.objects.get(pk=qualification.pk).updated_at

    role.description = "Now a different job."
    role.save()

    assert Qualification.objects.get(pk=qualification.pk).updated_at > stale


# THE INDEX STAYS IN STEP WITH EVERY KIND OF WRITE


def test_a_bulk_update_of_the_search_text_is_found_at_once(db):
    qualification = QualificationFactory(title="Old Name Certificate")
    qualification.title = "Lighthouse Keeping Certificate"
    qualification.set_search_document()
    Qualification.objects.bulk_update([qualification], ["title", *search.FIELDS])

    assert titles("lighthouse") == [qualification.title]
    assert titles("old name") == []


def test_a_deleted_qualification_is_no_longer_found(db):
    QualificationFactory(title="Lighthouse Keeping Certificate").delete()
    kept = QualificationFactory(title="Lighthouse Painting Certificate")

    assert titles("lighthouse") == [kept.title]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
def test_sqlites_index_triggers_are_put_back_after_a_table_rebuild(db):
    from qualifications.apps import ensure_sqlite_search_triggers

    with connection.cursor() as cursor:
        for name in ("insert", "update", "delete"):
            cursor.execute(f"DROP TRIGGER {search.FTS_TABLE}_{name}")
    missed = QualificationFactory(title="Lighthouse Keeping Certificate")

    ensure_sqlite_search_triggers(using=connection.alias)
    later = QualificationFactory(title="Lighthouse Painting Certificate")

    assert titles("lighthouse") == [missed.title, later.title]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
def test_sqlite_searches_from_its_index(catalogue):
    plan = str(Qualification.objects.search("family mediator").explain())

    assert "VIRTUAL TABLE INDEX" in plan
    assert "SCAN qualifications_qualification" not in plan


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
@pytest.mark.parametrize("term", ["mediator", "mediat", "family", "families", "60144336", "level4"])
def test_sqlites_rank_finds_a_term_in_a_field_where_its_index_does(catalogue, term):
    # The rank reads the stored field of a row already matched; the index, asked for the field
    # alone, must agree on every row.
    table, found = Qualification._meta.db_table, set()
    for field in search.FIELDS:
        condition, params = search._in_stored_field(table, term, field)
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT id FROM "{table}" WHERE {condition}', params)
            from_text = {pk for (pk,) in cursor.fetchall()}
            cursor.execute(
                f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH %s",
                [search.fts_query([term], field)],
            )
            from_index = {pk for (pk,) in cursor.fetchall()}

        assert from_text == from_index, (term, field)
        found |= from_index
    assert found  # the case is worth asking


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's vectors")
@pytest.mark.parametrize("term", ["mediator", "mediat", "family", "families", "60144336", "level4"])
def test_postgresqls_field_vectors_find_a_term_where_the_weighted_vector_does(catalogue, term):
    # A tier asks a field's own vector (GIN-indexed); the weighted vector, asked for the field's
    # weight, must agree on every row.
    table, found = Qualification._meta.db_table, set()
    for field, weight, _ in search.WEIGHTS[:-1]:
        by_field = search._in_field(table, term, field, "postgresql")
        by_weight = search._tsquery_condition(table, [term], weight)
        with connection.cursor() as cursor:
            rows = []
            for condition, params in [by_field, by_weight]:
                cursor.execute(f'SELECT id FROM "{table}" WHERE {condition}', params)
                rows.append({pk for (pk,) in cursor.fetchall()})

        assert rows[0] == rows[1], (term, field)
        found |= rows[0]
    assert found  # the case is worth asking


def _ids(condition):
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT id FROM "{Qualification._meta.db_table}" WHERE {condition[0]}', condition[1]
        )
        return {pk for (pk,) in cursor.fetchall()}


def _lexicon(terms):
    with connection.cursor() as cursor:
        return search.find_lexemes(cursor, terms)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's lexemes")
@pytest.mark.parametrize("most_lexemes", [search.MOST_LEXEMES, 1])
@pytest.mark.parametrize(
    "terms",
    [["mediat"], ["families"], ["famili", "mediator"], ["interperson", "60144336"], ["level4"],
     ["p"], ["pro", "med"], ["co"], ["zzzz"], ["mediation", "plumbing"]],
)  # fmt: skip
def test_postgresqls_lexemes_match_the_rows_its_prefixes_do(
    catalogue, monkeypatch, terms, most_lexemes
):
    # A word is matched as the lexemes it starts, or, past MOST_LEXEMES, as a prefix: either way
    # the rows its prefix matches, in every field.
    monkeypatch.setattr(search, "MOST_LEXEMES", most_lexemes)
    table, lexicon = Qualification._meta.db_table, _lexicon(terms)

    assert lexicon is not None
    assert _ids(search.match_sql(table, terms, "postgresql", lexicon)) == _ids(
        search.match_sql(table, terms, "postgresql")
    )
    for term in terms:
        for field in search.FIELDS:
            assert _ids(search._in_field(table, term, field, "postgresql", lexicon)) == _ids(
                search._in_field(table, term, field, "postgresql")
            ), (term, field)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's lexemes")
def test_postgresqls_lexemes_are_those_its_stem_starts(catalogue):
    lexicon = _lexicon(["mediation", "famili", "60144336"])

    # "mediation" is "mediat" to PostgreSQL's stemmer; the seed has "mediator" and "mediation".
    assert lexicon["mediation"] == search.Lexemes("mediat", ("mediat",))
    assert lexicon["famili"] == search.Lexemes("famili", ("famili",))
    assert lexicon["60144336"] == search.Lexemes("60144336", ("60144336",))  # a number, whole
    assert _lexicon(["60144336"]) is None  # numbers only: nothing to read


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's lexemes")
def test_postgresqls_lexemes_follow_every_write(catalogue):
    # Added by the table's triggers, whatever writes the row: a save, a bulk update, and a
    # bulk_create with its search text written in the same pass.
    beekeeping = QualificationFactory(title="Beekeeping Level 2", level=Level.LEVEL_2)
    Qualification.objects.filter(pk=beekeeping.pk).update(search_body=" apiarist honeycombs ")
    woodland = QualificationFactory.build(
        title="Woodland Crafts", awarding_organisation=beekeeping.awarding_organisation
    )
    woodland.set_search_document()
    Qualification.objects.bulk_create([woodland])

    assert _lexicon(["beekeep"])["beekeep"].lexemes == ("beekeep",)
    assert _lexicon(["woodl"])["woodl"].lexemes == ("woodland",)
    assert _lexicon(["honey"])["honey"].lexemes == ("honeycomb",)
    assert titles("honey apiar") == ["Beekeeping Level 2"]
    assert list(Qualification.objects.catalogue(q="honey apiar").page(0, 20)) == list(
        Qualification.objects.catalogue(q="honeycombs apiarist").page(0, 20)
    )


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 index is SQLite's")
@pytest.mark.parametrize("terms", [["mediat"], ["family", "mediator"], ["level4", "mediation"]])
def test_sqlites_index_lists_each_tier_as_the_stored_fields_place_it(catalogue, terms):
    # A tier is read from the FTS5 index when the walk through the catalogue falls short; it must
    # hold the matches whose stored fields place each term as one of its ways.
    QualificationFactory(title="Family Support Level 4", overview="Mediation and advocacy.")
    table, found = Qualification._meta.db_table, set()
    match = search.match_sql(table, terms, "sqlite")
    for _, ways in search.tiers(terms):
        tier = search.tier_sql(table, terms, ways, "sqlite")
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT rowid FROM {search.FTS_TABLE} WHERE {search.FTS_TABLE} MATCH %s",
                [search.fts_tier_query(terms, ways)],
            )
            from_index = {pk for (pk,) in cursor.fetchall()}

        assert from_index == _ids((f"{match[0]} AND {tier[0]}", match[1] + tier[1])), ways
        found |= from_index
    assert len(found) == len(_ids(match)) > 0  # every match is in one tier


def _search_entries():
    # (the qualification table's columns that PostgreSQL's narrow copy holds, the copy's), by id.
    columns = (
        "id, status, title, live_from, live_until, level, subject_area, "
        "awarding_organisation_id, search_heading_vector, search_keywords_vector"
    )
    rows = []
    with connection.cursor() as cursor:
        for table in [Qualification._meta.db_table, search.ENTRY_TABLE]:
            cursor.execute(f'SELECT {columns} FROM "{table}" ORDER BY id')
            rows.append(cursor.fetchall())
    return rows


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's narrow copy")
def test_postgresqls_search_entries_follow_every_write(catalogue):
    new = QualificationFactory(title="Beekeeping Level 2", level=Level.LEVEL_2)  # save()
    ProgressionRoleFactory(qualification=new, title="Apiarist")  # the search text rewritten
    Qualification.objects.filter(pk=new.pk).update(status=Status.DRAFT, level=Level.LEVEL_3)
    plumbing = Qualification.objects.get(title__startswith="Plumbing")
    plumbing.live_until = timezone.now()
    Qualification.objects.bulk_update([plumbing], ["live_until"])
    Qualification.objects.get(title__startswith="Bookkeeping").delete()
    # bulk_create, its search text written in the same pass (as the synthetic catalogue is made).
    woodland = QualificationFactory.build(
        title="Woodland Crafts", awarding_organisation=new.awarding_organisation
    )
    woodland.set_search_document()
    Qualification.objects.bulk_create([woodland])

    qualifications, entries = _search_entries()

    assert entries == qualifications
    assert len(entries) == 4
    by_id = {entry[0]: entry for entry in entries}
    assert "apiarist" in by_id[new.pk][-1]  # the keywords' vector, as the role's save left it
    assert "woodland" in by_id[woodland.pk][-2]  # the heading's vector, as bulk_create wrote it


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's narrow copy")
def test_postgresqls_search_entries_are_emptied_with_the_catalogue(catalogue):
    # As the test database's flush empties it (the foreign keys' deferred checks run first).
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f'TRUNCATE "{Qualification._meta.db_table}" CASCADE')

    assert _search_entries() == [[], []]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's narrow copy")
def test_postgresqls_search_entries_mark_the_headings_naming_another_level(db):
    # A level word other than the qualification's own, in its title, or left by an update() that
    # does not rewrite the search text; or a word a prefix of such a word matches ("level30").
    marked = [
        QualificationFactory(title="Preparing for Level 3 Beekeeping", level=Level.LEVEL_2),
        QualificationFactory(title="Beekeeping Level30", level=Level.LEVEL_3),
        QualificationFactory(title="Beekeeping Level 1", level=Level.ENTRY),
        QualificationFactory(title="Woodland Crafts", level=Level.LEVEL_4),
    ]
    Qualification.objects.filter(pk=marked[-1].pk).update(level=Level.LEVEL_5)
    unmarked = [
        QualificationFactory(title="Beekeeping Level 2", level=Level.LEVEL_2),
        QualificationFactory(title="Beekeeping", level=Level.ENTRY),
        QualificationFactory(title="Beekeeping Level 4", level=Level.LEVEL_3),
    ]
    unmarked[-1].level = Level.LEVEL_4  # saved, its heading names only level 4 again
    unmarked[-1].save()

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, names_other_level FROM {search.ENTRY_TABLE}")
        marks = dict(cursor.fetchall())

    assert marks == {q.pk: True for q in marked} | {q.pk: False for q in unmarked}


@pytest.mark.parametrize(
    ("search_terms", "ways", "level"),
    [
        (["level3"], [(0,)], 3),
        (["diploma", "level3"], [(0, 0), (1, 0)], 3),  # in the heading whichever way
        (["diploma", "level3"], [(0, 1), (1, 0)], None),  # in the keywords one way
        (["level3"], [(1,)], None),
        (["level30"], [(0,)], None),  # not a level, as words() makes them
        (["level"], [(0,)], None),
    ],
)
def test_a_tier_names_a_level_when_every_way_has_its_level_word_in_the_heading(
    search_terms, ways, level
):
    assert search.level_named(search_terms, ways) == level


def test_the_tiers_are_every_rank_best_first():
    tiers = search.tiers(["family", "mediation"])

    assert [rank for rank, _ in tiers] == [10, 7, 6, 4, 3, 2]
    assert sorted(way for _, ways in tiers for way in ways) == [
        (first, second) for first in range(3) for second in range(3)
    ]


# DID YOU MEAN …?


def suggestion(query, **filters):
    return Qualification.objects.catalogue(q=query, **filters).spelling_suggestion()


@pytest.mark.parametrize(
    ("query", "corrected"),
    [
        ("mediaton", "mediator"),  # the vocabulary's closest word ("mediation" is a little less)
        ("counciling", "counselling"),
        ("interpersonel mediaton", "interpersonal mediator"),
        ("constabullary derbyshire", "constabulary derbyshire"),
    ],
)
def test_a_misspelt_search_suggests_the_closest_words_that_find_something(
    catalogue, query, corrected
):
    assert titles(query) == []

    assert suggestion(query) == corrected
    assert titles(corrected) == [SEED]


@pytest.mark.parametrize("query", ["601/4433/7", "60144337", "level 9", "zzzz", "mediation"])
def test_no_suggestion_for_numbers_nonsense_or_a_search_that_finds_something(catalogue, query):
    assert suggestion(query) is None


def test_no_suggestion_when_the_corrected_search_finds_nothing_either(catalogue):
    assert titles("mediator") == [SEED]

    assert suggestion("mediaton", level=Level.LEVEL_2) is None


def test_a_draft_is_never_suggested(db):
    QualificationFactory(title="Lighthouse Keeping", status=Status.DRAFT)

    assert suggestion("lighthose") is None


@pytest.mark.parametrize(
    ("word", "other"),
    [("mediaton", "mediator"), ("mediaton", "mediation"), ("counciling", "counselling"),
     ("a", "ab"), ("médiation", "mediation"), ("", "word")],
)  # fmt: skip
@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with pg_trgm")
def test_the_similarity_of_two_words_is_pg_trgms(db, word, other):
    with connection.cursor() as cursor:
        cursor.execute("SELECT similarity(%s, %s)", [word, other])
        (expected,) = cursor.fetchone()

    assert search.similarity(word, other) == pytest.approx(expected)


@pytest.mark.parametrize("term", ["mediaton", "counciling", "familly", "medi", "zzzz", "a"])
def test_the_vocabularys_closest_word_is_the_most_similar_of_all(term):
    words = ["mediation", "mediator", "mediate", "counselling", "counsellor", "counsel", "family"]
    words += ["families", "familiar", "a", "ab", "level4", "60144336", "mediation"]
    similar = [
        (search.similarity(term, word), word)
        for word in words
        if search.could_be_misspelt(word)
        and search.similarity(term, word) >= search.SIMILARITY_THRESHOLD
    ]
    # The highest similarity; the first in alphabetical order among equals.
    expected = min(((-score, word) for score, word in similar), default=(None, None))[1]

    assert search.Vocabulary(words).closest(term) == expected


def test_the_vocabulary_never_offers_a_number():
    assert search.Vocabulary(["60144336", "601443"]).closest("6014433") is None
