import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.management.commands.collectstatic import Command as Collect


def release_id():
    """A digest of what renders the pages (code, templates, the static files'
    names), the same on every machine that runs the same release."""
    digest = hashlib.sha256()
    base = Path(settings.BASE_DIR)
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    files = [
        *sorted((base / "factcheck").rglob("*.py")),
        *sorted((base / "templates").rglob("*.html")),
        *([manifest] if manifest.is_file() else []),
    ]
    for path in files:
        digest.update(
            str(path.relative_to(base) if path.is_relative_to(base) else path.name).encode()
        )
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


class Command(Collect):
    help = (
        f"{Collect.help} Then writes the release id beside them (settings.RELEASE_FILE), "
        "which keys the page cache, so a new release never serves pages rendered by the old."
    )

    def handle(self, **options):
        message = super().handle(**options)
        if not options["dry_run"]:
            Path(settings.RELEASE_FILE).write_text(release_id() + "\n")
        return message
