from django.core.management.base import BaseCommand

from factcheck import services
from factcheck.models import READER_ADDRESS_KEPT_FOR


class Command(BaseCommand):
    help = (
        f"Delete the email address of every reader message handled more than "
        f"{READER_ADDRESS_KEPT_FOR.days} days ago (the message and its outcome stay). "
        "Run once a day (deploy/factcheck-reminders.service runs it before the reminders)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Say how many would go; delete nothing."
        )

    def handle(self, *args, dry_run, **options):
        count = services.purge_reader_addresses(dry_run=dry_run)
        addresses = f"{count} reader address{'es' if count != 1 else ''}"
        if dry_run:
            self.stdout.write(f"Would delete {addresses}.")
        else:
            self.stdout.write(self.style.SUCCESS(f"Deleted {addresses}."))
