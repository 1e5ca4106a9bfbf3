"""The facets index covers the go-live and withdrawal dates too, so the filters' values are read
from it alone. The index of the catalogue's order (status, title, id) replaces (status, title). On PostgreSQL
it includes every column `published()` and the catalogue's filters read, so a page deep in the
list, and a count, are read from the index alone (SQLite indexes the key alone)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0022_postgresql_search_vocabulary")]

    operations = [
        migrations.RemoveIndex(model_name="qualification", name="qualificati_status_a0c7f5_idx"),
        migrations.RemoveIndex(model_name="qualification", name="qualification_facets_idx"),
        migrations.AddIndex(
            model_name="qualification",
            index=models.Index(
                fields=[
                    "status",
                    "level",
                    "subject_area",
                    "awarding_organisation",
                    "live_from",
                    "live_until",
                ],
                name="qualification_facets_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="qualification",
            index=models.Index(
                fields=["status", "title", "id"],
                include=(
                    "live_from",
                    "live_until",
                    "level",
                    "subject_area",
                    "awarding_organisation",
                ),
                name="qualification_catalogue_idx",
            ),
        ),
    ]
