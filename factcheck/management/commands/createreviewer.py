import secrets
import sys

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from factcheck.roles import EDITOR, REVIEWER


class Command(BaseCommand):
    help = (
        "Create a reviewer: a user in the Reviewers group (with --editor, the Editors "
        "group). Prints a generated password (shown once), or reads one from standard "
        "input with --password-stdin."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument(
            "--staff", action="store_true", help="Also let the reviewer use the Django admin."
        )
        parser.add_argument(
            "--editor",
            action="store_true",
            help="Make an editor: also takes in and publishes articles, adds speakers and claims.",
        )
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            help="Read the password from the first line of standard input.",
        )
        parser.add_argument(
            "--if-missing",
            action="store_true",
            help=(
                "If the user exists already, say so and leave the password alone "
                "(with --editor, the user becomes an editor)."
            ),
        )

    def handle(self, *args, username, email, staff, editor, password_stdin, if_missing, **options):
        User = get_user_model()
        role = EDITOR if editor else REVIEWER
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            if if_missing:
                # A desk's first account, made a plain reviewer by an older release,
                # becomes the editor it is now meant to be.
                if editor and not existing.groups.filter(name=EDITOR.group_name).exists():
                    existing.groups.add(EDITOR.group())
                    self.stdout.write(f"“{username}” is now also an editor.")
                self.stdout.write(
                    f"Reviewer “{username}” exists already; use the password given when it "
                    f"was created (to set a new one: python manage.py changepassword {username})."
                )
                return
            raise CommandError(f"A user named “{username}” exists already.")

        if password_stdin:
            password = sys.stdin.readline().rstrip("\n")
            generated = False
        else:
            password = secrets.token_urlsafe(18)
            generated = True
        user = User(username=username, email=email, is_staff=staff)
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None

        with transaction.atomic():
            user.set_password(password)
            user.save()
            user.groups.add(role.group())

        kind = "editor" if editor else "reviewer"
        self.stdout.write(self.style.SUCCESS(f"Created {kind} “{username}”."))
        if generated:
            self.stdout.write(f"Password (shown once, not stored anywhere): {password}")
