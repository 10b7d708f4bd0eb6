"""Markup typed into any text field stays text on every page, feed and export."""

import pytest

from factcheck.models import Article, Claim, Person, ReviewerNote
from factcheck.services import add_source, edit_claim
from tests.desk import set_status

from .responses import body

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert('x')</script>"
IMAGE = '"><img src=x onerror=alert(1)>'
PAYLOAD = f"{SCRIPT}{IMAGE}"


def test_html_and_script_in_every_text_field_render_inert(client, prediction, reviewer):
    Article.objects.filter(pk=prediction.article_id).update(
        title=PAYLOAD, publisher=PAYLOAD, url=f"https://example.com/?q={IMAGE}"
    )
    Person.objects.filter(pk=prediction.speaker_id).update(name=PAYLOAD, description=PAYLOAD)
    Claim.objects.filter(pk=prediction.pk).update(condition=PAYLOAD)
    prediction.refresh_from_db()
    edit_claim(
        claim=prediction,
        changes={"statement": PAYLOAD, "resolution_criteria": PAYLOAD},
        by=reviewer,
        expected_version=1,
        correction_reason="Reworded for readers.",
    )
    add_source(
        claim=prediction,
        by=reviewer,
        url="https://example.com/a?b=%3Ci%3E",
        archived_url="https://archive.example/x",
        title=PAYLOAD,
        publisher=PAYLOAD,
        stance="supports",
        note=PAYLOAD,
        reason="A better source came out.",
    )
    set_status(
        claim=prediction,
        to_status="came_true",
        rationale=PAYLOAD,
        by=reviewer,
        expected_version=2,
        summary=PAYLOAD,
    )
    edit_claim(
        claim=prediction,
        changes={"summary": PAYLOAD + " (revised)"},
        by=reviewer,
        expected_version=3,
        correction_reason="Reworded for readers.",
    )  # a correction too
    ReviewerNote.objects.create(claim=prediction, author=reviewer, body=PAYLOAD)

    public = [
        "/",
        "/claims/",
        f"/claims/?q={PAYLOAD}",
        prediction.get_absolute_url(),
        f"{prediction.get_absolute_url()}feed/",
        prediction.article.get_absolute_url(),
        prediction.speaker.get_absolute_url(),
        "/feed/",
        "/exports/claims.json",
        "/exports/claims.csv",
    ]
    review = [
        "/review/",
        f"/review/claims/{prediction.slug}/",
        f"/review/claims/{prediction.slug}/history/",
    ]
    for url in public:
        response = client.get(url)
        text = body(response).decode()
        if url.endswith(".csv"):
            # Data to download, never a page: the text is kept as it was written.
            assert response["Content-Disposition"].startswith("attachment")
            assert response["Content-Type"].startswith("text/csv")
            continue
        assert SCRIPT not in text and "<img src=x" not in text, url
    client.force_login(reviewer)
    for url in review:
        text = client.get(url).content.decode()
        assert SCRIPT not in text and "<img src=x" not in text, url
        if "/claims/" in url:
            assert "&lt;script&gt;" in text, url  # shown, as text
