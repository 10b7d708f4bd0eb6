"""Every page a reader or reviewer opens, on a phone and a desktop.

`Site.check` does the checking on each visit: no horizontal scrolling at
390 px, no link text broken inside a word, no ARIA reference to a missing
element, no serious accessibility problem. This file makes sure every HTML
page of the URLconf is visited, with content that stretches it: a verdict with
a timeline, a correction, sources, notes, and form errors.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from factcheck import services
from factcheck.models import Article, Claim, Condition, ReaderMessage
from factcheck.roles import EDITOR
from factcheck.urls import public_patterns, review_patterns
from tests.desk import set_status

from .conftest import PERMITS

pytestmark = pytest.mark.django_db(transaction=True)

SETTLE = "russians-may-settle-if-war-lasts-over-two-years"

# URL names that are not pages a person reads: machine formats, and the
# POST-only actions, whose outcome is the page they return to.
NOT_PAGES = {
    *("article_feed", "claim_feed", "person_feed", "corrections_feed", "status_changes_feed"),
    *(
        "sitemap",
        "sitemap_section",
        "robots_txt",
        "favicon",
        "export_json",
        "export_csv",
        "intake_export",
    ),
    *("review_claim_status", "review_claim_fields", "review_note_add", "review_claim_assign"),
    *("review_source_add", "review_source_edit", "review_source_remove", "review_source_restore"),
    *("review_proposal_approve", "review_proposal_send_back", "review_proposal_withdraw"),
    *("review_claim_take", "review_claim_give_back", "review_message_handle"),
    *("review_condition_status", "review_condition_source_add"),
    *("review_condition_link", "review_condition_create", "review_condition_unlink"),
    *("intake_unclaimed", "intake_unmark", "intake_publish", "intake_unpublish"),
    *("intake_correct", "intake_requote", "intake_withdraw"),
}


@pytest.fixture
def stretched(seeded):
    """The seeded article with a verdict, a correction of what a claim says,
    and a note: the parts that make pages widest."""
    desk = get_user_model().objects.get(username="desk")
    desk.groups.add(EDITOR.group())
    permits = Claim.objects.get(slug=PERMITS)
    set_status(claim=permits, to_status="accurate", by=desk)
    settle = Claim.objects.get(slug=SETTLE)
    services.edit_claim(
        claim=settle,
        changes={
            "resolution_criteria": f"{settle.resolution_criteria} Counted by residence permits."
        },
        by=desk,
        expected_version=settle.version,
        correction_reason="The criteria did not say how settling is counted.",
    )
    services.add_note(claim=settle, by=desk, body="Ask the migration service for 2024 figures.")
    services.receive_reader_message(
        message=ReaderMessage(
            kind=ReaderMessage.Kind.REPORT,
            claim=settle,
            text="The 2023 figures were revised upwards in March; see the ministry's release.",
            email="reader@example.org",
        )
    )
    return desk


def pages(article, claim, person, condition):
    public = {
        "home": ["/"],
        "article_list": [reverse("factcheck:article_list")],
        "article_detail": [article.get_absolute_url()],
        "claim_list": [
            reverse("factcheck:claim_list"),
            reverse("factcheck:claim_list") + "?status=no-such-status&speaker=nobody",
        ],
        "claim_detail": [
            claim.get_absolute_url(),
            reverse("factcheck:claim_detail", args=[SETTLE]),
            reverse("factcheck:claim_detail", args=["no-such-claim"]),  # the 404 page
            claim.get_absolute_url() + "?as_of=2023-01-01",  # before it was tracked
        ],
        "person_list": [reverse("factcheck:person_list")],
        "person_detail": [person.get_absolute_url()],
        "methodology": [reverse("factcheck:methodology")],
        "corrections": [reverse("factcheck:corrections")],
        "about": [reverse("factcheck:about")],
        "condition_detail": [condition.get_absolute_url()],
        "report_error": [reverse("factcheck:report_error", args=[SETTLE])],
        "suggest_claim": [reverse("factcheck:suggest_claim")],
    }
    review = {
        "review_queue": [
            reverse("factcheck:review_queue"),
            reverse("factcheck:review_queue") + "?status=x",
        ],
        "review_claim": [reverse("factcheck:review_claim", args=[SETTLE])],
        "review_claim_history": [reverse("factcheck:review_claim_history", args=[SETTLE])],
        "review_settings": [reverse("factcheck:review_settings")],
        "review_messages": [reverse("factcheck:review_messages")],
        "review_about": [reverse("factcheck:review_about")],
        "review_condition": [reverse("factcheck:review_condition", args=[condition.slug])],
        "intake_articles": [reverse("factcheck:intake_articles")],
        "intake_article_new": [reverse("factcheck:intake_article_new")],
        "intake_article": [reverse("factcheck:intake_article", args=[article.slug])],
        "intake_claim_new": [reverse("factcheck:intake_claim_new", args=[article.slug])],
        "intake_preview": [reverse("factcheck:intake_preview", args=[article.slug])],
        "intake_speaker": [reverse("factcheck:intake_speaker", args=[person.slug])],
    }
    return public, review


def test_every_page_fits_a_phone_and_keeps_its_references(site, stretched):
    article = Article.objects.get()
    claim = Claim.objects.get(slug=PERMITS)
    person = Claim.objects.get(slug=SETTLE).speaker
    public, review = pages(article, claim, person, Condition.objects.get())
    names = {pattern.name for pattern in [*public_patterns, *review_patterns]}
    assert names - NOT_PAGES == public.keys() | review.keys()

    site.allow_status(400, 404)  # filters with errors show them; the 404 page is a page too
    for path in [path for paths in public.values() for path in paths]:
        site.open(path)
    site.log_in("desk")
    for path in [path for paths in review.values() for path in paths]:
        site.open(path)
