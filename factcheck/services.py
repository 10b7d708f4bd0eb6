"""Writes that span several models, each in one transaction.

``change_claim_status`` is the only code that writes a claim's status, and
``edit_claim`` the only code that edits an existing claim's fields. Both use the
claim's version as an optimistic lock: the UPDATE applies only if the row is
still at the version the editor started from, so two editors can never both win.
"""

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst, slugify

from . import intake, notices
from .anchors import find_anchor, surroundings
from .fields import validate_storable_text
from .models import (
    CLAIM_EDITABLE_FIELDS,
    CONDITION_SOURCE_FIELDS,
    DEFINING_FIELDS,
    DESK_ONLY_FIELDS,
    OWNER_CHANGE,
    SOURCE_EDITABLE_FIELDS,
    Article,
    ArticleCorrection,
    Claim,
    ClaimCondition,
    Condition,
    ConditionSource,
    Correction,
    Person,
    Proposal,
    ReaderMessage,
    ReviewerNote,
    ReviewerProfile,
    Source,
    Stance,
    StatusChange,
    UnclaimedSentence,
    new_reference,
)
from .roles import REVIEWER
from .site_version import public_changed
from .statuses import (
    STATUS_TABLE,
    UNREVIEWED,
    Evidence,
    PredictionStatus,
    status_info,
    statuses_for,
)

# "Leave this field as it is" (None would mean "clear it").
UNCHANGED = object()


class StaleClaimError(Exception):
    """The claim changed since the editor loaded it; nothing was written."""

    def __init__(self, claim, expected_version, current_version):
        self.claim = claim
        self.expected_version = expected_version
        self.current_version = current_version
        super().__init__(
            f"Claim “{claim.slug}” is at version {current_version}, "
            f"not {expected_version}: someone else changed it first."
        )


PUBLIC_CLAIM_FIELDS = tuple(name for name in CLAIM_EDITABLE_FIELDS if name not in DESK_ONLY_FIELDS)


def _current_row(claim, expected_version):
    """The claim as stored now, provided it is still at ``expected_version``."""
    current = Claim.objects.get(pk=claim.pk)
    if current.version != expected_version:
        raise StaleClaimError(claim, expected_version, current.version)
    return current


def _conditional_update(claim, expected_version, *, public, **values):
    """UPDATE … WHERE version = expected; bump the version or raise StaleClaimError."""
    now = timezone.now()
    if public:
        values["public_updated_at"] = now
    updated = Claim.objects.filter(pk=claim.pk, version=expected_version).update(
        version=expected_version + 1, updated_at=now, **values
    )
    if updated != 1:
        current_version = Claim.objects.filter(pk=claim.pk).values_list("version", flat=True).get()
        raise StaleClaimError(claim, expected_version, current_version)
    public_changed()
    claim.refresh_from_db()


def _validate_field(errors, model, name, value):
    try:
        model._meta.get_field(name).run_validators(value)
    except ValidationError as error:
        errors.setdefault(name, []).extend(error.messages)


def _record_history(claim, by, reason):
    # QuerySet.update() sends no signals, so django-simple-history would miss the
    # edit: write the audit row ourselves, in the same transaction.
    Claim.history.bulk_history_create(
        [claim], update=True, default_user=by, default_change_reason=reason
    )


def needs_signoff(kind, to_status):
    """Whether moving a claim of ``kind`` to ``to_status`` takes a second
    reviewer's approval: every final status does, unless the desk turned
    sign-off off."""
    info = STATUS_TABLE.get((kind, to_status))
    return settings.FACTCHECK_SIGNOFF and info is not None and info.is_final


def has_had_final_status(claim):
    finals = [info.value for info in statuses_for(claim.kind) if info.is_final]
    return claim.status in finals or claim.status_changes.filter(to_status__in=finals).exists()


def check_status_change(
    claim,
    to_status,
    rationale,
    *,
    summary=None,
    next_review_on=UNCHANGED,
    searched="",
    resolved_early_because="",
    today=None,
):
    """Raise ValidationError, by field, unless ``claim`` (as stored) may move
    to ``to_status`` with this explanation: the status table's evidence rules,
    the rule against un-reviewing a claim that has had a final status, and the
    fields' own validators. Writes nothing."""
    errors = {}
    today = today or timezone.localdate()
    if (claim.kind, to_status) not in STATUS_TABLE:
        errors["to_status"] = (
            f"“{to_status}” is not a status for a {claim.get_kind_display().lower()}."
        )
    elif to_status == claim.status:
        errors["to_status"] = f"The claim is already “{claim.status_info.label}”."
    else:
        info = status_info(claim.kind, to_status)
        if to_status == UNREVIEWED and has_had_final_status(claim):
            reopened = statuses_for(claim.kind)[1]
            errors["to_status"] = (
                "This claim has had a final status, so it cannot go back to “Unreviewed”: "
                f"re-open it as “{reopened.label}”."
            )
        elif refusal := conditions_refusal(claim, info):
            errors["to_status"] = refusal
        elif missing := missing_evidence(claim, info):
            errors["to_status"] = missing
        if info.evidence == Evidence.SEARCH and not searched.strip():
            errors["searched"] = (
                f"Say what was searched (archives, databases, people asked): "
                f"“{info.label}” is published with it."
            )
        early = claim.is_prediction and claim.resolve_by and today < claim.resolve_by
        if info.is_final and early and not resolved_early_because.strip():
            errors["resolved_early_because"] = (
                f"The resolve-by date is {claim.resolve_by:%Y-%m-%d}: say why the prediction "
                "can be resolved before it (shown publicly as “resolved early”)."
            )
    if not (rationale or "").strip():
        errors["rationale"] = "Explain the change: the rationale is shown to the public."
    if next_review_on is not UNCHANGED and (problem := claim.next_review_error(next_review_on)):
        errors["next_review_on"] = problem
    # The claim row is written by an UPDATE, the timeline row by create(): run
    # the fields' validators here, as full_clean would.
    for model, name, value in [
        (StatusChange, "rationale", rationale),
        (StatusChange, "searched", searched),
        (StatusChange, "resolved_early_because", resolved_early_because),
        (Claim, "summary", summary or ""),
    ]:
        _validate_field(errors, model, name, (value or "").strip())
    if errors:
        raise ValidationError(errors)


def conditions_refusal(claim, info):
    """Why the tracked conditions ``claim`` depends on forbid ``info``, a
    status, or "": a prediction is judged once all its conditions are
    resolved; one resolved the other way leaves only "condition not met",
    which, once a prediction has tracked conditions, needs one of them to have
    resolved so."""
    if not claim.is_prediction or not info.is_final:
        return ""
    links = list(claim.condition_links.select_related("condition"))
    if not links:
        return ""
    failed = [link for link in links if link.has_failed]
    still_open = [link for link in links if not link.condition.is_resolved]
    if info.value == PredictionStatus.CONDITION_NOT_MET:
        if failed:
            return ""
        return (
            f"“{info.label}” needs a condition this prediction depends on to have resolved "
            "the other way; none has."
        )
    if failed:
        condition = failed[0].condition
        return (
            f"The condition “{condition}” was resolved as {condition.get_status_display().lower()}"
            f", and this prediction holds {failed[0].get_polarity_display()}: it can only be "
            f"“{PredictionStatus.CONDITION_NOT_MET.label}”."
        )
    if still_open:
        return (
            f"The condition “{still_open[0].condition}” is still open: a prediction is judged "
            "once every condition it depends on is resolved."
        )
    return ""


def missing_evidence(claim, info):
    """What the claim's current sources lack for ``info``, a final status, or ""."""
    if info.evidence is None:
        return ""
    sources = claim.sources.current()
    evidence = sources.exclude(url=claim.article.url) if claim.article.url else sources
    if info.evidence == Evidence.VERDICT:
        found = evidence.filter(stance__in=[Stance.SUPPORTS, Stance.REFUTES]).exists()
    elif info.evidence == Evidence.SEARCH:
        found = sources.exists()
    else:
        # A tracked condition that resolved the other way carries its own sources.
        failed = claim.condition_links.failed().filter(condition__sources__isnull=False)
        found = evidence.exists() or failed.exists()
    if found:
        return ""
    return f"“{info.label}” needs {info.evidence.label}: add it under Sources first."


@transaction.atomic
def change_claim_status(
    *,
    claim,
    to_status,
    rationale,
    by,
    expected_version,
    summary=None,
    next_review_on=UNCHANGED,
    searched="",
    resolved_early_because="",
    approved_by=None,
):
    """Move ``claim`` to ``to_status`` and append the change to its public timeline.

    ``rationale`` is public and required. ``summary`` (when not None) and
    ``next_review_on`` (when given; None clears it) are saved with the change.
    A final status under sign-off needs ``approved_by``, a reviewer other than
    ``by`` (approve_proposal passes both). Raises ValidationError when
    check_status_change refuses the change, and StaleClaimError when the claim
    is no longer at ``expected_version``.
    Returns the new StatusChange; ``claim`` is refreshed in place.
    """
    current = _current_row(claim, expected_version)
    check_status_change(
        current,
        to_status,
        rationale,
        summary=summary,
        next_review_on=next_review_on,
        searched=searched,
        resolved_early_because=resolved_early_because,
    )
    if needs_signoff(current.kind, to_status) and approved_by is None:
        raise ValidationError(
            {"to_status": "A final status is published once a second reviewer approves it."}
        )
    if approved_by is not None and approved_by.pk == by.pk:
        raise ValidationError("A proposal is approved by someone other than its proposer.")

    values = {"status": to_status}
    if summary is not None:
        values["summary"] = summary.strip()
    if next_review_on is not UNCHANGED:
        values["next_review_on"] = next_review_on
    _conditional_update(claim, expected_version, public=True, **values)

    change = StatusChange.objects.create(
        claim=claim,
        from_status=current.status,
        to_status=to_status,
        rationale=rationale.strip(),
        searched=searched.strip(),
        resolved_early_because=resolved_early_because.strip(),
        changed_by=by,
        approved_by=approved_by,
        changed_at=claim.updated_at,
        claim_version=claim.version,
    )
    reason = f"Status: {current.status_info.label} → {status_info(current.kind, to_status).label}"
    if approved_by is not None:
        reason += f" (proposed by {by}, approved by {approved_by})"
    _record_history(claim, approved_by or by, reason)
    return change


# --- Sign-off ---------------------------------------------------------------------


class ProposalRefused(Exception):
    """The proposal cannot be decided this way; the message says why."""


@transaction.atomic
def propose_status_change(
    *,
    claim,
    to_status,
    rationale,
    by,
    expected_version,
    summary=None,
    next_review_on=None,
    searched="",
    resolved_early_because="",
):
    """Record a final status for a second reviewer to approve (with
    ``summary``, None keeping the current one, and ``next_review_on``, None
    leaving it as it is). Nothing of the
    claim changes; its public page says a verdict is under editorial review.
    Raises ValidationError (by field) for a change check_status_change refuses,
    for a proposer without a public name, or while another proposal is open."""
    current = _current_row(claim, expected_version)
    check_status_change(
        current,
        to_status,
        rationale,
        summary=summary,
        next_review_on=UNCHANGED if next_review_on is None else next_review_on,
        searched=searched,
        resolved_early_because=resolved_early_because,
    )
    if not status_info(current.kind, to_status).is_final:
        raise ValueError("Only a final status is proposed; an open one is changed directly.")
    check_can_propose(current, by)
    proposal = Proposal.objects.create(
        claim=current,
        to_status=to_status,
        rationale=rationale.strip(),
        summary=current.summary if summary is None else summary.strip(),
        searched=searched.strip(),
        resolved_early_because=resolved_early_because.strip(),
        next_review_on=next_review_on,
        proposed_by=by,
        claim_version=current.version,
    )
    public_changed()  # its page now says a verdict is under review
    notices.proposal_waiting(proposal)
    return proposal


@transaction.atomic
def save_reviewer_settings(form):
    """Save a reviewer's settings form; a new public name shows on every page
    that credits them."""
    if "public_name" in form.changed_data:
        public_changed()
    return form.save()


def check_can_propose(claim, by):
    """Raise ValidationError unless ``by`` may propose a status for ``claim``
    now: they have a public name, and no other proposal is waiting."""
    if not public_name_of(by):
        raise ValidationError(
            "Set your public name on your settings page first: the claim's page names "
            "who rated its verdict."
        )
    if waiting := claim.proposals.open().select_related("proposed_by").first():
        raise ValidationError(
            f"{waiting.proposed_by} already proposed “{waiting.to_info.label}” for this "
            "claim; it is approved, sent back or withdrawn before another is made."
        )


def public_name_of(user):
    profile = ReviewerProfile.objects.filter(user=user).first()
    return profile.public_name if profile else ""


def _decide(proposal, by, decision, note=""):
    """Close ``proposal`` as ``decision``, unless someone decided it first."""
    decided = Proposal.objects.filter(pk=proposal.pk, decided_at__isnull=True).update(
        decision=decision, decided_by=by, decided_at=timezone.now(), decision_note=note
    )
    if not decided:
        raise ProposalRefused("Someone decided this proposal first; nothing was changed.")
    proposal.refresh_from_db()
    public_changed()


@transaction.atomic
def approve_proposal(*, proposal, by):
    """Publish ``proposal``'s status through change_claim_status, dated now,
    credited to its proposer and approved by ``by``. Returns the StatusChange."""
    if by.pk == proposal.proposed_by_id:
        raise ProposalRefused("You proposed this: another reviewer approves it.")
    if not by.has_perm(REVIEWER.permission):
        raise ProposalRefused("Only a reviewer or an editor approves a proposal.")
    proposal.claim.refresh_from_db()
    if stale := proposal.stale_reason():
        raise ProposalRefused(
            f"{stale} It cannot be approved as it stands: send it back, and the "
            "proposer proposes again."
        )
    _decide(proposal, by, Proposal.Decision.APPROVED)
    change = change_claim_status(
        claim=proposal.claim,
        to_status=proposal.to_status,
        rationale=proposal.rationale,
        by=proposal.proposed_by,
        approved_by=by,
        expected_version=proposal.claim_version,
        summary=proposal.summary,
        next_review_on=proposal.next_review_on or UNCHANGED,
        searched=proposal.searched,
        resolved_early_because=proposal.resolved_early_because,
    )
    Proposal.objects.filter(pk=proposal.pk).update(status_change=change)
    proposal.status_change = change
    return change


@transaction.atomic
def send_back_proposal(*, proposal, by, note):
    """Close ``proposal`` unpublished, with a note to its proposer."""
    if by.pk == proposal.proposed_by_id:
        raise ProposalRefused("You proposed this: withdraw it instead.")
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Say what the proposal needs: the proposer reads it."})
    _decide(proposal, by, Proposal.Decision.SENT_BACK, note)
    notices.proposal_sent_back(proposal)


@transaction.atomic
def withdraw_proposal(*, proposal, by):
    if by.pk != proposal.proposed_by_id:
        raise ProposalRefused("Only its proposer withdraws a proposal; send it back instead.")
    _decide(proposal, by, Proposal.Decision.WITHDRAWN)


@transaction.atomic
def edit_claim(*, claim, changes, by, expected_version, reason=None, correction_reason=""):
    """Apply ``changes`` (a dict over CLAIM_EDITABLE_FIELDS) to ``claim``.

    Validates the result as a whole, then writes it only if the claim is still at
    ``expected_version``. Returns the names of the fields that changed (nothing is
    written, and the version stays, when none did). ``reason`` goes into the
    audit trail (by default, the fields edited). A change the public timeline
    lists (see corrected_fields) needs ``correction_reason``, shown with it.
    """
    unknown = set(changes) - set(CLAIM_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fields not editable here: {', '.join(sorted(unknown))}")
    edited = _current_row(claim, expected_version)
    changed = [name for name, value in changes.items() if getattr(edited, name) != value]
    if not changed:
        return []
    before = {name: getattr(edited, name) for name in changed}
    listed = corrected_fields(edited, changed)
    for name in changed:
        setattr(edited, name, changes[name])
    errors = {}
    try:
        edited.full_clean(exclude=["slug"], validate_unique=False)
    except ValidationError as error:
        errors = error.message_dict
    correction_reason = (correction_reason or "").strip()
    if listed and not correction_reason:
        errors["correction_reason"] = [
            f"Say why the {_field_labels(Claim, listed)} changed: the change is listed on "
            "the claim's public page, before and after, with your reason."
        ]
    if errors:
        raise ValidationError(errors)

    public_changes = [name for name in changed if name in PUBLIC_CLAIM_FIELDS]
    _conditional_update(
        claim,
        expected_version,
        public=bool(public_changes),
        search_text=edited.current_search_text(),
        **{name: changes[name] for name in changed},
    )
    _record_history(claim, by, reason or f"Edited {_field_labels(Claim, changed)}")
    for name in listed:
        _record_correction(
            claim,
            by,
            f"Revised the {_field_labels(Claim, [name])}.",
            kind=Correction.Kind.DEFINITION if name in DEFINING_FIELDS else Correction.Kind.VERDICT,
            earlier=_shown(Claim, name, before[name]),
            later=_shown(Claim, name, changes[name]),
            reason=correction_reason,
        )
    return changed


def corrected_fields(claim, names):
    """Which of ``names``, fields of ``claim`` as stored, a change lists on its
    public timeline: what defines it once its article is public, and anything
    the public sees once it has had a verdict."""
    verdict = has_published_verdict(claim)
    return [
        name
        for name in names
        if (name in DEFINING_FIELDS and claim.article_is_public)
        or (name in PUBLIC_CLAIM_FIELDS and verdict)
    ]


def _shown(model, name, value):
    """A field's value as the public timeline shows it, before or after."""
    field = model._meta.get_field(name)
    if value in (None, ""):
        return ""
    if field.is_relation:
        return str(value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _field_labels(model, names):
    return ", ".join(str(model._meta.get_field(name).verbose_name) for name in names)


def has_published_verdict(claim):
    """Whether the claim has had a verdict on its public page at any time: from
    then on, every change the public can see is a correction."""
    verdicts = [info.value for info in statuses_for(claim.kind) if info.has_verdict]
    return claim.status in verdicts or claim.status_changes.filter(to_status__in=verdicts).exists()


def _record_correction(claim, by, description, *, kind=Correction.Kind.VERDICT, **shown):
    """A dated correction on the claim's public timeline: ``shown`` holds the
    text before and after (``earlier``, ``later``) and the ``reason``."""
    Correction.objects.create(claim=claim, kind=kind, description=description, made_by=by, **shown)


def source_correction_reason(source, reason):
    """``reason``, required once the source's claim has had a verdict: a change
    to its sources is then a public correction."""
    reason = (reason or "").strip()
    if not reason and has_published_verdict(source.claim):
        raise ValidationError(
            {
                "reason": "This claim has a published verdict, so a change to its sources "
                "is a correction on its public page: say why."
            }
        )
    validate_storable_text(reason)
    return reason


def _touch_public(claim):
    Claim.objects.filter(pk=claim.pk).update(public_updated_at=timezone.now())
    public_changed()


@transaction.atomic
def add_source(*, claim, by, reason="", **fields):
    """Attach a source to ``claim``. Does not touch the claim's version. Once
    the claim has had a verdict, it takes a ``reason`` (a public correction)."""
    source = Source(claim=claim, added_by=by, **fields)
    source.full_clean()
    reason = source_correction_reason(source, reason)
    source._history_user = by
    source.save()
    _touch_public(claim)
    if has_published_verdict(claim):
        _record_correction(claim, by, f"Added a source: {source.title}.", reason=reason)
    return source


@transaction.atomic
def edit_source(*, source, by, changes, reason=""):
    """Apply ``changes`` (a dict over SOURCE_EDITABLE_FIELDS) to ``source``; return
    what changed. Once the claim has had a verdict, it takes a ``reason``."""
    unknown = set(changes) - set(SOURCE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Fields not editable here: {', '.join(sorted(unknown))}")
    changed = [name for name, value in changes.items() if getattr(source, name) != value]
    if not changed:
        return []
    before = {name: getattr(source, name) for name in changed}
    for name in changed:
        setattr(source, name, changes[name])
    source.full_clean()
    reason = source_correction_reason(source, reason)
    source._history_user = by
    source.save(update_fields=changed)
    _touch_public(source.claim)
    if has_published_verdict(source.claim):
        _record_correction(
            source.claim,
            by,
            f"Revised the source “{source.title}” ({_field_labels(Source, changed)}).",
            earlier=_source_fields(before),
            later=_source_fields({name: changes[name] for name in changed}),
            reason=reason,
        )
    return changed


def _source_fields(values):
    """A source's changed fields, one "Label: value" line each."""
    return "\n".join(
        f"{capfirst(Source._meta.get_field(name).verbose_name)}: "
        f"{_shown(Source, name, value) or '—'}"
        for name, value in values.items()
    )


@transaction.atomic
def remove_source(*, source, by, reason=""):
    """Take a source off the claim's public page. It is kept, and can be
    restored. Once the claim has had a verdict, it takes a ``reason``."""
    if source.is_removed:
        return
    reason = source_correction_reason(source, reason)
    source.removed_at, source.removed_by = timezone.now(), by
    source._history_user = by
    source._change_reason = "Removed"
    source.save(update_fields=["removed_at", "removed_by"])
    _touch_public(source.claim)
    if has_published_verdict(source.claim):
        _record_correction(source.claim, by, f"Removed a source: {source.title}.", reason=reason)


@transaction.atomic
def restore_source(*, source, by, reason=""):
    """Put a removed source back on the claim's page (with a ``reason`` once
    the claim has had a verdict)."""
    if not source.is_removed:
        return
    reason = source_correction_reason(source, reason)
    source.removed_at, source.removed_by = None, None
    source._history_user = by
    source._change_reason = "Restored"
    source.save(update_fields=["removed_at", "removed_by"])
    _touch_public(source.claim)
    if has_published_verdict(source.claim):
        _record_correction(source.claim, by, f"Restored a source: {source.title}.", reason=reason)


def add_note(*, claim, by, body):
    """Add an internal note. Notes never touch the claim's version or public pages."""
    note = ReviewerNote(claim=claim, author=by, body=body)
    note.full_clean()
    note._history_user = by
    note.save()
    return note


# --- Owners ---------------------------------------------------------------------
# Who is working on a claim: the desk's own business. A change of owner moves
# neither the version (it conflicts with no edit) nor public_updated_at (readers
# never see it), and is in the audit trail.


def _owner_label(user):
    return user.get_username() if user else "—"


def _check_owner(owner):
    """Claims are owned by active reviewers (editors are reviewers too)."""
    name = owner.get_username()
    if not owner.is_active:
        raise ValidationError(
            {"owner": f"“{name}” is deactivated: a claim's owner is an active reviewer."}
        )
    if not REVIEWER.held_by(owner):
        raise ValidationError(
            {
                "owner": f"“{name}” is not a reviewer: add them to the {REVIEWER.group_name} "
                "group first, or choose a reviewer."
            }
        )


def _locked_claims():
    # The claims' rows alone: PostgreSQL locks no row on the nullable side of a join.
    return Claim.objects.select_for_update(of=("self",)).select_related("owner")


def _locked_claim(claim):
    return _locked_claims().get(pk=claim.pk)


def _set_owner(current, owner, by, why=""):
    """Write ``current``'s new owner (``current`` as locked) with its audit row.
    ``by`` None: whoever the request is from, if any (simple-history's middleware)."""
    reason = f"{OWNER_CHANGE}{_owner_label(current.owner)} → {_owner_label(owner)}{why}"
    current.owner = owner
    if by is not None:
        current._history_user = by
    current._change_reason = reason
    current.save(update_fields=["owner"])


@transaction.atomic
def assign_claim(*, claim, owner, by):
    """Give ``claim`` to ``owner`` (an active reviewer), or to no one (None): an
    editor's call. Returns whether the owner changed."""
    if owner is not None:
        _check_owner(owner)
    current = _locked_claim(claim)
    claim.owner = owner
    if current.owner == owner:
        return False
    _set_owner(current, owner, by)
    return True


@transaction.atomic
def take_claim(*, claim, by):
    """``by`` takes an unowned claim for themselves. Returns whether the owner
    changed (not when it was theirs already); refused when someone else owns it."""
    _check_owner(by)
    current = _locked_claim(claim)
    if current.owner_id == by.pk:
        return False
    if current.owner_id is not None:
        raise ValidationError(
            f"“{current.owner.get_username()}” owns this claim already. "
            "An editor can give it to you."
        )
    _set_owner(current, by, by)
    claim.owner = by
    return True


@transaction.atomic
def give_back_claim(*, claim, by):
    """``by`` gives back a claim they own: it is unowned again. Returns whether
    the owner changed (not when it was unowned already)."""
    current = _locked_claim(claim)
    if current.owner_id is None:
        return False
    if current.owner_id != by.pk:
        raise ValidationError(
            f"“{current.owner.get_username()}” owns this claim, not you: "
            "only they or an editor can give it up."
        )
    _set_owner(current, None, by)
    claim.owner = None
    return True


@transaction.atomic
def release_claims_of(user, by=None):
    """Return the claims ``user`` owns to the queue, unowned, each with its audit
    row: what their deactivation does. Returns the claims released."""
    released = list(_locked_claims().filter(owner=user))
    for claim in released:
        _set_owner(claim, None, by, f" ({user.get_username()} was deactivated)")
    return released


def release_claims_of_deactivated_user(sender, instance, raw=False, **kwargs):
    """On every save of a user (apps.py connects it to post_save): an inactive
    user owns no claims, however they were deactivated, in the admin or with
    ``user.save()`` in a shell. (A QuerySet.update() sends no signal.) The desk
    is told once the release commits."""
    if instance.is_active or raw:
        return
    released = release_claims_of(instance)
    if released:
        notices.tell_desk_of_released_claims(instance, released)


# --- Articles -------------------------------------------------------------------


def article_sentences(article):
    """Its sentences and what accounts for each (an orphaned quote no longer does)."""
    return intake.sentences(
        article,
        list(article.claims.filter(orphaned_by__isnull=True).select_related("speaker")),
        list(article.unclaimed_sentences.all()),
    )


def _required_reason(reason, what):
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Say why {what}."})
    validate_storable_text(reason)
    return reason


def _locked(article):
    return Article.objects.select_for_update().get(pk=article.pk)


@transaction.atomic
def publish_article(*, article, by):
    """Show a taken-in article, and its claims, to readers: once every sentence
    holds a claim or is marked unclaimed."""
    article = _locked(article)
    if article.is_public:
        raise ValidationError("The article is published already.")
    missing = [sentence for sentence in article_sentences(article) if not sentence.accounted_for]
    if missing:
        raise ValidationError(
            f"{len(missing)} sentence{'s' if len(missing) != 1 else ''} not yet accounted for: "
            "quote each in a claim or mark it unclaimed with a reason, then publish."
        )
    article.published_at = timezone.now()
    article.unpublished_at, article.unpublished_reason = None, ""
    article._history_user = by
    article.save(update_fields=["published_at", "unpublished_at", "unpublished_reason"])
    article.claims.update(article_is_public=True)
    public_changed()
    return article


@transaction.atomic
def unpublish_article(*, article, by, reason):
    """Take a published article down; its pages then answer 410 with the reason."""
    reason = _required_reason(reason, "the article is taken down")
    article = _locked(article)
    if not article.is_public:
        raise ValidationError("Only a published article can be taken down.")
    article.unpublished_at, article.unpublished_reason = timezone.now(), reason
    article._history_user = by
    article.save(update_fields=["unpublished_at", "unpublished_reason"])
    article.claims.update(article_is_public=False)
    public_changed()
    return article


@transaction.atomic
def mark_unclaimed(*, article, start, by, reason):
    """Mark the sentence that starts at ``start`` as holding nothing checkable."""
    reason = _required_reason(reason, "the sentence holds nothing checkable")
    sentence = next((s for s in article_sentences(article) if s.start == start), None)
    if sentence is None:
        raise ValidationError("No sentence of the article starts there.")
    if sentence.claims:
        raise ValidationError("The sentence holds a claim's quote, so it is not unclaimed.")
    mark, _ = UnclaimedSentence.objects.update_or_create(
        article=article,
        start=start,
        defaults={"end": sentence.end, "reason": reason, "marked_by": by},
    )
    return mark


def unmark_unclaimed(*, mark):
    """Readers never see the marks, but a published article keeps every
    sentence accounted for."""
    if mark.article.published_at is not None:
        raise ValidationError("A published article keeps its marks.")
    mark.delete()


def unique_slug(model, text, *, max_length=80):
    """A slug for ``text`` that no row of ``model`` has yet."""
    base = slugify(text)[:max_length].strip("-") or model._meta.model_name
    slug, number = base, 1
    while model.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def take_in_article(*, article, by):
    """Save a new article as a draft: readers see nothing of it until it is published."""
    article.slug = unique_slug(Article, article.title)
    article.published_at = article.unpublished_at = None
    article._history_user = by
    article.full_clean()
    article.save()
    return article


@transaction.atomic
def take_in_claim(*, claim, by, new_speaker="", new_speaker_description="", speaker_not_named=""):
    """Save a new claim (validated by its form), and a new speaker with it;
    why the text does not name the speaker is kept as a note."""
    if new_speaker:
        person = Person(
            name=new_speaker,
            description=new_speaker_description,
            slug=unique_slug(Person, new_speaker),
        )
        person.full_clean()
        person.save()
        claim.speaker = person
    claim.slug = unique_slug(Claim, claim.statement)
    claim.full_clean()
    claim._history_user = by
    claim._change_reason = "Taken in on the site"
    claim.save()
    if speaker_not_named:
        add_note(
            claim=claim, by=by, body=f"The text does not name the speaker: {speaker_not_named}"
        )
    if claim.article.is_public:
        public_changed()
    return claim


# --- Corrections of an article's text ------------------------------------------


@transaction.atomic
def correct_article_text(*, article, text, reason, by):
    """Replace the article's text with the publisher's corrected one, keeping
    the earlier text with the reason. Each claim is found again in the new
    text (factcheck.anchors) or orphaned; each mark of an unclaimed sentence
    follows its sentence, or goes with it. Returns the claims orphaned."""
    reason = _required_reason(reason, "the text was corrected")
    article = _locked(article)
    if text == article.text:
        raise ValidationError({"text": "The text is as it was: nothing to correct."})
    correction = ArticleCorrection.objects.create(
        article=article, earlier_text=article.text, reason=reason, corrected_by=by
    )
    article.text = text
    article._history_user = by
    article.full_clean()
    article.save()
    orphaned = []
    for claim in article.claims.filter(orphaned_by__isnull=True):
        prefix, suffix = surroundings(correction.earlier_text, claim.quote_start, claim.quote_end)
        found = find_anchor(text, claim.quote, prefix, suffix)
        if found is None:
            claim.orphaned_by = correction
            orphaned.append(claim)
        else:
            claim.quote_start, claim.quote_end = found
        claim._history_user = by
        claim._change_reason = f"The article's text was corrected: {reason}"
        claim.save(update_fields=["quote_start", "quote_end", "orphaned_by"])
    _follow_sentences(article, correction.earlier_text)
    if article.published_at:
        public_changed()
    return orphaned


def _follow_sentences(article, earlier_text):
    """Move each unclaimed mark to its sentence in the corrected text (the
    same words, in order), or drop it when the sentence is gone."""
    new_spans = intake.split_sentences(article.text)
    marks = list(article.unclaimed_sentences.order_by("start"))
    article.unclaimed_sentences.all().delete()  # rewritten below: starts are unique
    taken = set()
    for mark in marks:
        words = earlier_text[mark.start : mark.end]
        span = next(
            (s for s in new_spans if s not in taken and article.text[s[0] : s[1]] == words), None
        )
        if span is not None:
            taken.add(span)
            mark.pk, (mark.start, mark.end) = None, span
            mark.save()


@transaction.atomic
def requote_claim(*, claim, quote, by, reason=""):
    """Anchor an orphaned claim to a passage of the corrected text, with the
    checks of a new quote. On a public article, the new quote is listed on the
    claim's timeline, old and new, with the article correction's date and
    ``reason``, which is then required."""
    claim = (
        Claim.objects.select_for_update(of=("self",))
        .select_related("article", "orphaned_by")
        .get(pk=claim.pk)
    )
    earlier, correction = claim.quote, claim.orphaned_by
    reason = (reason or "").strip()
    errors = {}
    if claim.article_is_public and not reason:
        errors["reason"] = ["Say why this passage is the claim: it is listed on its public page."]
    try:
        start, end = claim.article.locate(quote)
    except ValueError as error:
        raise ValidationError({"quote": f"The quote {error}.", **errors}) from None
    claim.quote, claim.quote_start, claim.quote_end = quote, start, end
    claim.orphaned_by = None
    try:
        claim.full_clean(exclude=["speaker"])
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    claim._history_user = by
    claim._change_reason = "Quoted afresh after a correction of the article's text"
    claim.save()
    if claim.article_is_public:
        corrected_on = timezone.localdate(correction.corrected_at) if correction else None
        _record_correction(
            claim,
            by,
            "Quoted afresh after the publisher corrected the article"
            + (f" on {corrected_on:%Y-%m-%d}." if corrected_on else "."),
            kind=Correction.Kind.REQUOTE,
            earlier=earlier,
            later=quote,
            reason=reason,
        )
    if claim.article.published_at:
        public_changed()
    return claim


@transaction.atomic
def withdraw_claim(*, claim, reason, by):
    """Stop tracking an orphaned claim, saying why on its public page."""
    reason = _required_reason(reason, "the claim is withdrawn")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.is_anchored:
        raise ValidationError("Only a claim whose quote was lost in a correction can be withdrawn.")
    claim.withdrawn_at, claim.withdrawal_reason = timezone.now(), reason
    claim._history_user = by
    claim._change_reason = f"Withdrawn: {reason}"
    claim.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    if claim.article.published_at:
        public_changed()
    return claim


@transaction.atomic
def edit_person(*, person, by):
    """Save an editor's correction of a speaker (validated by its form)."""
    person._history_user = by
    person.save()
    person.claims.refresh_search_text()  # their claims are found by their name
    if Person.objects.public().filter(pk=person.pk).exists():
        public_changed()
    return person


# --- What readers send the desk ----------------------------------------------------


@transaction.atomic
def receive_reader_message(*, message):
    """Store a reader's message (validated by its form) under a fresh reference,
    and tell the desk. Nothing public changes."""
    while ReaderMessage.objects.filter(reference=message.reference).exists():
        message.reference = new_reference()
    message.save()
    notices.reader_message_received(message)
    return message


@transaction.atomic
def handle_reader_message(*, message, outcome, by):
    """Mark a reader's message handled, with what came of it; its address is
    deleted READER_ADDRESS_KEPT_FOR later. A message handled already is refused."""
    message = ReaderMessage.objects.select_for_update().get(pk=message.pk)
    if message.is_handled:
        raise ValidationError(
            f"{message.reference} was already marked handled by {message.handled_by}: "
            f"“{message.outcome}”"
        )
    if not outcome.strip():
        raise ValidationError({"outcome": "Say what came of it."})
    validate_storable_text(outcome)
    message.handled_at, message.handled_by, message.outcome = timezone.now(), by, outcome
    message.save(update_fields=["handled_at", "handled_by", "outcome"])
    return message


@transaction.atomic
def purge_reader_addresses(*, now=None, dry_run=False):
    """Blank the address of every message handled over READER_ADDRESS_KEPT_FOR
    ago; returns how many there were."""
    due = ReaderMessage.objects.addresses_to_purge(now or timezone.now())
    return due.count() if dry_run else due.update(email="")


@transaction.atomic
def edit_site_page(*, page, by):
    """Save an editor's text of a public page such as the about page (validated
    by its form), in the audit trail; readers see it at once."""
    page._history_user = by
    page.save()
    public_changed()
    return page


# --- Conditions -------------------------------------------------------------------
# A condition's resolution is a reviewer's action, like an open status: dated,
# explained, in its audit trail and on its public page. What it means for each
# prediction depending on it is then proposed and signed off as any verdict.


class StaleConditionError(Exception):
    """The condition changed since the reviewer loaded it; nothing was written."""

    def __init__(self, condition, expected_version):
        self.condition = condition
        super().__init__(
            f"Condition “{condition.slug}” is no longer at version {expected_version}: "
            "someone else changed it first."
        )


def check_condition_resolution(condition, to_status, rationale):
    """Raise ValidationError, by field, unless ``condition`` (as stored) may
    move to ``to_status`` with this public ``rationale``. Writes nothing."""
    errors = {}
    if to_status not in Condition.Status.values:
        errors["to_status"] = f"“{to_status}” is not a status for a condition."
    elif to_status == condition.status:
        errors["to_status"] = f"The condition is already “{condition.get_status_display()}”."
    elif to_status != Condition.Status.OPEN and not condition.sources.exists():
        errors["to_status"] = "Resolving a condition needs a source that shows it: add it first."
    if not (rationale or "").strip():
        errors["rationale"] = "Explain the resolution: the rationale is shown to the public."
    else:
        _validate_field(errors, Condition, "rationale", rationale.strip())
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def resolve_condition(*, condition, to_status, rationale, by, expected_version):
    """Move ``condition`` to ``to_status`` (met, not met, or open again) with
    its public ``rationale``, if it is still at ``expected_version``. The
    public pages of the predictions depending on it say so at once, and each
    not yet judged enters the reviewers' queue. Raises ValidationError or
    StaleConditionError; ``condition`` is refreshed in place."""
    current = Condition.objects.get(pk=condition.pk)
    if current.version != expected_version:
        raise StaleConditionError(condition, expected_version)
    check_condition_resolution(current, to_status, rationale)
    now = timezone.now()
    resolved = to_status != Condition.Status.OPEN
    updated = Condition.objects.filter(pk=condition.pk, version=expected_version).update(
        status=to_status,
        rationale=rationale.strip(),
        resolved_at=now if resolved else None,
        resolved_by=by if resolved else None,
        version=expected_version + 1,
        updated_at=now,
    )
    if updated != 1:
        raise StaleConditionError(condition, expected_version)
    condition.refresh_from_db()
    Condition.history.bulk_history_create(
        [condition],
        update=True,
        default_user=by,
        default_change_reason=f"Status: {current.get_status_display()} → "
        f"{condition.get_status_display()}",
    )
    # Each dependent claim's page shows the resolution.
    Claim.objects.filter(condition_links__condition=condition).update(public_updated_at=now)
    public_changed()
    return condition


@transaction.atomic
def add_condition_source(*, condition, by, **fields):
    """Attach a source (CONDITION_SOURCE_FIELDS) to ``condition``; it shows on
    the condition's public page."""
    unknown = set(fields) - set(CONDITION_SOURCE_FIELDS)
    if unknown:
        raise ValueError(f"Fields not a condition source's: {', '.join(sorted(unknown))}")
    source = ConditionSource(condition=condition, added_by=by, **fields)
    source.full_clean()
    source._history_user = by
    source.save()
    public_changed()
    return source


# --- A prediction's tracked conditions ---------------------------------------------
# What a prediction depends on defines it, as its statement and criteria do: a
# link made or undone moves the claim's version, and once its article is public
# it is a definitional change on the claim's timeline, before and after, with
# the reviewer's reason. A final status fixes them: the verdict was judged on them.


LINK_REASON_NEEDED = (
    "Say why: the article is published, so this changes what defines the prediction, "
    "and the change is listed on its public page, before and after, with your reason."
)


def _links_shown(claim):
    """The claim's tracked conditions as its public timeline lists them, one a line."""
    return "\n".join(
        f"{capfirst(link.get_polarity_display())}: {link.condition.statement}"
        for link in claim.condition_links.select_related("condition").order_by(
            "condition__resolve_by", "id"
        )
    )


def _check_links_may_change(claim, *, doing, reason):
    """Raise ValidationError unless the links of ``claim`` (as stored) may
    change now; return the public reason (required once its article is public)."""
    errors = {}
    if not claim.is_prediction:
        errors[NON_FIELD_ERRORS] = [
            f"Only a prediction depends on tracked conditions: this claim is a "
            f"{claim.get_kind_display().lower()}, so no condition is {doing} here."
        ]
    elif claim.status_info.is_final:
        errors[NON_FIELD_ERRORS] = [
            f"This prediction is “{claim.status_info.label}”, a final status judged on the "
            f"conditions it had then, so no condition is {doing} now. Re-open it first (change "
            "its status), and say why."
        ]
    reason = (reason or "").strip()
    if claim.article_is_public and not reason:
        errors["reason"] = [LINK_REASON_NEEDED]
    else:
        _validate_field(errors, Correction, "reason", reason)
    if errors:
        raise ValidationError(errors)
    return reason


def _links_changed(claim, current, by, *, before, description, reason):
    """Record a change of the claim's links (its version already moved): its
    audit row and, once its article is public, the change on its timeline."""
    _record_history(claim, by, description)
    if current.article_is_public:
        _record_correction(
            claim,
            by,
            description,
            kind=Correction.Kind.DEFINITION,
            earlier=before,
            later=_links_shown(claim),
            reason=reason,
        )


@transaction.atomic
def link_condition(*, claim, condition, polarity, by, expected_version, reason=""):
    """Make ``claim``, a prediction without a final status, depend on
    ``condition`` (``polarity``: whether it applies if the condition is met or
    if not), if the claim is still at ``expected_version``. Raises
    ValidationError (by field) or StaleClaimError. Returns the ClaimCondition."""
    current = _current_row(claim, expected_version)
    errors = {}
    try:
        reason = _check_links_may_change(current, doing="linked", reason=reason)
    except ValidationError as error:
        errors = error.message_dict
    if polarity not in ClaimCondition.Polarity.values:
        errors["polarity"] = [f"“{polarity}” is neither “if met” nor “if not met”."]
    if current.condition_links.filter(condition=condition).exists():
        errors["condition"] = [
            f"This prediction already depends on “{condition}”: unlink it first to change "
            "how it depends on it."
        ]
    if errors:
        raise ValidationError(errors)
    before = _links_shown(current)
    # The version first: of two reviewers linking at once, the second waits
    # on the claim's row, then gets a conflict (not the unique constraint).
    _conditional_update(claim, expected_version, public=True)
    link = ClaimCondition(claim=current, condition=condition, polarity=polarity)
    link._history_user = by
    link._change_reason = "Linked on the review page"
    link.save()
    _links_changed(
        claim,
        current,
        by,
        before=before,
        description=f"Linked the tracked condition “{condition}” ({link.get_polarity_display()}).",
        reason=reason,
    )
    return link


@transaction.atomic
def unlink_condition(*, link, by, expected_version, reason=""):
    """Undo ``link``, so its prediction no longer depends on its condition, if
    the claim is still at ``expected_version`` and has no final status. Raises
    ValidationError or StaleClaimError."""
    claim = link.claim
    current = _current_row(claim, expected_version)
    reason = _check_links_may_change(current, doing="unlinked", reason=reason)
    before = _links_shown(current)
    condition, polarity = link.condition, link.get_polarity_display()
    _conditional_update(claim, expected_version, public=True)
    link._history_user = by
    link._change_reason = "Unlinked on the review page"
    link.delete()
    _links_changed(
        claim,
        current,
        by,
        before=before,
        description=f"Unlinked the tracked condition “{condition}” ({polarity}).",
        reason=reason,
    )


@transaction.atomic
def create_condition(*, claim, statement, resolve_by, polarity, by, expected_version, reason=""):
    """Create an open condition (``statement``, ``resolve_by``) and link
    ``claim`` to it, in one step (see link_condition). Raises ValidationError
    (by field) or StaleClaimError; nothing is written then."""
    condition = Condition(
        statement=(statement or "").strip(),
        resolve_by=resolve_by,
        slug=unique_slug(Condition, statement or ""),
    )
    errors = {}
    try:
        condition.full_clean()
    except ValidationError as error:
        errors = error.message_dict
    current = _current_row(claim, expected_version)
    try:
        _check_links_may_change(current, doing="linked", reason=reason)
    except ValidationError as error:
        errors = {**error.message_dict, **errors}
    if errors:
        raise ValidationError(errors)
    condition._history_user = by
    condition._change_reason = f"Created on the review page of “{current.slug}”"
    condition.save()
    link = link_condition(
        claim=claim,
        condition=condition,
        polarity=polarity,
        by=by,
        expected_version=expected_version,
        reason=reason,
    )
    return link
