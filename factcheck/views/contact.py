"""How readers reach the desk: an error report on a claim, a claim suggested.

These pages carry a CSRF token, so they are never cached (``private,
no-store``, as every page outside the page cache is) and live apart from the
claim's page, which stays the same for every visitor. What a reader sends is
stored for the desk (``ReaderMessage``) and shown nowhere public.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..forms import ErrorReportForm, SuggestionForm
from ..models import Claim, ReaderMessage
from ..throttling import reader_message_allowed


@require_http_methods(["GET", "POST"])
def report_error(request, slug):
    claim = get_object_or_404(Claim.objects.public().select_related("article"), slug=slug)
    return reader_message_page(
        request,
        ErrorReportForm,
        ReaderMessage(kind=ReaderMessage.Kind.REPORT, claim=claim),
        "factcheck:report_error",
        slug=slug,
    )


@require_http_methods(["GET", "POST"])
def suggest_claim(request):
    return reader_message_page(
        request,
        SuggestionForm,
        ReaderMessage(kind=ReaderMessage.Kind.SUGGESTION),
        "factcheck:suggest_claim",
    )


def reader_message_page(request, form_class, message, url_name, **url_kwargs):
    """The form; once sent, back to it (POST/redirect/GET) with the reference.
    Over the rate limit: 429, the reader's text kept in the form."""
    form = form_class(request.POST or None, instance=message)
    status = 200
    if request.method == "POST" and form.is_valid():
        if reader_message_allowed(request):
            message = services.receive_reader_message(message=form.instance)
            messages.success(
                request,
                f"Thank you: your message reached the desk. Its reference is "
                f"{message.reference}; quote it if you write to us about it.",
                extra_tags="reader-message",
            )
            return redirect(url_name, **url_kwargs)
        form.add_error(
            None,
            "Not sent: this address has sent us many messages in the past hour. "
            "Your text is kept below; please send it again in an hour.",
        )
        status = 429
    return render(
        request,
        "factcheck/reader_message.html",
        {"form": form, "claim": message.claim, "kind": message.kind},
        status=status,
    )
