"""On PostgreSQL, the vocabulary of the catalogue search, for "Did you mean …?": every word of the
stored search text, in a table with a trigram index (pg_trgm) to find the words closest to a
misspelling.

Statement-level triggers add the words of every inserted or updated row, so `bulk_create`,
`bulk_update`, COPY and raw SQL writes reach it as `save()` does. Words no longer in any
qualification stay: a suggestion is only offered when the corrected search finds something, so a
stale word is never shown. SQLite reads its search index's own vocabulary (migration 0021): this
migration does nothing there. `CREATE EXTENSION` needs a role allowed to create it (pg_trgm is a
trusted extension from PostgreSQL 13: a database owner may).
"""

from django.db import migrations

TABLE = "qualifications_qualification"
VOCABULARY = "qualification_search_word"
# The stored fields are words between single spaces, with a space at each end.
WORDS_OF_NEW_ROWS = f"""
INSERT INTO {VOCABULARY} (word)
SELECT DISTINCT word
FROM new_rows,
    unnest(string_to_array(new_rows.search_heading || new_rows.search_keywords
        || new_rows.search_body, ' ')) AS word
WHERE word <> ''
ON CONFLICT DO NOTHING
"""

CREATE = f"""
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE TABLE {VOCABULARY} (word text PRIMARY KEY);
CREATE INDEX {VOCABULARY}_trgm_idx ON {VOCABULARY} USING gin (word gin_trgm_ops);
CREATE FUNCTION {VOCABULARY}_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {WORDS_OF_NEW_ROWS};
    RETURN NULL;
END
$$;
CREATE TRIGGER {VOCABULARY}_insert AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {VOCABULARY}_add();
CREATE TRIGGER {VOCABULARY}_update AFTER UPDATE ON {TABLE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {VOCABULARY}_add();
WITH new_rows AS (SELECT * FROM {TABLE}) {WORDS_OF_NEW_ROWS};
"""
DROP = f"""
DROP TRIGGER {VOCABULARY}_insert ON {TABLE};
DROP TRIGGER {VOCABULARY}_update ON {TABLE};
DROP FUNCTION {VOCABULARY}_add();
DROP TABLE {VOCABULARY};
"""


def create_vocabulary(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_vocabulary(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)  # the extension stays: something else may use it


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0021_sqlite_search_index")]

    operations = [migrations.RunPython(create_vocabulary, drop_vocabulary)]
