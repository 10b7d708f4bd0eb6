"""Create the Editors group: reviewers who also take in articles, add and edit
speakers and claims, and publish articles. (A copy of the list in
factcheck/roles.py as it stood then: a migration must not change later.)"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITOR_PERMISSIONS = [
    "view_article",
    "add_article",
    "change_article",
    "view_person",
    "add_person",
    "change_person",
    "view_claim",
    "add_claim",
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


def create_editors_group(apps, schema_editor):
    app_config = apps.get_app_config("factcheck")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Editors")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="factcheck", codename__in=EDITOR_PERMISSIONS
        )
    )


class Migration(migrations.Migration):
    dependencies = [("factcheck", "0006_article_publication")]

    operations = [migrations.RunPython(create_editors_group, migrations.RunPython.noop)]
