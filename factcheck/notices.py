"""What the desk is told by email. Each function builds a notice's subject and
body; the sending is wired in with the mail task module."""

from django.urls import reverse

from .publishing import absolute_url


def notify_desk_of_released_claims(user, claims):
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
        url = absolute_url(reverse("factcheck:review_claim", args=[claim.slug]))
        lines += [f"- {claim.statement}", f"  {url}"]
    return subject, "\n".join(lines) + "\n"
