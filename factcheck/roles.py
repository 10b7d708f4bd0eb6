"""The desk's roles: a group each, with what its members may do.

Reviewers change a claim's status, curate its sources, write notes, and take
claims for themselves. Editors do all of that, and also give claims to others,
take in articles, add and edit speakers and claims, and publish and unpublish
articles. Migrations 0002 and 0007 created the
groups with these lists as they stood then; ``Role.group()`` brings an
existing group up to date.
"""

import functools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied

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
EDITOR_PERMISSIONS = [
    *REVIEWER_PERMISSIONS,
    "add_article",
    "change_article",
    "add_person",
    "change_person",
    "add_claim",
]


@dataclass(frozen=True)
class Role:
    name: str  # as a 403 names it: "This page is for editors."
    group_name: str
    permissions: list
    # The permission its pages check (what sets it apart from the role below).
    permission: str

    def group(self):
        """The role's group, created and granted its permissions as needed."""
        group, _ = Group.objects.get_or_create(name=self.group_name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="factcheck", codename__in=self.permissions
            )
        )
        return group

    def members(self):
        """The active users who hold the role: through a group, a permission of
        their own, or as superusers (whatever ``role_required`` lets in). With
        axes' backend in front, with_perm must be told which backend grants them."""
        return get_user_model().objects.with_perm(
            self.permission, backend="django.contrib.auth.backends.ModelBackend"
        )

    def held_by(self, user):
        return user.is_active and user.has_perm(self.permission)

    def missing_message(self, user):
        return (
            f"This page is for {self.name}. You are signed in as “{user.get_username()}”, "
            f"who is not in the {self.group_name} group; an administrator can add you to it "
            "in the admin (Users)."
        )


REVIEWER = Role("reviewers", "Reviewers", REVIEWER_PERMISSIONS, "factcheck.change_claim")
EDITOR = Role("editors", "Editors", EDITOR_PERMISSIONS, "factcheck.add_article")


def role_required(role):
    """Not signed in: to the login page. Signed in without the role: a 403
    that names it (Django's permission_required cannot say what is missing)."""

    def decorator(view):
        @functools.wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perm(role.permission):
                raise PermissionDenied(role.missing_message(request.user))
            return view(request, *args, **kwargs)

        return login_required(checked)

    return decorator


reviewer_required = role_required(REVIEWER)
editor_required = role_required(EDITOR)
