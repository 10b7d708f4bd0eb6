"""manage.py send_reminders: the digests as a real SMTP server receives them,
and what is recorded of them (factcheck.reminders)."""

import datetime
import io
import os
import signal
import subprocess
import sys
from contextlib import contextmanager

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from factcheck import reminders, services
from factcheck.models import (
    Article,
    Correction,
    JobLease,
    Proposal,
    Reminder,
    ReviewerProfile,
)
from factcheck.roles import EDITOR
from factcheck.settings import mailer
from factcheck.statuses import Kind
from tools.server import PROJECT, free_port, site_env

from .conftest import ARTICLE_TEXT, SMTPServer, smtp_url
from .test_tasks import database_url

pytestmark = pytest.mark.django_db

PREDICTION_QUOTE = "the number will double by 2025"
SITE = "http://testserver"


def today():
    return timezone.localdate()


def days_ago(days):
    return today() - datetime.timedelta(days=days)


def review_url(claim):
    return f"{SITE}/review/claims/{claim.slug}/"


def run(*args):
    """The command's (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    call_command("send_reminders", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def mails_by_recipient(server):
    """Each mail received, by its one envelope recipient (and one mail each)."""
    by_recipient = {}
    for mail in server.received:
        [recipient] = mail.recipients
        assert recipient not in by_recipient, f"two digests to {recipient}"
        by_recipient[recipient] = mail
    return by_recipient


def text(mail):
    return mail.message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def recorded():
    """What is recorded as sent: (recipient, claim slug, reason, sent on)."""
    return sorted(
        Reminder.objects.values_list("recipient", "claim__slug", "reason", "sent_on"),
    )


def with_email(user, address):
    user.email = address
    user.save()
    return user


@pytest.fixture
def rita(reviewer):
    return with_email(reviewer, "rita@example.org")


@pytest.fixture
def otto(other_reviewer):
    return with_email(other_reviewer, "otto@example.org")


@pytest.fixture
def desk(settings):
    settings.FACTCHECK_DESK_EMAIL = "desk@example.org"
    return settings.FACTCHECK_DESK_EMAIL


@pytest.fixture
def review_due(make_claim):
    """A fact whose next review is today."""

    def make(**fields):
        fields.setdefault("next_review_on", today())
        return make_claim(**fields)

    return make


@pytest.fixture
def overdue(make_claim, speaker):
    """An unresolved prediction whose resolve-by date was ``days`` ago."""

    def make(days=10, **fields):
        return make_claim(
            quote=PREDICTION_QUOTE,
            kind=Kind.PREDICTION,
            speaker=speaker,
            resolution_criteria="Official figures show twice as many permits.",
            resolve_by=days_ago(days),
            **fields,
        )

    return make


def propose(claim, by, *, hours_ago=48, to_status="accurate"):
    """An open proposal made ``hours_ago``."""
    return Proposal.objects.create(
        claim=claim,
        to_status=to_status,
        rationale="The official table confirms it.",
        proposed_by=by,
        proposed_at=timezone.now() - datetime.timedelta(hours=hours_ago),
        claim_version=claim.version,
    )


def test_each_owner_gets_one_digest_of_their_own_claims(
    smtp_server, settings, rita, otto, review_due, overdue
):
    settings.DEFAULT_FROM_EMAIL = "factcheck@example.org"
    ritas_review = review_due(owner=rita, statement="80,000 received a permit.")
    ritas_prediction = overdue(owner=rita, statement="Permits will double.")
    ottos = review_due(owner=otto, statement="Otto's own claim.")

    out, err = run()

    mails = mails_by_recipient(smtp_server)
    assert set(mails) == {"rita@example.org", "otto@example.org"}
    ritas = mails["rita@example.org"]
    assert ritas.message["Subject"] == "factcheck: 2 claims need you"
    assert ritas.message["To"] == "rita@example.org"
    assert ritas.message["From"] == "factcheck@example.org"
    body = text(ritas)
    for claim in (ritas_review, ritas_prediction):
        assert f"- {claim.statement}\n" in body
        assert review_url(claim) in body
    assert f"Resolve-by date {days_ago(10):%Y-%m-%d} passed." in body
    assert f"Next review due {today():%Y-%m-%d}." in body
    assert ottos.statement not in body and ottos.slug not in body
    assert f"Your claims in the queue: {SITE}/review/?owner=mine" in body

    ottos_mail = mails["otto@example.org"]
    assert ottos_mail.message["Subject"] == "factcheck: 1 claim needs you"
    assert ottos.statement in text(ottos_mail) and review_url(ottos) in text(ottos_mail)
    assert ritas_review.statement not in text(ottos_mail)

    assert recorded() == sorted(
        [
            ("otto@example.org", ottos.slug, "review_due", today()),
            ("rita@example.org", ritas_prediction.slug, "overdue", today()),
            ("rita@example.org", ritas_review.slug, "review_due", today()),
        ]
    )
    assert "Sent to rita@example.org: factcheck: 2 claims need you" in out
    assert "Sent 2 digests." in out and not err


def test_a_digest_reads_as_written(smtp_server, rita, otto, review_due, overdue):
    """One claim due twice over and one sent back, the most recently due first."""
    both = overdue(owner=rita, days=3, statement="Permits will double.", next_review_on=today())
    sent_back = review_due(owner=otto, next_review_on=None, statement="Eighty thousand permits.")
    proposal = propose(sent_back, rita)
    services.send_back_proposal(proposal=proposal, by=otto, note="Cite the 2022 table.\nAnd row 4.")

    smtp_server.received.clear()  # the notices those writes sent: only digests are tested
    run()

    [mail] = smtp_server.received
    assert mail.message["Subject"] == "factcheck: 2 claims need you"
    assert text(mail) == (
        f"rita, 2 claims need you ({today():%Y-%m-%d}):\n"
        "\n"
        "- Permits will double.\n"
        f"  Resolve-by date {days_ago(3):%Y-%m-%d} passed.\n"
        f"  Next review due {today():%Y-%m-%d}.\n"
        f"  {review_url(both)}\n"
        "\n"
        "- Eighty thousand permits.\n"
        f"  Sent back by otto on {today():%Y-%m-%d} (you proposed “Accurate”): Cite the 2022 "
        "table.\n"
        "  And row 4.\n"
        f"  {review_url(sent_back)}\n"
        "\n"
        f"Your claims in the queue: {SITE}/review/?owner=mine\n"
        f"Proposals waiting for you come first in the whole queue: {SITE}/review/\n"
        "\n"
        f"Reminders are on in your settings: {SITE}/review/settings/\n"
    )


def test_unowned_claims_and_those_of_owners_without_reminders_go_to_the_desk(
    smtp_server, desk, rita, otto, review_due, overdue
):
    unowned = review_due(statement="Nobody's claim.")
    ReviewerProfile.objects.create(user=otto, sends_reminders=False)
    ottos = overdue(owner=otto, statement="Otto turned reminders off.")
    with_email(rita, "")
    ritas = review_due(owner=rita, statement="Rita has no address.")

    run()

    [mail] = smtp_server.received
    assert mail.recipients == [desk]
    assert mail.message["Subject"] == "factcheck: 3 claims need the desk"
    body = text(mail)
    for claim in (unowned, ottos, ritas):
        assert claim.statement in body and review_url(claim) in body
    assert "Unowned." in body
    assert "Owned by otto, who turned reminders off." in body
    assert "Owned by rita, who has no email address." in body
    assert f"The queue: {SITE}/review/\n" in body
    assert {row[0] for row in recorded()} == {desk}
    assert len(recorded()) == 3


def test_an_owner_who_is_no_longer_a_reviewer_has_their_claims_sent_to_the_desk(
    smtp_server, desk, rita, review_due
):
    claim = review_due(owner=rita)
    rita.groups.clear()

    run()

    [mail] = smtp_server.received
    assert mail.recipients == [desk]
    assert "Owned by rita, who is no longer an active reviewer." in text(mail)
    assert review_url(claim) in text(mail)


def test_without_a_desk_address_the_desks_claims_are_neither_sent_nor_recorded(
    smtp_server, settings, rita, review_due
):
    settings.FACTCHECK_DESK_EMAIL = ""
    unowned = review_due()
    ritas = review_due(owner=rita)

    out, err = run()

    assert [mail.recipients for mail in smtp_server.received] == [["rita@example.org"]]
    assert unowned.statement not in text(smtp_server.received[0])
    assert "1 claim needs the desk, not sent: FACTCHECK_DESK_EMAIL is not set." in out
    assert recorded() == [("rita@example.org", ritas.slug, "review_due", today())]


def test_open_proposals_older_than_a_day_go_to_every_other_reviewer(
    smtp_server, desk, rita, otto, approver, review_due, django_user_model
):
    edith = django_user_model.objects.create_user("edith", email="edith@example.org")
    edith.groups.add(EDITOR.group())
    with_email(approver, "amir@example.org")
    ReviewerProfile.objects.filter(user=approver).update(sends_reminders=False)
    # A reader's account is no approver.
    django_user_model.objects.create_user("reader", email="reader@example.org")
    # Her own claim, due, but waiting for an approver rather than for her.
    old = review_due(owner=rita, statement="Proposed two days ago.")
    propose(old, rita, hours_ago=48)
    young = review_due(statement="Proposed this morning.")
    propose(young, otto, hours_ago=23)

    run()

    mails = mails_by_recipient(smtp_server)
    # Not rita, who proposed it; not amir, reminders off; not the desk, nor the reader.
    assert set(mails) == {"otto@example.org", "edith@example.org"}
    for mail in mails.values():
        assert mail.message["Subject"] == "factcheck: 1 claim needs you"
        body = text(mail)
        assert (
            f"Awaits your sign-off: proposed “Accurate” by rita on {days_ago(2):%Y-%m-%d}." in body
        )
        assert review_url(old) in body
        assert young.statement not in body
    assert recorded() == [
        ("edith@example.org", old.slug, "awaits_signoff", today()),
        ("otto@example.org", old.slug, "awaits_signoff", today()),
    ]
    assert set(Reminder.objects.values_list("proposal", flat=True)) == {old.proposals.get().pk}


def test_a_sent_back_proposal_goes_to_its_proposer_until_they_propose_again(
    smtp_server, rita, otto, fact
):
    proposal = propose(fact, rita)
    services.send_back_proposal(proposal=proposal, by=otto, note="Cite the 2022 table.")

    smtp_server.received.clear()  # the notices those writes sent: only digests are tested
    run()

    [mail] = smtp_server.received
    assert mail.recipients == ["rita@example.org"]
    assert mail.message["Subject"] == "factcheck: 1 claim needs you"
    assert (
        f"Sent back by otto on {today():%Y-%m-%d} (you proposed “Accurate”): "
        "Cite the 2022 table." in text(mail)
    )
    assert review_url(fact) in text(mail)
    assert recorded() == [("rita@example.org", fact.slug, "sent_back", today())]

    # Proposed again: nothing for rita, and in a day the new proposal is otto's to approve.
    propose(fact, rita, hours_ago=1)
    a_week_on = reminders.digests(timezone.now() + datetime.timedelta(days=7))
    assert [(digest.recipient, digest.items[0].reason) for digest in a_week_on] == [
        ("otto@example.org", Reminder.Reason.AWAITS_SIGNOFF)
    ]


def test_a_second_run_on_the_same_day_sends_nothing(smtp_server, rita, otto, review_due):
    review_due(owner=rita)
    proposal = propose(review_due(owner=rita), otto)
    services.send_back_proposal(proposal=proposal, by=rita, note="Not yet.")
    smtp_server.received.clear()  # the notices those writes sent: only digests are tested
    run()
    assert len(smtp_server.received) == 2
    before = recorded()

    out, err = run()

    assert len(smtp_server.received) == 2
    assert recorded() == before
    assert "Nothing is due that was not mailed this past week: no mail sent." in out


def test_an_item_comes_back_a_week_after_it_was_mailed(smtp_server, rita, review_due):
    six_days = review_due(owner=rita, statement="Mailed six days ago.")
    seven_days = review_due(owner=rita, statement="Mailed seven days ago.")
    run()
    Reminder.objects.filter(claim=six_days).update(sent_on=days_ago(6))
    Reminder.objects.filter(claim=seven_days).update(sent_on=days_ago(7))
    new = review_due(owner=rita, statement="Never mailed.", next_review_on=days_ago(1))
    smtp_server.received.clear()

    run()

    [mail] = smtp_server.received
    assert mail.message["Subject"] == "factcheck: 2 claims need you"
    body = text(mail)
    assert seven_days.statement in body and new.statement in body
    assert six_days.statement not in body
    # Newly due first: its next review was only today.
    assert body.index(seven_days.statement) < body.index(new.statement)
    assert "1 more claim needs you, already listed in a digest this past week." in body
    assert recorded() == sorted(
        [
            ("rita@example.org", six_days.slug, "review_due", days_ago(6)),
            ("rita@example.org", seven_days.slug, "review_due", days_ago(7)),
            ("rita@example.org", seven_days.slug, "review_due", today()),
            ("rita@example.org", new.slug, "review_due", today()),
        ]
    )


def test_an_item_mailed_to_its_last_owner_is_new_to_the_next(smtp_server, rita, otto, review_due):
    claim = review_due(owner=rita)
    run()
    services.assign_claim(claim=claim, owner=otto, by=rita)

    run()

    assert [mail.recipients for mail in smtp_server.received] == [
        ["rita@example.org"],
        ["otto@example.org"],
    ]


def test_nothing_due_sends_nothing_and_records_nothing(
    smtp_server, desk, rita, otto, make_claim, review_due, overdue, set_status
):
    review_due(owner=rita, next_review_on=today() + datetime.timedelta(days=1))
    overdue(owner=rita, days=0)  # resolves today: due, not yet overdue
    review_due(owner=rita, withdrawn_at=timezone.now(), withdrawal_reason="Lost in a correction.")
    resolved = overdue(owner=rita, days=30)
    set_status(resolved, "came_true", by=otto)
    propose(review_due(next_review_on=None), otto, hours_ago=20)

    smtp_server.received.clear()  # the notices those writes sent: only digests are tested
    out, err = run()

    assert smtp_server.received == []
    assert recorded() == []
    assert "Nothing is due that was not mailed this past week: no mail sent." in out
    assert not err


def test_the_claims_of_a_draft_are_due_and_of_a_taken_down_article_not(
    smtp_server, rita, review_due
):
    draft = review_due(owner=rita, statement="On a draft.")
    draft.article.published_at = None
    draft.article.save()
    taken_down = Article.objects.create(
        title="Taken down",
        publisher="Example Times",
        published_on=datetime.date(2022, 10, 21),
        text=ARTICLE_TEXT,
        slug="taken-down",
        published_at=timezone.now(),
        unpublished_at=timezone.now(),
        unpublished_reason="The publisher retracted it.",
    )
    start, end = taken_down.locate(ARTICLE_TEXT[:17])
    gone = taken_down.claims.create(
        kind=Kind.FACT,
        quote=ARTICLE_TEXT[:17],
        quote_start=start,
        quote_end=end,
        statement="On a taken-down article.",
        slug="taken-down-claim",
        owner=rita,
        next_review_on=today(),
    )

    run()

    [mail] = smtp_server.received
    assert draft.statement in text(mail)
    assert gone.statement not in text(mail)


def test_a_mail_server_that_is_down_is_reported_and_the_next_run_sends(
    smtp_server, dead_smtp_port, settings, rita, otto, review_due
):
    review_due(owner=rita)
    review_due(owner=otto)
    settings.MAILERS = {"default": mailer(smtp_url(dead_smtp_port))}
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 of 2 digests could not be sent"):
        call_command("send_reminders", stdout=io.StringIO(), stderr=err)

    for address in ("rita@example.org", "otto@example.org"):
        assert f"Could not send to {address}: [Errno 111] Connection refused" in err.getvalue()
    assert recorded() == []
    assert smtp_server.received == []

    settings.MAILERS = {"default": mailer(smtp_server.url)}
    run()

    assert set(mails_by_recipient(smtp_server)) == {"rita@example.org", "otto@example.org"}
    assert len(recorded()) == 2


@contextmanager
def mail_through(server, settings):
    """The site's mail sent to ``server`` (an SMTPServer), listening meanwhile."""
    controller = Controller(server, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        settings.MAILERS = {"default": mailer(server.url)}
        yield server
    finally:
        controller.stop()


class RefusingServer(SMTPServer):
    """Refuses mail for one address (550), as a server that does not know it."""

    refused = "otto@example.org"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.refused:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_digest_refused_is_reported_and_the_others_are_sent(settings, rita, otto, review_due):
    review_due(owner=rita)
    review_due(owner=otto)
    err = io.StringIO()
    with (
        mail_through(RefusingServer(port=free_port()), settings) as server,
        pytest.raises(CommandError, match="1 of 2 digests could not be sent"),
    ):
        call_command("send_reminders", stdout=io.StringIO(), stderr=err)

    assert [mail.recipients for mail in server.received] == [["rita@example.org"]]
    assert "Could not send to otto@example.org: " in err.getvalue()
    assert "No such mailbox" in err.getvalue()
    assert {row[0] for row in recorded()} == {"rita@example.org"}


def test_without_email_url_in_production_nothing_is_sent_or_recorded(settings, rita, review_due):
    review_due(owner=rita)
    settings.MAILERS = {}

    with pytest.raises(CommandError, match="EMAIL_URL is not set"):
        run()

    assert recorded() == []


def run_as_cron_does(env):
    """The command in a process of its own, with ``env``: its CompletedProcess."""
    return subprocess.run(
        [sys.executable, "manage.py", "send_reminders"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
    )


def test_without_email_url_the_command_exits_non_zero(tmp_path):
    """Debug off, no EMAIL_URL (and it stops before it needs a database)."""
    result = run_as_cron_does(site_env(tmp_path))

    assert result.returncode == 1
    assert "EMAIL_URL is not set" in result.stderr


@pytest.mark.django_db(transaction=True)
def test_as_a_process_it_exits_non_zero_while_the_server_is_down(
    tmp_path, smtp_server, dead_smtp_port, rita, review_due
):
    review_due(owner=rita)
    env = site_env(tmp_path, database_url=database_url())

    down = run_as_cron_does({**env, "EMAIL_URL": smtp_url(dead_smtp_port)})
    assert down.returncode == 1
    assert "Could not send to rita@example.org: [Errno 111] Connection refused" in down.stderr
    assert recorded() == []

    up = run_as_cron_does({**env, "EMAIL_URL": smtp_server.url})
    assert up.returncode == 0, up.stderr
    assert [mail.recipients for mail in smtp_server.received] == [["rita@example.org"]]
    assert len(recorded()) == 1


def test_a_dry_run_prints_the_digests_and_sends_and_records_nothing(smtp_server, rita, review_due):
    claim = review_due(owner=rita)

    out, err = run("--dry-run")

    assert "Would send to rita@example.org: factcheck: 1 claim needs you" in out
    assert review_url(claim) in out
    assert smtp_server.received == []
    assert recorded() == []
    run()  # and a real run then sends it
    assert len(smtp_server.received) == 1


def test_a_dry_run_needs_no_mail_server(settings, rita, review_due):
    review_due(owner=rita)
    settings.MAILERS = {}

    out, err = run("--dry-run")

    assert "Would send to rita@example.org: factcheck: 1 claim needs you" in out
    assert recorded() == []


def test_a_correction_of_a_published_verdict_goes_to_every_editor_once(
    smtp_server, rita, editor, fact, set_status
):
    """It goes live without sign-off: the editors are told, in their next digest."""
    edith = with_email(editor, "edith@example.org")
    other = with_email(
        get_user_model().objects.create_user("eve", password="correct horse battery"),
        "eve@example.org",
    )
    other.groups.add(EDITOR.group())
    set_status(fact, "accurate", by=rita, summary="Right.")
    services.edit_claim(
        claim=fact,
        changes={"summary": "Right: 80,112 permits."},
        by=edith,
        expected_version=fact.version,
        correction_reason="The ministry's table was revised.",
    )
    smtp_server.received.clear()  # the notices those writes sent: only digests are tested

    run()

    mails = mails_by_recipient(smtp_server)
    # Every editor but its author; rita is a reviewer, not an editor.
    assert set(mails) == {"eve@example.org"}
    body = text(mails["eve@example.org"])
    assert (
        f"Corrected by edith on {today():%Y-%m-%d}: Revised the summary. "
        "Why: The ministry's table was revised."
    ) in body
    assert review_url(fact) in body

    smtp_server.received.clear()
    run()
    assert smtp_server.received == []  # once
    # A week on, the reminder is no longer "this week", but the correction is no
    # longer news either: it is not mailed again.
    Reminder.objects.update(sent_on=days_ago(8))
    Correction.objects.update(made_at=timezone.now() - datetime.timedelta(days=8))
    run()
    assert smtp_server.received == []


# --- One run at a time (each app server may start the daily jobs) -----------------

TWELVE_HOURS = datetime.timedelta(hours=12)


def test_a_run_while_another_is_under_way_sends_nothing(smtp_server, rita, review_due):
    review_due(owner=rita)
    smtp_server.received.clear()  # the notices those writes sent: only digests are tested
    with JobLease.objects.hold("send_reminders", stale_after=TWELVE_HOURS) as held:
        assert held
        out, _ = run()
        assert out == (
            "Another send_reminders run is under way; it sends the reminders, "
            "this one sends nothing.\n"
        )
        assert smtp_server.received == []
        assert recorded() == []
    # Once that run is over, the next one sends, and lets go too.
    run()
    assert list(mails_by_recipient(smtp_server)) == ["rita@example.org"]
    assert not JobLease.objects.exists()


def test_a_run_that_died_holding_its_lease_is_taken_over_after_twelve_hours(
    smtp_server, rita, review_due
):
    review_due(owner=rita)
    smtp_server.received.clear()
    died = JobLease.objects.create(
        name="send_reminders",
        started_at=timezone.now() - TWELVE_HOURS + datetime.timedelta(minutes=1),
    )
    assert "under way" in run()[0]
    JobLease.objects.filter(pk=died.pk).update(started_at=timezone.now() - TWELVE_HOURS)
    # Of two runs taking it over, one does.
    with (
        JobLease.objects.hold("send_reminders", stale_after=TWELVE_HOURS) as first,
        JobLease.objects.hold("send_reminders", stale_after=TWELVE_HOURS) as second,
    ):
        assert (first, second) == (True, False)
    assert not JobLease.objects.exists()
    JobLease.objects.create(name="send_reminders", started_at=timezone.now() - TWELVE_HOURS)
    run()
    assert list(mails_by_recipient(smtp_server)) == ["rita@example.org"]
    assert not JobLease.objects.exists()


def test_a_run_that_fails_lets_go_of_its_lease(
    smtp_server, dead_smtp_port, settings, rita, review_due
):
    review_due(owner=rita)
    settings.MAILERS = {"default": mailer(smtp_url(dead_smtp_port))}
    with pytest.raises(CommandError, match="1 of 1 digests could not be sent"):
        call_command("send_reminders", stdout=io.StringIO(), stderr=io.StringIO())
    assert not JobLease.objects.exists()


class StoppingServer(SMTPServer):
    """Takes the first mail, then stops the run as `systemctl stop` does (SIGTERM)."""

    async def handle_DATA(self, server, session, envelope):
        answer = await super().handle_DATA(server, session, envelope)
        os.kill(os.getpid(), signal.SIGTERM)
        return answer


def test_a_run_stopped_by_sigterm_lets_go_of_its_lease(settings, rita, otto, review_due):
    handler = signal.getsignal(signal.SIGTERM)
    review_due(owner=rita)
    review_due(owner=otto)
    with (
        mail_through(StoppingServer(port=free_port()), settings),
        pytest.raises(SystemExit) as stopped,
    ):
        call_command("send_reminders", stdout=io.StringIO(), stderr=io.StringIO())
    assert stopped.value.code == 128 + signal.SIGTERM
    assert not JobLease.objects.exists()
    # The handler it set is gone with it: SIGTERM is the test process's own again.
    assert signal.getsignal(signal.SIGTERM) is handler
