import datetime
import signal
import sys

from django.core.management.base import BaseCommand, CommandError

from factcheck import reminders
from factcheck.mail import mail_is_configured
from factcheck.models import JobLease

# A run still holding its lease after this long died without letting go.
RUN_TAKES_AT_MOST = datetime.timedelta(hours=12)


class Command(BaseCommand):
    help = (
        "Mail the day's reminder digests: each reviewer what needs them (their due "
        "claims, proposals awaiting their sign-off, their proposals sent back), the "
        "desk (FACTCHECK_DESK_EMAIL) the due claims no reviewer is reminded of. An "
        "item reaches an address at most once a week; nothing due, no mail. Run "
        "once a day, on one machine or several: a run started while another is under "
        "way sends nothing. Exits 1 without a mail server (EMAIL_URL), or when a digest "
        "could not be sent (after trying the others; the next run sends it)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print the digests that would be sent; send and record nothing.",
        )

    def handle(self, *args, dry_run, **options):
        if not dry_run and not mail_is_configured():
            raise CommandError(
                "EMAIL_URL is not set: there is no mail server to send the reminders "
                "through. Nothing was sent or recorded."
            )
        if dry_run:
            return self.send(dry_run=True)
        # systemctl stop sends SIGTERM, which ends Python without letting go of
        # the lease; raised as SystemExit, it lets go.
        stopped = signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
        try:
            with JobLease.objects.hold("send_reminders", stale_after=RUN_TAKES_AT_MOST) as held:
                if held:
                    self.send(dry_run=False)
                else:
                    self.stdout.write(
                        "Another send_reminders run is under way; it sends the reminders, "
                        "this one sends nothing."
                    )
        finally:
            signal.signal(signal.SIGTERM, stopped)

    def send(self, *, dry_run):
        digests = reminders.digests()
        for digest in digests:
            if not digest.recipient:
                self.stdout.write(
                    self.style.WARNING(
                        f"{digest.summary}, not sent: FACTCHECK_DESK_EMAIL is not set."
                    )
                )
        addressed = [digest for digest in digests if digest.recipient]
        if not addressed:
            self.stdout.write("Nothing is due that was not mailed this past week: no mail sent.")
            return
        if dry_run:
            for digest in addressed:
                self.stdout.write(f"Would send to {digest.recipient}: {digest.subject}\n")
                self.stdout.write(digest.body)
                self.stdout.write("")
            return

        outcomes = reminders.send_digests(addressed)
        failed = [digest for digest, error in outcomes if error is not None]
        for digest, error in outcomes:
            if error is None:
                self.stdout.write(f"Sent to {digest.recipient}: {digest.subject}")
            else:
                self.stderr.write(f"Could not send to {digest.recipient}: {error}")
        if failed:
            raise CommandError(
                f"{len(failed)} of {len(outcomes)} digests could not be sent; they are not "
                "recorded, so the next run sends them."
            )
        self.stdout.write(
            self.style.SUCCESS(f"Sent {len(outcomes)} digest{'s' if len(outcomes) != 1 else ''}.")
        )
