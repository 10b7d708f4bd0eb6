"""Create the Reviewers group with its permissions, so that an administrator can
put people in it from the admin as soon as the site is migrated."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

REVIEWER_PERMISSIONS = [
    "view_article",
    "view_person",
    "view_claim",
    "change_claim",
    "view_statuschange",
    "view_source",
    "add_source",
    "change_source",
    "delete_source",
    "view_reviewernote",
    "add_reviewernote",
    "change_reviewernote",
]


def create_reviewers_group(apps, schema_editor):
    # Permissions are normally created after all migrations; make sure they exist
    # (the historical app config needs models_module set for that).
    app_config = apps.get_app_config("factcheck")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Reviewers")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="factcheck", codename__in=REVIEWER_PERMISSIONS
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("factcheck", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_reviewers_group, migrations.RunPython.noop)]
