"""Conditions as records of their own (issue 17): declared in a claims file,
shown on a public page with the predictions that hang on them, resolved by a
reviewer, and then judged into each dependent prediction, through sign-off."""

import datetime
import json

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.urls import reverse

from factcheck import services
from factcheck.models import Claim, ClaimCondition, Condition, ReviewerProfile, Stance

from .claims_files import CONDITION_SLUG, CONDITIONAL, seed, write_files

pytestmark = pytest.mark.django_db


def text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture
def loaded(tmp_path):
    """The conditional claims file, loaded: its prediction hangs on the
    condition "if met"."""
    seed(write_files(tmp_path, CONDITIONAL))
    return Claim.objects.get(slug="permits-will-double"), Condition.objects.get()


@pytest.fixture
def rita(reviewer):
    ReviewerProfile.objects.create(user=reviewer, public_name="Rita Reviewer")
    return reviewer


def condition_source(condition, by):
    return services.add_condition_source(
        condition=condition,
        by=by,
        url="https://gazette.example.gov/permit-scheme",
        title="The official gazette",
        note="The scheme's 2024 budget line.",
    )


def resolve(condition, by, to_status, rationale="The gazette says so."):
    condition.refresh_from_db()
    return services.resolve_condition(
        condition=condition,
        to_status=to_status,
        rationale=rationale,
        by=by,
        expected_version=condition.version,
    )


def claim_source(claim, by):
    services.add_source(
        claim=claim,
        by=by,
        url="https://stats.example.gov/permits-2024",
        title="Permits 2024",
        stance=Stance.SUPPORTS,
    )


def propose(claim, by, to_status, **fields):
    claim.refresh_from_db()
    fields.setdefault("rationale", "The 2024 figures are in.")
    fields.setdefault("resolved_early_because", "The figures are final.")
    return services.propose_status_change(
        claim=claim, to_status=to_status, by=by, expected_version=claim.version, **fields
    )


def queue_section(client, key):
    page = BeautifulSoup(client.get(reverse("factcheck:review_queue")).content, "html.parser")
    return page.find(id=f"queue-{key}").get_text(" ", strip=True)


# --- The public page --------------------------------------------------------------


def test_the_condition_page_lists_the_predictions_that_hang_on_it(client, loaded):
    claim, condition = loaded
    page = client.get(condition.get_absolute_url())
    assert page.status_code == 200
    shown = text(page)
    assert "The ministry still runs the permit scheme in 2024." in shown
    assert "Status: Open" in shown
    assert "Permits will double in 2024. Unreviewed" in shown
    assert "(holds if met)" in shown
    # The prediction's page links the condition, still open.
    claim_page = client.get(claim.get_absolute_url())
    assert condition.get_absolute_url().encode() in claim_page.content
    assert "Tracked condition (if met) The ministry still runs" in text(claim_page)
    assert "Condition resolved" not in text(claim_page)


def test_a_condition_no_published_prediction_depends_on_is_not_there(client, loaded):
    claim, condition = loaded
    claim.article.published_at = None
    claim.article.save()
    Claim.objects.update(article_is_public=False)
    assert client.get(condition.get_absolute_url()).status_code == 404
    assert (
        condition.get_absolute_url().encode() not in client.get("/sitemap-conditions.xml").content
    )


def test_the_sitemap_lists_a_public_condition(client, loaded):
    _, condition = loaded
    assert condition.get_absolute_url().encode() in client.get("/sitemap-conditions.xml").content


def test_the_json_export_gives_each_prediction_its_conditions(client, loaded, rita):
    _, condition = loaded
    condition_source(condition, rita)
    resolve(condition, rita, "not_met")
    records = json.loads(client.get(reverse("factcheck:export_json")).getvalue())["claims"]
    [conditions] = [r["conditions"] for r in records if r["slug"] == "permits-will-double"]
    assert conditions == [
        {
            "url": f"http://testserver{condition.get_absolute_url()}",
            "statement": "The ministry still runs the permit scheme in 2024.",
            "holds_if": "met",
            "status": "not_met",
            "resolved_at": Condition.objects.get().resolved_at.isoformat(),
        }
    ]


# --- Resolving a condition ----------------------------------------------------------


def test_a_resolution_needs_a_source_and_a_rationale(loaded, rita):
    _, condition = loaded
    with pytest.raises(ValidationError) as refused:
        resolve(condition, rita, "met", rationale=" ")
    assert set(refused.value.message_dict) == {"to_status", "rationale"}
    assert "needs a source" in refused.value.message_dict["to_status"][0]
    condition.refresh_from_db()
    assert (condition.status, condition.version) == ("open", 1)


def test_a_resolution_is_dated_explained_kept_and_shown_on_every_dependent_page(
    client, loaded, rita, committed
):
    claim, condition = loaded
    before = client.get(claim.get_absolute_url())  # cached now
    condition_source(condition, rita)
    with committed():
        resolve(condition, rita, "met", rationale="The 2024 budget funds it.")

    condition.refresh_from_db()
    assert condition.status == "met" and condition.resolved_at and condition.resolved_by == rita
    assert [row.history_change_reason for row in condition.history.all()][0] == (
        "Status: Open → Met"
    )
    # The site's version moved: the cached claim page is not served again.
    after = text(client.get(claim.get_absolute_url()))
    assert after != text(before)
    assert "Condition resolved: The ministry still runs the permit scheme in 2024. — met on" in (
        after
    )
    assert "The prediction is now to be judged." in after
    page = text(client.get(condition.get_absolute_url()))
    assert "Status: Met" in page and "The 2024 budget funds it." in page
    assert "The official gazette" in page


def test_a_stale_resolution_is_refused_and_writes_nothing(loaded, rita, other_reviewer):
    _, condition = loaded
    condition_source(condition, rita)
    resolve(condition, other_reviewer, "met")
    with pytest.raises(services.StaleConditionError):
        services.resolve_condition(
            condition=condition, to_status="not_met", rationale="No.", by=rita, expected_version=1
        )
    condition.refresh_from_db()
    assert (condition.status, condition.version) == ("met", 2)


# --- The prediction, judged once its conditions are ----------------------------------


def test_a_prediction_is_not_judged_while_its_condition_is_open(loaded, rita):
    claim, _ = loaded
    claim_source(claim, rita)
    for status in ("came_true", "did_not_come_true", "condition_not_met"):
        with pytest.raises(ValidationError) as refused:
            propose(claim, rita, status)
        assert refused.value.message_dict["to_status"]
    with pytest.raises(ValidationError) as refused:
        propose(claim, rita, "came_true")
    assert "is still open" in refused.value.message_dict["to_status"][0]
    # Open statuses are not judgements: they stay free.
    services.change_claim_status(
        claim=claim, to_status="pending", rationale="Assessed.", by=rita, expected_version=1
    )
    assert not claim.proposals.exists()


def test_met_for_an_if_met_link_lets_the_prediction_be_judged_through_signoff(
    client, loaded, rita, approver
):
    claim, condition = loaded
    client.force_login(rita)
    condition_source(condition, rita)
    assert "Permits will double in 2024." not in queue_section(client, "condition-resolved")

    resolve(condition, rita, "met")

    assert "Permits will double in 2024." in queue_section(client, "condition-resolved")
    with pytest.raises(ValidationError) as refused:
        propose(claim, rita, "condition_not_met")
    assert "needs a condition this prediction depends on" in str(refused.value)
    claim_source(claim, rita)
    proposal = propose(claim, rita, "came_true")
    claim.refresh_from_db()
    assert claim.status == "unreviewed"  # until a second reviewer approves
    services.approve_proposal(proposal=proposal, by=approver)
    claim.refresh_from_db()
    assert claim.status == "came_true"
    assert "Permits will double in 2024." not in queue_section(client, "condition-resolved")


@pytest.mark.parametrize(
    ("polarity", "resolution"), [("met", "not_met"), ("not_met", "met")], ids=["if met", "if not"]
)
def test_a_condition_resolved_the_other_way_leaves_only_condition_not_met(
    client, loaded, rita, approver, polarity, resolution
):
    claim, condition = loaded
    ClaimCondition.objects.update(polarity=polarity)
    condition_source(condition, rita)
    claim_source(claim, rita)
    resolve(condition, rita, resolution)

    with pytest.raises(ValidationError) as refused:
        propose(claim, rita, "came_true")
    assert "it can only be “Condition not met”" in refused.value.message_dict["to_status"][0]
    page = text(client.get(claim.get_absolute_url()))
    assert "so it is to be marked “Condition not met”" in page

    # The condition's own source is the evidence: the claim needs none of its own.
    claim.sources.update(removed_at=datetime.datetime(2024, 7, 1, tzinfo=datetime.UTC))
    proposal = propose(claim, rita, "condition_not_met")
    services.approve_proposal(proposal=proposal, by=approver)
    claim.refresh_from_db()
    assert claim.status == "condition_not_met"


def test_a_proposal_made_before_its_condition_changed_cannot_be_approved(loaded, rita, approver):
    claim, condition = loaded
    condition_source(condition, rita)
    resolve(condition, rita, "not_met")
    proposal = propose(claim, rita, "condition_not_met")

    resolve(condition, rita, "open", rationale="The gazette was corrected.")

    with pytest.raises(services.ProposalRefused, match="A condition it depends on changed"):
        services.approve_proposal(proposal=proposal, by=approver)
    claim.refresh_from_db()
    assert claim.status == "unreviewed"


# --- The reviewer's workspace -----------------------------------------------------


def workspace_url(condition, action=""):
    name = {"": "review_condition", "status": "review_condition_status"}.get(action, action)
    return reverse(f"factcheck:{name}", args=[condition.slug])


def test_the_workspace_is_for_reviewers(client, loaded, rita, django_user_model):
    _, condition = loaded
    assert client.get(workspace_url(condition)).status_code == 302  # to the login page
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.get(workspace_url(condition)).status_code == 403
    client.force_login(rita)
    page = client.get(workspace_url(condition))
    assert page.status_code == 200
    assert "Permits will double in 2024." in text(page)


def test_resolving_in_the_workspace_without_javascript_redirects_back(client, loaded, rita):
    _, condition = loaded
    client.force_login(rita)
    source = {"url": "https://gazette.example.gov/a", "title": "Gazette", "publisher": ""}
    response = client.post(workspace_url(condition, "review_condition_source_add"), source)
    assert response.status_code == 302
    assert condition.sources.get().title == "Gazette"

    data = {"to_status": "met", "rationale": "It runs.", "version": "1"}
    response = client.post(workspace_url(condition, "status"), data, follow=True)
    assert response.redirect_chain[0][0].endswith("#condition-status-messages")
    assert "The condition is now “Met”." in text(response)
    condition.refresh_from_db()
    assert condition.status == "met"


def test_resolving_under_htmx_answers_with_the_panel(client, loaded, rita):
    _, condition = loaded
    condition_source(condition, rita)
    client.force_login(rita)
    data = {"to_status": "not_met", "rationale": "It was closed.", "version": "1"}
    response = client.post(workspace_url(condition, "status"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert 'id="condition-status"' in response.content.decode()
    assert "The condition is now “Not met”." in text(response)


def test_a_resolution_without_a_rationale_re_renders_with_the_message(client, loaded, rita):
    _, condition = loaded
    client.force_login(rita)
    data = {"to_status": "met", "rationale": "", "version": "1"}
    response = client.post(workspace_url(condition, "status"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "This field is required." in text(response)
    condition.refresh_from_db()
    assert condition.status == "open"


def test_a_resolution_from_an_old_version_is_a_409_that_keeps_the_text(
    client, loaded, rita, other_reviewer
):
    _, condition = loaded
    condition_source(condition, rita)
    resolve(condition, other_reviewer, "met")
    client.force_login(rita)
    data = {"to_status": "not_met", "rationale": "My careful reasoning.", "version": "1"}
    response = client.post(workspace_url(condition, "status"), data)
    assert response.status_code == 409
    assert "otto saved it" in text(response)
    assert "My careful reasoning." in response.content.decode()
    assert 'name="version" value="2"' in response.content.decode()
    condition.refresh_from_db()
    assert condition.status == "met"


def test_a_damaged_version_is_refused(client, loaded, rita):
    _, condition = loaded
    client.force_login(rita)
    data = {"to_status": "met", "rationale": "x", "version": "²"}
    assert client.post(workspace_url(condition, "status"), data).status_code == 400


def test_the_queue_lists_conditions_whose_resolve_by_date_has_come(client, loaded, rita):
    _, condition = loaded
    client.force_login(rita)
    # Its date (2024-06-30) has passed.
    assert "The ministry still runs the permit scheme in 2024." in queue_section(
        client, "conditions"
    )
    Condition.objects.update(resolve_by=datetime.date(2999, 1, 1))
    assert "The ministry still runs" not in queue_section(client, "conditions")


def test_the_claims_review_page_links_the_condition_workspace(client, loaded, rita):
    claim, condition = loaded
    client.force_login(rita)
    page = client.get(reverse("factcheck:review_claim", args=[claim.slug]))
    assert workspace_url(condition).encode() in page.content
    assert CONDITION_SLUG in page.content.decode()
