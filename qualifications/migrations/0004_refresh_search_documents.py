"""Rewrite the stored search text: qualification numbers and levels are now each one word."""

from importlib import import_module

from django.db import migrations

fill_search_documents = import_module(
    "qualifications.migrations.0002_search_document"
).fill_search_documents


class Migration(migrations.Migration):
    dependencies = [("qualifications", "0003_facets_index")]

    operations = [migrations.RunPython(fill_search_documents, migrations.RunPython.noop)]
