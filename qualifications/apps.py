from django.apps import AppConfig


class QualificationsConfig(AppConfig):
    name = "qualifications"
    verbose_name = "Qualifications"
