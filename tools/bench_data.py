"""Synthetic data for the benchmarks, written with bulk inserts.

Articles of 20 claims each (their texts hold the quotes), but at least 20
articles, home's limit, so home shows as many at every size; a speaker per 10
claims; per claim: two sources and two status changes (from unreviewed,
through an open status, to where it now stands).
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from factcheck.statuses import Kind, statuses_for

CLAIMS_PER_ARTICLE = 20
MIN_ARTICLES = 20  # HOME_ARTICLES in factcheck.views.public
BATCH = 2000


def measured_records(size):
    """The claim (its slug) and the article (its number) the benchmark measures:
    from the middle of the data."""
    middle = size // 2
    return f"claim-{middle}", middle // claims_per_article(size)


def claims_per_article(size):
    return max(1, min(CLAIMS_PER_ARTICLE, size // MIN_ARTICLES))


@transaction.atomic
def build(size, seed=7):
    """Fill the (empty) database with ``size`` claims."""
    # Imported here: python -m tools.bench reads measured_records before it
    # sets Django up (once for each size's database).
    from factcheck.models import Article, Claim, Person, Source, StatusChange

    rng = random.Random(seed)
    user = get_user_model().objects.create_user("bench", password="bench-password-123")
    now = timezone.now()
    people = Person.objects.bulk_create(
        [Person(name=f"Speaker {i}", slug=f"speaker-{i}") for i in range(max(1, size // 10))],
        batch_size=BATCH,
    )
    articles, claims = [], []
    per_article = claims_per_article(size)
    for a in range(-(-size // per_article)):
        sentences = [
            f"Sentence {i} of article {a} says something checkable about permits."
            for i in range(per_article)
        ]
        articles.append(
            Article(
                title=f"Article {a}",
                publisher=rng.choice(["Vlast", "Example Times", "Daily Record"]),
                url=f"https://news.example.com/{a}",
                published_on=datetime.date(2020, 1, 1) + datetime.timedelta(days=a % 2000),
                text=" ".join(sentences),
                slug=f"article-{a}",
                published_at=now,
            )
        )
    Article.objects.bulk_create(articles, batch_size=BATCH)
    measured_slug, _ = measured_records(size)
    for a, article in enumerate(articles):
        position = 0
        for i in range(per_article):
            if len(claims) == size:
                break
            quote = f"Sentence {i} of article {a} says something checkable about permits."
            start = article.text.index(quote, position)
            position = start + len(quote)
            kind = Kind.PREDICTION if rng.random() < 0.4 else Kind.FACT
            slug = f"claim-{len(claims)}"
            choices = statuses_for(kind)
            status = rng.choice(choices[2:])  # past unreviewed and the first open status
            claims.append(
                Claim(
                    article=article,
                    # The measured claim has a speaker at every size, as most
                    # claims do, so its page runs the same queries at each.
                    speaker=(
                        rng.choice(people) if rng.random() < 0.7 or slug == measured_slug else None
                    ),
                    kind=kind,
                    quote=quote,
                    quote_start=start,
                    quote_end=position,
                    statement=f"Claim {len(claims)}: {quote}",
                    status=status.value,
                    summary=f"Summary of claim {len(claims)}.",
                    resolution_criteria="Criteria." if kind == Kind.PREDICTION else "",
                    resolve_by=(
                        datetime.date(2025, 1, 1) + datetime.timedelta(days=rng.randrange(900))
                        if kind == Kind.PREDICTION
                        else None
                    ),
                    slug=slug,
                    article_is_public=True,
                    version=3,
                    public_updated_at=now - datetime.timedelta(minutes=rng.randrange(500_000)),
                )
            )
    for claim in claims:  # bulk_create() does not save(), which derives it
        claim.search_text = claim.current_search_text()
    Claim.objects.bulk_create(claims, batch_size=BATCH)
    sources, changes = [], []
    for claim in claims:
        for j, stance in enumerate(("supports", "context")):
            sources.append(
                Source(
                    claim=claim,
                    url=f"https://source.example.org/{claim.slug}/{j}",
                    title=f"Source {j} for {claim.slug}",
                    publisher="Statistics Office",
                    stance=stance,
                    note="What it shows.",
                    added_by=user,
                )
            )
        middle = statuses_for(claim.kind)[1].value
        steps = [("unreviewed", middle)]
        if claim.status != middle:
            steps.append((middle, claim.status))
        for version, (from_status, to_status) in enumerate(steps, start=2):
            changes.append(
                StatusChange(
                    claim=claim,
                    from_status=from_status,
                    to_status=to_status,
                    rationale="Because of the evidence.",
                    changed_by=user,
                    changed_at=claim.public_updated_at - datetime.timedelta(days=3 - version),
                    claim_version=version,
                )
            )
    Source.objects.bulk_create(sources, batch_size=BATCH)
    StatusChange.objects.bulk_create(changes, batch_size=BATCH)
    return {"claims": len(claims), "sources": len(sources), "status_changes": len(changes)}
