"""On PostgreSQL, a narrow copy of what a search's tiers read of each qualification (its filters,
title and the vectors of its heading and keywords), so that a tier of thousands of rows is listed
in title order from a table a tenth of the qualification table's size, and walked in title order
from an index alone.

A tier ("in a title", "in a job role") can hold a quarter of a large catalogue, and its rows are
seldom spread evenly in title order: titles start with their level or their kind ("Level 3 …",
"Certificate in …"). Read from the qualification table, where each row is some 2 KB of text, the
first twenty of 27,000 rows took 50 to 80 ms at 100,000 qualifications; from this copy, whose rows
are some 400 bytes, with an index that holds all of them in title order, a few.

Statement-level triggers keep it in step with every write to the qualification table (insert,
update, delete, truncate: `save()`, `bulk_create`, `bulk_update`, `delete()`, COPY, raw SQL and
the test database's flush alike), in the transaction that writes, and in id order so that two
transactions writing the same rows wait for each other rather than deadlock. SQLite reads its
FTS5 index (migration 0021): this migration does nothing there.
"""

from django.db import migrations

TABLE = "qualifications_qualification"
ENTRIES = "qualification_search_entry"
FILTERS = ("live_from", "live_until", "level", "subject_area", "awarding_organisation_id")
VECTORS = ("search_heading_vector", "search_keywords_vector")
COPIED = ("status", "title", *FILTERS, *VECTORS)
COLUMNS = ", ".join(("id", *COPIED))

UPSERT = f"""
INSERT INTO {ENTRIES} ({COLUMNS}) SELECT {COLUMNS} FROM new_rows ORDER BY id
ON CONFLICT (id) DO UPDATE SET {", ".join(f"{column} = EXCLUDED.{column}" for column in COPIED)}
"""

CREATE = f"""
CREATE TABLE {ENTRIES} AS SELECT {COLUMNS} FROM {TABLE} WITH NO DATA;
ALTER TABLE {ENTRIES} ADD PRIMARY KEY (id);
CREATE FUNCTION {ENTRIES}_upsert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {UPSERT};
    RETURN NULL;
END
$$;
CREATE FUNCTION {ENTRIES}_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {ENTRIES} WHERE id IN (SELECT id FROM old_rows);
    RETURN NULL;
END
$$;
CREATE FUNCTION {ENTRIES}_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {ENTRIES};
    RETURN NULL;
END
$$;
CREATE TRIGGER {ENTRIES}_insert AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {ENTRIES}_upsert();
CREATE TRIGGER {ENTRIES}_update AFTER UPDATE ON {TABLE}
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION {ENTRIES}_upsert();
CREATE TRIGGER {ENTRIES}_delete AFTER DELETE ON {TABLE}
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION {ENTRIES}_delete();
CREATE TRIGGER {ENTRIES}_truncate AFTER TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION {ENTRIES}_truncate();
INSERT INTO {ENTRIES} ({COLUMNS}) SELECT {COLUMNS} FROM {TABLE};
-- Every column, so that a walk in title order is read from the index alone.
CREATE INDEX {ENTRIES}_catalogue_idx ON {ENTRIES} (status, title, id)
    INCLUDE ({", ".join((*FILTERS, *VECTORS))});
CREATE INDEX {ENTRIES}_heading_idx ON {ENTRIES} USING gin (search_heading_vector);
CREATE INDEX {ENTRIES}_keywords_idx ON {ENTRIES} USING gin (search_keywords_vector);
ANALYZE {ENTRIES};
"""
DROP = f"""
DROP TRIGGER {ENTRIES}_insert ON {TABLE};
DROP TRIGGER {ENTRIES}_update ON {TABLE};
DROP TRIGGER {ENTRIES}_delete ON {TABLE};
DROP TRIGGER {ENTRIES}_truncate ON {TABLE};
DROP FUNCTION {ENTRIES}_upsert();
DROP FUNCTION {ENTRIES}_delete();
DROP FUNCTION {ENTRIES}_truncate();
DROP TABLE {ENTRIES};
"""


def create_entries(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop_entries(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0027_postgresql_search_lexemes")]

    operations = [migrations.RunPython(create_entries, drop_entries)]
