"""On PostgreSQL, every lexeme of the stored search vectors, in a table of its own, so that a search
word can be matched as the lexemes it starts (search.lexicon) rather than as a prefix.

A prefix (`manag:*`) costs the GIN index several times what the same rows cost it as whole
lexemes: it gathers every matching entry's rows into a bitmap before it can intersect them with
the other words', where whole lexemes are merged as they are read (at 100,000 qualifications,
`team:* & leader:*` took 9 to 12 ms of the index, `team & (leader | leadership)` 2 to 3 ms).

Statement-level triggers add the lexemes of every inserted or updated row, so `bulk_create`,
`bulk_update`, COPY and raw SQL writes reach it as `save()` does; in sorted order, so that two
transactions adding the same lexemes wait for each other rather than deadlock. Lexemes no longer
in any qualification stay: matched whole, they match nothing, so the search is the same. The
column's "C" collation orders lexemes by their bytes, so those starting with a stem are one range
of its primary key. SQLite searches its FTS5 index (migration 0021): this migration does nothing
there.
"""

from django.db import migrations

TABLE = "qualifications_qualification"
LEXEMES = "qualification_search_lexeme"
LEXEMES_OF_NEW_ROWS = f"""
INSERT INTO {LEXEMES} (lexeme)
SELECT DISTINCT lexeme FROM new_rows, unnest(tsvector_to_array(new_rows.search_vector)) AS lexeme
ORDER BY lexeme
ON CONFLICT DO NOTHING
"""

CREATE = f"""
CREATE TABLE {LEXEMES} (lexeme text COLLATE "C" PRIMARY KEY);
CREATE FUNCTION {LEXEMES}_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {LEXEMES_OF_NEW_ROWS};
    RETURN NULL;
END
$$;
CREATE TRIGGER {LEXEMES}_insert AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {LEXEMES}_add();
CREATE TRIGGER {LEXEMES}_update AFTER UPDATE ON {TABLE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {LEXEMES}_add();
WITH new_rows AS (SELECT * FROM {TABLE}) {LEXEMES_OF_NEW_ROWS};
ANALYZE {LEXEMES};
"""
DROP = f"""
DROP TRIGGER {LEXEMES}_insert ON {TABLE};
DROP TRIGGER {LEXEMES}_update ON {TABLE};
DROP FUNCTION {LEXEMES}_add();
DROP TABLE {LEXEMES};
"""


def create_lexemes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_lexemes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0026_postgresql_field_vectors")]

    operations = [migrations.RunPython(create_lexemes, drop_lexemes)]
