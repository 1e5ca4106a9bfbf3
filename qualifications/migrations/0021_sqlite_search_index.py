"""On SQLite, an FTS5 index of the catalogue search's three stored fields, and its vocabulary.

An external-content FTS5 table: it indexes the qualification table's own columns without keeping a
second copy of the text, and triggers keep it in step with every insert, update and delete, so
`bulk_update`, `bulk_create` and raw SQL writes reach it as `save()` does. The tokenizer keeps
accents and splits on spaces, which is all the stored text holds between its words (search.py
stores it normalised), so the index's words are exactly the stored words. The fts5vocab table
lists those words, for "Did you mean …?".

A later migration that rebuilds the qualification table on SQLite drops its triggers with it:
`ensure_sqlite_search_triggers` (run after every migrate, see apps.py) puts them back.
PostgreSQL searches its own tsvector (migration 0002): this migration does nothing there.
"""

from django.db import migrations

TABLE = "qualifications_qualification"
INDEX = "qualification_search"
VOCABULARY = "qualification_search_vocabulary"
COLUMNS = "search_heading, search_keywords, search_body"

CREATE_INDEX = f"""
CREATE VIRTUAL TABLE {INDEX} USING fts5(
    {COLUMNS}, content='{TABLE}', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
)
"""
CREATE_VOCABULARY = f"CREATE VIRTUAL TABLE {VOCABULARY} USING fts5vocab({INDEX}, 'row')"
_OLD = f"'delete', old.id, old.search_heading, old.search_keywords, old.search_body"
_NEW = "new.id, new.search_heading, new.search_keywords, new.search_body"
TRIGGERS = {
    f"{INDEX}_insert": f"""
CREATE TRIGGER IF NOT EXISTS {INDEX}_insert AFTER INSERT ON {TABLE} BEGIN
    INSERT INTO {INDEX} (rowid, {COLUMNS}) VALUES ({_NEW});
END""",
    f"{INDEX}_delete": f"""
CREATE TRIGGER IF NOT EXISTS {INDEX}_delete AFTER DELETE ON {TABLE} BEGIN
    INSERT INTO {INDEX} ({INDEX}, rowid, {COLUMNS}) VALUES ({_OLD});
END""",
    f"{INDEX}_update": f"""
CREATE TRIGGER IF NOT EXISTS {INDEX}_update AFTER UPDATE OF {COLUMNS} ON {TABLE} BEGIN
    INSERT INTO {INDEX} ({INDEX}, rowid, {COLUMNS}) VALUES ({_OLD});
    INSERT INTO {INDEX} (rowid, {COLUMNS}) VALUES ({_NEW});
END""",
}
REBUILD = f"INSERT INTO {INDEX} ({INDEX}) VALUES ('rebuild')"


def ensure_sqlite_search_triggers(connection):
    """Create whichever of the index's triggers are missing and, if any was, rebuild the index
    from the table; returns whether it did. Does nothing where the index does not exist."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name LIKE %s",
            [f"{INDEX}%"],
        )
        present = {name for (name,) in cursor.fetchall()}
        missing = [sql for name, sql in TRIGGERS.items() if name not in present]
        if INDEX not in present or not missing:
            return False
        for sql in missing:
            cursor.execute(sql)
        cursor.execute(REBUILD)
    return True


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(CREATE_INDEX)
        schema_editor.execute(CREATE_VOCABULARY)
        ensure_sqlite_search_triggers(schema_editor.connection)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {VOCABULARY}")
        schema_editor.execute(f"DROP TABLE IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0020_register_facts")]

    operations = [migrations.RunPython(create_search_index, drop_search_index)]
