"""Linking a prediction to tracked conditions from its review page: link an
existing condition, create one and link it, unlink, each a real form that
works without JavaScript; once the article is published each is a
definitional change on the public timeline, with the reviewer's reason."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.urls import reverse

from factcheck import services
from factcheck.models import Article, Claim, ClaimCondition, Condition, Correction, Kind

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
REASON = "The speaker said the doubling assumes the scheme survives."


def text(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture
def condition(db):
    return Condition.objects.create(
        slug="scheme-survives",
        statement="The permit scheme still runs in 2025.",
        resolve_by=datetime.date(2025, 6, 30),
    )


@pytest.fixture
def draft_prediction(db):
    article = Article.objects.create(
        title="Permits to double",
        publisher="Example Times",
        published_on=datetime.date(2024, 5, 1),
        text="Officials said permits will double by 2030.",
        slug="permits-to-double",
    )
    quote = "permits will double by 2030"
    start, end = article.locate(quote)
    return Claim.objects.create(
        article=article,
        quote=quote,
        quote_start=start,
        quote_end=end,
        kind=Kind.PREDICTION,
        statement="Permits will double by 2030.",
        slug="permits-double-2030",
    )


def url(name, claim, *args):
    return reverse(f"factcheck:{name}", args=[claim.slug, *args])


def link_data(claim, condition, *, polarity="met", reason=REASON, version=None):
    data = {
        "link-condition": condition.slug,
        "link-polarity": polarity,
        "link-version": str(claim.version if version is None else version),
    }
    if reason is not None:
        data["link-reason"] = reason
    return data


def link(claim, condition, by, polarity="met", reason=REASON):
    claim.refresh_from_db()
    return services.link_condition(
        claim=claim,
        condition=condition,
        polarity=polarity,
        by=by,
        expected_version=claim.version,
        reason=reason,
    )


def test_the_panel_is_for_reviewers(client, prediction, condition, reviewer, django_user_model):
    target = url("review_condition_link", prediction)
    response = client.post(target, link_data(prediction, condition))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(django_user_model.objects.create_user("nobody"))
    assert client.post(target, link_data(prediction, condition)).status_code == 403
    assert not ClaimCondition.objects.exists()


def test_the_review_page_offers_the_panel(client, prediction, condition, reviewer):
    client.force_login(reviewer)
    page = BeautifulSoup(client.get(url("review_claim", prediction)).content, "html.parser")
    panel = page.select_one("#claim-conditions")
    assert "no tracked condition" in panel.get_text()
    options = [option.get_text() for option in panel.select("select[name=link-condition] option")]
    assert "The permit scheme still runs in 2025. (resolve by 2025-06-30)" in options
    assert panel.select_one(f"form[action='{url('review_condition_create', prediction)}']")


def test_linking_without_javascript_redirects_back_and_shows_everywhere(
    client, prediction, condition, reviewer
):
    client.force_login(reviewer)
    response = client.post(
        url("review_condition_link", prediction), link_data(prediction, condition)
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#claim-conditions-messages")
    assert prediction.condition_links.get().condition == condition
    prediction.refresh_from_db()
    assert prediction.version == 2

    page = client.get(response["Location"])
    panel = BeautifulSoup(page.content, "html.parser").select_one("#claim-conditions")
    assert "Linked “The permit scheme still runs in 2025.” (if met)." in panel.get_text()
    workspace = reverse("factcheck:review_condition", args=[condition.slug])
    assert panel.select_one(f"a[href='{workspace}']").get_text() == condition.statement

    client.logout()
    public = text(client.get(prediction.get_absolute_url()))
    assert condition.statement in public
    assert prediction.statement in text(client.get(condition.get_absolute_url()))


def test_linking_under_htmx_answers_with_the_panel_and_the_new_versions(
    client, prediction, condition, reviewer
):
    client.force_login(reviewer)
    response = client.post(
        url("review_condition_link", prediction), link_data(prediction, condition), headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    fragment = BeautifulSoup(html, "html.parser")
    assert (
        "Linked “The permit scheme still runs in 2025.”"
        in fragment.select_one("#claim-conditions").get_text()
    )
    # The other panels' forms get the claim's new version, out of band.
    for version_id in ("claim-status-version", "claim-fields-version"):
        assert fragment.select_one(f"#{version_id}")["value"] == "2"
    assert condition.statement in fragment.select_one("#claim-timeline").get_text()


def test_a_status_change_moves_the_panels_version_inputs(client, prediction, reviewer):
    client.force_login(reviewer)
    data = {"to_status": "pending", "rationale": "Waiting for 2025.", "version": "1"}
    response = client.post(url("review_claim_status", prediction), data, headers=HTMX)
    fragment = BeautifulSoup(response.content, "html.parser")
    assert fragment.select_one("#id_link-version")["value"] == "2"
    assert fragment.select_one("#id_new-condition-version")["value"] == "2"


def test_creating_a_condition_links_it_in_one_step(client, prediction, reviewer):
    client.force_login(reviewer)
    data = {
        "new-condition-statement": "The ministry keeps the quota.",
        "new-condition-resolve_by": "2025-03-31",
        "new-condition-polarity": "not_met",
        "new-condition-reason": REASON,
        "new-condition-version": "1",
    }
    response = client.post(url("review_condition_create", prediction), data)
    assert response.status_code == 302
    created = Condition.objects.get()
    assert (created.statement, created.resolve_by) == (
        "The ministry keeps the quota.",
        datetime.date(2025, 3, 31),
    )
    assert created.status == Condition.Status.OPEN
    assert created.history.get().history_user == reviewer
    assert prediction.condition_links.get().polarity == "not_met"


def test_a_new_condition_with_errors_re_renders_with_the_input_kept(client, prediction, reviewer):
    client.force_login(reviewer)
    data = {
        "new-condition-statement": "The ministry keeps the quota.",
        "new-condition-resolve_by": "2025-02-30",
        "new-condition-polarity": "met",
        "new-condition-reason": REASON,
        "new-condition-version": "1",
    }
    response = client.post(url("review_condition_create", prediction), data, headers=HTMX)
    assert response.status_code == 200
    panel = BeautifulSoup(response.content, "html.parser").select_one("#claim-conditions")
    assert "Enter a valid date." in panel.get_text()
    assert (
        "The ministry keeps the quota."
        in panel.select_one("#id_new-condition-statement").get_text()
    )
    assert not Condition.objects.exists()


def test_a_published_prediction_needs_a_reason_and_shows_the_change_publicly(
    client, prediction, condition, reviewer
):
    client.force_login(reviewer)
    target = url("review_condition_link", prediction)
    refused = client.post(target, link_data(prediction, condition, reason=""))
    assert refused.status_code == 200
    assert services.LINK_REASON_NEEDED in text(refused)
    assert 'value="scheme-survives" selected' in refused.content.decode()
    assert not ClaimCondition.objects.exists()

    client.post(target, link_data(prediction, condition))
    correction = Correction.objects.get()
    assert correction.kind == Correction.Kind.DEFINITION
    assert (correction.earlier, correction.later) == (
        "",
        "If met: The permit scheme still runs in 2025.",
    )
    client.logout()
    timeline = BeautifulSoup(
        client.get(prediction.get_absolute_url()).content, "html.parser"
    ).get_text(" ", strip=True)
    assert "Changed: Linked the tracked condition “The permit scheme still runs in 2025.”" in (
        timeline
    )
    assert f"Why: {REASON}" in timeline


def test_unlinking_shows_old_and_new_side_by_side(client, prediction, condition, reviewer):
    other = Condition.objects.create(
        slug="quota-kept", statement="The quota is kept.", resolve_by=datetime.date(2025, 1, 31)
    )
    link(prediction, condition, reviewer)
    kept = link(prediction, other, reviewer, polarity="not_met")
    gone = prediction.condition_links.get(condition=condition)
    prediction.refresh_from_db()
    client.force_login(reviewer)
    data = {
        f"unlink-{gone.pk}-version": str(prediction.version),
        f"unlink-{gone.pk}-reason": "Wrong.",
    }
    response = client.post(url("review_condition_unlink", prediction, gone.pk), data, headers=HTMX)
    assert response.status_code == 200
    assert list(prediction.condition_links.all()) == [kept]
    change = Correction.objects.latest("id")
    assert change.earlier == (
        "If not met: The quota is kept.\nIf met: The permit scheme still runs in 2025."
    )
    assert change.later == "If not met: The quota is kept."
    assert change.reason == "Wrong."
    # The audit trail keeps who undid the link.
    assert ClaimCondition.history.filter(history_type="-").get().history_user == reviewer


def test_a_draft_needs_no_reason_and_lists_nothing_publicly(
    client, draft_prediction, condition, reviewer
):
    client.force_login(reviewer)
    data = link_data(draft_prediction, condition, reason=None)
    response = client.post(url("review_condition_link", draft_prediction), data)
    assert response.status_code == 302
    gone = draft_prediction.condition_links.get()
    draft_prediction.refresh_from_db()
    unlink = {f"unlink-{gone.pk}-version": str(draft_prediction.version)}
    client.post(url("review_condition_unlink", draft_prediction, gone.pk), unlink)
    assert not draft_prediction.condition_links.exists()
    assert not Correction.objects.exists()


def test_a_fact_has_no_conditions(client, fact, condition, reviewer):
    client.force_login(reviewer)
    page = BeautifulSoup(client.get(url("review_claim", fact)).content, "html.parser")
    assert (
        "Only a prediction depends on tracked conditions"
        in page.select_one("#claim-conditions").get_text()
    )
    response = client.post(url("review_condition_link", fact), link_data(fact, condition))
    assert response.status_code == 200
    assert "this claim is a fact, so no condition is linked here" in text(response)
    assert not ClaimCondition.objects.exists()


def test_a_duplicate_link_is_refused(client, prediction, condition, reviewer):
    link(prediction, condition, reviewer)
    prediction.refresh_from_db()
    client.force_login(reviewer)
    data = link_data(prediction, condition, polarity="not_met")
    response = client.post(url("review_condition_link", prediction), data, headers=HTMX)
    assert response.status_code == 200
    assert "This prediction already depends on “The permit scheme still runs in 2025.”" in text(
        response
    )
    assert prediction.condition_links.get().polarity == "met"
    # The menu no longer offers it.
    page = BeautifulSoup(client.get(url("review_claim", prediction)).content, "html.parser")
    offered = [option["value"] for option in page.select("select[name=link-condition] option")]
    assert offered == [""]


def test_a_stale_version_is_a_409_that_writes_nothing(
    client, prediction, condition, reviewer, other_reviewer
):
    services.edit_claim(
        claim=prediction,
        changes={"statement": "Permits will double by the end of 2025."},
        by=other_reviewer,
        expected_version=1,
        correction_reason="Clearer.",
    )
    client.force_login(reviewer)
    data = link_data(prediction, condition, version=1, reason="My careful reason.")
    response = client.post(url("review_condition_link", prediction), data, headers=HTMX)
    assert response.status_code == 409
    assert "otto saved it" in text(response)
    fragment = BeautifulSoup(response.content, "html.parser")
    assert fragment.select_one("#id_link-version")["value"] == "2"
    assert "My careful reason." in fragment.select_one("#id_link-reason").get_text()
    assert not ClaimCondition.objects.exists()
    assert Correction.objects.count() == 1  # the statement's, only
    prediction.refresh_from_db()
    assert prediction.version == 2


def test_a_damaged_version_is_refused(client, prediction, condition, reviewer):
    client.force_login(reviewer)
    data = link_data(prediction, condition, version="x")
    data["link-version"] = "x"
    assert client.post(url("review_condition_link", prediction), data).status_code == 400
    assert not ClaimCondition.objects.exists()


def test_a_final_status_fixes_the_conditions(client, prediction, condition, reviewer, set_status):
    link(prediction, condition, reviewer)
    services.add_condition_source(
        condition=condition, by=reviewer, url="https://gazette.example.gov/", title="Gazette"
    )
    services.resolve_condition(
        condition=condition, to_status="met", rationale="It runs.", by=reviewer, expected_version=1
    )
    set_status(prediction, "came_true", by=reviewer)
    client.force_login(reviewer)
    page = BeautifulSoup(client.get(url("review_claim", prediction)).content, "html.parser")
    panel = page.select_one("#claim-conditions")
    assert not panel.select("form")
    assert "“Came true” is a final status" in panel.get_text()

    existing = prediction.condition_links.get()
    unlink = {
        f"unlink-{existing.pk}-version": str(prediction.version),
        f"unlink-{existing.pk}-reason": "Changed my mind.",
    }
    response = client.post(url("review_condition_unlink", prediction, existing.pk), unlink)
    assert "judged on the conditions it had then, so no condition is unlinked now" in text(response)
    assert prediction.condition_links.exists()

    other = Condition.objects.create(
        slug="quota-kept", statement="The quota is kept.", resolve_by=datetime.date(2025, 1, 31)
    )
    response = client.post(url("review_condition_link", prediction), link_data(prediction, other))
    assert "so no condition is linked now" in text(response)
    assert prediction.condition_links.count() == 1
