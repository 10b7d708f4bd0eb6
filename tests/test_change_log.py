"""The public change log: what defines a claim, and its published verdict,
never change unseen; /corrections/ and the feeds list every such change."""

import datetime
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.urls import reverse

from factcheck import services
from factcheck.models import Article, Claim, Correction

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"


def text(response):
    return " ".join(BeautifulSoup(response.content, "html.parser").get_text(" ").split())


def edit(claim, by, **changes):
    claim.refresh_from_db()
    reason = changes.pop("correction_reason", "")
    return services.edit_claim(
        claim=claim,
        changes=changes,
        by=by,
        expected_version=claim.version,
        correction_reason=reason,
    )


def test_changing_what_defines_a_published_claim_takes_a_reason(prediction, reviewer):
    with pytest.raises(ValidationError) as refused:
        edit(prediction, reviewer, resolution_criteria="At least 150,000 permits.")
    assert "Say why the resolution criteria changed" in str(refused.value)
    prediction.refresh_from_db()
    assert prediction.resolution_criteria.startswith("Official figures for 2025")
    assert not Correction.objects.exists()


def test_a_definitional_change_is_listed_old_and_new_with_its_reason(client, prediction, reviewer):
    edit(
        prediction,
        reviewer,
        resolve_by=datetime.date(2026, 6, 30),
        correction_reason="The statistics office publishes the 2025 figures in June.",
    )

    correction = prediction.corrections.get()
    assert (correction.kind, correction.earlier, correction.later) == (
        "definition",
        "2025-12-31",
        "2026-06-30",
    )
    page = text(client.get(prediction.get_absolute_url()))
    assert (
        "Changed: Revised the resolve by. Before 2025-12-31 After 2026-06-30 "
        "Why: The statistics office publishes the 2025 figures in June."
    ) in page


def test_on_a_draft_the_claim_is_still_being_written(draft_claim, editor):
    edit(draft_claim, editor, statement="Permits will triple by 2030, officials said.")
    assert not Correction.objects.exists()


@pytest.fixture
def draft_claim(db):
    article = Article.objects.create(
        title="A draft",
        publisher="Example Times",
        published_on=datetime.date(2024, 1, 2),
        text="Officials said permits will triple by 2030.",
        slug="a-draft",
    )
    start, end = article.locate("permits will triple by 2030")
    return Claim.objects.create(
        article=article,
        quote="permits will triple by 2030",
        quote_start=start,
        quote_end=end,
        kind="fact",
        statement="Permits will triple.",
        slug="draft-claim",
    )


def test_a_re_anchoring_that_keeps_the_words_is_not_listed(fact, editor):
    services.correct_article_text(
        article=fact.article,
        text="Updated. " + fact.article.text,
        reason="The publisher added a note.",
        by=editor,
    )
    fact.refresh_from_db()
    assert fact.quote_start == len("Updated. ")
    assert not fact.corrections.exists()


def test_after_a_verdict_a_source_change_takes_a_reason(
    client, fact, reviewer, set_status, committed
):
    set_status(fact, "accurate", by=reviewer)
    source = fact.sources.get()
    client.force_login(reviewer)
    url = reverse("factcheck:review_source_remove", args=[fact.slug, source.pk])

    refused = client.post(url, follow=True)
    assert "a change to its sources is a correction on its public page: say why" in text(refused)
    source.refresh_from_db()
    assert not source.is_removed

    with committed():
        client.post(url, {"reason": "The record was withdrawn by its publisher."})
    source.refresh_from_db()
    assert source.is_removed
    client.logout()
    page = text(client.get(fact.get_absolute_url()))
    assert "Why: The record was withdrawn by its publisher." in page


def test_the_add_source_form_asks_for_a_reason_once_there_is_a_verdict(
    client, fact, reviewer, set_status
):
    client.force_login(reviewer)
    form = BeautifulSoup(client.get(f"/review/claims/{fact.slug}/").content, "html.parser")
    assert form.select_one("#claim-sources form textarea[name=reason]") is None
    set_status(fact, "accurate", by=reviewer)

    page = BeautifulSoup(client.get(f"/review/claims/{fact.slug}/").content, "html.parser")
    assert page.select_one("#claim-sources > form textarea[name=reason]") is not None
    response = client.post(
        reverse("factcheck:review_source_add", args=[fact.slug]),
        {"url": "https://stats.example.gov/b", "title": "B", "stance": "context"},
    )
    assert "say why" in text(response)
    assert fact.sources.count() == 1


def test_corrections_lists_every_kind_newest_first_and_feeds_carry_them(
    client, fact, prediction, reviewer, editor, set_status, draft_claim
):
    set_status(fact, "accurate", by=reviewer, summary="Yes.")
    edit(fact, reviewer, summary="Yes: 80,112.", correction_reason="The table was updated.")
    edit(
        prediction,
        reviewer,
        statement="Work permits will double by the end of 2025.",
        correction_reason="Closer to the quote.",
    )
    services.correct_article_text(
        article=fact.article,
        text=fact.article.text + " A late note.",
        reason="The publisher added a note.",
        by=editor,
    )
    edit(draft_claim, editor, statement="Not public.")

    page = BeautifulSoup(client.get(reverse("factcheck:corrections")).content, "html.parser")
    entries = [" ".join(li.get_text(" ").split()) for li in page.select(".corrections-log > li")]
    assert len(entries) == 3
    assert (
        "Text corrected: the publisher corrected the article: The publisher added a note."
        in (entries[0])
    )
    assert "Changed: Revised the statement." in entries[1]
    assert "Why: Closer to the quote." in entries[1]
    assert "Correction: Revised the summary. Before Yes. After Yes: 80,112." in entries[2]
    assert "Not public" not in page.get_text()

    feed = ET.fromstring(client.get(reverse("factcheck:corrections_feed")).content)
    titles = [entry.findtext(f"{ATOM}title") for entry in feed.iter(f"{ATOM}entry")]
    assert titles == [
        f"Text corrected: {fact.article.title}",
        "Correction: Work permits will double by the end of 2025.",
        f"Correction: {fact.statement}",
    ]
    site = ET.fromstring(client.get(reverse("factcheck:status_changes_feed")).content)
    site_titles = [entry.findtext(f"{ATOM}title") for entry in site.iter(f"{ATOM}entry")]
    assert set(titles) <= set(site_titles)
    assert f"Accurate: {fact.statement}" in site_titles


def test_the_admin_asks_for_the_reason_too(client, prediction):
    from django.contrib.auth import get_user_model

    boss = get_user_model().objects.create_superuser("boss", password="correct horse")
    client.force_login(boss)
    url = reverse("admin:factcheck_claim_change", args=[prediction.pk])
    form = BeautifulSoup(client.get(url).content, "html.parser").select_one("form#claim_form")
    data = {}
    for field in form.select("input[name], textarea[name], select[name]"):
        if field.name == "select":
            chosen = field.select_one("option[selected]")
            data[field["name"]] = chosen["value"] if chosen else ""
        elif field.get("type") in ("checkbox", "submit"):
            continue
        else:
            data[field["name"]] = field.get(
                "value", field.get_text() if field.name == "textarea" else ""
            )
    data["condition"] = "If the law passes."

    response = client.post(url, data)

    assert response.status_code == 200
    assert "Say why: this edit is listed on the claim's public page" in text(response)
    prediction.refresh_from_db()
    assert prediction.condition == ""
