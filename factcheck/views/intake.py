"""Taking in articles (editors): a new article as a draft, its claims marked
in its text sentence by sentence, and publishing it once every sentence is
accounted for. Every form posts and redirects back (POST/redirect/GET) with its
message; a form with errors is shown again with what was typed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .. import claims_export, services
from ..forms import (
    ArticleIntakeForm,
    ClaimIntakeForm,
    PersonForm,
    ReasonForm,
    RequoteForm,
    TextCorrectionForm,
    UnclaimedForm,
)
from ..intake import sentence_anchor, split_sentences
from ..models import Article, Claim, Person
from ..roles import editor_required
from .public import render_article


def intake_url(article, anchor=""):
    return reverse("factcheck:intake_article", args=[article.slug]) + anchor


@require_GET
@editor_required
def article_list(request):
    articles = Article.objects.defer("text").order_by("-published_at", "-id")
    return render(
        request,
        "review/articles.html",
        {
            "drafts": [a for a in articles if a.is_draft],
            "published": [a for a in articles if a.is_public],
            "taken_down": [a for a in articles if a.unpublished_at],
        },
    )


@require_http_methods(["GET", "POST"])
@editor_required
def article_new(request):
    form = ArticleIntakeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        article = services.take_in_article(article=form.instance, by=request.user)
        messages.success(
            request,
            "Taken in as a draft. Mark its claims, account for every sentence, then publish.",
            extra_tags="intake",
        )
        return redirect(intake_url(article))
    return render(request, "review/article_new.html", {"form": form})


def requote_prefix(claim):
    return f"requote-{claim.slug}"


def withdraw_prefix(claim):
    return f"withdraw-{claim.slug}"


def intake_context(article, **forms):
    """The intake page's context; ``forms`` (by name or prefix) replace the
    empty ones, as a form sent back with its errors. Each form has a prefix of
    its own, so its fields' ids are unique on the page."""
    sentences = services.article_sentences(article)
    orphaned = list(article.claims.filter(orphaned_by__isnull=False, withdrawn_at__isnull=True))
    for claim in orphaned:
        claim.requote_form = forms.get(requote_prefix(claim)) or RequoteForm(
            prefix=requote_prefix(claim)
        )
        claim.withdraw_form = forms.get(withdraw_prefix(claim)) or ReasonForm(
            prefix=withdraw_prefix(claim)
        )
    return {
        "article": article,
        "sentences": sentences,
        "accounted": sum(1 for sentence in sentences if sentence.accounted_for),
        "orphaned": orphaned,
        "unclaimed_form": UnclaimedForm(),
        "unpublish_form": ReasonForm(prefix="unpublish"),
        "correction_form": TextCorrectionForm(initial={"text": article.text}, prefix="correction"),
        **forms,
    }


@require_GET
@editor_required
def intake_article(request, slug):
    article = get_object_or_404(Article, slug=slug)
    return render(request, "review/article_intake.html", intake_context(article))


def saved_or_shown_again(request, article, form, save, *, done, place, form_name):
    """With a valid ``form``, ``save(cleaned_data)`` (a service call), then back
    to the intake page with ``done`` beside ``place``; otherwise the page again
    (400) with the form's errors, and what was typed."""
    if form.is_valid():
        try:
            save(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            anchor = place(form.cleaned_data)
            messages.success(request, done, extra_tags=anchor)
            return redirect(intake_url(article, f"#{anchor}"))
    context = intake_context(article, **{form_name: form})
    return render(request, "review/article_intake.html", context, status=400)


@require_POST
@editor_required
def intake_unclaimed(request, slug):
    article = get_object_or_404(Article, slug=slug)
    return saved_or_shown_again(
        request,
        article,
        UnclaimedForm(request.POST),
        lambda data: services.mark_unclaimed(article=article, by=request.user, **data),
        done="Marked as holding nothing checkable.",
        place=lambda data: sentence_anchor(data["start"]),
        form_name="unclaimed_form",
    )


@require_POST
@editor_required
def intake_unmark(request, slug, start):
    """Undo a mark on a draft's sentence (a published article keeps its marks)."""
    article = get_object_or_404(Article, slug=slug)
    mark = get_object_or_404(article.unclaimed_sentences, start=start)
    try:
        services.unmark_unclaimed(mark=mark)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages), extra_tags=sentence_anchor(start))
    else:
        messages.success(request, "Unmarked.", extra_tags=sentence_anchor(start))
    return redirect(intake_url(article, f"#{sentence_anchor(start)}"))


@require_http_methods(["GET", "POST"])
@editor_required
def intake_claim_new(request, slug):
    """GET: the form, its quote taken from the offsets the page's script sent
    (``start``, ``end``), for the editor to confirm. POST: the claim."""
    article = get_object_or_404(Article, slug=slug)
    if request.method == "POST":
        form = ClaimIntakeForm(request.POST, article=article)
        try:
            claim = form.save(by=request.user) if form.is_valid() else None
        except ValidationError as error:  # the new speaker's own rules
            form.add_error(None, error.messages)
            claim = None
        if claim is not None:
            place = sentence_anchor(sentence_of(article, claim))
            messages.success(request, f"Claim added: “{claim.statement}”.", extra_tags=place)
            return redirect(intake_url(article, f"#{place}"))
    else:
        form = ClaimIntakeForm(initial={"quote": quoted(article, request.GET)}, article=article)
    return render(request, "review/claim_new.html", {"article": article, "form": form})


def quoted(article, params):
    """The passage between the offsets sent, or nothing when they are not a
    passage of the text (the editor pastes the quote instead)."""
    try:
        start, end = int(params.get("start", "")), int(params.get("end", ""))
    except ValueError:
        return ""
    if 0 <= start < end <= len(article.text):
        return article.text[start:end]
    return ""


def sentence_of(article, claim):
    """The start of the sentence the claim's quote begins in."""
    starts = [start for start, _ in split_sentences(article.text) if start <= claim.quote_start]
    return starts[-1] if starts else 0


@require_POST
@editor_required
def intake_publish(request, slug):
    article = get_object_or_404(Article, slug=slug)
    try:
        services.publish_article(article=article, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages), extra_tags="publishing")
    else:
        messages.success(
            request, "Published: its claims are public now, unreviewed.", extra_tags="publishing"
        )
    return redirect(intake_url(article, "#publishing"))


@require_POST
@editor_required
def intake_unpublish(request, slug):
    article = get_object_or_404(Article, slug=slug)
    return saved_or_shown_again(
        request,
        article,
        ReasonForm(request.POST, prefix="unpublish"),
        lambda data: services.unpublish_article(article=article, by=request.user, **data),
        done="Taken down: its pages now say so, and why.",
        place=lambda data: "publishing",
        form_name="unpublish_form",
    )


@require_POST
@editor_required
def intake_correct(request, slug):
    article = get_object_or_404(Article, slug=slug)

    def correct(data):
        orphaned = services.correct_article_text(article=article, by=request.user, **data)
        if orphaned:
            lost = len(orphaned)
            messages.warning(
                request,
                f"{lost} claim{'s' if lost != 1 else ''} lost {'their' if lost != 1 else 'its'} "
                "quote in the corrected text: quote each afresh, or withdraw it.",
                extra_tags="correction",
            )

    return saved_or_shown_again(
        request,
        article,
        TextCorrectionForm(request.POST, prefix="correction"),
        correct,
        done="Corrected: the earlier text is kept, and the article page says so.",
        place=lambda data: "correction",
        form_name="correction_form",
    )


def orphaned_claim(article, claim_slug):
    return get_object_or_404(
        Claim,
        article=article,
        slug=claim_slug,
        orphaned_by__isnull=False,
        withdrawn_at__isnull=True,
    )


@require_POST
@editor_required
def intake_requote(request, slug, claim_slug):
    article = get_object_or_404(Article, slug=slug)
    claim = orphaned_claim(article, claim_slug)
    return saved_or_shown_again(
        request,
        article,
        RequoteForm(request.POST, prefix=requote_prefix(claim)),
        lambda data: services.requote_claim(claim=claim, by=request.user, **data),
        done=f"Quoted afresh: “{claim.statement}”.",
        place=lambda data: "orphaned",
        form_name=requote_prefix(claim),
    )


@require_POST
@editor_required
def intake_withdraw(request, slug, claim_slug):
    article = get_object_or_404(Article, slug=slug)
    claim = orphaned_claim(article, claim_slug)
    return saved_or_shown_again(
        request,
        article,
        ReasonForm(request.POST, prefix=withdraw_prefix(claim)),
        lambda data: services.withdraw_claim(claim=claim, by=request.user, **data),
        done=f"Withdrawn: “{claim.statement}”; its page says why.",
        place=lambda data: "orphaned",
        form_name=withdraw_prefix(claim),
    )


@require_GET
@editor_required
def intake_preview(request, slug):
    """The article page as readers will see it, for a draft too; never cached
    (the middleware makes it private, no-store)."""
    article = get_object_or_404(Article, slug=slug)
    return render_article(request, article, preview=True)


@require_GET
@editor_required
def intake_export(request, slug):
    """The article as a claims file and its text, zipped: what ``seed_claims``
    loads, on another site or on this one. Private (the middleware makes it
    ``no-store``): a draft's text and claims are the desk's."""
    article = get_object_or_404(Article, slug=slug)
    response = HttpResponse(claims_export.claims_zip(article), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{article.slug}.zip"'
    return response


@require_http_methods(["GET", "POST"])
@editor_required
def speaker_edit(request, slug):
    person = get_object_or_404(Person, slug=slug)
    form = PersonForm(request.POST or None, instance=person)
    if request.method == "POST" and form.is_valid():
        services.edit_person(person=form.instance, by=request.user)
        messages.success(request, "Saved.", extra_tags="speaker")
        return redirect("factcheck:intake_speaker", slug=person.slug)
    claims = person.claims.select_related("article")
    return render(
        request, "review/speaker.html", {"person": person, "form": form, "claims": claims}
    )
