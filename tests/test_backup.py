"""The documented backup recipe (dumpdata, then loaddata into a fresh database)
brings everything back: claims, timelines, sources, notes, corrections, users and
the audit trail."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from factcheck.models import (
    Article,
    Claim,
    Correction,
    Person,
    Proposal,
    ReaderMessage,
    Reminder,
    ReviewerNote,
    ReviewerProfile,
    SitePage,
    Source,
    StatusChange,
)
from factcheck.services import (
    add_source,
    edit_claim,
    edit_site_page,
    handle_reader_message,
    receive_reader_message,
    remove_source,
)
from factcheck.tasks import send_email
from tests.desk import set_status

pytestmark = pytest.mark.django_db(transaction=True)

# The README's own list, so that the recipe tested is the one documented.
BACKUPS = (settings.BASE_DIR / "README.md").read_text().partition("### Backups")[2]
EXCLUDED = re.findall(r"--exclude=(\S+)", BACKUPS.partition("\n### ")[0])
MODELS = [
    *[Article, Person, Claim, StatusChange, Source, ReviewerNote, Correction],
    *[Proposal, ReviewerProfile, Reminder, ReaderMessage, SitePage, User, Group],
]


def snapshot():
    state = {model.__name__: sorted(map(str, model.objects.values_list())) for model in MODELS}
    for model in (Claim, Source, ReviewerNote, Person, SitePage):
        rows = model.history.values_list(
            "id", "history_type", "history_user__username", "history_change_reason", "history_date"
        )
        state[f"history of {model.__name__}"] = sorted(map(str, rows))
    state["reviewer permissions"] = sorted(
        Group.objects.get(name="Reviewers").permissions.values_list("codename", flat=True)
    )
    return state


def dump_flush_and_load(backup):
    """The README's recipe: dump everything to ``backup``, empty the database,
    load the dump back."""
    call_command(
        "dumpdata",
        "--format=xml",  # XML keeps microseconds; JSON would round them
        "--natural-foreign",
        "--indent",
        "1",
        *[f"--exclude={name}" for name in EXCLUDED],
        output=str(backup),
        verbosity=0,
    )
    call_command("flush", "--no-input", verbosity=0)
    assert not Claim.objects.exists() and not Claim.history.exists()
    call_command("loaddata", str(backup), verbosity=0)


def test_dumpdata_and_loaddata_round_trip_everything(tmp_path, prediction, fact, reviewer):
    source = add_source(
        claim=fact,
        by=reviewer,
        url="https://example.gov/t",
        title="Table",
        stance="supports",
        note="Row 4.",
        reason="A better source came out.",
    )
    set_status(
        claim=fact,
        to_status="accurate",
        rationale="Confirmed.",
        by=reviewer,
        expected_version=1,
        summary="Yes.",
    )
    remove_source(source=source, by=reviewer, reason="The source was superseded.")
    edit_claim(
        claim=prediction,
        changes={"statement": "Reworded."},
        by=reviewer,
        expected_version=1,
        correction_reason="Reworded for readers.",
    )
    ReviewerNote.objects.create(claim=fact, author=reviewer, body="Line one\nline two")
    # Kept, or a restored site would mail again what it mailed this week.
    Reminder.objects.create(
        recipient="rita@example.org",
        claim=prediction,
        reason=Reminder.Reason.OVERDUE,
        sent_on=timezone.localdate(),
    )
    # The desk's inbox, its readers' addresses until they are purged, and the about page.
    handle_reader_message(
        message=receive_reader_message(
            message=ReaderMessage(
                kind=ReaderMessage.Kind.REPORT, claim=fact, text="Wrong.", email="r@example.org"
            )
        ),
        outcome="Checked.",
        by=reviewer,
    )
    edit_site_page(page=SitePage.objects.about(), by=reviewer)
    before = snapshot()
    assert before["Correction"] and before["history of Source"]
    assert before["Proposal"] and before["ReviewerProfile"] and before["Reminder"]
    assert before["ReaderMessage"] and before["history of SitePage"]

    dump_flush_and_load(tmp_path / "backup.xml")

    assert snapshot() == before
    restored = Claim.objects.get(pk=fact.pk)
    assert restored.status_changes.get().changed_by.username == "rita"
    assert restored.sources.get().is_removed
    # The search index is built from the restored rows.
    assert list(Claim.objects.search("reworded").values_list("pk", flat=True)) == [prediction.pk]


def test_the_task_queue_is_left_out(tmp_path, settings, fact):
    """Restoring queued mails would send them again (or send the ones sent since)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    send_email.enqueue(subject="Queued", body="Not sent yet.", to=["rita@example.org"])
    assert "django_tasks_database" in EXCLUDED

    dump_flush_and_load(tmp_path / "backup.xml")

    assert 'model="django_tasks_database.' not in (tmp_path / "backup.xml").read_text()
    assert not DBTaskResult.objects.exists()
    assert Claim.objects.get().slug == fact.slug
