"""Publishers may unlock a locked-out sign-in: they see and delete django-axes' access attempts."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

UNLOCK = ["view_accessattempt", "delete_accessattempt", "view_accesslog"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    publisher = Group.objects.get(name="Publisher")
    publisher.permissions.add(
        *Permission.objects.filter(content_type__app_label="axes", codename__in=UNLOCK)
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for publisher in Group.objects.filter(name="Publisher"):
        publisher.permissions.remove(
            *Permission.objects.filter(content_type__app_label="axes", codename__in=UNLOCK)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("qualifications", "0007_editor_and_publisher_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
