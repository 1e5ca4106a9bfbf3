"""Rewrite the stored search text: qualification numbers and levels are now each one word.

The rules are copied here as they were when this migration was written, so that it does the same
whatever search.py later becomes.
"""

import re
import unicodedata

from django.db import migrations

FIELDS = ("search_heading", "search_keywords", "search_body")
LEVELS = {0: "Entry level", **{n: f"Level {n}" for n in range(1, 9)}}
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

_WORD = re.compile(r"[^\W_]+")
_PHRASES = (
    (re.compile(r"\b(\d{3})\s*/\s*(\d{4})\s*/\s*(\d)\b"), r"\1\2\3"),
    (re.compile(r"\blevel\s+(\d)\b"), r"level\1"),
)


def words(text):
    text = unicodedata.normalize("NFKC", text or "").casefold()
    for phrase, joined in _PHRASES:
        text = phrase.sub(joined, text)
    return _WORD.findall(text)


def normalised(*texts):
    distinct = dict.fromkeys(
        word for text in texts for word in words(text) if word not in STOP_WORDS
    )
    return " " + " ".join(distinct) + " "


def build_document(qualification, audiences, roles, employer_names):
    roles = list(roles)
    return {
        "search_heading": normalised(
            qualification.title,
            qualification.qualification_number or "",
            LEVELS.get(qualification.level, ""),
        ),
        "search_keywords": normalised(
            *(role.title for role in roles),
            qualification.subject_area,
            qualification.awarding_organisation.name,
        ),
        "search_body": normalised(
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


def fill_search_documents(apps, schema_editor):
    Qualification = apps.get_model("qualifications", "Qualification")
    qualifications = list(
        Qualification.objects.select_related("awarding_organisation").prefetch_related(
            "audiences", "progression_roles", "employer_supports__employer"
        )
    )
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


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0003_facets_index")]

    operations = [migrations.RunPython(fill_search_documents, migrations.RunPython.noop)]
