"""The desk's side of what readers send and read: reader messages (reviewers
read them, editors mark them handled) and the about page (editors write it).
Plain forms that post and redirect back (POST/redirect/GET)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import services
from ..forms import HandleMessageForm, MessageSearchForm, SitePageForm
from ..models import READER_ADDRESS_KEPT_FOR, ReaderMessage, SitePage
from ..roles import EDITOR, editor_required, reviewer_required
from . import page_query

HANDLED_SHOWN = FOUND_SHOWN = 50


@require_GET
@reviewer_required
def review_messages(request):
    return render_messages(request)


def render_messages(request, invalid_form=None):
    """Every unhandled message, oldest first, each with its form for editors
    (``invalid_form`` as it was sent, with its errors); the latest handled ones.
    With a search (?q=), the messages it finds instead, newest first."""
    messages_shown = ReaderMessage.objects.select_related("claim", "handled_by")
    search = MessageSearchForm(request.GET)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    if query:
        found = messages_shown.matching(query).order_by("-created_at", "-id")
        listed = list(found[:FOUND_SHOWN])
        context = {"found": listed, "found_count": found.count()}
    else:
        listed = list(messages_shown.unhandled())
        handled = messages_shown.handled().order_by("-handled_at", "-id")[:HANDLED_SHOWN]
        context = {"unhandled": listed, "handled": handled}
    for message in listed:
        if message.is_handled:
            continue
        if invalid_form is not None and invalid_form.instance.pk == message.pk:
            message.handle_form = invalid_form
        else:
            message.handle_form = HandleMessageForm(prefix=f"message-{message.pk}")
    return render(
        request,
        "review/messages.html",
        {
            **context,
            "search": search,
            "query": query,
            "page_query": page_query(request),
            "handled_shown": HANDLED_SHOWN,
            "found_shown": FOUND_SHOWN,
            "may_handle": EDITOR.held_by(request.user),
            "kept_days": READER_ADDRESS_KEPT_FOR.days,
        },
    )


@require_POST
@editor_required
def review_message_handle(request, message_id):
    message = get_object_or_404(ReaderMessage, pk=message_id)
    form = HandleMessageForm(request.POST, instance=message, prefix=f"message-{message.pk}")
    # One handled already is refused below, whatever the form says.
    if not form.is_valid() and not message.is_handled:
        return render_messages(request, invalid_form=form)
    try:
        services.handle_reader_message(
            message=message, outcome=form.cleaned_data.get("outcome", ""), by=request.user
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages), extra_tags="reader-messages")
    else:
        messages.success(
            request, f"{message.reference} marked handled.", extra_tags="reader-messages"
        )
    return redirect(reverse("factcheck:review_messages") + page_query(request))


@require_http_methods(["GET", "POST"])
@editor_required
def review_about(request):
    page = SitePage.objects.about()
    form = SitePageForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        services.edit_site_page(page=form.instance, by=request.user)
        messages.success(request, "Saved: readers see it now.", extra_tags="site-page")
        return redirect("factcheck:review_about")
    return render(request, "review/site_page.html", {"page": page, "form": form})
