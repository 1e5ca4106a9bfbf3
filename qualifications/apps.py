from importlib import import_module

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def ensure_sqlite_search_triggers(using, **kwargs):
    """A migration that rebuilds the qualification table on SQLite drops the triggers that keep
    the search index in step (migration 0021): put them back after every migrate."""
    connection = connections[using]
    if connection.vendor == "sqlite":
        import_module(
            "qualifications.migrations.0021_sqlite_search_index"
        ).ensure_sqlite_search_triggers(connection)


class QualificationsConfig(AppConfig):
    name = "qualifications"
    verbose_name = "Qualifications"

    def ready(self):
        post_migrate.connect(ensure_sqlite_search_triggers, sender=self)
