"""The reviewer's workspace: the queue, the review page of a claim with its
htmx panels, and the claim's history.

Every panel is a real form. Without JavaScript it posts, then redirects back to
the review page (POST/redirect/GET), where the message waits beside the form that
was sent. With htmx the same view answers with the panel itself, its message in
it, plus, out of band, the read-only panels that show the change and the
``version`` input of the other claim form: that form gets the claim's current
version, and whatever the reviewer is typing in it stays.
"""

import copy
import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Subquery
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import forms, services
from ..forms import (
    ClaimFieldsForm,
    ConditionCreateForm,
    ConditionLinkChangeForm,
    ConditionLinkForm,
    ConditionResolutionForm,
    ConditionSourceForm,
    NoteForm,
    OwnerForm,
    QueueFilterForm,
    ReviewerSettingsForm,
    SendBackForm,
    SourceEditForm,
    SourceForm,
    SourceToggleForm,
    StatusChangeForm,
)
from ..models import (
    Claim,
    ClaimCondition,
    Condition,
    Proposal,
    ReaderMessage,
    ReviewerNote,
    ReviewerProfile,
    Source,
    StatusChange,
)
from ..publishing import condition_links_in_order, paragraph_around, public_timeline
from ..roles import editor_required, reviewer_required
from ..statuses import STATUS_TABLE, status_info
from ..templatetags.factcheck import date_text
from . import is_fragment_request, page_query, vary_on_fragment_headers
from .errors import bad_request

QUEUE_SECTION_LIMIT = 50
# A claim version as a form carries it: ASCII digits, no more than fit the column.
VERSION = re.compile(r"[1-9][0-9]{0,8}")
RECENT_CHANGES_WINDOW = datetime.timedelta(days=14)

# The panels that edit the claim itself: the form each posts, by the name the
# review page knows it by.
CLAIM_FORMS = {
    "claim-status": ("status_form", StatusChangeForm),
    "claim-fields": ("fields_form", ClaimFieldsForm),
}
# The read-only panels that show the claim's own fields: a claim edit swaps them.
CLAIM_VIEWS = ["claim-overview", "claim-timeline"]
# The panels whose forms carry the claim's version: a change of its tracked
# conditions moves it too.
VERSIONED_PANELS = [*CLAIM_FORMS, "claim-conditions"]


def claim_refresh(panel):
    """What a claim edit from ``panel`` swaps besides the panel: the read-only
    panels and the other forms' version inputs (never those forms themselves)."""
    return [*CLAIM_VIEWS, *(f"{other}-version" for other in VERSIONED_PANELS if other != panel)]


# --- Queue ----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueSection:
    key: str  # its id on the queue, and the review page's ?section=
    title: str
    # What a claim listed in a more urgent section says of this one.
    label: str
    # (claims, user, now) -> those of ``claims`` this section is for.
    claims: Callable


FINAL_STATUSES = [info.value for info in STATUS_TABLE.values() if info.is_final]


def condition_resolved_since_last_change():
    """The links of the outer claim whose condition was resolved after the
    claim's last status change: it is to be judged (or re-assessed) now."""
    changed_since = StatusChange.objects.filter(
        claim=OuterRef("claim"), changed_at__gte=OuterRef("condition__resolved_at")
    )
    return ClaimCondition.objects.filter(
        claim=OuterRef("pk"), condition__resolved_at__isnull=False
    ).exclude(Exists(changed_since))


# The queue's sections, most urgent first: each claim is listed once, in the
# first that holds it, with the later ones as its other reasons. A section is
# one entry here.
QUEUE_SECTIONS = [
    QueueSection(
        "orphaned",
        "Quotes lost in a correction of their article (editors quote them afresh)",
        "quote lost",
        lambda claims, user, now: claims.filter(
            orphaned_by__isnull=False, withdrawn_at__isnull=True
        ),
    ),
    QueueSection(
        "signoff",
        "Verdicts awaiting your sign-off",
        "awaiting sign-off",
        lambda claims, user, now: claims.filter(
            pk__in=Proposal.objects.awaiting_signoff_by(user).values("claim")
        ),
    ),
    QueueSection(
        "sent-back",
        "Proposals sent back to you",
        "sent back to you",
        lambda claims, user, now: claims.filter(
            pk__in=Proposal.objects.sent_back_to(user).values("claim")
        ),
    ),
    QueueSection(
        "condition-resolved",
        "Predictions whose condition was resolved",
        "condition resolved",
        lambda claims, user, now: claims.filter(
            Exists(condition_resolved_since_last_change())
        ).exclude(status__in=FINAL_STATUSES),
    ),
    QueueSection(
        "overdue",
        "Predictions past their resolve-by date",
        "overdue",
        lambda claims, user, now: claims.overdue(timezone.localdate(now)),
    ),
    QueueSection(
        "due",
        "Past their next-review date",
        "review due",
        lambda claims, user, now: claims.due_for_review(timezone.localdate(now)),
    ),
    QueueSection(
        "unreviewed",
        "Awaiting first review",
        "unreviewed",
        lambda claims, user, now: claims.awaiting_first_review(),
    ),
    QueueSection(
        "changed",
        "Recently changed by others",
        "changed by others",
        lambda claims, user, now: claims.changed_by_others(user, now - RECENT_CHANGES_WINDOW),
    ),
]
QUEUE_SECTION_KEYS = {section.key: index for index, section in enumerate(QUEUE_SECTIONS)}


def queue_section(index, claims, user, now):
    """The claims of ``claims`` listed in section ``index``: those it holds that no
    more urgent section does, in the order of ``claims``."""
    held = QUEUE_SECTIONS[index].claims(claims, user, now)
    for earlier in QUEUE_SECTIONS[:index]:
        held = held.exclude(pk__in=earlier.claims(Claim.objects.all(), user, now).values("pk"))
    return held


def with_other_reasons(index, claims, user, now):
    """``claims`` of section ``index``, each annotated with whether each later
    section holds it too (read back by ``other_reasons``)."""
    return claims.annotate(
        **{
            f"also_{later}": Exists(
                QUEUE_SECTIONS[later]
                .claims(Claim.objects.all(), user, now)
                .filter(pk=OuterRef("pk"))
            )
            for later in range(index + 1, len(QUEUE_SECTIONS))
        }
    )


def other_reasons(index, claim):
    return [
        QUEUE_SECTIONS[later].label
        for later in range(index + 1, len(QUEUE_SECTIONS))
        if getattr(claim, f"also_{later}")
    ]


def queue_claims(form):
    return form.filter(
        Claim.objects.select_related("article", "speaker", "owner").defer("article__text")
    )


def section_query(section, form):
    """The query string of a review page opened from ``section`` of the queue
    as ``form`` filters it (queue_neighbours reads it back)."""
    return urlencode({"section": section.key, **form.filters()})


@require_GET
@reviewer_required
@vary_on_fragment_headers
def review_queue(request):
    form = QueueFilterForm(request.GET, user=request.user)
    form.is_valid()
    claims = queue_claims(form)
    now = timezone.now()
    sections = []
    for index, section in enumerate(QUEUE_SECTIONS):
        listed = queue_section(index, claims, request.user, now)
        shown = list(with_other_reasons(index, listed, request.user, now)[:QUEUE_SECTION_LIMIT])
        for claim in shown:
            claim.other_reasons = other_reasons(index, claim)
        sections.append(
            {
                "id": section.key,
                "title": section.title,
                "count": listed.count(),
                "claims": shown,
                "query": section_query(section, form),
            }
        )
    template = "review/queue.html"
    if is_fragment_request(request):
        template += "#queue-sections"
    return render(
        request,
        template,
        {
            "form": form,
            "sections": sections,
            "today": timezone.localdate(now),
            "limit": QUEUE_SECTION_LIMIT,
            "mine": form.filters().get("owner") == "mine",
            # Only on the whole page: the filters never change it.
            "unhandled_messages": (
                None if is_fragment_request(request) else ReaderMessage.objects.unhandled().count()
            ),
            # Conditions have no owner nor kind: listed apart from the filters.
            "due_conditions": Condition.objects.due(timezone.localdate(now)),
        },
    )


def queue_neighbours(request, claim):
    """The claims before and after ``claim`` in the queue section the review page
    was opened from (?section=, with the queue's filters), as the queue lists
    them; None without a known section. For a claim not in the section (a
    status saved moves one on), the next is the section's first."""
    index = QUEUE_SECTION_KEYS.get(request.GET.get("section", ""))
    if index is None:
        return None
    form = QueueFilterForm(request.GET, user=request.user)
    listed = queue_section(index, queue_claims(form), request.user, timezone.now())
    slugs = list(listed.values_list("slug", flat=True)[:QUEUE_SECTION_LIMIT])
    section = QUEUE_SECTIONS[index]
    nav = {"key": section.key, "title": section.title, "query": section_query(section, form)}
    if claim.slug not in slugs:
        return {**nav, "listed": False, "previous": None, "next": next(iter(slugs), None)}
    position = slugs.index(claim.slug)
    return {
        **nav,
        "listed": True,
        "previous": slugs[position - 1] if position > 0 else None,
        "next": slugs[position + 1] if position + 1 < len(slugs) else None,
    }


# --- Review page ----------------------------------------------------------------


def source_revisions(source_id):
    """A source's audit rows, newest first: the id of the first is its revision."""
    return Source.history.filter(id=source_id).order_by("-history_id")


def load_claim(slug):
    return get_object_or_404(
        Claim.objects.with_public_detail(sources=False)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "sources",
                Source.objects.select_related("added_by", "removed_by").annotate(
                    revision=Subquery(source_revisions(OuterRef("pk")).values("history_id")[:1])
                ),
            ),
            Prefetch("notes", ReviewerNote.objects.select_related("author")),
        ),
        slug=slug,
    )


def editor_context(
    claim,
    *,
    status_form=None,
    fields_form=None,
    source_form=None,
    note_form=None,
    source_edit=None,
    owner_form=None,
    conflict=None,
    source_conflict=None,
    send_back_form=None,
    owner_refusal=None,
    condition_link_form=None,
    condition_create_form=None,
    condition_unlink=None,
    condition_conflict=None,
):
    """Everything the review page shows. Forms not given are fresh, at the
    claim's current version; ``source_edit`` and ``condition_unlink`` are
    (source or link id, bound form)."""
    sources = list(claim.sources.all())
    needs_reason = services.has_published_verdict(claim)
    for source in sources:
        source.edit_form = SourceEditForm(
            instance=source,
            prefix=f"source-{source.pk}",
            initial={"revision": source.revision},
            needs_reason=needs_reason,
        )
        source.toggle_form = SourceToggleForm(auto_id=f"source-{source.pk}-toggle-%s")
        if source_edit and source_edit[0] == source.pk:
            source.edit_form = source_edit[1]
        source.place = source_place(source)
    condition_links = condition_links_in_order(claim)
    for link in condition_links:
        link.unlink_form = ConditionLinkChangeForm(claim=claim, prefix=unlink_prefix(link))
        if condition_unlink and condition_unlink[0] == link.pk:
            link.unlink_form = condition_unlink[1]
    before, quote, after = paragraph_around(claim.quoted_text, claim.quote_start, claim.quote_end)
    proposals = claim.proposals.select_related("proposed_by", "decided_by").order_by("-id")
    latest = proposals.first()
    return {
        "claim": claim,
        "proposal": latest if latest and latest.is_open else None,
        "sent_back": latest if latest and latest.decision == Proposal.Decision.SENT_BACK else None,
        "send_back_form": send_back_form or SendBackForm(),
        "signoff": settings.FACTCHECK_SIGNOFF,
        "paragraph": {"before": before, "quote": quote, "after": after},
        "timeline": public_timeline(claim),
        "sources": sources,
        "notes": claim.notes.all(),
        "status_form": status_form or StatusChangeForm(claim=claim),
        "fields_form": fields_form or ClaimFieldsForm(claim=claim),
        "source_form": source_form or SourceForm(needs_reason=needs_reason),
        "sources_need_reason": needs_reason,
        "note_form": note_form or NoteForm(),
        # Its choices are read only where it is shown: to editors.
        "owner_form": owner_form or OwnerForm(claim=claim),
        "resolve_by_state": claim.resolve_by_state(timezone.localdate()),
        "conflict": conflict,
        "source_conflict": source_conflict,
        "owner_refusal": owner_refusal,
        "condition_links": condition_links,
        "condition_link_form": condition_link_form
        or ConditionLinkForm(claim=claim, prefix=CONDITION_LINK_PREFIX),
        "condition_create_form": condition_create_form
        or ConditionCreateForm(claim=claim, prefix=CONDITION_CREATE_PREFIX),
        "condition_conflict": condition_conflict,
    }


def source_place(source):
    """Where a message about one source goes: its own item in the list."""
    return f"source-{source.pk}"


def respond(request, slug, panel, *, also=(), status=200, **shown):
    """The panel (and, out of band, ``also``) under htmx; otherwise the whole page.
    ``shown``: what the page shows other than fresh (see editor_context)."""
    claim = load_claim(slug)
    context = {**editor_context(claim, **shown), "page_query": page_query(request)}
    if not request.htmx:
        context["queue_nav"] = queue_neighbours(request, claim)
        response = render(request, "review/claim.html", context, status=status)
    else:
        html = render_to_string(f"review/claim.html#{panel}", context, request)
        for other in also:
            html += render_to_string(
                f"review/claim.html#{other}", {**context, "oob": True}, request
            )
        html += render_to_string("review/claim.html#stale-messages", context, request)
        response = HttpResponse(html, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def saved(request, claim, panel, message, *, level=messages.SUCCESS, place=None, also=()):
    """A save went through. The message is a Django message tagged with its place
    on the page (``place``, else the panel), which only that place's partial
    shows: under htmx in this very response, otherwise on the review page this
    redirects to, scrolled to it."""
    place = place or panel
    messages.add_message(request, level, message, extra_tags=place)
    if request.htmx:
        return respond(request, claim.slug, panel, also=also)
    url = reverse("factcheck:review_claim", args=[claim.slug])
    response = redirect(f"{url}{page_query(request)}#{place}-messages")
    patch_vary_headers(response, ["HX-Request"])
    return response


def posted_version(request, name="version"):
    """The claim version the form last knew of (in its field ``name``), or None
    when the posted value is not one (a real form always sends a plain number)."""
    value = request.POST.get(name, "")
    return int(value) if VERSION.fullmatch(value) else None


def version_refused(request):
    return bad_request(
        request, "The form's claim version is missing or damaged; reload the claim's page."
    )


def saved_first(request, record):
    """Who wrote ``record`` (an audit row) and when, as a conflict tells the
    reviewer who lost: "otto saved it at 2 Dec 2026, 14:05"."""
    if record is None:
        return "someone else saved it"
    when = date_text(timezone.localtime(record.history_date), "minute")
    if record.history_user_id is None:
        return f"it was changed at {when}, not from a reviewer's account"
    if record.history_user_id == request.user.pk:
        return f"you saved it in another panel at {when}"
    return f"{record.history_user.get_username()} saved it at {when}"


def conflict(request, claim, panel, form, posted):
    """409: the claim changed since the form showed it (someone else saved, or the
    reviewer did in another panel). Nothing is written; the panel shows the claim
    as it is now with this reviewer's changes laid over it."""
    current = Claim.objects.get(pk=claim.pk)
    merged, both = forms.merge_after_conflict(form, current, posted)
    # The row that made the current version (later rows of it, a change of
    # owner say, leave the version alone).
    saved = (
        Claim.history.filter(id=current.pk, version=current.version)
        .select_related("history_user")
        .order_by("history_id")
        .first()
    )
    notice = (
        f"This claim changed while you were editing this form: {saved_first(request, saved)}. "
        "Nothing was saved. The form now shows the claim as it is, with your changes laid over it"
        + (f"; the {', '.join(both)} changed on both sides" if both else "")
        + ". Check, then save again."
    )
    form_name = CLAIM_FORMS[panel][0]
    return respond(
        request,
        claim.slug,
        panel,
        also=claim_refresh(panel),
        status=409,
        conflict=notice,
        **{form_name: merged},
    )


@require_GET
@reviewer_required
def review_claim(request, slug):
    claim = load_claim(slug)
    context = {
        **editor_context(claim),
        "page_query": page_query(request),
        "queue_nav": queue_neighbours(request, claim),
    }
    return render(request, "review/claim.html", context)


@require_POST
@reviewer_required
def review_claim_edit(request, slug, panel):
    """Both panels that edit the claim itself (its status, its fields): one
    version check, validation, service call and error mapping. ``panel`` comes
    from the URL."""
    claim = get_object_or_404(Claim, slug=slug)
    form_name, form_class = CLAIM_FORMS[panel]
    # A copy of its own, since a ModelForm writes the posted values onto its
    # instance; of the same read, so the version checked below is the one its
    # choices were made for (a save committed in between is a conflict).
    form = form_class(request.POST, claim=copy.copy(claim))
    posted = posted_version(request)
    if posted is None:
        return version_refused(request)
    if posted != claim.version or forms.overtaken(form, claim):
        return conflict(request, claim, panel, form, posted)
    if not form.is_valid():
        return respond(request, slug, panel, **{form_name: form})
    try:
        changed = form.apply(by=request.user)
    except services.StaleClaimError:
        return conflict(request, claim, panel, form, posted)
    except ValidationError as error:
        add_errors(form, error)
        return respond(request, slug, panel, **{form_name: form})
    if form_name == "status_form" and form.proposal:
        message, level = (
            f"Proposed “{form.proposal.to_info.label}”. It is published when another "
            "reviewer approves it.",
            messages.SUCCESS,
        )
    elif "status" in changed:
        message, level = f"Status changed to “{form.claim.status_info.label}”.", messages.SUCCESS
    elif changed:
        message, level = "Saved.", messages.SUCCESS
    else:
        message, level = "Nothing had changed, so nothing was saved.", messages.INFO
    return saved(request, claim, panel, message, level=level, also=claim_refresh(panel))


# --- Sign-off ---------------------------------------------------------------------


@require_POST
@reviewer_required
def review_proposal(request, slug, proposal_id, decision):
    """Approve, send back or withdraw an open proposal (``decision`` comes from
    the URL). Its answer is the status panel, like a status change's."""
    claim = get_object_or_404(Claim, slug=slug)
    proposal = get_object_or_404(
        Proposal.objects.select_related("claim"), pk=proposal_id, claim=claim
    )
    if not proposal.is_open:
        return saved(
            request,
            claim,
            "claim-status",
            "This proposal was already decided.",
            level=messages.INFO,
        )
    try:
        if decision == "approve":
            change = services.approve_proposal(proposal=proposal, by=request.user)
            message = f"Approved: the claim is now “{change.to_info.label}”."
        elif decision == "send-back":
            form = SendBackForm(request.POST)
            if not form.is_valid():
                return respond(request, slug, "claim-status", send_back_form=form)
            services.send_back_proposal(
                proposal=proposal, by=request.user, note=form.cleaned_data["note"]
            )
            message = f"Sent back to {proposal.proposed_by}, with your note."
        else:
            services.withdraw_proposal(proposal=proposal, by=request.user)
            message = "Withdrawn: nothing of the claim changed."
    except services.ProposalRefused as refusal:
        return saved(request, claim, "claim-status", str(refusal), level=messages.ERROR)
    return saved(request, claim, "claim-status", message, also=claim_refresh("claim-status"))


@require_http_methods(["GET", "POST"])
@reviewer_required
def reviewer_settings(request):
    """The reviewer's own settings: the name public pages credit them by, and
    whether reminders come to them."""
    profile = ReviewerProfile.objects.filter(user=request.user).first() or ReviewerProfile(
        user=request.user, public_name=request.user.get_full_name()
    )
    form = ReviewerSettingsForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.save_reviewer_settings(form)
        messages.success(request, "Saved your settings.", extra_tags="settings")
        return redirect("factcheck:review_settings")
    return render(
        request,
        "review/settings.html",
        {"form": form, "public_names": settings.FACTCHECK_PUBLIC_NAMES},
    )


def add_errors(form, error):
    """A service's refusal, on the form's fields (the form as a whole for others)."""
    for field, errors in forms.errors_by_field(error).items():
        form.add_error(field if field in form.fields else None, errors)


def sources_saved(request, claim, message, *, level=messages.SUCCESS, source=None):
    # The timeline shows corrections, which a source change may have added.
    return saved(
        request,
        claim,
        "claim-sources",
        message,
        level=level,
        place=source_place(source) if source else None,
        also=["claim-timeline"],
    )


@require_POST
@reviewer_required
def review_source_add(request, slug):
    claim = get_object_or_404(Claim, slug=slug)
    form = SourceForm(request.POST, needs_reason=services.has_published_verdict(claim))
    if not form.is_valid():
        return respond(request, slug, "claim-sources", source_form=form)
    try:
        source = services.add_source(claim=claim, by=request.user, **form.cleaned_data)
    except ValidationError as error:
        add_errors(form, error)
        return respond(request, slug, "claim-sources", source_form=form)
    return sources_saved(request, claim, f"Added the source “{source.title}”.")


def _claim_source(slug, source_id):
    claim = get_object_or_404(Claim, slug=slug)
    return claim, get_object_or_404(
        Source.objects.select_related("claim"), pk=source_id, claim=claim
    )


@require_POST
@reviewer_required
def review_source_edit(request, slug, source_id):
    claim, source = _claim_source(slug, source_id)
    prefix = f"source-{source.pk}"
    needs_reason = services.has_published_verdict(claim)
    form = SourceEditForm(
        request.POST,
        instance=Source.objects.get(pk=source.pk),
        prefix=prefix,
        needs_reason=needs_reason,
    )
    latest = source_revisions(source.pk).select_related("history_user").first()
    if request.POST.get(f"{prefix}-revision") != str(latest.history_id):
        # Someone edited this source since the form was loaded: keep this
        # reviewer's input, on the current revision, and write nothing.
        data = request.POST.copy()
        data[f"{prefix}-revision"] = str(latest.history_id)
        kept = SourceEditForm(data, instance=source, prefix=prefix, needs_reason=needs_reason)
        notice = (
            f"The source “{source.title}” changed while you were editing it: "
            f"{saved_first(request, latest)}. Nothing was saved. Its current version is "
            "shown; your edit is kept in the form."
        )
        return respond(
            request,
            slug,
            "claim-sources",
            status=409,
            source_edit=(source.pk, kept),
            source_conflict=notice,
        )
    if not form.is_valid():
        return respond(request, slug, "claim-sources", source_edit=(source.pk, form))
    changes = {
        name: form.cleaned_data[name]
        for name in form.changed_data
        if name not in ("revision", "reason")
    }
    try:
        changed = services.edit_source(
            source=source, by=request.user, changes=changes, reason=form.cleaned_data.get("reason")
        )
    except ValidationError as error:
        add_errors(form, error)
        return respond(request, slug, "claim-sources", source_edit=(source.pk, form))
    if not changed:
        return sources_saved(
            request,
            claim,
            "Nothing had changed, so nothing was saved.",
            level=messages.INFO,
            source=source,
        )
    return sources_saved(request, claim, f"Saved the source “{source.title}”.", source=source)


def toggle_reason(request):
    form = SourceToggleForm(request.POST)
    return form.cleaned_data["reason"] if form.is_valid() else ""


def source_refused(request, claim, source, error):
    """A removal or restoration refused: why, beside the source."""
    message = " ".join(error.messages)
    return sources_saved(request, claim, message, level=messages.ERROR, source=source)


@require_POST
@reviewer_required
def review_source_remove(request, slug, source_id):
    claim, source = _claim_source(slug, source_id)
    try:
        services.remove_source(source=source, by=request.user, reason=toggle_reason(request))
    except ValidationError as error:
        return source_refused(request, claim, source, error)
    return sources_saved(
        request,
        claim,
        f"Removed the source “{source.title}”. It is kept here and can be restored.",
        source=source,
    )


@require_POST
@reviewer_required
def review_source_restore(request, slug, source_id):
    claim, source = _claim_source(slug, source_id)
    try:
        services.restore_source(source=source, by=request.user, reason=toggle_reason(request))
    except ValidationError as error:
        return source_refused(request, claim, source, error)
    return sources_saved(request, claim, f"Restored the source “{source.title}”.", source=source)


@require_POST
@reviewer_required
def review_note_add(request, slug):
    claim = get_object_or_404(Claim, slug=slug)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return respond(request, slug, "claim-notes", note_form=form)
    services.add_note(claim=claim, by=request.user, body=form.cleaned_data["body"])
    return saved(request, claim, "claim-notes", "Note added.")


# --- Tracked conditions -----------------------------------------------------------
# What a prediction depends on defines it: each change moves the claim's
# version, as an edit of its fields does, so the panel's forms carry it, and a
# save swaps the read-only panels and the other panels' version inputs. The
# forms have prefixes of their own: the three can stand on one page.

CONDITION_LINK_PREFIX = "link"
CONDITION_CREATE_PREFIX = "new-condition"
CONDITIONS_PANEL = "claim-conditions"


def unlink_prefix(link):
    return f"unlink-{link.pk}"


def conditions_saved(request, claim, message):
    return saved(request, claim, CONDITIONS_PANEL, message, also=claim_refresh(CONDITIONS_PANEL))


def condition_change(request, claim, form, shown, write):
    """One change of a prediction's tracked conditions from ``form`` (bound;
    ``shown(form)`` is how the panel shows it): the version check, validation,
    ``write(cleaned_data, expected_version)`` and its refusals."""
    posted = posted_version(request, form.add_prefix("version"))
    if posted is None:
        return version_refused(request)
    if posted != claim.version:
        return conditions_conflict(request, claim, form, shown)
    if not form.is_valid():
        return respond(request, claim.slug, CONDITIONS_PANEL, **shown(form))
    try:
        message = write(form.cleaned_data, posted)
    except services.StaleClaimError:
        return conditions_conflict(request, claim, form, shown)
    except ValidationError as error:
        add_errors(form, error)
        return respond(request, claim.slug, CONDITIONS_PANEL, **shown(form))
    return conditions_saved(request, claim, message)


def conditions_conflict(request, claim, form, shown):
    """409: the claim changed since the panel showed it. Nothing is written;
    the reviewer's input stays in the form, now at the current version."""
    current = Claim.objects.get(pk=claim.pk)
    data = request.POST.copy()
    data[form.add_prefix("version")] = str(current.version)
    kept = type(form)(data, claim=current, prefix=form.prefix)
    record = (
        Claim.history.filter(id=current.pk, version=current.version)
        .select_related("history_user")
        .order_by("history_id")
        .first()
    )
    notice = (
        f"This claim changed while you were editing: {saved_first(request, record)}. "
        "Nothing was saved. The panel shows its tracked conditions as they are now, with "
        "your input kept in the form. Check, then save again."
    )
    return respond(
        request,
        claim.slug,
        CONDITIONS_PANEL,
        also=claim_refresh(CONDITIONS_PANEL),
        status=409,
        condition_conflict=notice,
        **shown(kept),
    )


@require_POST
@reviewer_required
def review_condition_link(request, slug):
    """Make a prediction depend on an existing condition."""
    claim = get_object_or_404(Claim, slug=slug)
    form = ConditionLinkForm(request.POST, claim=claim, prefix=CONDITION_LINK_PREFIX)

    def write(data, expected_version):
        link = services.link_condition(
            claim=claim,
            condition=data["condition"],
            polarity=data["polarity"],
            reason=data.get("reason", ""),
            by=request.user,
            expected_version=expected_version,
        )
        return f"Linked “{link.condition}” ({link.get_polarity_display()})."

    return condition_change(request, claim, form, lambda form: {"condition_link_form": form}, write)


@require_POST
@reviewer_required
def review_condition_create(request, slug):
    """Create a condition and make the prediction depend on it, in one step."""
    claim = get_object_or_404(Claim, slug=slug)
    form = ConditionCreateForm(request.POST, claim=claim, prefix=CONDITION_CREATE_PREFIX)

    def write(data, expected_version):
        link = services.create_condition(
            claim=claim,
            statement=data["statement"],
            resolve_by=data["resolve_by"],
            polarity=data["polarity"],
            reason=data.get("reason", ""),
            by=request.user,
            expected_version=expected_version,
        )
        return (
            f"Created the condition “{link.condition}” and linked it "
            f"({link.get_polarity_display()}). Its workspace resolves it."
        )

    return condition_change(
        request, claim, form, lambda form: {"condition_create_form": form}, write
    )


@require_POST
@reviewer_required
def review_condition_unlink(request, slug, link_id):
    """Undo one of a prediction's links to a condition."""
    claim = get_object_or_404(Claim, slug=slug)
    link = get_object_or_404(
        ClaimCondition.objects.select_related("claim", "condition"), pk=link_id, claim=claim
    )
    form = ConditionLinkChangeForm(request.POST, claim=claim, prefix=unlink_prefix(link))

    def write(data, expected_version):
        services.unlink_condition(
            link=link,
            reason=data.get("reason", ""),
            by=request.user,
            expected_version=expected_version,
        )
        return f"Unlinked “{link.condition}”: the prediction no longer depends on it."

    return condition_change(
        request, claim, form, lambda form: {"condition_unlink": (link.pk, form)}, write
    )


# --- Owner ----------------------------------------------------------------------
# The panel swaps itself alone: a change of owner moves no version, and no other
# panel shows the owner.


def owner_saved(request, claim, changed, message):
    if not changed:
        message = "Nothing had changed, so nothing was saved."
    return saved(
        request, claim, "claim-owner", message, level=messages.SUCCESS if changed else messages.INFO
    )


def owner_refused(request, claim, error):
    """409: the claim changed hands since the panel showed it."""
    return respond(
        request, claim.slug, "claim-owner", status=409, owner_refusal=" ".join(error.messages)
    )


# What reviewers do with a claim for themselves: the service, and what it says.
OWN_MOVES = {
    "take": (services.take_claim, "You own this claim now."),
    "give-back": (services.give_back_claim, "You gave the claim back: it is unowned."),
}


@require_POST
@reviewer_required
def review_claim_own(request, slug, move):
    """Take a claim, or give it back; ``move`` comes from the URL."""
    claim = get_object_or_404(Claim, slug=slug)
    service, message = OWN_MOVES[move]
    try:
        changed = service(claim=claim, by=request.user)
    except ValidationError as error:
        return owner_refused(request, claim, error)
    return owner_saved(request, claim, changed, message)


@require_POST
@editor_required
def review_claim_assign(request, slug):
    claim = get_object_or_404(Claim.objects.select_related("owner"), slug=slug)
    form = OwnerForm(request.POST, claim=claim)
    if not form.is_valid():
        return respond(request, slug, "claim-owner", owner_form=form)
    owner = form.cleaned_data["owner"]
    try:
        changed = services.assign_claim(claim=claim, owner=owner, by=request.user)
    except ValidationError as error:
        form.add_error("owner", error.messages)
        return respond(request, slug, "claim-owner", owner_form=form)
    message = f"“{owner.get_username()}” owns this claim now." if owner else "It is unowned now."
    return owner_saved(request, claim, changed, message)


# --- History --------------------------------------------------------------------

HIDDEN_HISTORY_FIELDS = {"version", "updated_at", "public_updated_at", "created_at"}


@require_GET
@reviewer_required
def review_claim_history(request, slug):
    claim = get_object_or_404(Claim.objects.select_related("article"), slug=slug)
    rows = [
        ("Claim", claim.history.select_related("history_user")),
        ("Source", Source.history.filter(claim_id=claim.pk).select_related("history_user")),
        ("Note", ReviewerNote.history.filter(claim_id=claim.pk).select_related("history_user")),
    ]
    entries = []
    for label, queryset in rows:
        previous = {}
        for record in queryset.order_by("history_date", "history_id"):
            before = previous.get(record.id)
            entries.append(
                {
                    "what": label,
                    "record": record,
                    "action": {"+": "created", "~": "changed", "-": "deleted"}[record.history_type],
                    "changes": _changes(claim, before, record),
                }
            )
            previous[record.id] = record
    entries.sort(key=lambda entry: entry["record"].history_date, reverse=True)
    return render(request, "review/history.html", {"claim": claim, "entries": entries})


def _changes(claim, before, record):
    """What differs between two audit rows of one object. (simple-history's
    diff_against skips non-editable fields such as the status, so compare here.)"""
    if before is None:
        return []
    changes = []
    # The fields the audit trail keeps (a derived one, such as the search text, it does not).
    audited = {field.attname for field in type(record)._meta.concrete_fields}
    for field in record.instance_type._meta.concrete_fields:
        if field.name in HIDDEN_HISTORY_FIELDS or field.attname not in audited:
            continue
        old, new = getattr(before, field.attname), getattr(record, field.attname)
        if old == new:
            continue
        if field.name == "status":
            old, new = status_info(claim.kind, old).label, status_info(claim.kind, new).label
        elif field.is_relation:
            old, new = _related_label(field, old), _related_label(field, new)
        changes.append({"field": field.verbose_name, "old": old, "new": new})
    return changes


def _related_label(field, pk):
    if pk is None:
        return ""
    related = field.related_model._default_manager.filter(pk=pk).first()
    return str(related) if related else f"(deleted #{pk})"


# --- Conditions -----------------------------------------------------------------
# A condition's page: its resolution (version-checked, as a claim's status) and
# its sources. Two panels, each a real form; a resolution changes nothing the
# sources panel shows, and a source nothing of the other, so neither swaps more
# than itself.


def condition_context(condition, *, resolution_form=None, source_form=None, conflict=None):
    return {
        "condition": condition,
        "links": condition.links.select_related("claim"),
        "sources": condition.sources.select_related("added_by"),
        "history": condition.history.select_related("history_user"),
        "resolution_form": resolution_form or ConditionResolutionForm(condition=condition),
        "source_form": source_form or ConditionSourceForm(),
        "conflict": conflict,
    }


def condition_respond(request, slug, panel, *, status=200, **shown):
    context = condition_context(get_object_or_404(Condition, slug=slug), **shown)
    template = "review/condition.html"
    if request.htmx:
        template += f"#{panel}"
    response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def condition_saved(request, condition, panel, message, *, level=messages.SUCCESS):
    """As ``saved``, for a condition's panels."""
    messages.add_message(request, level, message, extra_tags=panel)
    if request.htmx:
        return condition_respond(request, condition.slug, panel)
    url = reverse("factcheck:review_condition", args=[condition.slug])
    response = redirect(f"{url}#{panel}-messages")
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@reviewer_required
def review_condition(request, slug):
    condition = get_object_or_404(Condition, slug=slug)
    return render(request, "review/condition.html", condition_context(condition))


@require_POST
@reviewer_required
def review_condition_status(request, slug):
    """Resolve a condition (met, not met) or re-open it."""
    condition = get_object_or_404(Condition, slug=slug)
    posted = posted_version(request)
    if posted is None:
        return version_refused(request)
    form = ConditionResolutionForm(request.POST, condition=condition)
    if posted != condition.version:
        return condition_conflict(request, condition)
    if not form.is_valid():
        return condition_respond(request, slug, "condition-status", resolution_form=form)
    try:
        services.resolve_condition(
            condition=condition,
            to_status=form.cleaned_data["to_status"],
            rationale=form.cleaned_data["rationale"],
            by=request.user,
            expected_version=posted,
        )
    except services.StaleConditionError:
        return condition_conflict(request, condition)
    except ValidationError as error:
        add_errors(form, error)
        return condition_respond(request, slug, "condition-status", resolution_form=form)
    message = f"The condition is now “{condition.get_status_display()}”."
    if condition.is_resolved:
        message += " Each prediction depending on it is in the queue, to be judged."
    return condition_saved(request, condition, "condition-status", message)


def condition_conflict(request, condition):
    """409: the condition changed since the form showed it. Nothing is written;
    the reviewer's choice and text stay in the form, now at the current version."""
    current = Condition.objects.get(pk=condition.pk)
    data = request.POST.copy()
    data["version"] = str(current.version)
    if data.get("to_status") == current.status:
        data["to_status"] = ""
    kept = ConditionResolutionForm(data, condition=current)
    record = current.history.select_related("history_user").first()
    notice = (
        f"This condition changed while you were editing: {saved_first(request, record)}. "
        f"It is now “{current.get_status_display()}”. Nothing was saved; check, then save again."
    )
    return condition_respond(
        request,
        condition.slug,
        "condition-status",
        status=409,
        resolution_form=kept,
        conflict=notice,
    )


@require_POST
@reviewer_required
def review_condition_source_add(request, slug):
    condition = get_object_or_404(Condition, slug=slug)
    form = ConditionSourceForm(request.POST)
    if not form.is_valid():
        return condition_respond(request, slug, "condition-sources", source_form=form)
    try:
        source = services.add_condition_source(
            condition=condition, by=request.user, **form.cleaned_data
        )
    except ValidationError as error:
        add_errors(form, error)
        return condition_respond(request, slug, "condition-sources", source_form=form)
    return condition_saved(
        request, condition, "condition-sources", f"Added the source “{source.title}”."
    )
