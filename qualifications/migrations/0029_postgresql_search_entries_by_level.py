"""On PostgreSQL, the narrow copy of migration 0028 in level order too, and a mark on the few
qualifications whose heading names a level other than their own.

A search for a level ("level 3") has, as its best rank, every qualification at that level: a
quarter of a large catalogue, and one that seldom starts early in title order, since titles start
with their level ("Level 3 Diploma …", "AIM Qualifications Level 3 …"). Walked in title order,
its first twenty were some 27,000 rows in at 100,000 qualifications; listed from the GIN index and
sorted, they cost 16 to 22 ms. In level order they are the first twenty at that level.

A heading (title, number, level) names its own level, and seldom another ("Level 2 Award in
Preparing for Level 3"). `names_other_level` marks those that do, so that the rest of such a rank,
the qualifications at other levels that name it, is read from a partial index of them alone. It
is generated from the heading's vector and the level, so every write that copies those (the
triggers of migration 0028) keeps it true. SQLite searches its FTS5 index (migration 0021): this
migration does nothing there.
"""

from django.db import migrations

ENTRIES = "qualification_search_entry"
NAMES_OTHER_LEVEL = f"{ENTRIES}_names_other_level"

CREATE = f"""
-- Whether a heading's vector has a word "level…" with a digit (a level word of search.words(),
-- or one a prefix of it matches) other than the word of `level` itself.
CREATE FUNCTION {NAMES_OTHER_LEVEL}(heading tsvector, level integer) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN EXISTS (
    SELECT FROM unnest(tsvector_to_array(heading)) AS word
    WHERE word ~ '^level[0-9]' AND word <> 'level' || level
);
ALTER TABLE {ENTRIES} ADD COLUMN names_other_level boolean
    GENERATED ALWAYS AS ({NAMES_OTHER_LEVEL}(search_heading_vector, level)) STORED;
CREATE INDEX {ENTRIES}_level_idx ON {ENTRIES} (status, level, title, id);
CREATE INDEX {ENTRIES}_other_level_idx ON {ENTRIES} (status, title, id) WHERE names_other_level;
ANALYZE {ENTRIES};
"""
DROP = f"""
DROP INDEX {ENTRIES}_other_level_idx;
DROP INDEX {ENTRIES}_level_idx;
ALTER TABLE {ENTRIES} DROP COLUMN names_other_level;
DROP FUNCTION {NAMES_OTHER_LEVEL}(tsvector, integer);
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0028_postgresql_search_entries")]

    operations = [migrations.RunPython(create, drop)]
