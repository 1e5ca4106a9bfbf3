"""The catalogue search: a qualification's search text, how it is written, and how a learner's
words find qualifications on each database's own full-text engine, as Wagtail's database search
backends do.

A qualification's text is three fields, by weight (`document()`):

- heading: the title, the qualification number and the level;
- keywords: progression role titles, the subject area, the awarding organisation, its units'
  references and titles;
- body: what it covers, who it suits, role descriptions, employers, the other text.

Each is stored normalised (`words()`): case-folded, a qualification number ("601/4433/6"), a
level ("level 4") and a unit reference number ("T/617/4242") each one word, stop words dropped,
each word once. `index()` writes it with what the database's engine keeps of it: PostgreSQL a
weighted tsvector, GIN-indexed (models.QualificationVector); SQLite a row of an FTS5 table with
the Porter stemmer (models.QualificationText); both, the words with how many qualifications hold
them, for "Did you mean" (models.SearchWord).

`search()` applies the same rules on both: every word must match somewhere, a word matches the
words it starts (after stemming: "mediators" finds "mediation"), a word with a digit matches
whole, and a title match ranks before a passing mention; equal ranks are in title order.
"""

import functools
import re
import unicodedata
from collections import Counter
from itertools import batched

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connections
from django.db.models import F, FloatField, Func, Lookup, Q, Value
from django.db.models.functions import Length
from rapidfuzz import process
from rapidfuzz.distance import OSA

CONFIG = "english"
FIELDS = ("search_heading", "search_keywords", "search_body")
# PostgreSQL's weights (A, B, C) and SQLite's bm25 column weights, by field: a word in the
# heading must outweigh a word in the others, whatever their length.
POSTGRESQL_WEIGHTS = ("A", "B", "C")
SQLITE_WEIGHTS = (20.0, 5.0, 1.0)
# SQLite's FTS5 table (models.QualificationText).
FTS_TABLE = "qualification_search"
# A search uses at most this many distinct words; the rest of a pasted paragraph is ignored.
MAX_TERMS = 10
# Qualifications written per statement by index().
BATCH_SIZE = 500

# PostgreSQL's English stop words (tsearch_data/english.stop), dropped by both databases.
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

# Letters and digits; anything else (spaces, punctuation, search syntax) separates words.
_WORD = re.compile(r"[^\W_]+")
# Phrases that are one thing, made one word before splitting, in stored text and queries alike:
# a qualification number ("601/4433/6" is "60144336", never the separate numbers 601 or 6), a
# level ("level 4" is "level4", so it never matches a 4 in some other number or sentence) and a
# unit reference number ("T/617/4242" is "t6174242").
_PHRASES = (
    (re.compile(r"\b(\d{3})\s*/\s*(\d{4})\s*/\s*([\dx])\b"), r"\1\2\3"),
    (re.compile(r"\blevel\s+(\d)\b"), r"level\1"),
    (re.compile(r"\b([a-z])\s*/\s*(\d{3})\s*/\s*(\d{4})\b"), r"\1\2\3"),
)
# A qualification number as one word (see _PHRASES); its check digit may be X.
_NUMBER = re.compile(r"(\d{3})(\d{4})([\dx])")


# Texts repeat (the same role or employer across many qualifications): split each once.
@functools.lru_cache(maxsize=4096)
def words(text):
    """The words of `text` (a tuple), case-folded, each qualification number and level one word."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    for phrase, joined in _PHRASES:
        text = phrase.sub(joined, text)
    return tuple(_WORD.findall(text))


def _normalised(*texts):
    distinct = dict.fromkeys(
        word for text in texts for word in words(text) if word not in STOP_WORDS
    )
    return " ".join(distinct)


def document(qualification):
    """The three search fields of `qualification`, fetched with `for_detail_page()`, as a dict
    of field name to text."""
    roles = qualification.progression_roles.all()
    organisation = qualification.awarding_organisation
    return {
        "search_heading": _normalised(
            qualification.title,
            qualification.qualification_number or "",
            qualification.get_level_display(),
        ),
        "search_keywords": _normalised(
            *(role.title for role in roles),
            qualification.subject_area,
            organisation.name,
            *(f"{unit.address} {unit.title}" for unit in qualification.structure.units),
        ),
        "search_body": _normalised(
            qualification.overview,
            qualification.entry_requirement,
            *(audience.description for audience in qualification.audiences.all()),
            *(role.description for role in roles),
            *(support.employer.name for support in qualification.employer_supports.all()),
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


def qualification_number(query):
    """The qualification number that `query` is, and nothing else, as the search reads it
    ("601/4433/6", "601 / 4433 / 6", "60144336"), written as the Register writes it; else None."""
    search_terms = terms(query or "")
    match = len(search_terms) == 1 and _NUMBER.fullmatch(search_terms[0])
    return "/".join(match.groups()).upper() if match else None


def _whole(term):
    # A number, a qualification number or a level: matched whole, never corrected.
    return any(character.isdigit() for character in term)


# WRITING


def index(qualifications):
    """Write the search text of `qualifications` and what the database's engine keeps of it, in
    batches; call it after writing a qualification or its rows, in the same transaction. They
    must be fetched with `for_detail_page()`, their search fields as last written (empty for new
    ones). Returns them, their search fields set."""
    from .models import Qualification

    qualifications = list(qualifications)
    database = connections[Qualification.objects.db]
    for batch in batched(qualifications, BATCH_SIZE):
        documents, counts = {}, Counter()
        for qualification in batch:
            documents[qualification.pk] = texts = document(qualification)
            counts.subtract(_vocabulary(getattr(qualification, field) for field in FIELDS))
            counts.update(_vocabulary(texts.values()))
            for field, text in texts.items():
                setattr(qualification, field, text)
        Qualification.objects.using(database.alias).update_each(batch, FIELDS)
        _write_engine(database.vendor, documents)
        _count_words(database, counts)
    return qualifications


def forget(pks):
    """Take the qualifications with these pks out of the search; call it before deleting them."""
    from .models import Qualification, QualificationText, QualificationVector

    database, counts = connections[Qualification.objects.db], Counter()
    for texts in Qualification.objects.filter(pk__in=pks).values_list(*FIELDS):
        counts.subtract(_vocabulary(texts))
    _count_words(database, counts)
    engine = QualificationVector if database.vendor == "postgresql" else QualificationText
    engine.objects.filter(pk__in=pks).delete()


def _vocabulary(texts):
    # The words "Did you mean" may offer from these stored fields: never one with a digit.
    return {word for text in texts for word in text.split() if not _whole(word) and len(word) <= 50}


def _write_engine(vendor, documents):
    from .models import QualificationText, QualificationVector

    if vendor == "postgresql":
        QualificationVector.objects.bulk_create(
            [QualificationVector(qualification_id=pk, vector=_vector(texts))
             for pk, texts in documents.items()],
            update_conflicts=True,
            unique_fields=["qualification"],
            update_fields=["vector"],
        )  # fmt: skip
    else:
        QualificationText.objects.filter(pk__in=documents).delete()
        QualificationText.objects.bulk_create(
            QualificationText(qualification_id=pk, **texts) for pk, texts in documents.items()
        )


def _vector(texts):
    vectors = [
        SearchVector(Value(texts[field]), weight=weight, config=CONFIG)
        for field, weight in zip(FIELDS, POSTGRESQL_WEIGHTS, strict=True)
    ]
    return vectors[0] + vectors[1] + vectors[2]


def _count_words(database, counts):
    from .models import SearchWord

    changes = [(word, count) for word, count in sorted(counts.items()) if count]
    if not changes:
        return
    table = SearchWord._meta.db_table
    with database.cursor() as cursor:
        # An upsert that adds to the count, which bulk_create(update_conflicts=True) cannot
        # write: it only sets a column to the new row's value. In word order, so that two
        # transactions counting the same words wait for each other rather than deadlock.
        cursor.executemany(
            f"INSERT INTO {table} (word, qualifications) VALUES (%s, %s) ON CONFLICT (word) "
            f"DO UPDATE SET qualifications = {table}.qualifications + excluded.qualifications",
            changes,
        )
    if any(count < 0 for _, count in changes):
        SearchWord.objects.filter(qualifications__lte=0).delete()


# SEARCHING


def _fts5_table(compiler, connection, rowid):
    # The FTS5 table as the search joins it (its hidden column of the same name), from its rowid.
    alias = compiler.compile(rowid)[0].rsplit(".", 1)[0]
    return f"{alias}.{connection.ops.quote_name(FTS_TABLE)}"


class _FTS5Match(Lookup):
    lookup_name = "fts5_match"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        query, params = self.process_rhs(compiler, connection)
        return f"{_fts5_table(compiler, connection, self.lhs)} MATCH {query}", params


class _FTS5Rank(Func):
    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra_context):
        table = _fts5_table(compiler, connection, self.source_expressions[0])
        # bm25 is lower for a better match.
        return f"-bm25({table}, {', '.join(map(str, SQLITE_WEIGHTS))})", []


def search(queryset, query):
    """`queryset` narrowed to those matching every word of `query`, annotated with `rank`, best
    first then by title. A blank query changes nothing; one with no word to search for (only
    punctuation, or only words like "the") matches nothing."""
    if not query or not query.strip():
        return queryset
    search_terms = terms(query)
    if not search_terms:
        return queryset.none()
    if connections[queryset.db].vendor == "postgresql":
        tsquery = _tsquery(search_terms)
        matched = queryset.filter(search_vector__vector=tsquery)
        rank = SearchRank(F("search_vector__vector"), tsquery)
    else:
        # isnull=False makes the join an inner one, so SQLite reads the FTS5 index first.
        rowid = F("search_text__pk")
        matched = queryset.filter(
            Q(search_text__isnull=False), _FTS5Match(rowid, _fts5_query(search_terms))
        )
        rank = _FTS5Rank(rowid)
    return matched.annotate(rank=rank).order_by("-rank", "title", "pk")


def _tsquery(search_terms):
    # Quoted, so a term is only ever a word; a prefix unless it is matched whole.
    return SearchQuery(
        " & ".join(f"'{term}'" if _whole(term) else f"'{term}':*" for term in search_terms),
        search_type="raw",
        config=CONFIG,
    )


def _fts5_query(search_terms):
    return " AND ".join(f'"{term}"' if _whole(term) else f'"{term}"*' for term in search_terms)


def _finds_anything(term, database):
    # Whether any qualification at all, drafts included, holds the term: asked of the engine's
    # own table alone, not joined to the qualifications.
    from .models import QualificationText, QualificationVector

    if connections[database].vendor == "postgresql":
        # Counted, not exists(): for a LIMIT 1 the planner expects an early match and reads the
        # whole table (7.6 ms at 10,000 for a word nobody has), where the GIN index answers in
        # 0.06 ms.
        vectors = QualificationVector.objects.using(database)
        return vectors.filter(vector=_tsquery([term])).count() > 0
    rows = QualificationText.objects.using(database)
    return rows.filter(_FTS5Match(F("pk"), _fts5_query([term]))).exists()


# DID YOU MEAN


def _closest(term):
    # The nearest word by optimal string alignment (a swapped pair of letters is one edit), up to
    # a third of the word's letters away; the most common of the nearest, then the first.
    from .models import SearchWord

    most = max(1, len(term) // 3)
    near = SearchWord.objects.alias(length=Length("word"))
    near = near.filter(length__range=(len(term) - most, len(term) + most))
    counts = dict(near.values_list("word", "qualifications"))
    found = process.extract(term, list(counts), scorer=OSA.distance, score_cutoff=most, limit=None)
    best = min(((distance, -counts[word], word) for word, distance, _ in found), default=None)
    return best and best[2]


def suggestion(query, queryset):
    """`query` with each word that finds nothing anywhere in the catalogue replaced by the word
    of the catalogue a learner most likely meant, if that search finds something in `queryset`;
    else None. Numbers and levels are never replaced."""
    search_terms = terms(query or "")
    corrected = [
        term if _whole(term) or _finds_anything(term, queryset.db) else _closest(term) or term
        for term in search_terms
    ]
    if corrected == search_terms:
        return None
    corrected = " ".join(corrected)
    return corrected if search(queryset, corrected).exists() else None
