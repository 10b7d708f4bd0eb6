"""The desk's status changes as tests make them: through sign-off, as a
reviewer and a second one would."""

from django.contrib.auth import get_user_model
from django.utils import timezone

from factcheck import services
from factcheck.models import ReviewerProfile, Stance
from factcheck.roles import REVIEWER
from factcheck.statuses import Evidence, status_info


def approver():
    """The second reviewer who signs off what the tests propose."""
    user, created = get_user_model().objects.get_or_create(username="amir")
    if created:
        user.set_password("correct horse battery")
        user.save()
        user.groups.add(REVIEWER.group())
        ReviewerProfile.objects.create(user=user, public_name="Amir Approver")
    return user


def set_status(*, claim, to_status, by, rationale="Checked against the record.", **fields):
    """Move ``claim`` as the desk does: to an open status directly (or a final
    one when sign-off is off); to a final one, proposed by ``by`` and approved
    by ``approver()``. ``expected_version`` defaults to the claim's current
    one. What a final status requires and the test does not say is filled
    in: ``by``'s public name (their username, capitalised), a supporting
    source, what was searched, why it is early. Returns the StatusChange;
    ``claim`` is refreshed."""
    fields.setdefault("expected_version", claim.version)
    if not services.needs_signoff(claim.kind, to_status):
        return services.change_claim_status(
            claim=claim, to_status=to_status, rationale=rationale, by=by, **fields
        )
    info = status_info(claim.kind, to_status)
    ReviewerProfile.objects.get_or_create(
        user=by, defaults={"public_name": by.get_username().capitalize()}
    )
    if services.missing_evidence(claim, info):
        services.add_source(
            claim=claim,
            by=by,
            url=f"https://records.example.org/{claim.slug}",
            title="The official record",
            stance=Stance.SUPPORTS,
        )
    if info.evidence == Evidence.SEARCH:
        fields.setdefault("searched", "The national statistics archive, 2022 to date.")
    if claim.is_prediction and claim.resolve_by and claim.resolve_by > timezone.localdate():
        fields.setdefault("resolved_early_because", "The official figures are final.")
    if fields.get("next_review_on") is services.UNCHANGED:
        del fields["next_review_on"]
    proposal = services.propose_status_change(
        claim=claim, to_status=to_status, rationale=rationale, by=by, **fields
    )
    change = services.approve_proposal(proposal=proposal, by=approver())
    claim.refresh_from_db()
    return change
