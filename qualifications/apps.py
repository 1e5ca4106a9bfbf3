from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    name = "qualifications"
    verbose_name = "Qualifications"

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)
