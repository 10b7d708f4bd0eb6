from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from factcheck.seeding import SeedError, load, read_claims_file


class Command(BaseCommand):
    help = (
        "Load articles, people and claims from claims files (TOML; default: every "
        "*.toml in seeds/). Idempotent: creates what is new, fills in blank fields of "
        "what exists, and reports, without changing, every other difference. Validates "
        "everything first and writes nothing on error."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", type=Path, help="Claims files to load.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Validate and report, but write nothing."
        )

    def handle(self, *files, **options):
        files = options["files"] or sorted((settings.BASE_DIR / "seeds").glob("*.toml"))
        if not files:
            raise CommandError("No claims files given, and none found in seeds/.")

        problems, claims_files = [], []
        for path in files:
            try:
                claims_files.append(read_claims_file(path))
            except SeedError as error:
                problems.extend(error.problems)
        if problems:
            raise CommandError(self._describe(problems))

        try:
            with transaction.atomic():
                report = load(claims_files)
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except SeedError as error:
            raise CommandError(self._describe(error.problems)) from None

        for notice in report.notices:
            self.stdout.write(notice)
        prefix = "Dry run, nothing written: would have " if options["dry_run"] else ""
        summary = (
            f"{prefix}created {report.created}, updated {report.updated}, "
            f"left alone {report.unchanged}."
        )
        if report.created or report.updated:
            self.stdout.write(self.style.SUCCESS(summary[0].upper() + summary[1:]))
        else:
            self.stdout.write(self.style.SUCCESS(f"Nothing to change: {summary}"))

    def _describe(self, problems):
        count = len(problems)
        heading = (
            f"{count} problem{'s' if count != 1 else ''} in the claims files; nothing was written:"
        )
        return "\n".join([heading, *(f"  {problem}" for problem in problems)])
