"""Anchors that survive corrections: an editor corrects an article's text, each
claim is found again or orphaned, never moved to a lookalike passage."""

import datetime
import io

import pytest
from bs4 import BeautifulSoup
from django.core.management import call_command

from factcheck import services
from factcheck.anchors import find_anchor, surroundings
from factcheck.models import Article, ArticleCorrection, Claim
from factcheck.statuses import Kind

TEXT = "Permits rose by 80,000 this year. Rents rose too.\n\nOfficials expect more permits."


def text_of(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


class TestTheMatcher:
    def test_one_occurrence_is_the_anchor_wherever_it_moved(self):
        prefix, suffix = surroundings(TEXT, 0, 7)
        moved = "A new first sentence. " + TEXT
        assert find_anchor(moved, "Permits rose", prefix, suffix) == (22, 34)

    def test_a_quote_gone_from_the_text_has_no_anchor(self):
        assert find_anchor("Rents fell.", "Rents rose", "", "") is None

    def test_case_and_whitespace_count(self):
        assert find_anchor("rents  rose", "Rents rose", "", "") is None

    def test_of_several_occurrences_the_one_in_its_surroundings_wins(self):
        text = "In 2022 permits rose. In 2023 permits rose."
        start = text.rindex("permits rose")
        prefix, suffix = surroundings(text, start, start + len("permits rose"))
        corrected = "Note. " + text
        expected = corrected.rindex("permits rose")
        assert find_anchor(corrected, "permits rose", prefix, suffix) == (
            expected,
            expected + len("permits rose"),
        )

    def test_several_occurrences_none_clearly_its_own_is_no_anchor(self):
        prefix, suffix = "said that ", " again"
        text = "He said it: permits rose. She said it: permits rose."
        assert find_anchor(text, "permits rose", prefix, suffix) is None


@pytest.fixture
def article(db):
    return Article.objects.create(
        title="Permits",
        publisher="Example Times",
        published_on=datetime.date(2024, 5, 1),
        text=TEXT,
        slug="permits",
        published_at=datetime.datetime(2024, 5, 2, tzinfo=datetime.UTC),
    )


def claim_on(article, quote, slug, kind=Kind.FACT):
    start, end = article.locate(quote)
    fields = {}
    if kind == Kind.PREDICTION:
        fields = {"resolution_criteria": "Figures.", "resolve_by": datetime.date(2026, 1, 1)}
    return Claim.objects.create(
        article=article,
        kind=kind,
        quote=quote,
        quote_start=start,
        quote_end=end,
        statement=f"Statement {slug}",
        slug=slug,
        **fields,
    )


@pytest.fixture
def claims(article):
    return {
        "permits": claim_on(article, "Permits rose by 80,000 this year.", "permits"),
        "rents": claim_on(article, "Rents rose too.", "rents"),
        "more": claim_on(article, "Officials expect more permits.", "more", Kind.PREDICTION),
    }


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def correct(editor_client, article, text, reason="The publisher corrected a figure."):
    return editor_client.post(
        f"/review/articles/{article.slug}/correct/",
        {"correction-text": text, "correction-reason": reason},
    )


def test_a_claim_knows_its_quotes_surroundings(claims):
    claim = claims["rents"]
    assert claim.surroundings == (TEXT[: claim.quote_start][-32:], TEXT[claim.quote_end :][:32])


def test_a_correction_that_shifts_the_quotes_finds_each_again(
    editor_client, client, article, claims
):
    corrected = "Update: figures revised. " + TEXT.replace("80,000", "80,500")
    corrected = corrected.replace("Permits rose by 80,500 this year.", "Permits rose by 80,500.")
    response = correct(editor_client, article, corrected)
    assert response.status_code == 302
    rents, more = Claim.objects.get(slug="rents"), Claim.objects.get(slug="more")
    for claim in (rents, more):
        assert claim.is_anchored
        assert corrected[claim.quote_start : claim.quote_end] == claim.quote
        assert claim.surroundings[0] == corrected[: claim.quote_start][-32:]
    # The first claim's sentence changed: orphaned, not moved.
    permits = Claim.objects.get(slug="permits")
    assert not permits.is_anchored
    assert ArticleCorrection.objects.get().earlier_text == TEXT
    page = text_of(client.get(article.get_absolute_url()))
    assert "Corrected by the publisher on" in page and "corrected a figure" in page


def test_an_orphaned_claim_keeps_its_page_with_its_quote_as_it_stood(
    editor_client, client, article, claims
):
    correct(editor_client, article, TEXT.replace("Rents rose too.", "Rents fell."))
    rents = Claim.objects.get(slug="rents")
    assert rents.orphaned_by is not None
    page = client.get(rents.get_absolute_url())
    assert page.status_code == 200
    text = text_of(page)
    assert "no longer in it as it reads now" in text
    assert "Rents rose too." in text
    # The corrected article does not highlight it; the others still are.
    article_page = client.get(article.get_absolute_url()).content.decode()
    assert (
        'href="/claims/rents/"'
        not in article_page.split('class="article-text"')[1].split("</div>")[0]
    )
    assert 'href="/claims/more/"' in article_page
    # Editors see it in the queue and on the intake page.
    assert "Statement rents" in text_of(editor_client.get("/review/"))
    intake = editor_client.get(f"/review/articles/{article.slug}/")
    assert "Quotes lost in a correction" in text_of(intake)


def test_an_ambiguous_correction_orphans_rather_than_guesses(editor_client, article, claims):
    # Twice, and neither in surroundings like the quote's own.
    doubled = "Other words entirely. Rents rose too. More here. Rents rose too. The end."
    correct(editor_client, article, doubled)
    assert Claim.objects.get(slug="rents").orphaned_by is not None


def test_an_editor_quotes_an_orphaned_claim_afresh_with_the_checks_of_a_new_quote(
    editor_client, client, article, claims
):
    correct(editor_client, article, TEXT.replace("Rents rose too.", "Rents rose, too."))
    url = f"/review/articles/{article.slug}/claims/rents/requote/"
    refused = editor_client.post(url, {"requote-rents-quote": "Rents rose, too.\n\nOfficials"})
    assert refused.status_code == 400 and "paragraph break" in text_of(refused)
    unexplained = editor_client.post(url, {"requote-rents-quote": "Rents rose, too."})
    assert "Say why this passage is the claim" in text_of(unexplained)
    assert not Claim.objects.get(slug="rents").is_anchored
    requoted = {"requote-rents-quote": "Rents rose, too.", "requote-rents-reason": "A comma."}
    assert editor_client.post(url, requoted).status_code == 302
    rents = Claim.objects.get(slug="rents")
    assert rents.is_anchored and rents.quote == "Rents rose, too."
    correction = rents.corrections.get()
    assert (correction.kind, correction.earlier, correction.later, correction.reason) == (
        "requote",
        "Rents rose too.",
        "Rents rose, too.",
        "A comma.",
    )
    assert rents.surroundings[0].endswith("this year. ")
    assert 'href="/claims/rents/"' in client.get(article.get_absolute_url()).content.decode()


def test_an_orphaned_claim_can_be_withdrawn_with_a_public_reason(
    editor_client, client, article, claims
):
    correct(editor_client, article, TEXT.replace(" Rents rose too.", ""))
    url = f"/review/articles/{article.slug}/claims/rents/withdraw/"
    assert editor_client.post(url, {"withdraw-rents-reason": ""}).status_code == 400
    editor_client.post(url, {"withdraw-rents-reason": "The publisher removed the sentence."})
    page = text_of(client.get("/claims/rents/"))
    assert "Withdrawn on" in page and "The publisher removed the sentence." in page


def test_an_orphaned_claim_stays_editable(client, reviewer, article, claims):
    services.correct_article_text(
        article=article, text=TEXT.replace("Rents rose too.", "Rents fell."), reason="Fix.", by=None
    )
    rents = Claim.objects.get(slug="rents")
    services.edit_claim(
        claim=rents,
        changes={"statement": "Rents rose."},
        by=reviewer,
        expected_version=1,
        correction_reason="Reworded for readers.",
    )
    assert Claim.objects.get(slug="rents").statement == "Rents rose."


def test_unclaimed_marks_follow_their_sentences(editor, article):
    claim_on(article, "Permits rose by 80,000 this year.", "permits")
    claim_on(article, "Officials expect more permits.", "more", Kind.PREDICTION)
    start = TEXT.index("Rents rose too.")
    services.mark_unclaimed(article=article, start=start, by=editor, reason="Context.")
    services.correct_article_text(
        article=article, text="Note. " + TEXT, reason="Added a note.", by=editor
    )
    mark = article.unclaimed_sentences.get()
    assert (mark.start, mark.reason) == (start + len("Note. "), "Context.")


def test_the_text_must_change_and_the_reason_be_given(editor_client, article, claims):
    assert "nothing to correct" in text_of(correct(editor_client, article, TEXT))
    assert correct(editor_client, article, TEXT + " More.", reason="").status_code == 400
    assert not ArticleCorrection.objects.exists()


def test_seeding_again_after_a_correction_of_the_seeded_article_leaves_it_alone(db, editor):
    call_command("seed_claims", stdout=io.StringIO())
    article = Article.objects.get()
    services.correct_article_text(
        article=article, text=article.text + "\n\nA note.", reason="A note added.", by=editor
    )
    out = io.StringIO()
    call_command("seed_claims", stdout=out)  # as make run does each time; no error
    assert "corrected on the site since; left as it is" in out.getvalue()
    assert Article.objects.get().text.endswith("A note.")


def test_the_exported_claims_file_holds_the_anchored_claims_of_the_corrected_text(
    editor_client, article, claims
):
    import tomllib
    import zipfile

    correct(editor_client, article, TEXT.replace("Rents rose too.", "Rents fell."))
    response = editor_client.get(f"/review/articles/{article.slug}/claims.zip")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        data = tomllib.loads(archive.read(f"{article.slug}.toml").decode())
        text = archive.read(f"{article.slug}.txt").decode()
    assert "Rents fell." in text
    assert {claim["slug"] for claim in data["claims"]} == {"permits", "more"}
