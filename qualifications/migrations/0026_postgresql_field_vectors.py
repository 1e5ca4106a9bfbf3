"""On PostgreSQL, a stored, GIN-indexed tsvector of each field that scores above the lowest (the
heading and the keywords, see search.WEIGHTS), beside the weighted vector of all three.

The weighted vector can tell which field a word is in, but its GIN index cannot: it lists the rows
a word is in anywhere, and PostgreSQL reads each of them to check the weight. A search's page is
read tier by tier (search.tiers), and a tier such as "both words in the title" is usually a handful
of rows among thousands that have the words somewhere: these indexes find that handful, and tell
the planner how many to expect. Like the weighted vector, they are outside Django's model state.
"""

from django.db import migrations

TABLE = "qualifications_qualification"
FIELDS = ("search_heading", "search_keywords")

# to_tsvector with an explicit configuration is immutable, as a generated column requires.
ADD = [
    f"""
    ALTER TABLE {TABLE} ADD COLUMN {field}_vector tsvector
        GENERATED ALWAYS AS (to_tsvector('english'::regconfig, {field})) STORED;
    CREATE INDEX qualification_{field}_idx ON {TABLE} USING gin ({field}_vector);
    """
    for field in FIELDS
]
DROP = [f"ALTER TABLE {TABLE} DROP COLUMN {field}_vector;" for field in FIELDS]


def add_field_vectors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in ADD:
            schema_editor.execute(sql)


def drop_field_vectors(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)  # and its index with it


class Migration(migrations.Migration):
    dependencies = [
        ("qualifications", "0025_catalogue_index_on_both_databases"),
    ]

    operations = [
        migrations.RunPython(add_field_vectors, drop_field_vectors),
    ]
