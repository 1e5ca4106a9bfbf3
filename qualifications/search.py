"""What the catalogue search matches, and how a learner's words become a query.

Each qualification stores its searchable text in three fields, one per weight, written whenever the
qualification or one of its rows is saved (see `Qualification.save` and `signals.py`):

- heading (weight A): the title, the qualification number and the level;
- keywords (weight B): progression role titles, the subject area, the awarding organisation;
- body (weight C): what it covers, who it suits, role descriptions, employers, the other text.

The text is stored normalised: the distinct words of each field in lower case, without stop words,
one space between words and one at each end. PostgreSQL generates a weighted `tsvector` column from
it, GIN-indexed, and searches that with its full-text search, with a vector of each of the first two
fields beside it; SQLite, the laptop database, searches an FTS5 index of the same three fields. Both
rank alike: each word scores the weight of the best field it is in (PostgreSQL asks the fields'
vectors, SQLite the matched row's stored fields). Both apply
the same rules: every word a learner types must match somewhere, a word matches words that start
with it (`mediat` finds "mediation"; numbers match whole, and a qualification number or a level is
one word: `6` never finds 601/4433/6, `level 4` never finds a 4 elsewhere), and where it
matched decides the rank, so a title match comes before a passing mention.

The match and the rank are SQL (`match_sql`, `rank_sql`), shared by the queryset's `search()` and
the catalogue's own page query (querysets.CatalogueQuery), which reads a search matching many rows
a rank at a time (`tiers`, `tier_sql`; on SQLite `fts_tier_query`). On PostgreSQL the catalogue
matches a word as the lexemes of the catalogue its stem starts (`find_lexemes`, migration 0027),
the same rows as the prefix the queryset asks for, from less of the GIN index's work, and reads a
tier of title and keyword matches from a narrow copy of what a tier needs (`ENTRY_TABLE`,
migration 0028), a tier with a level word in the heading in the copy's level order
(`level_named`, migrations 0029 and 0030).
"""

import functools
import itertools
import operator
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import reduce

from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db.models.expressions import RawSQL

CONFIG = "english"
# Field, PostgreSQL weight, and the score of a word found there: ts_rank's default weights (A 1.0,
# B 0.4, C 0.2) times five, whole numbers so that equal ranks are exactly equal, as the tiers of
# `tiers()` need.
WEIGHTS = (
    ("search_heading", "A", 5),
    ("search_keywords", "B", 2),
    ("search_body", "C", 1),
)
FIELDS = tuple(field for field, _, _ in WEIGHTS)
# A search uses at most this many distinct words; the rest of a pasted paragraph is ignored.
MAX_TERMS = 10

# PostgreSQL's English stop words (tsearch_data/english.stop). Both databases drop them from a
# query, so "level 4 in mediation" behaves alike on each.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
    her hers herself it its itself they them their theirs themselves what which who whom this that
    these those am is are was were be been being have has had having do does did doing a an the and
    but if or because as until while of at by for with about against between into through during
    before after above below to from up down in out on off over under again further then once here
    there when where why how all any both each few more most other some such no nor not only own
    same so than too very s t can will just don should now
    """.split()  # noqa: SIM905 (as english.stop lists them, easier to compare than a list literal)
)

# Letters and digits; anything else (spaces, punctuation) separates words.
_WORD = re.compile(r"[^\W_]+")
# Phrases that are one thing, made one word before splitting, in stored text and queries alike:
# a qualification number ("601/4433/6" is "60144336", never the separate numbers 601 or 6) and a
# level ("level 4" is "level4", so it never matches a 4 in some other number or sentence).
_PHRASES = (
    (re.compile(r"\b(\d{3})\s*/\s*(\d{4})\s*/\s*([\dx])\b"), r"\1\2\3"),
    (re.compile(r"\blevel\s+(\d)\b"), r"level\1"),
)


# Texts repeat (the same role or employer across many qualifications): split each once.
@functools.lru_cache(maxsize=4096)
def words(text):
    """The words of `text` (a tuple), case-folded, each qualification number and level one word."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    for phrase, joined in _PHRASES:
        text = phrase.sub(joined, text)
    return tuple(_WORD.findall(text))


def _normalised(*texts):
    # Each word once, stop words left out: what matters is whether a word is in a field, not how
    # often; it halves the text SQLite scans, and PostgreSQL's tsvector drops stop words anyway.
    distinct = dict.fromkeys(
        word for text in texts for word in words(text) if word not in STOP_WORDS
    )
    return " " + " ".join(distinct) + " "


def build_document(qualification, audiences, roles, employer_names):
    """The three stored search fields of `qualification`, as a dict of field name to text.

    `audiences` and `roles` are its Audience and ProgressionRole rows (or anything with the same
    attributes), `employer_names` the names of the employers who support it.
    """
    roles = list(roles)
    number = qualification.qualification_number or ""  # words() keeps it one word
    return {
        "search_heading": _normalised(
            qualification.title, number, qualification.get_level_display()
        ),
        "search_keywords": _normalised(
            *(role.title for role in roles),
            qualification.subject_area,
            qualification.awarding_organisation.name
            if qualification.awarding_organisation_id
            else "",
        ),
        "search_body": _normalised(
            qualification.overview,
            qualification.entry_requirement,
            *(audience.description for audience in audiences),
            *(role.description for role in roles),
            *employer_names,
            qualification.complementary_subjects,
            qualification.further_study,
            qualification.employer_statement,
            qualification.delivery_restricted_to,
        ),
    }


def terms(query):
    """The distinct words of a learner's query that a search matches, in order."""
    distinct = dict.fromkeys(word for word in words(query) if word not in STOP_WORDS)
    return list(distinct)[:MAX_TERMS]


# POSTGRESQL


def search_vector():
    """The weighted tsvector of the three fields, as PostgreSQL's stored column holds it."""
    return reduce(
        operator.add,
        (SearchVector(field, weight=weight, config=CONFIG) for field, weight, _ in WEIGHTS),
    )


def stored_search_vector(table):
    """The `search_vector` column PostgreSQL generates from `search_vector()` (migration 0002).

    It is no model field, because SQLite has no tsvector; it is read straight from `table`.
    """
    return RawSQL(f'"{table}"."search_vector"', (), output_field=SearchVectorField())


def _tsquery_term(term, weight=""):
    # A number is matched whole; a word as the prefix of a word. Weight letters (A, B) restrict the
    # match to those fields. Terms are letters and digits only, so none can carry tsquery syntax.
    if term.isdigit():
        return f"{term}:{weight}" if weight else term
    return f"{term}:*{weight}"


def _tsquery(search_terms, weight="", lexicon=None):
    # SQL and its parameters for a tsquery needing every term (only in the fields of `weight`):
    # parsed by PostgreSQL from the terms as typed or, given their lexicon (`find_lexemes()`),
    # written out from their lexemes.
    if lexicon is None:
        tsquery = " & ".join(_tsquery_term(term, weight) for term in search_terms)
        return "to_tsquery(%s::regconfig, %s)", [CONFIG, tsquery]
    return "%s::tsquery", [" & ".join(lexicon[term].tsquery(weight) for term in search_terms)]


def _tsquery_condition(table, search_terms, weight="", lexicon=None):
    # The stored vector matching a tsquery that needs every term (only in the fields of `weight`).
    tsquery, params = _tsquery(search_terms, weight, lexicon)
    return f'"{table}"."search_vector" @@ {tsquery}', params


# The lexemes of PostgreSQL's stored vectors (migration 0027).
LEXEME_TABLE = "qualification_search_lexeme"
# A word is matched as the lexemes its stem starts when there are at most this many; one that
# starts more ("a", "co") is matched as a prefix, as the index then gains little from the lexemes.
MOST_LEXEMES = 32


@dataclass(frozen=True)
class Lexemes:
    """What a term matches in PostgreSQL's vectors: the lexemes of the catalogue that start with
    its stem, or, if `lexemes` is None, any that does (a number: its own lexeme, whole)."""

    stem: str
    lexemes: tuple | None

    def tsquery(self, weight=""):
        """The term as a tsquery operand, restricted to the fields of `weight`."""
        if self.lexemes is None:
            return f"{_quoted(self.stem)}:*{weight}"
        suffix = f":{weight}" if weight else ""
        return f"({' | '.join(_quoted(lexeme) + suffix for lexeme in self.lexemes)})"


def _quoted(lexeme):
    # A tsquery's quoted lexeme: taken as it is, never parsed or stemmed again.
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def find_lexemes(cursor, search_terms):
    """{term: Lexemes} for PostgreSQL: each word of `search_terms` as the lexemes of the catalogue
    starting with its stem (PostgreSQL's own, as its full-text search makes it), so that the GIN
    index merges whole lexemes rather than gathering a prefix's. The same rows match as with the
    prefix: every lexeme the vectors hold is in the table (migration 0027). None if there is no
    word to expand (only numbers), or a term is not one lexeme to PostgreSQL."""
    search_terms = list(search_terms)
    if all(term.isdigit() for term in search_terms):
        return None
    cursor.execute(
        "SELECT t.term, v.stems[1], CASE WHEN t.whole THEN NULL ELSE ARRAY("
        f'SELECT l.lexeme FROM {LEXEME_TABLE} l WHERE l.lexeme >= v.stems[1] COLLATE "C" '
        'AND l.lexeme < (v.stems[1] || chr(1114111)) COLLATE "C" AND l.lexeme ^@ v.stems[1] '
        "ORDER BY l.lexeme LIMIT %s) END "
        "FROM unnest(%s::text[], %s::boolean[]) AS t(term, whole) CROSS JOIN LATERAL "
        "(SELECT tsvector_to_array(to_tsvector(%s::regconfig, t.term)) AS stems) AS v "
        "WHERE cardinality(v.stems) = 1",
        [MOST_LEXEMES + 1, search_terms, [term.isdigit() for term in search_terms], CONFIG],
    )
    found = {}
    for term, stem, lexemes in cursor.fetchall():
        if lexemes is None:  # a number, matched whole
            found[term] = Lexemes(stem, (stem,))
        elif 0 < len(lexemes) <= MOST_LEXEMES:
            found[term] = Lexemes(stem, tuple(lexemes))
        else:  # too many, or none (then it matches nothing either way)
            found[term] = Lexemes(stem, None)
    return found if len(found) == len(set(search_terms)) else None


# SQLITE

# Endings removed from a query word so that it also finds its other forms: "mediator" finds
# "mediation", "families" finds "family". The stem is always a prefix of the word typed, so a
# word always finds itself. PostgreSQL's Snowball stemmer does this properly; this is enough for
# a laptop.
_ENDINGS = ("ments", "ment", "ings", "ing", "ions", "ion", "ies", "ors", "or", "ers", "er", "es")
_ENDINGS += ("ed", "s")
_SHORTEST_STEM = 4


def _stem(word):
    if len(word) <= _SHORTEST_STEM or word.isdigit():
        return word
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _SHORTEST_STEM:
            word = word[: -len(ending)]
            break
    if word[-1] in "ey" and len(word) > _SHORTEST_STEM:
        word = word[:-1]
    if len(word) > _SHORTEST_STEM and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]  # "counsell" (from "counselling") finds "counsellor" and "counsel"
    return word


# The FTS5 table over the three search fields (migration 0021): an external-content index, kept in
# step by triggers on the qualification table, so every write (save, bulk_update, raw SQL) reaches
# it. Its tokenizer keeps accents, as the stored text and PostgreSQL's do.
FTS_TABLE = "qualification_search"
FTS_VOCABULARY = "qualification_search_vocabulary"


def _fts_term(term):
    # Terms are letters and digits only; quoting makes each a plain string, never FTS5 syntax.
    return f'"{term}"' if term.isdigit() else f'"{_stem(term)}"*'


def fts_query(search_terms, field=None):
    """An FTS5 query needing every term, each in any search field (or only in `field`)."""
    query = " AND ".join(map(_fts_term, search_terms))
    return f"{{{field}}} : ({query})" if field else query


def fts_tier_query(search_terms, ways):
    """An FTS5 query for the rows of one tier of `tiers()` (`ways`): for one of the ways, every
    term in its best field and in no better one."""
    alternatives = []
    for way in ways:
        conditions = []
        for term, best in zip(search_terms, way, strict=True):
            condition = fts_query([term], FIELDS[best])
            for better in FIELDS[:best]:
                condition = f"({condition}) NOT ({fts_query([term], better)})"
            conditions.append(f"({condition})")
        alternatives.append(f"({' AND '.join(conditions)})")
    return " OR ".join(alternatives)


def _in_stored_field(table, term, field):
    # Whether the stored `field` has a word starting with the term (for a number, that word), as
    # FTS5 matches it: the stored text is its words, each after a space and the last before one,
    # so that is the text holding " word" (" number "). Read from the row the match has already
    # found rather than from the index, which would list every row the term is in, in the field.
    text = f" {term} " if term.isdigit() else f" {_stem(term)}"
    return f'instr("{table}"."{field}", %s) > 0', [text]


def _fts_condition(table, search_terms):
    # A subquery that is not correlated: SQLite runs it once and looks each row up in its result.
    return (
        f'"{table}"."id" IN (SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s)',
        [fts_query(search_terms)],
    )


# BOTH


def match_sql(table, search_terms, vendor, lexicon=None):
    """SQL and its parameters for a condition on `table`'s rows: every term starts a word of its
    search text (or is a number in it), from PostgreSQL's GIN index or SQLite's FTS5 index.

    On PostgreSQL, `lexicon` (the terms' `find_lexemes()`) matches the same rows by lexemes."""
    if vendor == "postgresql":
        return _tsquery_condition(table, search_terms, lexicon=lexicon)
    return _fts_condition(table, search_terms)


# PostgreSQL's stored vectors: the weighted one of all three fields (migration 0002) and those of
# the fields scoring above the lowest (migration 0026), named after their fields.
VECTORS = ("search_vector", *(f"{field}_vector" for field, _, _ in WEIGHTS[:-1]))
# PostgreSQL's narrow copy of what a tier reads (migration 0028): each qualification's id, status,
# title, filters and the vectors of the fields above the lowest (VECTORS[1:]), under their names.
ENTRY_TABLE = "qualification_search_entry"


def _in_field(table, term, field, vendor, lexicon=None):
    # Whether the row's `field` has the term: on PostgreSQL from the field's own vector (migration
    # 0026; the same as asking the weighted vector for the field's weight, but GIN-indexed by
    # field), on SQLite from its stored text. PostgreSQL has no vector of the last field: a term in
    # neither of the others is in the last if it is anywhere, so there it is asked that.
    if vendor != "postgresql":
        return _in_stored_field(table, term, field)
    if field == FIELDS[-1]:
        return _tsquery_condition(table, [term], lexicon=lexicon)
    tsquery, params = _tsquery([term], lexicon=lexicon)
    return f'"{table}"."{field}_vector" @@ {tsquery}', params


def rank_sql(table, search_terms, vendor, lexicon=None):
    """SQL and its parameters for the rank of a row `match_sql` matched: the sum, over the terms,
    of the score of the best field each term is in. The last field is where a term must be if it is
    in neither of the others, so it is never tested."""
    *better, (_, _, lowest) = WEIGHTS
    cases, params = [], []
    for term in search_terms:
        whens = []
        for field, _, score in better:
            condition, condition_params = _in_field(table, term, field, vendor, lexicon)
            whens.append(f"WHEN {condition} THEN {score}")
            params += condition_params
        cases.append(f"CASE {' '.join(whens)} ELSE {lowest} END")
    return f"CAST({' + '.join(cases)} AS DOUBLE PRECISION)", params


# Searches of up to this many words can be read tier by tier (`tiers()`): three words have 27 ways
# of placing them in the fields, in 10 tiers; more words have too many to ask one by one.
MOST_TIERED_TERMS = 3


def tiers(search_terms):
    """The ranks a row matching every term can have, best first, each with its ways: tuples of
    each term's best field (an index of WEIGHTS), as (rank, [way, …]) pairs.

    The rows of one tier are equal in rank, so they are in title order; a page of results is the
    first rows of the first tiers, each read in title order as far as the page needs.
    """
    ways = {}
    for way in itertools.product(range(len(WEIGHTS)), repeat=len(search_terms)):
        ways.setdefault(sum(WEIGHTS[best][2] for best in way), []).append(way)
    return sorted(ways.items(), reverse=True)


# A level, as words() makes it one word ("level 3" is "level3").
_LEVEL_WORD = re.compile(r"level(\d)")


def level_named(search_terms, ways):
    """The level of a level word of `search_terms` ("level3": 3) that every way of one tier of
    `tiers()` (`ways`) places in the heading, which names a qualification's own level; else None.
    """
    for index, term in enumerate(search_terms):
        level = _LEVEL_WORD.fullmatch(term)
        if level and all(way[index] == 0 for way in ways):
            return int(level[1])
    return None


def tier_sql(table, search_terms, ways, vendor, lexicon=None):
    """SQL and its parameters for a condition on `table`'s rows: they match every term, with the
    rank of `ways` (one tier of `tiers()`), each term's best field being one way's. Read from each
    row; on PostgreSQL, from the fields' GIN indexes too."""
    alternatives, params = [], []
    for way in ways:
        conditions = []
        for term, best in zip(search_terms, way, strict=True):
            # In its best field and in no better one.
            for index, field in enumerate(FIELDS[: best + 1]):
                condition, condition_params = _in_field(table, term, field, vendor, lexicon)
                conditions.append(condition if index == best else f"NOT {condition}")
                params += condition_params
        alternatives.append(f"({' AND '.join(conditions)})")
    return f"({' OR '.join(alternatives)})", params


# SPELLING

# PostgreSQL's vocabulary of the stored search text, trigram-indexed (migration 0022); SQLite reads
# its FTS5 index's own (FTS_VOCABULARY).
VOCABULARY_TABLE = "qualification_search_word"

# Words closer than this to a misspelling are offered in its place: pg_trgm's own default
# threshold for its `%` operator, so both databases offer the same words.
SIMILARITY_THRESHOLD = 0.3


def trigrams(word):
    """pg_trgm's trigrams of one word: a set of three-letter strings of "  word "."""
    padded = f"  {word} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def similarity(word, other):
    """pg_trgm's similarity(): the trigrams the two words share over all the trigrams of both."""
    mine, theirs = trigrams(word), trigrams(other)
    shared = len(mine & theirs)
    return shared / (len(mine) + len(theirs) - shared)


def could_be_misspelt(term):
    """Whether a term may be corrected: a word, never a number, level or qualification number."""
    return not any(character.isdigit() for character in term)


class Vocabulary:
    """Words indexed by their trigrams, as pg_trgm's index holds them: the closest word to a
    misspelling is found among the words that share a trigram with it (any other is not similar
    at all), not by comparing it with every word. Numbers are left out: never a correction."""

    def __init__(self, words):
        self.sizes = {}  # word: how many trigrams it has
        self.index = {}  # trigram: the words that have it
        for word in words:
            if could_be_misspelt(word) and word not in self.sizes:
                word_trigrams = trigrams(word)
                self.sizes[word] = len(word_trigrams)
                for trigram in word_trigrams:
                    self.index.setdefault(trigram, []).append(word)

    def closest(self, term):
        """The word most like `term`, the first in alphabetical order among equals, or None if
        none is similar enough: as PostgreSQL's `ORDER BY similarity(word, term) DESC, word` with
        pg_trgm's `%` picks it."""
        term_trigrams = trigrams(term)
        shared = Counter(word for trigram in term_trigrams for word in self.index.get(trigram, ()))
        scored = (
            (count / (len(term_trigrams) + self.sizes[word] - count), word)
            for word, count in shared.items()
        )
        best = min(
            ((-score, word) for score, word in scored if score >= SIMILARITY_THRESHOLD),
            default=None,
        )
        return best and best[1]


def corrected_query(query, finds, closest):
    """The query with each misspelt word replaced, or None if nothing could be corrected.

    A word is misspelt if searching for it alone finds nothing (`finds(word)`); `closest(word)`
    gives the vocabulary's nearest word, or None. Numbers are never corrected.
    """
    search_terms = terms(query)
    corrected = [
        (closest(term) or term) if could_be_misspelt(term) and not finds(term) else term
        for term in search_terms
    ]
    return " ".join(corrected) if corrected != search_terms else None


def index(qualifications):
    """Write the search text of these qualifications, each fetched with `for_detail_page()`."""
    from .models import Qualification

    qualifications = list(qualifications)
    for qualification in qualifications:
        document = build_document(
            qualification,
            qualification.audiences.all(),
            qualification.progression_roles.all(),
            [support.employer.name for support in qualification.employer_supports.all()],
        )
        for field, text in document.items():
            setattr(qualification, field, text)
    Qualification.objects.bulk_update(qualifications, FIELDS, batch_size=500)


def forget(pks):
    """Forget the search text of the deleted qualifications with these pks."""
