"""The catalogue search's stored text (0004 fills it for the qualifications already there); on
PostgreSQL also a stored, GIN-indexed tsvector generated from it.

The tsvector column exists on PostgreSQL only, outside Django's model state, because SQLite has no
tsvector or GIN index (and Django would try to build a Meta index on SQLite, in this migration and
in every later table rebuild). PostgreSQL keeps it in step with the three text fields itself, so a
search neither rebuilds a tsvector per row to match nor to rank. Its weights must stay those of
`search.WEIGHTS`; a test compares it with `search.search_vector()`. Generated columns need
PostgreSQL 12 or newer.
"""

from django.db import migrations, models

# to_tsvector with an explicit configuration is immutable, as a generated column requires.
ADD_SEARCH_VECTOR = """
ALTER TABLE qualifications_qualification ADD COLUMN search_vector tsvector
    GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, search_heading), 'A')
        || setweight(to_tsvector('english'::regconfig, search_keywords), 'B')
        || setweight(to_tsvector('english'::regconfig, search_body), 'C')
    ) STORED;
CREATE INDEX qualification_search_idx ON qualifications_qualification USING gin (search_vector);
"""
DROP_SEARCH_VECTOR = "ALTER TABLE qualifications_qualification DROP COLUMN search_vector;"


def add_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(ADD_SEARCH_VECTOR)


def drop_search_vector(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SEARCH_VECTOR)  # and its index with it


class Migration(migrations.Migration):
    dependencies = [
        ("qualifications", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="qualification",
            name="search_heading",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="qualification",
            name="search_keywords",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.AddField(
            model_name="qualification",
            name="search_body",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(add_search_vector, drop_search_vector),
    ]
