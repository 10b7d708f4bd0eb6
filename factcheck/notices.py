"""What the desk is told by email when a web request needs someone: a proposal
waiting for sign-off, a proposal sent back, a deactivated reviewer's claims.
Each notice is queued as a task (factcheck.tasks.send_email) inside the
transaction of the write that causes it, so it goes out only if that write
commits, and a slow mail server never slows the page.

A reviewer who turned reminders off on their settings page, or has no email
address, is not mailed: what was for them goes to the desk's address
(FACTCHECK_DESK_EMAIL), when there is one.
"""

import logging

from django.conf import settings
from django.urls import reverse
from django.utils.text import Truncator

from .mail import mail_is_configured
from .models import gets_reminders
from .publishing import absolute_url
from .roles import REVIEWER
from .tasks import send_email

logger = logging.getLogger(__name__)


def addresses(users):
    """The addresses to mail for ``users``: theirs, and the desk's for any who
    does not get reminders."""
    direct = [user for user in users if gets_reminders(user)]
    found = sorted({user.email for user in direct})
    if len(direct) < len(users) and settings.FACTCHECK_DESK_EMAIL:
        found.append(settings.FACTCHECK_DESK_EMAIL)
    return found


def desk_address():
    return [settings.FACTCHECK_DESK_EMAIL] if settings.FACTCHECK_DESK_EMAIL else []


def queue(subject, body, to):
    """Queue one mail to ``to``; nothing when there is no one to tell, or no
    mail server (logged)."""
    if not to:
        logger.info("No address to send “%s” to", subject)
        return None
    if not mail_is_configured():
        logger.warning("EMAIL_URL is not set: “%s” was not sent", subject)
        return None
    return send_email.enqueue(subject=subject, body=body, to=to)


def review_url(claim):
    return absolute_url(reverse("factcheck:review_claim", args=[claim.slug]))


def headline(claim):
    return Truncator(claim.statement).chars(60)


def footer():
    settings_url = absolute_url(reverse("factcheck:review_settings"))
    return (
        f"\n--\nYou review claims at {settings.FACTCHECK_ORGANISATION}. "
        f"Your mail settings: {settings_url}\n"
    )


def proposal_waiting(proposal):
    """Tell every reviewer who may approve ``proposal`` that it waits for them."""
    approvers = (
        REVIEWER.members().exclude(pk=proposal.proposed_by_id).select_related("reviewer_profile")
    )
    claim = proposal.claim
    subject = f"Awaiting your sign-off: “{proposal.to_info.label}” for “{headline(claim)}”"
    body = (
        f"{proposal.proposed_by} proposes “{proposal.to_info.label}” for this claim:\n\n"
        f"{claim.statement}\n\nRationale: {proposal.rationale}\n\n"
        f"Approve it, or send it back with a note: {review_url(claim)}\n" + footer()
    )
    return queue(subject, body, addresses(list(approvers)))


def proposal_sent_back(proposal):
    """Tell the proposer that ``proposal`` was sent back, and why."""
    claim = proposal.claim
    subject = f"Sent back: your “{proposal.to_info.label}” for “{headline(claim)}”"
    body = (
        f"{proposal.decided_by} sent back your proposal of “{proposal.to_info.label}” "
        f"for this claim:\n\n{claim.statement}\n\nTheir note: {proposal.decision_note}\n\n"
        f"The claim: {review_url(claim)}\n" + footer()
    )
    return queue(subject, body, addresses([proposal.proposed_by]))


def released_claims(user, claims):
    """The notice that ``user`` was deactivated and ``claims``, which they owned,
    are unowned again. Returns (subject, body)."""
    name = user.get_username()
    count = f"{len(claims)} claim{'s' if len(claims) != 1 else ''}"
    subject = f"{name} was deactivated: {count} back in the queue, unowned"
    lines = [
        f"{name} was deactivated, so the {count} they owned "
        f"{'are' if len(claims) != 1 else 'is'} unowned again, for a reviewer to take:",
        "",
    ]
    for claim in claims:
        lines += [f"- {claim.statement}", f"  {review_url(claim)}"]
    return subject, "\n".join(lines) + "\n"


def tell_desk_of_released_claims(user, claims):
    subject, body = released_claims(user, claims)
    return queue(subject, body, desk_address())


def reader_message_received(message):
    """Tell the desk's address (if any) that a reader wrote; the reader's
    address is not in the mail, which may be kept longer than the desk keeps it."""
    what = message.get_kind_display().lower()
    subject = f"{message.reference}: a reader's {what}"
    about = ""
    if message.claim:
        about = f"About the claim: {message.claim.statement}\n{review_url(message.claim)}\n\n"
    body = (
        f"A reader's {what}, {message.reference}:\n\n{about}"
        f"{message.text}\n\n"
        f"Reader messages: {absolute_url(reverse('factcheck:review_messages'))}\n"
    )
    return queue(subject, body, desk_address())
