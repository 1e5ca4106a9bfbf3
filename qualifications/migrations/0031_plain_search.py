"""Plain search on each database's own engine, in place of migrations 0021 to 0030.

Removes what they made outside Django's model state: on SQLite the external-content FTS5 index,
its vocabulary and triggers; on PostgreSQL the generated tsvector columns and their GIN indexes,
the trigram vocabulary, the lexeme table and the narrow copy, with their triggers and functions
(the pg_trgm extension stays: something else may use it). Then makes, and fills from the stored
search text:

- on PostgreSQL, `qualification_search_vector` (models.QualificationVector): the weighted tsvector
  of each qualification with a GIN index, a model of its own that migrate skips on SQLite;
- on SQLite, `qualification_search`: an FTS5 table of the three fields with the Porter stemmer
  (models.QualificationText, unmanaged: Django cannot create a virtual table);
- on both, the words of the search text and how many qualifications hold each (SearchWord).

Going back past this migration is not supported: what 0021 to 0030 made is not rebuilt.
"""

from collections import Counter

import django.contrib.postgres.indexes
import django.contrib.postgres.search
import django.db.models.deletion
from django.db import migrations, models

TABLE = "qualifications_qualification"
FIELDS = ("search_heading", "search_keywords", "search_body")

DROP_SQLITE = """
DROP TRIGGER IF EXISTS qualification_search_insert;
DROP TRIGGER IF EXISTS qualification_search_update;
DROP TRIGGER IF EXISTS qualification_search_delete;
DROP TABLE IF EXISTS qualification_search_vocabulary;
DROP TABLE IF EXISTS qualification_search;
"""
DROP_POSTGRESQL = f"""
DROP TABLE IF EXISTS qualification_search_entry;
DROP FUNCTION IF EXISTS qualification_search_entry_names_other_level(tsvector, integer);
DROP TABLE IF EXISTS qualification_search_lexeme;
DROP TABLE IF EXISTS qualification_search_word;
DROP TRIGGER IF EXISTS qualification_search_entry_insert ON {TABLE};
DROP TRIGGER IF EXISTS qualification_search_entry_update ON {TABLE};
DROP TRIGGER IF EXISTS qualification_search_entry_delete ON {TABLE};
DROP TRIGGER IF EXISTS qualification_search_entry_truncate ON {TABLE};
DROP TRIGGER IF EXISTS qualification_search_lexeme_insert ON {TABLE};
DROP TRIGGER IF EXISTS qualification_search_lexeme_update ON {TABLE};
DROP TRIGGER IF EXISTS qualification_search_word_insert ON {TABLE};
DROP TRIGGER IF EXISTS qualification_search_word_update ON {TABLE};
DROP FUNCTION IF EXISTS qualification_search_entry_upsert();
DROP FUNCTION IF EXISTS qualification_search_entry_delete();
DROP FUNCTION IF EXISTS qualification_search_entry_truncate();
DROP FUNCTION IF EXISTS qualification_search_lexeme_add();
DROP FUNCTION IF EXISTS qualification_search_word_add();
ALTER TABLE {TABLE} DROP COLUMN IF EXISTS search_vector,
    DROP COLUMN IF EXISTS search_heading_vector, DROP COLUMN IF EXISTS search_keywords_vector;
"""

CREATE_SQLITE = f"""
CREATE VIRTUAL TABLE qualification_search USING fts5(
    {", ".join(FIELDS)}, tokenize='porter unicode61 remove_diacritics 0'
);
INSERT INTO qualification_search (rowid, {", ".join(FIELDS)})
    SELECT id, {", ".join(FIELDS)} FROM {TABLE};
"""
FILL_POSTGRESQL = f"""
INSERT INTO qualification_search_vector (qualification_id, vector)
SELECT id, setweight(to_tsvector('english'::regconfig, search_heading), 'A')
    || setweight(to_tsvector('english'::regconfig, search_keywords), 'B')
    || setweight(to_tsvector('english'::regconfig, search_body), 'C')
FROM {TABLE};
"""


def drop_old_search(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor in ("sqlite", "postgresql"):
        for sql in (DROP_SQLITE if vendor == "sqlite" else DROP_POSTGRESQL).split(";\n"):
            if sql.strip():
                schema_editor.execute(sql)


def fill_new_search(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for sql in CREATE_SQLITE.split(";\n"):
            if sql.strip():
                schema_editor.execute(sql)
    elif vendor == "postgresql":
        schema_editor.execute(FILL_POSTGRESQL)
    # The stored fields are their distinct words; a word with a digit is never offered.
    Qualification = apps.get_model("qualifications", "Qualification")
    SearchWord = apps.get_model("qualifications", "SearchWord")
    counts = Counter()
    for texts in Qualification.objects.values_list(*FIELDS).iterator():
        counts.update(
            {
                word
                for text in texts
                for word in text.split()
                if not any(c.isdigit() for c in word) and len(word) <= 50
            }
        )
    SearchWord.objects.bulk_create(
        [SearchWord(word=word, qualifications=count) for word, count in counts.items()],
        batch_size=1000,
    )


def drop_new_search(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS qualification_search")


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0030_postgresql_search_entries_level_index_covers")]

    operations = [
        migrations.RunPython(drop_old_search),
        migrations.CreateModel(
            name="QualificationVector",
            fields=[
                (
                    "qualification",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_vector",
                        serialize=False,
                        to="qualifications.qualification",
                    ),
                ),
                ("vector", django.contrib.postgres.search.SearchVectorField()),
            ],
            options={
                "db_table": "qualification_search_vector",
                "required_db_vendor": "postgresql",
                "indexes": [
                    django.contrib.postgres.indexes.GinIndex(
                        fields=["vector"], name="qualification_search_idx"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="QualificationText",
            fields=[
                (
                    "qualification",
                    models.OneToOneField(
                        db_column="rowid",
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="search_text",
                        serialize=False,
                        to="qualifications.qualification",
                    ),
                ),
                ("search_heading", models.TextField()),
                ("search_keywords", models.TextField()),
                ("search_body", models.TextField()),
            ],
            options={
                "db_table": "qualification_search",
                "managed": False,
                "required_db_vendor": "sqlite",
            },
        ),
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("word", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("qualifications", models.IntegerField()),
            ],
        ),
        migrations.RunPython(fill_new_search, drop_new_search),
    ]
