from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Article, Claim, Person, StatusChange


@require_GET
def home(request):
    articles = Article.objects.annotate(claim_count=Count("claims"))
    return render(request, "factcheck/home.html", {"articles": articles})


@require_GET
def article_detail(request, slug):
    article = get_object_or_404(Article, slug=slug)
    claims = list(article.claims.select_related("speaker"))
    return render(
        request,
        "factcheck/article_detail.html",
        {"article": article, "claims": claims, "segments": article_segments(article, claims)},
    )


def article_segments(article, claims):
    """Cut the article text into plain runs and claim highlights, in order.

    Yields (text, claim or None). A claim that overlaps an earlier highlight is
    left out of the flow here; it still has its own page.
    """
    position = 0
    for claim in sorted(claims, key=lambda claim: (claim.quote_start, -claim.quote_end)):
        if claim.quote_start < position:
            continue
        if claim.quote_start > position:
            yield article.text[position : claim.quote_start], None
        yield article.text[claim.quote_start : claim.quote_end], claim
        position = claim.quote_end
    if position < len(article.text):
        yield article.text[position:], None


@require_GET
def claim_detail(request, slug):
    claim = get_object_or_404(
        Claim.objects.select_related("article", "speaker").prefetch_related(
            Prefetch("status_changes", StatusChange.objects.select_related("claim")),
            "sources",
        ),
        slug=slug,
    )
    return render(request, "factcheck/claim_detail.html", {"claim": claim})


@require_GET
def person_detail(request, slug):
    person = get_object_or_404(Person, slug=slug)
    claims = person.claims.select_related("article")
    return render(request, "factcheck/person_detail.html", {"person": person, "claims": claims})
