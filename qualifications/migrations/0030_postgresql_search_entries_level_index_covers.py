"""On PostgreSQL, the narrow copy's level index (migration 0029) holds every column a tier reads, as
its title index does (migration 0028), so that a walk in level order is read from the index alone.

A tier at one level that starts late in title order even within the level ("level 3 diploma":
level 3's awards and certificates come first, some 13,000 rows at 100,000 qualifications) is
walked for thousands of entries; each fetched from the table, that took 10 ms, from the index
alone a few. SQLite searches its FTS5 index (migration 0021): this migration does nothing there.
"""

from django.db import migrations

ENTRIES = "qualification_search_entry"
KEY = "status, level, title, id"
INCLUDED = (
    "live_from, live_until, subject_area, awarding_organisation_id, "
    "search_heading_vector, search_keywords_vector"
)

COVERING = f"""
DROP INDEX {ENTRIES}_level_idx;
CREATE INDEX {ENTRIES}_level_idx ON {ENTRIES} ({KEY}) INCLUDE ({INCLUDED});
"""
KEY_ONLY = f"""
DROP INDEX {ENTRIES}_level_idx;
CREATE INDEX {ENTRIES}_level_idx ON {ENTRIES} ({KEY});
"""


def cover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(COVERING)


def uncover(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(KEY_ONLY)


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0029_postgresql_search_entries_by_level")]

    operations = [migrations.RunPython(cover, uncover)]
