"""Drafts and taken-down articles: readers, and editors reading the public
site, see nothing of them, on every public URL."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from factcheck import services
from factcheck.models import Article, Claim, ClaimCondition, Condition, Person
from factcheck.sitemaps import SITEMAPS
from factcheck.statuses import Kind
from factcheck.urls import public_patterns
from tests.desk import set_status

from .responses import body

# In the draft's title, text, quote, statement and speaker's name. A search
# for it may echo it; what the draft holds may not appear.
MARK = "Zyxwv"
DRAFT_WORDS = ["Dora Zyxwv", "Zyxwv permits", "Zyxwv report", "Zyxwv Press", "Zyxwv figures"]
DRAFT_TEXT = "Dora Zyxwv said Zyxwv permits will triple by 2030. Nothing else was said."


def make_article(slug, text, **fields):
    return Article.objects.create(
        title=fields.pop("title", f"{MARK} report"),
        publisher=f"{MARK} Press",
        url=f"https://example.com/{slug}",
        published_on=datetime.date(2024, 1, 2),
        text=text,
        slug=slug,
        **fields,
    )


def quote_claim(article, quote, speaker=None, **fields):
    start, end = article.locate(quote)
    return Claim.objects.create(
        article=article,
        speaker=speaker,
        kind=fields.pop("kind", Kind.PREDICTION),
        quote=quote,
        quote_start=start,
        quote_end=end,
        statement=fields.pop("statement", f"{MARK} permits will triple by 2030."),
        resolution_criteria="Official figures.",
        resolve_by=datetime.date(2030, 12, 31),
        slug=fields.pop("slug", f"{article.slug}-claim"),
        **fields,
    )


@pytest.fixture
def draft(db, reviewer):
    article = make_article("zyxwv-draft", DRAFT_TEXT)
    person = Person.objects.create(name=f"Dora {MARK}", slug="dora-zyxwv")
    claim = quote_claim(article, "Zyxwv permits will triple by 2030", speaker=person)
    set_status(
        claim=claim,
        to_status="pending",
        rationale=f"{MARK} figures are due.",
        by=reviewer,
        expected_version=claim.version,
    )
    return article


# Each public URL, as the draft's own page (404 for it) or as a page that must
# not show it. The URLconf walk below fails on a public URL missing here.
def public_urls(draft, published):
    claim, person = draft.claims.get(), Person.objects.get(slug="dora-zyxwv")
    # The pages as of a past day (the site's yesterday) show no draft either.
    yesterday = f"?as_of={timezone.localdate() - datetime.timedelta(days=1)}"
    # One condition only the draft's claim hangs on, one it shares with the published one.
    drafts_own, shared = (
        Condition.objects.get_or_create(
            slug=slug, defaults={"statement": statement, "resolve_by": datetime.date(2030, 1, 1)}
        )[0]
        for slug, statement in [
            ("zyxwv-condition", f"{MARK} permits are still issued."),
            ("shared-condition", "Permits are still issued."),
        ]
    )
    for linked, condition in [(claim, drafts_own), (claim, shared), (published, shared)]:
        ClaimCondition.objects.get_or_create(claim=linked, condition=condition)
    own = {
        "article_detail": [
            reverse("factcheck:article_detail", args=[draft.slug]) + query
            for query in ("", yesterday)
        ],
        "article_feed": [reverse("factcheck:article_feed", args=[draft.slug])],
        "claim_detail": [
            reverse("factcheck:claim_detail", args=[claim.slug]) + query
            for query in ("", yesterday)
        ],
        "claim_feed": [reverse("factcheck:claim_feed", args=[claim.slug])],
        "report_error": [reverse("factcheck:report_error", args=[claim.slug])],
        "person_detail": [
            reverse("factcheck:person_detail", args=[person.slug]) + query
            for query in ("", yesterday)
        ],
        "person_feed": [reverse("factcheck:person_feed", args=[person.slug])],
        "condition_detail": [drafts_own.get_absolute_url()],
    }
    listing = [
        *(f"?q={MARK}", f"?speaker={MARK}", f"?article={MARK}", "?kind=prediction", ""),
        *("?status=awaiting_resolution", "?status=overdue", "?status=pending"),
        *(yesterday, f"{yesterday}&status=unreviewed", f"{yesterday}&kind=prediction"),
    ]
    others = {
        "home": [reverse("factcheck:home")],
        "article_list": [reverse("factcheck:article_list")],
        "claim_list": [reverse("factcheck:claim_list") + query for query in listing],
        "person_list": [reverse("factcheck:person_list")],
        "methodology": [reverse("factcheck:methodology")],
        "about": [reverse("factcheck:about")],
        "suggest_claim": [reverse("factcheck:suggest_claim")],
        "corrections": [reverse("factcheck:corrections")],
        "corrections_feed": [reverse("factcheck:corrections_feed")],
        "status_changes_feed": [reverse("factcheck:status_changes_feed")],
        "export_json": [reverse("factcheck:export_json") + query for query in listing],
        "export_csv": [reverse("factcheck:export_csv") + query for query in listing],
        "sitemap": [reverse("factcheck:sitemap")],
        "sitemap_section": [
            reverse("factcheck:sitemap_section", args=[section]) for section in SITEMAPS
        ],
        "robots_txt": [reverse("factcheck:robots_txt")],
        "favicon": [reverse("factcheck:favicon")],  # a redirect to the icon, followed
        # The published article's own pages must not show the draft either.
        "article_detail": [published.article.get_absolute_url() + q for q in ("", yesterday)],
        "article_feed": [reverse("factcheck:article_feed", args=[published.article.slug])],
        "claim_detail": [published.get_absolute_url() + q for q in ("", yesterday)],
        "claim_feed": [reverse("factcheck:claim_feed", args=[published.slug])],
        "report_error": [reverse("factcheck:report_error", args=[published.slug])],
        "person_detail": [published.speaker.get_absolute_url() + q for q in ("", yesterday)],
        "person_feed": [reverse("factcheck:person_feed", args=[published.speaker.slug])],
        "condition_detail": [shared.get_absolute_url()],
    }
    return own, others


def test_every_public_url_is_covered(draft, prediction):
    own, others = public_urls(draft, prediction)
    assert {pattern.name for pattern in public_patterns} == own.keys() | others.keys()


@pytest.mark.parametrize("who", ["anonymous", "editor"])
def test_a_draft_is_nowhere_on_the_public_site(client, draft, prediction, editor, who):
    if who == "editor":
        client.force_login(editor)
    own, others = public_urls(draft, prediction)
    for url in [url for urls in own.values() for url in urls]:
        assert client.get(url).status_code == 404, url
    for url in [url for urls in others.values() for url in urls]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        text = body(response)  # bytes: the icon is no text
        assert not [words for words in DRAFT_WORDS if words.encode() in text], url


def test_the_claim_list_counts_only_published_claims(client, draft, prediction, fact):
    assert Claim.objects.count() == 3
    # Unfiltered, the list counts all claims less the unpublished ones.
    for url in ["/claims/", "/claims/?sort=resolve_by", "/claims/?page=1"]:
        assert ">2 claims</h2>" in client.get(url).content.decode(), url
    assert ">1 claim</h2>" in client.get("/claims/?kind=prediction").content.decode()


@pytest.fixture
def two_sentences(db):
    return make_article("zyxwv-two", DRAFT_TEXT)


def test_publishing_waits_until_every_sentence_is_accounted_for(
    client, two_sentences, editor, committed
):
    claim = quote_claim(two_sentences, "Zyxwv permits will triple by 2030")
    with pytest.raises(ValidationError, match="1 sentence not yet accounted for"):
        services.publish_article(article=two_sentences, by=editor)
    assert client.get(claim.get_absolute_url()).status_code == 404
    second = DRAFT_TEXT.index("Nothing else")
    services.mark_unclaimed(
        article=two_sentences, start=second, by=editor, reason="Says nothing checkable."
    )
    with committed():
        services.publish_article(article=two_sentences, by=editor)
    assert client.get(claim.get_absolute_url()).status_code == 200
    assert MARK in client.get(f"/claims/?q={MARK}").content.decode()


def test_a_sentence_holding_a_quote_cannot_be_marked_unclaimed(two_sentences, editor):
    quote_claim(two_sentences, "Zyxwv permits will triple by 2030")
    with pytest.raises(ValidationError, match="holds a claim's quote"):
        services.mark_unclaimed(article=two_sentences, start=0, by=editor, reason="None.")


def test_a_taken_down_article_is_gone_with_its_reason_and_date(
    client, prediction, editor, committed
):
    article = prediction.article
    with pytest.raises(ValidationError, match="Say why"):
        services.unpublish_article(article=article, by=editor, reason="  ")
    with committed():
        services.unpublish_article(
            article=article, by=editor, reason="The publisher retracted the article."
        )
    for url in [article.get_absolute_url(), prediction.get_absolute_url()]:
        response = client.get(url)
        assert response.status_code == 410, url
        text = response.content.decode()
        assert "The publisher retracted the article." in text
        assert f'datetime="{Article.objects.get().unpublished_at:%Y-%m-%d}' in text
    assert client.get(prediction.speaker.get_absolute_url()).status_code == 404
    for url in ["/", "/claims/", "/feed/", "/exports/claims.json", "/exports/claims.csv"]:
        assert prediction.statement not in body(client.get(url)).decode(), url
    assert client.get(f"/claims/{prediction.slug}/feed/").status_code == 404


def test_publishing_again_brings_the_pages_back(client, prediction, editor, committed):
    with committed():
        services.unpublish_article(article=prediction.article, by=editor, reason="Retracted.")
    for sentence in services.article_sentences(prediction.article):
        if not sentence.accounted_for:
            services.mark_unclaimed(
                article=prediction.article, start=sentence.start, by=editor, reason="Nothing."
            )
    with committed():
        services.publish_article(article=prediction.article, by=editor)
    assert client.get(prediction.get_absolute_url()).status_code == 200


def test_each_claim_knows_whether_its_article_is_public(prediction, editor, two_sentences):
    draft_claim = quote_claim(two_sentences, "Zyxwv permits will triple by 2030")
    assert prediction.article_is_public and not draft_claim.article_is_public
    services.unpublish_article(article=prediction.article, by=editor, reason="Retracted.")
    services.mark_unclaimed(
        article=two_sentences,
        start=DRAFT_TEXT.index("Nothing else"),
        by=editor,
        reason="Nothing checkable.",
    )
    services.publish_article(article=two_sentences, by=editor)
    for claim in Claim.objects.select_related("article"):
        assert claim.article_is_public == claim.article.is_public, claim.slug
    assert list(Claim.objects.public()) == [draft_claim]
