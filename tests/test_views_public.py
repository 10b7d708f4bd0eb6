import pytest

from factcheck.models import ReviewerNote
from factcheck.services import change_claim_status

pytestmark = pytest.mark.django_db


def test_home_lists_articles_with_their_claim_counts(client, fact, prediction):
    page = client.get("/").content.decode()
    assert "Work permits rise" in page
    assert "2 claims" in page


def test_article_page_highlights_each_claim_with_its_status(client, fact, prediction):
    page = client.get(fact.article.get_absolute_url()).content.decode()
    assert (
        f'<a class="claim-highlight status-unreviewed" href="/claims/{fact.slug}/">'
        "Around 80,000 people received a work permit this year."
    ) in page
    assert "[Unreviewed]" in page


def test_claim_page_shows_quote_status_timeline_and_not_the_notes(client, prediction, reviewer):
    change_claim_status(
        claim=prediction,
        to_status="on_track",
        rationale="Up 60% in 2024.",
        by=reviewer,
        expected_version=1,
    )
    ReviewerNote.objects.create(claim=prediction, author=reviewer, body="Secret working note.")
    page = client.get(prediction.get_absolute_url()).content.decode()
    assert "the number will double by 2025" in page
    assert "On track" in page
    assert "Unreviewed → On track. Up 60% in 2024." in page
    assert "Secret working note." not in page


def test_speaker_page_lists_their_claims(client, prediction):
    page = client.get(prediction.speaker.get_absolute_url()).content.decode()
    assert "Ada Example" in page
    assert prediction.statement in page


@pytest.mark.parametrize("url", ["/articles/nope/", "/claims/nope/", "/speakers/nope/"])
def test_unknown_slugs_are_404(client, url):
    assert client.get(url).status_code == 404
