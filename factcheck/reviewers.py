"""The Reviewers group and what it may do."""

from django.contrib.auth.models import Group, Permission

REVIEWERS_GROUP = "Reviewers"

# Reviewers change claims (through the services), curate sources, write notes,
# and can see everything else they work with.
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


def reviewers_group():
    """Return the Reviewers group, creating it and granting its permissions as needed."""
    group, _ = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="factcheck", codename__in=REVIEWER_PERMISSIONS
    )
    group.permissions.add(*permissions)
    return group
