"""The staff roles: Editors write qualifications, employers and their rows; Publishers also
publish, schedule, withdraw and delete. Give a staff account one of these groups in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR = {
    "qualifications": {
        "qualification": ["add", "change", "view"],
        "audience": ["add", "change", "delete", "view"],
        "progressionrole": ["add", "change", "delete", "view"],
        "employersupport": ["add", "change", "delete", "view"],
        "employer": ["add", "change", "view"],
        "awardingorganisation": ["view"],
    },
}
PUBLISHER = {
    "qualifications": {
        "qualification": ["add", "change", "delete", "view", "publish"],
        "audience": ["add", "change", "delete", "view"],
        "progressionrole": ["add", "change", "delete", "view"],
        "employersupport": ["add", "change", "delete", "view"],
        "employer": ["add", "change", "delete", "view"],
        "awardingorganisation": ["add", "change", "view"],
    },
}
ROLES = {"Editor": EDITOR, "Publisher": PUBLISHER}


def codename(action, model):
    return f"{action}_{model}"


def create_roles(apps, schema_editor):
    # Permissions are otherwise created only after every migration has run.
    for app_config in apps.get_app_configs():
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, models in grants.items():
            for model, actions in models.items():
                group.permissions.add(
                    *Permission.objects.filter(
                        content_type__app_label=app_label,
                        content_type__model=model,
                        codename__in=[codename(action, model) for action in actions],
                    )
                )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("qualifications", "0006_overview_needed_only_to_publish"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
