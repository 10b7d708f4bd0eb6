"""The daily reminder digests that ``manage.py send_reminders`` mails.

Who is mailed what:

- A claim is due when it is a prediction past its resolve-by date
  (``Claim.objects.overdue``) or its next-review date has come
  (``due_for_review``). It goes to its owner; an unowned claim, or one whose
  owner turned reminders off, has no email address or is no longer an active
  reviewer, goes to the desk (FACTCHECK_DESK_EMAIL). The claims of drafts count
  (they are the desk's work too); withdrawn claims and those of a taken-down
  article do not, and neither does a claim with an open proposal, which waits
  for an approver rather than its owner.
- A proposal open for more than a day goes to every active reviewer but its
  proposer (any of them may approve it); a proposal sent back goes to its
  proposer until they propose again. These are personal: a reviewer with
  reminders off or without an email address does not get them, and neither
  does the desk.
- A correction of a published verdict (its summary or sources: it goes live
  without sign-off) goes to every editor but its author, in their next
  digest, once.

An item is a claim, why it is due and, for a proposal, which one. An address is
mailed an item at most once a week: its digest lists the items not mailed to it
in the past 7 days, the most recently due first, and counts the claims left out
with a link to the queue. With no such item, the address is not mailed at all,
so a second run on the same day sends nothing.
"""

import datetime
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from .models import (
    REMINDER_REPEATS_AFTER,
    Claim,
    Correction,
    Proposal,
    Reminder,
    gets_reminders,
)
from .publishing import absolute_url
from .roles import EDITOR, REVIEWER

# An open proposal is left to the desk for a day before it is a reminder.
SIGNOFF_GRACE = datetime.timedelta(days=1)

DESK = "the desk"


@dataclass(frozen=True)
class Item:
    claim: Claim
    reason: Reminder.Reason
    # When it became due: the digest lists the most recent first.
    due_since: datetime.date
    # Why it is due, as the digest says it.
    detail: str
    proposal: Proposal | None = None
    correction: Correction | None = None
    # In the desk's digest: why the claim came to the desk.
    desk_note: str = ""

    @property
    def key(self):
        """What a Reminder row records of it (with the recipient)."""
        return (
            self.claim.pk,
            self.reason,
            self.proposal.pk if self.proposal else None,
            self.correction.pk if self.correction else None,
        )


@dataclass
class Digest:
    """One mail: the items for ``recipient`` (the desk's address, or "" when
    FACTCHECK_DESK_EMAIL is not set) that it was not mailed this past week."""

    recipient: str
    # The reviewer it is for; None: the desk.
    user: object
    today: datetime.date
    items: list[Item] = field(default_factory=list)
    # How many other claims are due for the recipient (each listed in a digest this past week).
    others: int = 0

    @property
    def whom(self):
        return "you" if self.user else DESK

    def entries(self):
        """(claim, its items) for each claim, the most recently due first."""
        by_claim = {}
        for item in sorted(self.items, key=lambda item: list(Reminder.Reason).index(item.reason)):
            by_claim.setdefault(item.claim.pk, (item.claim, []))[1].append(item)
        return sorted(
            by_claim.values(),
            key=lambda entry: (
                -max(item.due_since for item in entry[1]).toordinal(),
                entry[0].pk,
            ),
        )

    @property
    def summary(self):
        return need(len(self.entries()), self.whom)

    @property
    def subject(self):
        return f"factcheck: {self.summary}"

    @property
    def body(self):
        queue = absolute_url(reverse("factcheck:review_queue"))
        if self.user:
            lines = [f"{self.user.get_username()}, {self.summary} ({self.today:%Y-%m-%d}):"]
        else:
            lines = [
                f"{self.summary} ({self.today:%Y-%m-%d}): unowned, or their owners get "
                "no reminders."
            ]
        for claim, items in self.entries():
            lines += ["", *indented(f"- {claim.statement}")]
            for item in items:
                lines += indented(item.detail, first="  ")
            if items[0].desk_note:
                lines += indented(items[0].desk_note, first="  ")
            lines.append("  " + absolute_url(reverse("factcheck:review_claim", args=[claim.slug])))
        lines.append("")
        if self.others:
            lines.append(
                f"{need(self.others, self.whom, more=True)}, already listed in a digest "
                "this past week."
            )
        if not self.user:
            lines.append(f"The queue: {queue}")
            return "\n".join(lines) + "\n"
        lines.append(f"Your claims in the queue: {queue}?owner=mine")
        if any(item.proposal for item in self.items):
            lines.append(f"Proposals waiting for you come first in the whole queue: {queue}")
        settings_url = absolute_url(reverse("factcheck:review_settings"))
        lines += ["", f"Reminders are on in your settings: {settings_url}"]
        return "\n".join(lines) + "\n"

    def message(self):
        return EmailMessage(subject=self.subject, body=self.body, to=[self.recipient])

    def reminders(self, sent_at):
        """The Reminder rows that record this digest as sent."""
        return [
            Reminder(
                recipient=self.recipient,
                claim=item.claim,
                reason=item.reason,
                proposal=item.proposal,
                correction=item.correction,
                sent_on=self.today,
                sent_at=sent_at,
            )
            for item in self.items
        ]


def need(count, whom, *, more=False):
    """ "3 claims need you", "1 more claim needs the desk"."""
    claims = f"{count} {'more ' if more else ''}claim"
    return f"{claims} needs {whom}" if count == 1 else f"{claims}s need {whom}"


def indented(text, first=""):
    """``text``'s lines, the first after ``first``, the others under it."""
    head, *rest = text.splitlines() or [""]
    return [first + head, *(" " * max(len(first), 2) + line for line in rest)]


def why_the_desk(owner, reviewers):
    """Why a claim owned by ``owner`` comes to the desk, or "" when it goes to
    its owner (``reviewers``: the active reviewers, by id)."""
    if owner is None:
        return "Unowned."
    name = owner.get_username()
    if owner.pk not in reviewers:
        return f"Owned by {name}, who is no longer an active reviewer."
    if not owner.email:
        return f"Owned by {name}, who has no email address."
    if not gets_reminders(owner):
        return f"Owned by {name}, who turned reminders off."
    return ""


def due_claims(today):
    """The overdue and review-due items of the claims that may be due, each
    claim with its owner (and their profile) at hand."""
    claims = (
        Claim.objects.filter(withdrawn_at__isnull=True, article__unpublished_at__isnull=True)
        .exclude(Exists(Proposal.objects.open().filter(claim=OuterRef("pk"))))
        .select_related("owner__reviewer_profile")
        .order_by("pk")
    )
    for claim in claims.overdue(today):
        yield Item(
            claim,
            Reminder.Reason.OVERDUE,
            claim.resolve_by + datetime.timedelta(days=1),
            f"Resolve-by date {claim.resolve_by:%Y-%m-%d} passed.",
        )
    for claim in claims.due_for_review(today):
        yield Item(
            claim,
            Reminder.Reason.REVIEW_DUE,
            claim.next_review_on,
            f"Next review due {claim.next_review_on:%Y-%m-%d}.",
        )


def live(proposals):
    """Proposals of claims that may be due (as due_claims counts them)."""
    return proposals.filter(
        claim__withdrawn_at__isnull=True, claim__article__unpublished_at__isnull=True
    ).select_related("claim", "proposed_by", "decided_by")


def proposal_items(user, now):
    """The proposals that wait for ``user``: others' open for more than a day,
    and theirs sent back."""
    waiting = live(Proposal.objects.awaiting_signoff_by(user)).filter(
        proposed_at__lt=now - SIGNOFF_GRACE
    )
    for proposal in waiting.order_by("pk"):
        proposed_on = timezone.localdate(proposal.proposed_at)
        yield Item(
            proposal.claim,
            Reminder.Reason.AWAITS_SIGNOFF,
            proposed_on,
            f"Awaits your sign-off: proposed “{proposal.to_info.label}” by "
            f"{proposal.proposed_by} on {proposed_on:%Y-%m-%d}.",
            proposal=proposal,
        )
    for proposal in live(Proposal.objects.sent_back_to(user)).order_by("pk"):
        decided_on = timezone.localdate(proposal.decided_at)
        yield Item(
            proposal.claim,
            Reminder.Reason.SENT_BACK,
            decided_on,
            f"Sent back by {proposal.decided_by} on {decided_on:%Y-%m-%d} (you proposed "
            f"“{proposal.to_info.label}”): {proposal.decision_note}",
            proposal=proposal,
        )


def correction_items(user, now):
    """The corrections of published verdicts (summary, sources) that others
    made this past week: each goes to every editor once (a correction older
    than the week that repeats are kept for is no longer news)."""
    corrections = (
        Correction.objects.public()
        .filter(kind=Correction.Kind.VERDICT, made_at__gte=now - REMINDER_REPEATS_AFTER)
        .exclude(made_by=user)
        .select_related("claim", "made_by")
        .order_by("pk")
    )
    for correction in corrections:
        made_on = timezone.localdate(correction.made_at)
        why = f" Why: {correction.reason}" if correction.reason else ""
        yield Item(
            correction.claim,
            Reminder.Reason.CORRECTED,
            made_on,
            f"Corrected by {correction.made_by} on {made_on:%Y-%m-%d}: "
            f"{correction.description}{why}",
            correction=correction,
        )


def digests(now=None):
    """The digests to mail at ``now`` (default: now), on its day in TIME_ZONE:
    one for each address with an item it was not mailed this past week (see
    the module's docstring), the reviewers' by username, the desk's last (its
    recipient "" when FACTCHECK_DESK_EMAIL is not set)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    reviewers = {
        user.pk: user
        for user in REVIEWER.members().select_related("reviewer_profile").order_by("username")
    }
    due = {user.pk: [] for user in reviewers.values() if gets_reminders(user)}
    desk = []
    for item in due_claims(today):
        owner = item.claim.owner
        if note := why_the_desk(owner, reviewers):
            desk.append(replace(item, desk_note=note))
        else:
            due[owner.pk].append(item)
    for pk in due:
        due[pk] += proposal_items(reviewers[pk], now)
        if EDITOR.held_by(reviewers[pk]):
            due[pk] += correction_items(reviewers[pk], now)

    mailed = set(
        Reminder.objects.this_week(today).values_list(
            "recipient", "claim", "reason", "proposal", "correction"
        )
    )
    planned = [(reviewers[pk].email, reviewers[pk], items) for pk, items in due.items()]
    planned.append((settings.FACTCHECK_DESK_EMAIL, None, desk))
    result = []
    for address, user, items in planned:
        new = [item for item in items if (address, *item.key) not in mailed]
        if not new:
            continue
        listed = {item.claim.pk for item in new}
        others = {item.claim.pk for item in items} - listed
        result.append(Digest(address, user, today, new, len(others)))
    return result


def send_digests(digests):
    """Mail each digest that has an address, one at a time, and record its items
    once the mail server has taken it: a digest that fails is recorded as
    nothing, and the next run sends it. Returns (digest, error) pairs, the error
    None for a digest sent."""
    outcomes = []
    for digest in digests:
        if not digest.recipient:
            continue
        try:
            digest.message().send()
        except OSError as error:  # smtplib's errors and the socket's alike
            outcomes.append((digest, error))
            continue
        with transaction.atomic():
            Reminder.objects.bulk_create(digest.reminders(sent_at=timezone.now()))
        outcomes.append((digest, None))
    return outcomes
