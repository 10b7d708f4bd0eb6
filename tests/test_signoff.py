"""Two-person sign-off of final statuses, and the guardrails on verdicts."""

import datetime
import json

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from factcheck import services
from factcheck.models import (
    Claim,
    ClaimCondition,
    Condition,
    Proposal,
    ReviewerProfile,
    StatusChange,
)
from factcheck.roles import REVIEWER
from factcheck.sitemaps import SITEMAPS
from factcheck.urls import public_patterns

from .responses import body

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


def status_url(claim):
    return reverse("factcheck:review_claim_status", args=[claim.slug])


def decide_url(proposal, decision):
    name = f"factcheck:review_proposal_{decision.replace('-', '_')}"
    return reverse(name, args=[proposal.claim.slug, proposal.pk])


@pytest.fixture
def named_reviewer(reviewer):
    ReviewerProfile.objects.create(user=reviewer, public_name="Rita Reviewer")
    return reviewer


@pytest.fixture
def evidence(fact, reviewer):
    return services.add_source(
        claim=fact,
        by=reviewer,
        url="https://stats.example.gov/permits",
        title="Permit table",
        stance="supports",
        reason="A better source came out.",
    )


def propose(claim, by, to_status="accurate", **fields):
    claim.refresh_from_db()
    fields.setdefault("rationale", "The permit table gives 80,112.")
    return services.propose_status_change(
        claim=claim, to_status=to_status, by=by, expected_version=claim.version, **fields
    )


def exported_claims(client):
    return json.loads(client.get(reverse("factcheck:export_json")).getvalue())["claims"]


def post_status(client, claim, **data):
    claim.refresh_from_db()
    form = {
        "to_status": "accurate",
        "rationale": "The permit table gives 80,112.",
        "summary": "",
        "next_review_on": "",
        "version": claim.version,
    }
    return client.post(status_url(claim), {**form, **data})


# --- Proposing --------------------------------------------------------------------


def test_a_verdict_posted_on_the_review_page_is_a_proposal_and_nothing_public_moves(
    client, fact, named_reviewer, evidence, committed
):
    public_before = client.get(fact.get_absolute_url())
    export_before = exported_claims(client)
    history_before = fact.history.count()
    client.force_login(named_reviewer)

    with committed():
        response = post_status(client, fact, summary="Right: 80,112 permits.")

    assert response.status_code == 302
    proposal = Proposal.objects.get(claim=fact)
    assert (proposal.to_status, proposal.proposed_by, proposal.claim_version) == (
        "accurate",
        named_reviewer,
        fact.version,
    )
    assert proposal.summary == "Right: 80,112 permits."
    fact.refresh_from_db()
    assert (fact.status, fact.summary) == ("unreviewed", "")
    assert not fact.status_changes.exists()
    assert fact.history.count() == history_before
    review = client.get(response.url)
    assert "Proposed “Accurate”. It is published when another reviewer approves it." in text(review)

    client.logout()
    public = client.get(fact.get_absolute_url())
    assert public.status_code == 200 and public["ETag"] != public_before["ETag"]
    assert "Verdict under editorial review" in text(public)
    assert "Status: Unreviewed" in text(public)
    assert "Accurate" not in text(public) and "Right: 80,112" not in text(public)
    assert "ClaimReview" not in public.content.decode()
    assert exported_claims(client) == export_before
    listing = client.get(reverse("factcheck:claim_list"), {"status": "accurate"})
    assert fact.statement not in text(listing)
    feed = client.get(reverse("factcheck:claim_feed", args=[fact.slug]))
    assert b"Accurate" not in feed.content


def test_a_first_proposal_needs_a_public_name(client, fact, reviewer, evidence):
    client.force_login(reviewer)

    response = post_status(client, fact)

    assert response.status_code == 200
    assert "Set your public name on your settings page first" in text(response)
    assert not Proposal.objects.exists()


def test_the_settings_page_starts_from_the_full_name_and_saves_the_public_name(client, reviewer):
    reviewer.first_name, reviewer.last_name = "Rita", "Kairat"
    reviewer.save()
    client.force_login(reviewer)
    url = reverse("factcheck:review_settings")

    form = BeautifulSoup(client.get(url).content, "html.parser")
    assert form.find("input", {"name": "public_name"})["value"] == "Rita Kairat"

    response = client.post(url, {"public_name": "R. Kairat", "sends_reminders": ""})

    assert response.status_code == 302
    profile = ReviewerProfile.objects.get(user=reviewer)
    assert (profile.public_name, profile.sends_reminders) == ("R. Kairat", False)
    assert "Saved your settings." in text(client.get(url))


def test_one_proposal_waits_at_a_time(fact, named_reviewer, other_reviewer, evidence):
    propose(fact, named_reviewer)
    ReviewerProfile.objects.create(user=other_reviewer, public_name="Otto")

    with pytest.raises(ValidationError, match="already proposed “Accurate”"):
        propose(fact, other_reviewer, to_status="mostly_accurate")
    assert Proposal.objects.open().count() == 1


def test_open_statuses_publish_at_once(client, fact, reviewer):
    client.force_login(reviewer)

    post_status(client, fact, to_status="in_review", rationale="Gathering the tables.")

    fact.refresh_from_db()
    assert fact.status == "in_review"
    assert not Proposal.objects.exists()


def test_without_signoff_a_desk_of_one_publishes_a_verdict_itself(
    client, fact, reviewer, evidence, settings
):
    settings.FACTCHECK_SIGNOFF = False
    client.force_login(reviewer)

    post_status(client, fact)

    fact.refresh_from_db()
    assert fact.status == "accurate"
    change = fact.status_changes.get()
    assert (change.changed_by, change.approved_by) == (reviewer, None)


# --- Deciding ---------------------------------------------------------------------


def test_the_proposer_cannot_approve_their_own_proposal(client, fact, named_reviewer, evidence):
    proposal = propose(fact, named_reviewer)
    client.force_login(named_reviewer)

    response = client.post(decide_url(proposal, "approve"), follow=True)

    assert "You proposed this: another reviewer approves it." in text(response)
    fact.refresh_from_db()
    assert fact.status == "unreviewed"
    assert Proposal.objects.get().is_open
    page = BeautifulSoup(client.get(f"/review/claims/{fact.slug}/").content, "html.parser")
    assert page.find("button", string="Approve and publish") is None
    assert page.find("button", string="Withdraw the proposal") is not None


def test_approval_publishes_the_proposal_credited_to_both(
    client, fact, named_reviewer, approver, evidence, committed
):
    proposal = propose(fact, named_reviewer, summary="Right: 80,112 permits.")
    client.force_login(approver)
    before_approval = timezone.now()

    with committed():
        response = client.post(decide_url(proposal, "approve"), headers=HTMX)

    assert response.status_code == 200
    assert "Approved: the claim is now “Accurate”." in text(response)
    fact.refresh_from_db()
    assert (fact.status, fact.summary) == ("accurate", "Right: 80,112 permits.")
    change = fact.status_changes.get()
    assert (change.changed_by, change.approved_by) == (named_reviewer, approver)
    assert change.changed_at >= before_approval
    assert fact.history.latest().history_change_reason == (
        "Status: Unreviewed → Accurate (proposed by rita, approved by amir)"
    )
    proposal.refresh_from_db()
    assert (proposal.decision, proposal.decided_by, proposal.status_change) == (
        "approved",
        approver,
        change,
    )

    client.logout()
    public = client.get(fact.get_absolute_url())
    assert "Rated by Rita Reviewer, approved by Amir Approver." in text(public)
    assert "Verdict under editorial review" not in text(public)
    assert "ClaimReview" in public.content.decode()


def test_public_names_off_credits_the_desk(
    client, fact, named_reviewer, approver, evidence, settings
):
    services.approve_proposal(proposal=propose(fact, named_reviewer), by=approver)
    settings.FACTCHECK_PUBLIC_NAMES = False

    page = text(client.get(fact.get_absolute_url()))

    assert "Rated by one of the desk's reviewers, approved by another." in page
    assert "Rita Reviewer" not in page and "rita" not in page


def test_a_new_public_name_shows_on_the_pages_at_once(
    client, fact, named_reviewer, approver, evidence, committed
):
    services.approve_proposal(proposal=propose(fact, named_reviewer), by=approver)
    assert "Rita Reviewer" in text(client.get(fact.get_absolute_url()))
    client.force_login(named_reviewer)

    with committed():
        client.post(
            reverse("factcheck:review_settings"),
            {"public_name": "Rita K.", "sends_reminders": "on"},
        )

    client.logout()
    assert "Rated by Rita K., approved by Amir Approver." in text(
        client.get(fact.get_absolute_url())
    )


def test_a_stale_proposal_cannot_be_approved(client, fact, named_reviewer, approver, evidence):
    proposal = propose(fact, named_reviewer)
    services.edit_claim(
        claim=fact,
        changes={"statement": "About 80,000 work permits were issued in 2022."},
        by=approver,
        expected_version=fact.version,
        correction_reason="Reworded for readers.",
    )
    client.force_login(approver)

    page = BeautifulSoup(client.get(f"/review/claims/{fact.slug}/").content, "html.parser")
    assert "The claim changed after this was proposed." in page.get_text()
    assert page.find("button", string="Approve and publish") is None

    response = client.post(decide_url(proposal, "approve"), follow=True)

    assert "The claim changed after this was proposed." in text(response)
    fact.refresh_from_db()
    assert fact.status == "unreviewed"
    assert Proposal.objects.get().is_open


def test_a_source_changed_since_the_proposal_makes_it_stale(
    fact, named_reviewer, approver, evidence
):
    proposal = propose(fact, named_reviewer)
    services.edit_source(
        source=evidence,
        by=approver,
        changes={"stance": "context"},
        reason="The source was superseded.",
    )

    with pytest.raises(services.ProposalRefused, match="Its sources changed"):
        services.approve_proposal(proposal=proposal, by=approver)
    assert not StatusChange.objects.exists()


def test_sending_back_needs_a_note_and_tells_the_proposer(
    client, fact, named_reviewer, approver, evidence
):
    proposal = propose(fact, named_reviewer)
    client.force_login(approver)

    refused = client.post(decide_url(proposal, "send-back"), {"send-back-note": " "})
    assert refused.status_code == 200
    assert "This field is required." in text(refused)
    assert Proposal.objects.get().is_open

    client.post(decide_url(proposal, "send-back"), {"send-back-note": "Cite the 2022 table."})

    proposal.refresh_from_db()
    assert (proposal.decision, proposal.decision_note) == ("sent_back", "Cite the 2022 table.")
    fact.refresh_from_db()
    assert fact.status == "unreviewed"
    client.force_login(named_reviewer)
    page = text(client.get(f"/review/claims/{fact.slug}/"))
    assert "amir sent back the proposal of “Accurate” by rita" in page
    assert "Cite the 2022 table." in page
    client.logout()
    assert "Verdict under editorial review" not in text(client.get(fact.get_absolute_url()))


def test_only_the_proposer_withdraws(fact, named_reviewer, approver, evidence):
    proposal = propose(fact, named_reviewer)

    with pytest.raises(services.ProposalRefused):
        services.withdraw_proposal(proposal=proposal, by=approver)
    services.withdraw_proposal(proposal=proposal, by=named_reviewer)

    proposal.refresh_from_db()
    assert proposal.decision == "withdrawn"
    # Decided once: a second decision is refused, and nothing is published.
    with pytest.raises(services.ProposalRefused, match="decided this proposal first"):
        services.approve_proposal(proposal=proposal, by=approver)
    assert not StatusChange.objects.exists()


def test_the_status_function_refuses_a_final_status_without_an_approver(fact, reviewer, evidence):
    with pytest.raises(ValidationError, match="once a second reviewer approves it"):
        services.change_claim_status(
            claim=fact,
            to_status="accurate",
            rationale="Checked.",
            by=reviewer,
            expected_version=fact.version,
        )


# --- Guardrails ---------------------------------------------------------------------


def test_a_verdict_needs_a_source_other_than_the_article_that_takes_a_side(
    client, fact, named_reviewer
):
    services.add_source(
        claim=fact,
        by=named_reviewer,
        url=fact.article.url,
        title="The article",
        stance="supports",
        reason="A better source came out.",
    )
    services.add_source(
        claim=fact,
        by=named_reviewer,
        url="https://stats.example.gov/background",
        title="Background",
        stance="context",
        reason="A better source came out.",
    )
    client.force_login(named_reviewer)

    response = post_status(client, fact, to_status="inaccurate", rationale="Police say 500.")

    assert response.status_code == 200
    assert (
        "“Inaccurate” needs a source other than the article that supports or refutes the claim"
        in text(response)
    )
    assert not Proposal.objects.exists()


def test_unverifiable_needs_a_source_and_what_was_searched(client, fact, named_reviewer):
    client.force_login(named_reviewer)

    no_source = post_status(client, fact, to_status="unverifiable", searched="The archive.")
    assert "“Unverifiable” needs at least one source" in text(no_source)

    services.add_source(
        claim=fact,
        by=named_reviewer,
        url=fact.article.url,
        title="The article",
        stance="context",
        reason="A better source came out.",
    )
    unsaid = post_status(client, fact, to_status="unverifiable")
    assert "Say what was searched" in text(unsaid)
    assert not Proposal.objects.exists()

    post_status(client, fact, to_status="unverifiable", searched="The ministry's 2022 tables.")
    assert Proposal.objects.get().searched == "The ministry's 2022 tables."


def test_condition_not_met_needs_a_source_showing_it(prediction, named_reviewer):
    prediction.condition = "If the border stays open."
    prediction.save()
    with pytest.raises(ValidationError, match="showing the condition did not happen"):
        propose(prediction, named_reviewer, to_status="condition_not_met", rationale="Closed.")


def test_resolving_early_takes_a_reason_shown_publicly(
    client, prediction, named_reviewer, approver
):
    future = timezone.localdate() + datetime.timedelta(days=300)
    Claim.objects.filter(pk=prediction.pk).update(resolve_by=future)
    services.add_source(
        claim=prediction,
        by=named_reviewer,
        url="https://stats.example.gov/2025",
        title="Permits 2025",
        stance="supports",
        reason="A better source came out.",
    )

    with pytest.raises(ValidationError) as refused:
        propose(prediction, named_reviewer, to_status="came_true")
    assert "say why the prediction can be resolved before it" in str(refused.value)

    proposal = propose(
        prediction,
        named_reviewer,
        to_status="came_true",
        resolved_early_because="The year's figures were final in October.",
    )
    services.approve_proposal(proposal=proposal, by=approver)

    page = text(client.get(prediction.get_absolute_url()))
    assert "Resolved early: The year's figures were final in October." in page


def test_a_rated_claim_never_goes_back_to_unreviewed(client, fact, reviewer, set_status, committed):
    with committed():
        set_status(fact, "inaccurate", by=reviewer)

    with pytest.raises(ValidationError, match="cannot go back to “Unreviewed”"):
        services.change_claim_status(
            claim=fact,
            to_status="unreviewed",
            rationale="Oops.",
            by=reviewer,
            expected_version=fact.version,
        )

    with committed():
        set_status(fact, "in_review", by=reviewer, rationale="New figures came out.")

    page = text(client.get(fact.get_absolute_url()))
    assert "Status: In review" in page
    assert "Previously inaccurate" in page and "under re-review" in page
    assert "nobody has checked it yet" not in page


def test_a_next_review_date_set_in_the_past_is_refused_but_a_stored_one_never_blocks(
    client, fact, reviewer
):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    client.force_login(reviewer)
    data = {
        "statement": fact.statement,
        "summary": "",
        "next_review_on": yesterday.isoformat(),
        "correction_reason": "Reworded for readers.",
        "version": fact.version,
    }

    refused = client.post(reverse("factcheck:review_claim_fields", args=[fact.slug]), data)

    assert "The next review cannot be in the past" in text(refused)
    fact.refresh_from_db()
    assert fact.next_review_on is None

    # A date stored earlier (loaddata, or a date that has since passed) stays editable around.
    Claim.objects.filter(pk=fact.pk).update(next_review_on=yesterday)
    fact.refresh_from_db()
    data.update(statement="About 80,000 work permits in 2022.", version=fact.version)
    client.post(reverse("factcheck:review_claim_fields", args=[fact.slug]), data)
    fact.refresh_from_db()
    assert (fact.statement, fact.next_review_on) == (
        "About 80,000 work permits in 2022.",
        yesterday,
    )


def test_the_status_form_refuses_a_past_next_review_date(client, fact, reviewer):
    client.force_login(reviewer)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = post_status(
        client, fact, to_status="in_review", next_review_on=yesterday.isoformat()
    )

    assert "The next review cannot be in the past" in text(response)
    fact.refresh_from_db()
    assert fact.status == "unreviewed"


# --- Who may do what --------------------------------------------------------------


@pytest.mark.parametrize("decision", ["approve", "send-back", "withdraw"])
def test_deciding_is_for_reviewers(client, fact, named_reviewer, evidence, decision):
    proposal = propose(fact, named_reviewer)
    url = decide_url(proposal, decision)

    anonymous = client.post(url)
    assert anonymous.status_code == 302 and anonymous.url.startswith(reverse("login"))
    client.force_login(get_user_model().objects.create_user("pat", password="x"))
    assert client.post(url).status_code == 403
    assert client.get(url).status_code in (403, 405)
    assert Proposal.objects.get().is_open


def test_the_settings_page_is_for_reviewers(client, db):
    url = reverse("factcheck:review_settings")
    assert client.get(url).status_code == 302
    client.force_login(get_user_model().objects.create_user("pat", password="x"))
    assert client.get(url).status_code == 403
    user = get_user_model().objects.get(username="pat")
    user.groups.add(REVIEWER.group())
    assert client.get(url).status_code == 200


def test_the_json_export_shows_no_proposal(client, fact, named_reviewer, evidence):
    propose(fact, named_reviewer, summary="Right.")

    rows = json.loads(client.get(reverse("factcheck:export_json")).getvalue())

    row = next(row for row in rows["claims"] if row["slug"] == fact.slug)
    assert row["status"] == "unreviewed" and row["summary"] == ""


# --- Who is told --------------------------------------------------------------------


def test_a_proposal_is_mailed_to_every_other_reviewer(
    fact, named_reviewer, other_reviewer, approver, evidence, smtp_server, settings
):
    for user, address in (
        (named_reviewer, "rita@example.org"),
        (other_reviewer, "otto@example.org"),
    ):
        user.email = address
        user.save()
    ReviewerProfile.objects.create(user=other_reviewer, sends_reminders=False)
    approver.email = "amir@example.org"
    approver.save()
    settings.FACTCHECK_DESK_EMAIL = "desk@example.org"

    propose(fact, named_reviewer)

    [mail] = smtp_server.received
    # Not the proposer; otto turned reminders off, so the desk is told for him.
    assert mail.recipients == ["amir@example.org", "desk@example.org"]
    assert mail.message["Subject"] == f"Awaiting your sign-off: “Accurate” for “{fact.statement}”"
    body = mail.message.get_content()
    assert "rita proposes “Accurate” for this claim" in body
    assert f"{settings.FACTCHECK_SITE_URL}/review/claims/{fact.slug}/" in body


def test_the_proposer_is_mailed_the_note_when_it_is_sent_back(
    fact, named_reviewer, approver, evidence, smtp_server
):
    named_reviewer.email = "rita@example.org"
    named_reviewer.save()
    proposal = propose(fact, named_reviewer)
    smtp_server.received.clear()

    services.send_back_proposal(proposal=proposal, by=approver, note="Cite the 2022 table.")

    [mail] = smtp_server.received
    assert mail.recipients == ["rita@example.org"]
    assert mail.message["Subject"] == f"Sent back: your “Accurate” for “{fact.statement}”"
    assert "Their note: Cite the 2022 table." in mail.message.get_content()


@pytest.mark.django_db(transaction=True)
def test_a_proposal_made_over_http_queues_its_mail_as_a_task(
    client, fact, named_reviewer, approver, evidence, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    approver.email = "amir@example.org"
    approver.save()
    client.force_login(named_reviewer)

    post_status(client, fact)

    [task] = DBTaskResult.objects.all()
    assert task.status == "READY"  # for the worker, after the page answered
    assert task.args_kwargs["kwargs"]["to"] == ["amir@example.org"]
    assert Proposal.objects.get().to_status == "accurate"


def test_an_open_proposal_shows_nowhere_on_the_public_site(client, prediction, named_reviewer):
    services.add_source(
        claim=prediction,
        by=named_reviewer,
        url="https://stats.example.gov/2025",
        title="Permits 2025",
        stance="supports",
        reason="A better source came out.",
    )
    mark = "Qwxzy"
    propose(
        prediction,
        named_reviewer,
        to_status="came_true",
        rationale=f"{mark} figures confirm it.",
        summary=f"{mark}: it doubled.",
    )
    listing = ["", "?status=came_true", "?kind=prediction", "?status=awaiting_resolution"]
    condition = Condition.objects.create(
        slug="permits-still-issued",
        statement="Permits are still issued.",
        resolve_by=datetime.date(2025, 1, 1),
    )
    ClaimCondition.objects.create(claim=prediction, condition=condition)
    # And the pages as of a past day (the site's yesterday).
    yesterday = f"?as_of={timezone.localdate() - datetime.timedelta(days=1)}"
    listing += [yesterday, f"{yesterday}&status=came_true"]
    urls = {
        "home": ["/"],
        "article_list": [reverse("factcheck:article_list")],
        "article_detail": [prediction.article.get_absolute_url() + q for q in ("", yesterday)],
        "article_feed": [reverse("factcheck:article_feed", args=[prediction.article.slug])],
        "claim_list": [reverse("factcheck:claim_list") + query for query in listing],
        "claim_detail": [prediction.get_absolute_url() + q for q in ("", yesterday)],
        "claim_feed": [reverse("factcheck:claim_feed", args=[prediction.slug])],
        "report_error": [reverse("factcheck:report_error", args=[prediction.slug])],
        "person_list": [reverse("factcheck:person_list")],
        "person_detail": [prediction.speaker.get_absolute_url() + q for q in ("", yesterday)],
        "person_feed": [reverse("factcheck:person_feed", args=[prediction.speaker.slug])],
        "condition_detail": [condition.get_absolute_url()],
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
    }
    assert {pattern.name for pattern in public_patterns} == urls.keys()
    for url in [url for group in urls.values() for url in group]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        assert mark.encode() not in body(response), url
    came_true = client.get(reverse("factcheck:claim_list"), {"status": "came_true"})
    assert prediction.statement not in text(came_true)
    assert "Came true" not in text(client.get(prediction.get_absolute_url())).split("Timeline")[0]
