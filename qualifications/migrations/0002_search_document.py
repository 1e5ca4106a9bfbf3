"""The catalogue search's stored text, filled for the qualifications already there; on PostgreSQL a
GIN index on its weighted tsvector.

The index is created only on PostgreSQL, outside Django's model state: SQLite has no GIN index, and
Django would try to build one there from Meta.indexes, in this migration and in every later SQLite
table rebuild. Its expression must stay
the one `search.search_vector()` builds, or PostgreSQL will not use it (a test checks that it does).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import migrations, models

SEARCH_INDEX = GinIndex(
    SearchVector("search_heading", weight="A", config="english")
    + SearchVector("search_keywords", weight="B", config="english")
    + SearchVector("search_body", weight="C", config="english"),
    name="qualification_search_idx",
)


def fill_search_documents(apps, schema_editor):
    from qualifications.search import FIELDS, build_document

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


def create_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("qualifications", "Qualification"), SEARCH_INDEX)


def drop_search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("qualifications", "Qualification"), SEARCH_INDEX)


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
        migrations.RunPython(fill_search_documents, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_search_index, drop_search_index),
    ]
