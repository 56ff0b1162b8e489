"""The "Practice staff" group: the only people, with superusers, who see booking requests."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Practice staff"
PERMISSIONS = [
    ("wagtailadmin", "admin", "access_admin"),
    ("services", "bookingrequest", "view_bookingrequest"),
    ("services", "bookingrequest", "change_bookingrequest"),
    ("services", "bookingrequest", "delete_bookingrequest"),
    ("services", "quarantinedsubmission", "view_quarantinedsubmission"),
    ("services", "quarantinedsubmission", "delete_quarantinedsubmission"),
    ("services", "notification", "view_notification"),
]


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist now.
    for label in ("services",):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    for app_label, model, codename in PERMISSIONS:
        permission = Permission.objects.get(
            content_type__app_label=app_label, content_type__model=model, codename=codename
        )
        group.permissions.add(permission)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0002_booking_requests"),
        ("wagtailadmin", "0001_create_admin_access_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
