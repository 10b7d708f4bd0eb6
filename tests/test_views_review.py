import datetime
import logging
import re

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client
from django.urls import resolve, reverse
from django.utils import timezone

from factcheck.middleware import private_unless_public
from factcheck.models import Claim, Correction, ReviewerNote, ReviewerProfile, Source, StatusChange
from factcheck.services import (
    add_source,
    edit_claim,
    edit_source,
    propose_status_change,
    remove_source,
    send_back_proposal,
    take_claim,
)
from factcheck.templatetags.factcheck import date_text
from factcheck.views.review import QUEUE_SECTIONS
from tests.desk import set_status

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


@pytest.fixture
def source(fact, reviewer):
    return add_source(
        claim=fact,
        by=reviewer,
        url="https://example.gov/permits",
        title="Permit table",
        stance="supports",
        reason="A better source came out.",
    )


def page(response):
    return BeautifulSoup(response.content, "html.parser")


def review_url(claim, action=""):
    return f"/review/claims/{claim.slug}/{action}"


def status_data(claim, **overrides):
    data = {
        "to_status": "pending" if claim.kind == "prediction" else "in_review",
        "rationale": "Criteria written; waiting for the 2025 figures.",
        "summary": claim.summary,
        "next_review_on": "",
        "version": claim.version,
    }
    data.update(overrides)
    return data


def fields_data(claim, **overrides):
    data = {
        "statement": claim.statement,
        "summary": claim.summary,
        "certainty": claim.certainty,
        "condition": claim.condition,
        "resolution_criteria": claim.resolution_criteria,
        "resolve_by": claim.resolve_by or "",
        # Read only when the edit is listed publicly (the claim's article is public).
        "correction_reason": "Reworded for readers.",
        "version": claim.version,
    }
    data.update(overrides)
    return data


SOURCE_DATA = {
    "url": "https://stats.example.gov/2025",
    "archived_url": "",
    "title": "Statistics 2025",
    "publisher": "Statistics Office",
    "published_on": "2025-02-01",
    "stance": "refutes",
    "note": "Only 120,000 permits.",
}


def source_edit_data(source, **overrides):
    """The source's edit form as the review page hands it out, with changes."""
    latest = source.history.order_by("-history_id").first().history_id
    data = {**SOURCE_DATA, "revision": latest, **overrides}
    return {f"source-{source.pk}-{name}": value for name, value in data.items()}


def textarea(html, element_id):
    # Django writes a newline after <textarea>, which browsers drop.
    return html.select_one(f"#{element_id}").get_text().removeprefix("\n")


# A prediction's tracked-conditions panel: the version inputs of its link and
# create forms (it has no links to undo yet).
PREDICTION_CONDITION_VERSIONS = ["id_link-version", "id_new-condition-version"]


def oob_ids(response):
    """What a fragment swaps out of band by id (the emptying of old messages aside)."""
    html = page(response)
    assert len(html.select('[data-hx-swap-oob="innerHTML:.messages"]')) == 1
    return [tag["id"] for tag in html.select("[data-hx-swap-oob]") if tag.has_attr("id")]


def form_values(html, selector):
    """What a browser sends for the form at ``selector`` as the page shows it."""
    values = {}
    for tag in html.select_one(selector).select("[name]"):
        if tag.name == "textarea":
            values[tag["name"]] = tag.get_text().removeprefix("\n")
        elif tag.name == "select":
            chosen = tag.select_one("option[selected]")
            values[tag["name"]] = chosen["value"] if chosen else ""
        else:
            values[tag["name"]] = tag.get("value", "")
    return values


def shown_messages(html, place):
    """(level, text) of each message in the box at ``place`` on the review page."""
    box = html.select_one(f"#{place}-messages")
    assert box["role"] == "status"
    return [
        (next(c for c in p["class"] if c.startswith("message-")), p.get_text())
        for p in box.select(".message")
    ]


# --- Access ---------------------------------------------------------------------


def review_requests(claim, source):
    return [
        ("get", "/review/", {}),
        ("get", review_url(claim), {}),
        ("get", review_url(claim, "history/"), {}),
        ("post", review_url(claim, "status/"), status_data(claim)),
        ("post", review_url(claim, "fields/"), fields_data(claim, statement="New words.")),
        ("post", review_url(claim, "sources/"), SOURCE_DATA),
        ("post", review_url(claim, f"sources/{source.pk}/"), source_edit_data(source)),
        ("post", review_url(claim, f"sources/{source.pk}/remove/"), {}),
        ("post", review_url(claim, f"sources/{source.pk}/restore/"), {}),
        ("post", review_url(claim, "notes/"), {"body": "A note."}),
    ]


def test_anonymous_visitors_are_sent_to_the_login_page(client, fact, source):
    for method, url, data in review_requests(fact, source):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302, url
        assert response["Location"].startswith(f"/accounts/login/?next={url}"), url
    assert not StatusChange.objects.exists() and not ReviewerNote.objects.exists()


def test_signed_in_users_outside_the_reviewers_group_get_403(client, fact, source):
    outsider = get_user_model().objects.create_user("reader", password="a long password 1")
    client.force_login(outsider)
    for method, url, data in review_requests(fact, source):
        assert getattr(client, method)(url, data).status_code == 403, url
    assert not StatusChange.objects.exists() and not ReviewerNote.objects.exists()
    assert Source.objects.get().removed_at is None


def test_the_403_page_says_who_the_review_pages_are_for(client, fact):
    client.force_login(get_user_model().objects.create_user("reader", password="a long pass 1"))
    response = client.get(review_url(fact))
    assert response.status_code == 403
    text = page(response).select_one("main").get_text(" ", strip=True)
    assert "This page is for reviewers." in text
    assert "“reader”, who is not in the Reviewers group" in text


def test_the_review_urls_keep_their_paths(fact, source):
    claim = f"/review/claims/{fact.slug}/"
    expected = {
        "review_queue": ([], "/review/"),
        "review_claim": ([fact.slug], claim),
        "review_claim_status": ([fact.slug], f"{claim}status/"),
        "review_claim_fields": ([fact.slug], f"{claim}fields/"),
        "review_source_add": ([fact.slug], f"{claim}sources/"),
        "review_source_edit": ([fact.slug, source.pk], f"{claim}sources/{source.pk}/"),
        "review_source_remove": ([fact.slug, source.pk], f"{claim}sources/{source.pk}/remove/"),
        "review_source_restore": ([fact.slug, source.pk], f"{claim}sources/{source.pk}/restore/"),
        "review_note_add": ([fact.slug], f"{claim}notes/"),
        "review_claim_history": ([fact.slug], f"{claim}history/"),
        "review_claim_take": ([fact.slug], f"{claim}owner/take/"),
        "review_claim_give_back": ([fact.slug], f"{claim}owner/give-back/"),
        "review_claim_assign": ([fact.slug], f"{claim}owner/"),
    }
    for name, (args, path) in expected.items():
        assert reverse(f"factcheck:{name}", args=args) == path
        assert resolve(path).view_name == f"factcheck:{name}"
    # The two claim-edit panels share one handler, told apart by the URL.
    assert resolve(f"{claim}status/").kwargs == {"slug": fact.slug, "panel": "claim-status"}
    assert resolve(f"{claim}fields/").kwargs == {"slug": fact.slug, "panel": "claim-fields"}
    # So do taking a claim and giving it back.
    assert resolve(f"{claim}owner/take/").kwargs == {"slug": fact.slug, "move": "take"}
    assert resolve(f"{claim}owner/give-back/").kwargs == {"slug": fact.slug, "move": "give-back"}


def test_reviewers_can_use_every_review_url(reviewer_client, fact, source):
    for method, url, data in review_requests(fact, source):
        fact.refresh_from_db()
        if "version" in data:
            data = {**data, "version": fact.version}
        response = getattr(reviewer_client, method)(url, data)
        assert response.status_code == (200 if method == "get" else 302), url
    fact.refresh_from_db()
    assert fact.status == "in_review"
    assert fact.statement == "New words."
    assert fact.notes.get().body == "A note."
    assert fact.sources.count() == 2


def test_login_page_and_logout(client, reviewer):
    login = page(client.get("/accounts/login/?next=/review/"))
    assert login.select_one("h1").get_text() == "Reviewer login"
    response = client.post(
        "/accounts/login/",
        {"username": "rita", "password": "correct horse battery", "next": "/review/"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response["Location"] == "/review/"
    assert "Log out rita" in client.get("/review/").content.decode()
    assert client.post("/accounts/logout/")["Location"] == "/"
    assert client.get("/review/").status_code == 302


def test_a_lockout_after_five_failures_is_per_username_and_address(
    client, reviewer, other_reviewer
):
    def attempt(username, password, address):
        return Client().post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR=address,
        )

    for _ in range(4):
        failed = attempt("rita", "wrong password", "10.0.0.7")
        assert "Please enter a correct username and password" in failed.content.decode()
    assert attempt("rita", "wrong password", "10.0.0.7").status_code == 429  # the fifth
    locked = attempt("rita", "correct horse battery", "10.0.0.7")
    assert locked.status_code == 429
    message = page(locked).select_one("[role=alert]").get_text()
    assert "After 5 failed attempts" in message and "15 minutes" in message
    # Colleagues behind the same address, and rita elsewhere, are not locked out.
    assert attempt("otto", "correct horse battery", "10.0.0.7").status_code == 302
    assert attempt("rita", "correct horse battery", "10.0.0.8").status_code == 302


def test_csrf_is_enforced_on_review_posts(reviewer, fact):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    response = client.post(review_url(fact, "status/"), status_data(fact))
    assert response.status_code == 403
    assert not StatusChange.objects.exists()
    # The same form, with the token the page carries, goes through.
    token = page(client.get(review_url(fact))).select_one(
        "#claim-status input[name=csrfmiddlewaretoken]"
    )["value"]
    response = client.post(
        review_url(fact, "status/"), {**status_data(fact), "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_the_htmx_csrf_header_rides_on_the_body_of_review_pages_only(reviewer_client, fact):
    body = page(reviewer_client.get(review_url(fact))).body
    assert '"X-CSRFToken"' in body["data-hx-headers"]
    public = page(Client().get(fact.get_absolute_url())).body
    assert not public.has_attr("data-hx-headers")


# --- Queue ----------------------------------------------------------------------


def test_queue_sections_counts_and_filters(
    reviewer_client, fact, prediction, make_claim, other_reviewer, reviewer
):
    Claim.objects.filter(pk=prediction.pk).update(resolve_by=datetime.date(2020, 1, 1))
    reviewed = make_claim(quote="Critics disagree.", slug="critics")
    set_status(
        claim=reviewed,
        to_status="in_review",
        rationale="Looking.",
        by=other_reviewer,
        expected_version=1,
    )
    # Its next review came and went (a date in the past is never set, only reached).
    Claim.objects.filter(pk=reviewed.pk).update(
        next_review_on=timezone.localdate() - datetime.timedelta(days=1)
    )
    mine = Claim.objects.get(pk=fact.pk)
    edit_claim(
        claim=mine,
        changes={"summary": "Mine."},
        by=reviewer,
        expected_version=1,
        correction_reason="Reworded for readers.",
    )

    queue = page(reviewer_client.get("/review/"))
    sections = {
        section["id"]: [a.get_text() for a in section.select("li > a")]
        for section in queue.select("#queue-sections section")
    }
    # Each claim once, in the most urgent section that holds it.
    assert sections == {
        "queue-orphaned": [],
        "queue-signoff": [],
        "queue-sent-back": [],
        "queue-condition-resolved": [],
        "queue-overdue": [prediction.statement],
        "queue-due": [reviewed.statement],
        "queue-unreviewed": [fact.statement],
        "queue-changed": [],
    }
    assert list(sections) == [f"queue-{s.key}" for s in QUEUE_SECTIONS]
    counts = [li.get_text(" ", strip=True) for li in queue.select(".queue-counts li")]
    assert counts == [
        "0 quotes lost in a correction of their article (editors quote them afresh)",
        "0 verdicts awaiting your sign-off",
        "0 proposals sent back to you",
        "0 predictions whose condition was resolved",
        "1 predictions past their resolve-by date",
        "1 past their next-review date",
        "1 awaiting first review",
        "0 recently changed by others",
    ]
    filtered = page(reviewer_client.get("/review/?kind=prediction", headers=HTMX))
    assert filtered.select_one("#queue-overdue li > a").get_text() == prediction.statement
    assert not filtered.select("#queue-unreviewed li")
    assert "<html" not in str(filtered)
    searched = page(reviewer_client.get("/review/?q=critics"))
    assert searched.select_one("#queue-due li > a").get_text() == reviewed.statement
    assert not searched.select("#queue-overdue li") and not searched.select("#queue-unreviewed li")


# --- Every panel, three ways -------------------------------------------------------


def panel_saves(claim, source):
    """name: (url, data, panel, place of its message, message, level, out of band)."""
    edit = review_url(claim, f"sources/{source.pk}/")
    at_source = f"source-{source.pk}"
    claim_views = ["claim-overview", "claim-timeline"]
    return {
        "status": (
            review_url(claim, "status/"),
            status_data(claim),
            "claim-status",
            "claim-status",
            "Status changed to “In review”.",
            "success",
            [*claim_views, "claim-fields-version"],
        ),
        "fields": (
            review_url(claim, "fields/"),
            fields_data(claim, statement="New words."),
            "claim-fields",
            "claim-fields",
            "Saved.",
            "success",
            [*claim_views, "claim-status-version"],
        ),
        "fields unchanged": (
            review_url(claim, "fields/"),
            fields_data(claim),
            "claim-fields",
            "claim-fields",
            "Nothing had changed, so nothing was saved.",
            "info",
            [*claim_views, "claim-status-version"],
        ),
        "source added": (
            review_url(claim, "sources/"),
            SOURCE_DATA,
            "claim-sources",
            "claim-sources",
            "Added the source “Statistics 2025”.",
            "success",
            ["claim-timeline"],
        ),
        "source edited": (
            edit,
            source_edit_data(source, title="Permit table, 2022"),
            "claim-sources",
            at_source,
            "Saved the source “Permit table, 2022”.",
            "success",
            ["claim-timeline"],
        ),
        "source unchanged": (
            edit,
            source_edit_data(
                source,
                url=source.url,
                archived_url="",
                title=source.title,
                publisher="",
                published_on="",
                stance=source.stance,
                note="",
            ),
            "claim-sources",
            at_source,
            "Nothing had changed, so nothing was saved.",
            "info",
            ["claim-timeline"],
        ),
        "source removed": (
            f"{edit}remove/",
            {},
            "claim-sources",
            at_source,
            "Removed the source “Permit table”. It is kept here and can be restored.",
            "success",
            ["claim-timeline"],
        ),
        "source restored": (
            f"{edit}restore/",
            {},
            "claim-sources",
            at_source,
            "Restored the source “Permit table”.",
            "success",
            ["claim-timeline"],
        ),
        "note": (
            review_url(claim, "notes/"),
            {"body": "Call the ministry."},
            "claim-notes",
            "claim-notes",
            "Note added.",
            "success",
            [],
        ),
    }


PANEL_SAVES = [
    "status",
    "fields",
    "fields unchanged",
    "source added",
    "source edited",
    "source unchanged",
    "source removed",
    "source restored",
    "note",
]
# The claim forms' own inputs, which no other panel's save may send back.
CLAIM_FORM_INPUTS = {"claim-status": "#status_rationale", "claim-fields": "#id_statement"}


class TestEveryPanelThreeWays:
    def test_the_full_page_has_an_empty_status_box_in_every_panel(
        self, reviewer_client, fact, source
    ):
        html = page(reviewer_client.get(review_url(fact)))
        assert not html.select("#messages")  # none at the top of the page any more
        for _, _, panel, place, *_ in panel_saves(fact, source).values():
            box = html.select_one(f"#{panel} #{place}-messages")
            assert box["role"] == "status"
            assert box.get_text() == ""

    @pytest.mark.parametrize("name", PANEL_SAVES)
    def test_htmx_gets_the_panel_with_its_message_and_only_version_inputs_besides(
        self, reviewer_client, fact, source, name
    ):
        url, data, panel, place, message, level, oob = panel_saves(fact, source)[name]
        if name == "source restored":
            remove_source(source=source, by=source.added_by, reason="The source was superseded.")
        response = reviewer_client.post(url, data, headers=HTMX)
        assert response.status_code == 200
        assert "HX-Request" in response["Vary"]
        body = response.content.decode()
        assert "<html" not in body
        assert body.lstrip().startswith(f'<section id="{panel}"')
        assert oob_ids(response) == oob
        html = page(response)
        assert shown_messages(html.select_one(f"#{panel}"), place) == [
            (f"message-{level}", message)
        ]
        assert len(html.select(".message")) == 1
        for other, inputs in CLAIM_FORM_INPUTS.items():
            if other != panel:
                assert not html.select(f"#{other}") and not html.select(inputs), other

    @pytest.mark.parametrize("name", PANEL_SAVES)
    def test_without_htmx_it_redirects_to_the_message_beside_the_panel(
        self, reviewer_client, fact, source, name
    ):
        url, data, panel, place, message, level, _ = panel_saves(fact, source)[name]
        if name == "source restored":
            remove_source(source=source, by=source.added_by, reason="The source was superseded.")
        response = reviewer_client.post(url, data)
        assert response.status_code == 302
        assert response["Location"] == f"{review_url(fact)}#{place}-messages"
        html = page(reviewer_client.get(response["Location"]))
        assert shown_messages(html.select_one(f"#{panel}"), place) == [
            (f"message-{level}", message)
        ]
        assert len(html.select(".message")) == 1
        # Shown once: the next visit has no message.
        assert not page(reviewer_client.get(review_url(fact))).select(".message")


# --- Status panel ---------------------------------------------------------------


class TestStatusPanel:
    def test_review_page_offers_only_the_statuses_of_the_claims_kind(
        self, reviewer_client, prediction
    ):
        options = page(reviewer_client.get(review_url(prediction))).select(
            "#status_to_status option"
        )
        values = [option["value"] for option in options]
        assert "came_true" in values and "condition_not_met" in values
        assert "accurate" not in values and "unreviewed" not in values  # not the current one

    def test_htmx_swaps_the_panel_and_refreshes_the_rest_out_of_band(
        self, reviewer_client, prediction
    ):
        response = reviewer_client.post(
            review_url(prediction, "status/"),
            status_data(prediction, summary="Too early to tell.", next_review_on="2099-01-15"),
            headers=HTMX,
        )
        assert response.status_code == 200
        body = response.content.decode()
        assert "<html" not in body
        assert body.lstrip().startswith('<section id="claim-status"')
        assert oob_ids(response) == [
            "claim-overview",
            "claim-timeline",
            "claim-fields-version",
            *PREDICTION_CONDITION_VERSIONS,
        ]
        html = page(response)
        assert html.select_one("#claim-overview h2").get_text() == "Status: Pending"
        assert html.select_one("#claim-overview .summary").get_text() == "Too early to tell."
        assert "Criteria written" in html.select_one("#claim-timeline").get_text()
        assert shown_messages(html, "claim-status") == [
            ("message-success", "Status changed to “Pending”.")
        ]
        # Every form on the page now carries the new version; the other form's
        # is its version input alone, swapped by id.
        assert {i["id"]: i["value"] for i in html.select("input[name=version]")} == {
            "claim-status-version": "2",
            "claim-fields-version": "2",
        }
        assert html.select_one("#claim-fields-version").parent.name == "[document]"
        prediction.refresh_from_db()
        assert prediction.next_review_on == datetime.date(2099, 1, 15)

    def test_without_javascript_it_posts_then_redirects_then_shows_the_message(
        self, reviewer_client, prediction
    ):
        response = reviewer_client.post(review_url(prediction, "status/"), status_data(prediction))
        assert response.status_code == 302
        assert response["Location"] == f"{review_url(prediction)}#claim-status-messages"
        after = page(reviewer_client.get(response["Location"]))
        assert shown_messages(after.select_one("#claim-status"), "claim-status") == [
            ("message-success", "Status changed to “Pending”.")
        ]
        assert after.select_one("#claim-overview h2").get_text() == "Status: Pending"

    def test_the_public_page_shows_the_change_and_not_the_note(self, reviewer_client, prediction):
        reviewer_client.post(review_url(prediction, "notes/"), {"body": "Internal: ring them."})
        reviewer_client.post(review_url(prediction, "status/"), status_data(prediction))
        public = Client().get(prediction.get_absolute_url()).content.decode()
        assert "Status: Pending" in public
        assert "Criteria written; waiting for the 2025 figures." in public
        assert "ring them" not in public

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"rationale": ""}, "rationale", "This field is required."),
            ({"rationale": "x" * 10_001}, "rationale", "at most 10000 characters"),
            ({"to_status": "accurate"}, "to_status", "Select a valid choice."),
            ({"to_status": ""}, "to_status", "This field is required."),
            ({"next_review_on": "next week"}, "next_review_on", "Enter a valid date."),
            ({"summary": "y" * 10_001}, "summary", "at most 10000 characters"),
        ],
    )
    def test_bad_input_re_renders_with_the_fields_error(
        self, reviewer_client, prediction, overrides, field, message
    ):
        for headers in ({}, HTMX):
            response = reviewer_client.post(
                review_url(prediction, "status/"),
                status_data(prediction, **overrides),
                headers=headers,
            )
            assert response.status_code == 200
            panel = page(response).select_one("#claim-status")
            error = panel.select_one(f"#status_{field}_error")
            assert message in error.get_text()
            assert (
                textarea(panel, "status_rationale")
                == overrides.get("rationale", "Criteria written; waiting for the 2025 figures.")[
                    :10_001
                ]
            )
        prediction.refresh_from_db()
        assert (prediction.status, prediction.version) == ("unreviewed", 1)


# --- Conflicts ------------------------------------------------------------------


class TestConflicts:
    def test_a_stale_status_change_gets_409_with_the_current_state_and_the_input_kept(
        self, prediction, reviewer, other_reviewer
    ):
        first, second = Client(), Client()
        first.force_login(reviewer)
        second.force_login(other_reviewer)
        first.get(review_url(prediction))
        second.get(review_url(prediction))

        assert (
            first.post(
                review_url(prediction, "status/"), status_data(prediction), headers=HTMX
            ).status_code
            == 200
        )
        response = second.post(
            review_url(prediction, "status/"),
            status_data(prediction, to_status="on_track", rationale="Otto's careful reasoning."),
            headers=HTMX,
        )

        assert response.status_code == 409
        html = page(response)
        assert (
            "This claim changed while you were editing this form"
            in html.select_one("#claim-status .conflict").get_text()
        )
        assert textarea(html, "status_rationale") == "Otto's careful reasoning."
        assert html.select_one("#status_to_status option[selected]")["value"] == "on_track"
        assert html.select_one("#claim-overview h2").get_text() == "Status: Pending"
        # The fields form gets the current version, not a fresh copy of itself.
        assert oob_ids(response) == [
            "claim-overview",
            "claim-timeline",
            "claim-fields-version",
            *PREDICTION_CONDITION_VERSIONS,
        ]
        assert html.select_one("#claim-fields-version")["value"] == "2"
        assert not html.select("#id_statement")
        prediction.refresh_from_db()
        assert (prediction.status, prediction.version) == ("pending", 2)
        assert StatusChange.objects.count() == 1

    def test_a_stale_field_edit_gets_409_without_javascript_too(
        self, prediction, reviewer, other_reviewer
    ):
        client = Client()
        client.force_login(other_reviewer)
        stale = fields_data(prediction, statement="Otto's wording.")
        edit_claim(
            claim=prediction,
            changes={"statement": "Rita's wording."},
            by=reviewer,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )

        response = client.post(review_url(prediction, "fields/"), stale)

        assert response.status_code == 409
        html = page(response)
        assert "<html" in response.content.decode()
        assert textarea(html, "id_statement") == "Otto's wording."
        assert html.select_one("h1").get_text() == "Rita's wording."
        prediction.refresh_from_db()
        assert prediction.statement == "Rita's wording."

    def test_a_conflict_is_logged_as_info_not_as_a_warning(
        self, reviewer_client, prediction, reviewer, caplog
    ):
        stale = fields_data(prediction, statement="Mine.")
        edit_claim(
            claim=prediction,
            changes={"statement": "Theirs."},
            by=reviewer,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )
        with caplog.at_level(logging.INFO, logger="django.request"):
            response = reviewer_client.post(review_url(prediction, "fields/"), stale)
        assert response.status_code == 409
        logged = [r for r in caplog.records if r.name == "django.request"]
        assert [r.levelname for r in logged] == ["INFO"]
        assert "Conflict" in logged[0].getMessage()

    def test_saving_again_after_the_conflict_applies_the_change_deliberately(
        self, prediction, reviewer, other_reviewer
    ):
        client = Client()
        client.force_login(other_reviewer)
        stale = fields_data(prediction, summary="Otto's.")
        edit_claim(
            claim=prediction,
            changes={"summary": "Rita's."},
            by=reviewer,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )
        response = client.post(review_url(prediction, "fields/"), stale, headers=HTMX)
        assert response.status_code == 409
        resubmit = {
            tag["name"]: tag.get("value", tag.get_text().removeprefix("\n"))
            for tag in page(response).select("#claim-fields [name]")
            if tag.name in ("input", "textarea") and tag["name"] != "csrfmiddlewaretoken"
        }
        assert (
            client.post(review_url(prediction, "fields/"), resubmit, headers=HTMX).status_code
            == 200
        )
        prediction.refresh_from_db()
        assert prediction.summary == "Otto's."

    def test_one_reviewer_saving_twice_in_a_row_never_conflicts(self, reviewer_client, prediction):
        response = reviewer_client.post(
            review_url(prediction, "status/"), status_data(prediction), headers=HTMX
        )
        # Use the versions the page now carries, as the browser would.
        html = page(response)
        fields_version = html.select_one("#claim-fields-version")["value"]
        second = reviewer_client.post(
            review_url(prediction, "fields/"),
            fields_data(prediction, statement="Sharper wording.", version=fields_version),
            headers=HTMX,
        )
        assert second.status_code == 200
        status_version = page(second).select_one("#claim-status-version")["value"]
        third = reviewer_client.post(
            review_url(prediction, "status/"),
            status_data(prediction, to_status="on_track", version=status_version),
            headers=HTMX,
        )
        assert third.status_code == 200
        prediction.refresh_from_db()
        assert (prediction.status, prediction.statement, prediction.version) == (
            "on_track",
            "Sharper wording.",
            4,
        )
        assert status_version == "3"


# --- Typing in one panel, saving in the other --------------------------------------


class TestTypingInTheOtherPanel:
    """A save swaps only the other claim form's version input, so what the reviewer
    is typing there stays; that form then writes only what the reviewer changed
    from what it showed (its hidden initial-… values)."""

    def forms(self, client, claim):
        """The two claim forms as the page shows them, the fields form with the
        reason its public edits need typed in."""
        html = page(client.get(review_url(claim)))
        fields = form_values(html, "#claim-fields form")
        fields["correction_reason"] = "Reworded for readers."
        return form_values(html, "#claim-status form"), fields

    def post(self, client, claim, action, data, status=200):
        response = client.post(review_url(claim, action), data, headers=HTMX)
        assert response.status_code == status
        return page(response)

    def test_a_status_change_keeps_the_typing_and_the_fields_save_is_accepted(
        self, reviewer_client, prediction
    ):
        status, fields = self.forms(reviewer_client, prediction)
        fields["statement"] = "Typed, not yet saved."
        status.update(to_status="pending", rationale="Agreed.", summary="Too early to tell.")
        after = self.post(reviewer_client, prediction, "status/", status)
        fields["version"] = after.select_one("#claim-fields-version")["value"]  # as htmx swaps it

        after = self.post(reviewer_client, prediction, "fields/", fields)
        assert shown_messages(after, "claim-fields") == [("message-success", "Saved.")]
        prediction.refresh_from_db()
        assert prediction.statement == "Typed, not yet saved."
        # The fields form still showed the old, empty summary: not written back.
        assert prediction.summary == "Too early to tell."
        assert (prediction.status, prediction.version) == ("pending", 3)

    def test_a_fields_save_is_not_undone_by_the_status_form_shown_before_it(
        self, reviewer_client, prediction
    ):
        status, fields = self.forms(reviewer_client, prediction)
        fields.update(summary="From the fields panel.", next_review_on="2099-03-01")
        after = self.post(reviewer_client, prediction, "fields/", fields)
        status.update(to_status="pending", rationale="Agreed.")
        status["version"] = after.select_one("#claim-status-version")["value"]

        self.post(reviewer_client, prediction, "status/", status)
        prediction.refresh_from_db()
        assert (prediction.status, prediction.summary, prediction.next_review_on) == (
            "pending",
            "From the fields panel.",
            datetime.date(2099, 3, 1),
        )

    def test_the_same_field_changed_in_both_panels_is_a_conflict_not_an_overwrite(
        self, reviewer_client, prediction
    ):
        status, fields = self.forms(reviewer_client, prediction)
        fields["summary"] = "Typed in the fields panel."
        status.update(to_status="pending", rationale="Agreed.", summary="Set with the status.")
        after = self.post(reviewer_client, prediction, "status/", status)
        fields["version"] = after.select_one("#claim-fields-version")["value"]

        conflict = self.post(reviewer_client, prediction, "fields/", fields, status=409)
        notice = conflict.select_one("#claim-fields .conflict").get_text()
        assert "the summary changed on both sides" in notice
        assert textarea(conflict, "id_summary") == "Typed in the fields panel."
        assert conflict.select_one("#initial-id_summary")["value"] == "Set with the status."
        prediction.refresh_from_db()
        assert prediction.summary == "Set with the status."

        self.post(
            reviewer_client, prediction, "fields/", form_values(conflict, "#claim-fields form")
        )
        prediction.refresh_from_db()
        assert prediction.summary == "Typed in the fields panel."

    def test_after_a_conflict_the_refreshed_form_cannot_undo_the_other_change(
        self, prediction, reviewer, other_reviewer
    ):
        otto = Client()
        otto.force_login(other_reviewer)
        status, fields = self.forms(otto, prediction)
        edit_claim(
            claim=prediction,
            changes={"statement": "Rita's wording."},
            by=reviewer,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )
        status.update(to_status="pending", rationale="Otto's.")
        after = self.post(otto, prediction, "status/", status, status=409)
        fields["version"] = after.select_one("#claim-fields-version")["value"]
        assert fields["version"] == "2"

        fields["condition"] = "If the law passes."
        self.post(otto, prediction, "fields/", fields)
        prediction.refresh_from_db()
        # Otto's form still showed the old statement; he changed the condition only.
        assert (prediction.statement, prediction.condition) == (
            "Rita's wording.",
            "If the law passes.",
        )

    def test_a_client_that_sends_no_shown_values_is_compared_with_the_claim(
        self, reviewer_client, prediction
    ):
        edit_claim(
            claim=prediction,
            changes={"summary": "Old."},
            by=None,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )
        response = reviewer_client.post(
            review_url(prediction, "fields/"), fields_data(prediction, summary="", version=2)
        )
        assert response.status_code == 302
        prediction.refresh_from_db()
        assert prediction.summary == ""


# --- Claim fields ---------------------------------------------------------------


class TestFieldsPanel:
    def test_edits_through_htmx_and_records_a_correction_after_a_verdict(
        self, reviewer_client, fact, reviewer
    ):
        set_status(
            claim=fact, to_status="accurate", rationale="Yes.", by=reviewer, expected_version=1
        )
        response = reviewer_client.post(
            review_url(fact, "fields/"),
            fields_data(fact, summary="Confirmed by the ministry."),
            headers=HTMX,
        )
        assert response.status_code == 200
        assert oob_ids(response) == ["claim-overview", "claim-timeline", "claim-status-version"]
        assert "Correction: Revised the summary." in page(response).select_one(
            "#claim-timeline"
        ).get_text(" ", strip=True)
        assert Correction.objects.get().description == "Revised the summary."

    def test_facts_have_no_prediction_fields(self, reviewer_client, fact):
        form = page(reviewer_client.get(review_url(fact))).select_one("#claim-fields form")
        names = {tag["name"] for tag in form.select("[name]")}
        shown = {"statement", "summary", "next_review_on"}
        assert names == {
            *("csrfmiddlewaretoken", "version", "correction_reason"),
            *shown,
            *(f"initial-{n}" for n in shown),
        }

    def test_without_javascript(self, reviewer_client, prediction):
        response = reviewer_client.post(
            review_url(prediction, "fields/"),
            fields_data(prediction, condition="If the law passes.", resolve_by="2027-06-30"),
        )
        assert response["Location"] == f"{review_url(prediction)}#claim-fields-messages"
        prediction.refresh_from_db()
        assert (prediction.condition, prediction.resolve_by) == (
            "If the law passes.",
            datetime.date(2027, 6, 30),
        )

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"statement": ""}, "statement", "This field is required."),
            ({"statement": "s" * 10_001}, "statement", "at most 10000 characters"),
            ({"resolve_by": "31/31/2031"}, "resolve_by", "Enter a valid date."),
            ({"condition": "c" * 10_001}, "condition", "at most 10000 characters"),
        ],
    )
    def test_bad_input_field_by_field(self, reviewer_client, prediction, overrides, field, message):
        for headers in ({}, HTMX):
            response = reviewer_client.post(
                review_url(prediction, "fields/"),
                fields_data(prediction, **overrides),
                headers=headers,
            )
            assert response.status_code == 200
            assert message in page(response).select_one(f"#id_{field}_error").get_text()
        prediction.refresh_from_db()
        assert prediction.version == 1


# --- Sources --------------------------------------------------------------------


class TestSourcesPanel:
    def test_add_through_htmx(self, reviewer_client, fact):
        response = reviewer_client.post(review_url(fact, "sources/"), SOURCE_DATA, headers=HTMX)
        assert response.status_code == 200
        assert response.content.decode().lstrip().startswith('<section id="claim-sources"')
        assert oob_ids(response) == ["claim-timeline"]
        source = fact.sources.get()
        assert (source.title, source.stance, source.added_by.username) == (
            "Statistics 2025",
            "refutes",
            "rita",
        )
        fact.refresh_from_db()
        assert fact.version == 1  # a source never conflicts with claim edits

    def test_edit_remove_and_restore_without_javascript(self, reviewer_client, fact, source):
        response = reviewer_client.post(
            review_url(fact, f"sources/{source.pk}/"),
            source_edit_data(source, title="Permit table, 2022"),
        )
        assert response["Location"] == f"{review_url(fact)}#source-{source.pk}-messages"
        source.refresh_from_db()
        assert source.title == "Permit table, 2022"

        reviewer_client.post(review_url(fact, f"sources/{source.pk}/remove/"))
        source.refresh_from_db()
        assert source.is_removed
        public = Client().get(fact.get_absolute_url()).content.decode()
        assert "Permit table, 2022" not in public
        review_page = page(reviewer_client.get(review_url(fact)))
        assert "Restore" in review_page.select_one(f"#source-{source.pk}").get_text()

        response = reviewer_client.post(
            review_url(fact, f"sources/{source.pk}/restore/"), headers=HTMX
        )
        assert response.content.decode().lstrip().startswith('<section id="claim-sources"')
        assert shown_messages(page(response), f"source-{source.pk}") == [
            ("message-success", "Restored the source “Permit table, 2022”.")
        ]
        source.refresh_from_db()
        assert not source.is_removed

    @pytest.mark.parametrize(
        ("overrides", "field", "message"),
        [
            ({"url": "ftp://example.com/file"}, "url", "starts with http:// or https://"),
            ({"url": "javascript:alert(1)"}, "url", "starts with http:// or https://"),
            ({"archived_url": "file:///etc/passwd"}, "archived_url", "http:// or https://"),
            ({"title": ""}, "title", "This field is required."),
            ({"stance": "maybe"}, "stance", "Select a valid choice."),
            ({"published_on": "yesterday"}, "published_on", "Enter a valid date."),
            ({"note": "n" * 10_001}, "note", "at most 10000 characters"),
        ],
    )
    def test_bad_input_field_by_field(self, reviewer_client, fact, overrides, field, message):
        for headers in ({}, HTMX):
            response = reviewer_client.post(
                review_url(fact, "sources/"), {**SOURCE_DATA, **overrides}, headers=headers
            )
            assert response.status_code == 200
            assert message in page(response).select_one(f"#id_{field}_error").get_text()
            # What the reviewer typed is still there.
            typed = page(response).select_one("#id_publisher")["value"]
            assert typed == "Statistics Office"
        assert not Source.objects.exists()

    @pytest.mark.parametrize("address", ["stats.example.gov/2025", "//stats.example.gov/2025"])
    def test_an_address_without_its_scheme_is_refused_not_completed(
        self, reviewer_client, fact, address
    ):
        # Django's URLField would store "https://" + what was typed: one more
        # normalisation than form text has, and a guess about the scheme.
        response = reviewer_client.post(
            review_url(fact, "sources/"), {**SOURCE_DATA, "url": address, "archived_url": address}
        )
        for field in ("url", "archived_url"):
            error = page(response).select_one(f"#id_{field}_error").get_text()
            assert "starts with http:// or https://" in error
        assert not Source.objects.exists()

    def test_bad_edit_keeps_the_edit_form_open_with_its_error(self, reviewer_client, fact, source):
        prefix = f"source-{source.pk}"
        response = reviewer_client.post(
            review_url(fact, f"sources/{source.pk}/"),
            source_edit_data(source, url="ftp://x.example"),
            headers=HTMX,
        )
        html = page(response)
        assert html.select_one(f"#source-{source.pk} details").has_attr("open")
        assert "http:// or https://" in html.select_one(f"#id_{prefix}-url_error").get_text()
        source.refresh_from_db()
        assert source.url == "https://example.gov/permits"


# --- Notes ----------------------------------------------------------------------


class TestNotesPanel:
    def test_add_through_htmx_escaped_with_line_breaks(self, reviewer_client, fact):
        body = "<script>alert('x')</script>\nSecond line & more"
        response = reviewer_client.post(review_url(fact, "notes/"), {"body": body}, headers=HTMX)
        assert response.status_code == 200
        html = response.content.decode()
        assert "<script>alert" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;<br>Second line &amp; more" in html
        assert oob_ids(response) == []
        assert shown_messages(page(response), "claim-notes") == [("message-success", "Note added.")]
        assert fact.notes.get().author.username == "rita"

    def test_without_javascript_and_bad_input(self, reviewer_client, fact):
        response = reviewer_client.post(review_url(fact, "notes/"), {"body": "Call them."})
        assert response["Location"] == f"{review_url(fact)}#claim-notes-messages"
        for body, message in [
            ("", "This field is required."),
            ("b" * 10_001, "at most 10000 characters"),
        ]:
            response = reviewer_client.post(review_url(fact, "notes/"), {"body": body})
            assert message in page(response).select_one("#id_body_error").get_text()
        assert fact.notes.count() == 1


def test_html_in_sources_is_escaped_everywhere(reviewer_client, fact, reviewer):
    add_source(
        claim=fact,
        by=reviewer,
        url="https://example.com/?q=<b>",
        title='<img src=x onerror="alert(1)">',
        stance="supports",
        note="<script>alert(2)</script>",
        reason="A better source came out.",
    )
    for url in [review_url(fact), fact.get_absolute_url()]:
        html = reviewer_client.get(url).content.decode()
        assert "<img src=x" not in html and "<script>alert(2)" not in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


# --- History --------------------------------------------------------------------


def test_every_change_shows_up_in_the_history(reviewer_client, prediction, other_reviewer):
    reviewer_client.post(review_url(prediction, "status/"), status_data(prediction))
    reviewer_client.post(
        review_url(prediction, "fields/"), fields_data(prediction, statement="Reworded.", version=2)
    )
    reviewer_client.post(review_url(prediction, "sources/"), SOURCE_DATA)
    source = prediction.sources.get()
    reviewer_client.post(review_url(prediction, f"sources/{source.pk}/remove/"))
    reviewer_client.post(review_url(prediction, "notes/"), {"body": "Ask the ministry."})

    rows = page(reviewer_client.get(review_url(prediction, "history/"))).select(".history tbody tr")
    entries = [[" ".join(td.get_text(" ").split()) for td in row.select("td")][1:] for row in rows]
    assert entries[0] == ["rita", "Note created", "Ask the ministry."]
    assert entries[1][:2] == ["rita", "Source changed: Statistics 2025"]
    assert "Removed" in entries[1][2]
    assert entries[2][:2] == ["rita", "Source created: Statistics 2025"]
    assert entries[3][0:2] == ["rita", "Claim changed"]
    assert "statement : “Work permits will double by 2025.” → “Reworded.”" in entries[3][2]
    assert entries[4][0:2] == ["rita", "Claim changed"]
    assert re.search(
        r"Status: Unreviewed → Pending .*status : “Unreviewed” → “Pending”", entries[4][2]
    )
    assert entries[5][0:2] == ["(system)", "Claim created"]


# --- Review findings: merging on conflict, sources, dates, the queue ---------------


def test_saving_after_a_conflict_keeps_the_other_reviewers_untouched_fields(
    prediction, reviewer, other_reviewer
):
    otto = Client()
    otto.force_login(other_reviewer)
    stale = fields_data(prediction, statement="Otto's wording.")
    edit_claim(
        claim=prediction,
        changes={"summary": "Rita's summary."},
        by=reviewer,
        expected_version=1,
        correction_reason="Reworded for readers.",
    )

    response = otto.post(review_url(prediction, "fields/"), stale, headers=HTMX)

    assert response.status_code == 409
    html = page(response)
    assert textarea(html, "id_statement") == "Otto's wording."
    assert textarea(html, "id_summary") == "Rita's summary."  # not Otto's stale empty one
    resubmit = {
        tag["name"]: tag.get("value", tag.get_text().removeprefix("\n"))
        for tag in html.select("#claim-fields [name]")
        if tag.name in ("input", "textarea") and tag["name"] != "csrfmiddlewaretoken"
    }
    assert otto.post(review_url(prediction, "fields/"), resubmit, headers=HTMX).status_code == 200
    prediction.refresh_from_db()
    assert (prediction.statement, prediction.summary) == ("Otto's wording.", "Rita's summary.")


def test_a_conflict_names_the_fields_both_reviewers_changed(prediction, reviewer, other_reviewer):
    otto = Client()
    otto.force_login(other_reviewer)
    stale = fields_data(prediction, summary="Otto's summary.")
    edit_claim(
        claim=prediction,
        changes={"summary": "Rita's summary."},
        by=reviewer,
        expected_version=1,
        correction_reason="Reworded for readers.",
    )
    response = otto.post(review_url(prediction, "fields/"), stale)
    assert response.status_code == 409
    notice = page(response).select_one("#claim-fields .conflict").get_text()
    assert "the summary changed on both sides" in notice
    assert textarea(page(response), "id_summary") == "Otto's summary."


def test_a_stale_status_change_without_javascript_gets_409(prediction, reviewer, other_reviewer):
    otto = Client()
    otto.force_login(other_reviewer)
    stale = status_data(prediction, to_status="on_track", rationale="Otto's reasons.")
    set_status(
        claim=prediction, to_status="pending", rationale="Rita's.", by=reviewer, expected_version=1
    )
    response = otto.post(review_url(prediction, "status/"), stale)
    assert response.status_code == 409
    assert "<html" in response.content.decode()
    assert textarea(page(response), "status_rationale") == "Otto's reasons."
    assert prediction.status_changes.count() == 1


def test_a_stale_source_edit_conflicts_instead_of_undoing_another_edit(
    fact, source, reviewer, other_reviewer
):
    otto = Client()
    otto.force_login(other_reviewer)
    stale = source_edit_data(source, title="Permit table", note="Otto's note.")
    rita = Client()
    rita.force_login(reviewer)
    rita.post(
        review_url(fact, f"sources/{source.pk}/"),
        source_edit_data(source, title="Permit table, corrected"),
    )

    response = otto.post(review_url(fact, f"sources/{source.pk}/"), stale, headers=HTMX)

    assert response.status_code == 409
    html = page(response)
    notice = html.select_one("#claim-sources .conflict").get_text()
    saved_at = date_text(timezone.localtime(source.history.latest().history_date), "minute")
    assert notice.startswith(
        "The source “Permit table, corrected” changed while you were editing it: "
        f"rita saved it at {saved_at}. Nothing was saved."
    )
    assert textarea(html, f"id_source-{source.pk}-note") == "Otto's note."
    source.refresh_from_db()
    assert source.title == "Permit table, corrected"
    assert source.note == SOURCE_DATA["note"]  # Rita's, not Otto's


def test_removing_a_source_through_htmx(reviewer_client, fact, source):
    response = reviewer_client.post(review_url(fact, f"sources/{source.pk}/remove/"), headers=HTMX)
    assert response.status_code == 200
    assert oob_ids(response) == ["claim-timeline"]
    item = page(response).select_one(f"#source-{source.pk}")
    assert "Restore" in item.get_text()
    assert shown_messages(item, f"source-{source.pk}")[0][1].startswith("Removed the source")


def test_editing_a_source_through_htmx(reviewer_client, fact, source):
    response = reviewer_client.post(
        review_url(fact, f"sources/{source.pk}/"),
        source_edit_data(source, title="Renamed"),
        headers=HTMX,
    )
    assert response.status_code == 200
    assert page(response).select_one(f"#source-{source.pk} > a").get_text() == "Renamed"


def test_the_next_review_date_can_be_set_and_cleared(reviewer_client, fact):
    today = timezone.localdate()
    reviewer_client.post(
        review_url(fact, "fields/"), fields_data(fact, next_review_on=today.isoformat())
    )
    queue = page(reviewer_client.get("/review/"))
    assert queue.select_one("#queue-due li > a").get_text() == fact.statement

    reviewer_client.post(
        review_url(fact, "fields/"), fields_data(fact, next_review_on="", version=2)
    )
    fact.refresh_from_db()
    assert fact.next_review_on is None
    assert page(reviewer_client.get("/review/")).select("#queue-due li") == []


def test_a_status_change_can_clear_the_next_review_date(reviewer_client, fact):
    Claim.objects.filter(pk=fact.pk).update(next_review_on=datetime.date(2020, 1, 1))
    fact.refresh_from_db()
    reviewer_client.post(
        review_url(fact, "status/"), status_data(fact, to_status="in_review", next_review_on="")
    )
    fact.refresh_from_db()
    assert (fact.status, fact.next_review_on) == ("in_review", None)


def test_sources_and_notes_by_others_count_as_recent_changes(reviewer_client, fact, other_reviewer):
    add_source(
        claim=fact,
        by=other_reviewer,
        url="https://example.org/x",
        title="X",
        stance="context",
        reason="A better source came out.",
    )
    # Unreviewed too, it is listed there, labelled with the change.
    item = page(reviewer_client.get("/review/")).select_one("#queue-unreviewed li")
    assert item.a.get_text() == fact.statement
    assert [label.get_text() for label in item.select(".reason")] == ["changed by others"]


def test_history_names_people_not_ids(reviewer_client, fact, source):
    reviewer_client.post(review_url(fact, f"sources/{source.pk}/remove/"))
    rows = page(reviewer_client.get(review_url(fact, "history/"))).select(".history tbody tr")
    removal = " ".join(rows[0].get_text(" ").split())
    assert "removed by : “” → “rita”" in removal


# --- Hostile input (the property tests in test_hostile_forms.py generalise these) ---

FORM = "application/x-www-form-urlencoded"


def written_rows():
    models = [Claim, StatusChange, Source, ReviewerNote, Correction]
    counts = [model.objects.count() for model in models]
    audit = [model.history.count() for model in (Claim, Source, ReviewerNote)]
    return counts + audit + list(Claim.objects.values_list("version", "updated_at"))


def test_a_control_character_is_refused_and_named_with_its_position(reviewer_client, fact):
    before = written_rows()
    address = "https://ok.example/a\x00b"
    response = reviewer_client.post(
        review_url(fact, "sources/"), {**SOURCE_DATA, "url": address, "archived_url": address}
    )
    assert response.status_code == 200
    for field in ("url", "archived_url"):
        error = page(response).select_one(f"#id_{field}_error").get_text()
        assert "U+0000 (null) at position 21" in error

    response = reviewer_client.post(
        review_url(fact, "status/"), status_data(fact, rationale="Checked\x0bagain.")
    )
    assert response.status_code == 200
    error = page(response).select_one("#status_rationale_error").get_text()
    assert "U+000B (vertical tab) at position 8" in error
    assert written_rows() == before


@pytest.mark.parametrize("version", ["²", "٣", "9" * 5_000, "99999999999999999999", "-1", ""])
@pytest.mark.parametrize("panel", ["status/", "fields/"])
def test_a_damaged_version_is_a_400_that_writes_nothing(
    reviewer_client, prediction, panel, version
):
    data = {"status/": status_data, "fields/": fields_data}[panel](
        prediction, statement="New words.", version=version
    )
    before = written_rows()
    for headers in ({}, HTMX):
        response = reviewer_client.post(review_url(prediction, panel), data, headers=headers)
        assert response.status_code == 400
        assert "version" in page(response).select_one("main").get_text()
    assert written_rows() == before


def test_a_form_that_is_not_utf8_is_a_400_that_writes_nothing(reviewer_client, fact):
    before = written_rows()
    for body in (b"body=ok%FFbad", b"body=ok%ED%A0%80bad"):  # the second: a lone surrogate
        response = reviewer_client.post(review_url(fact, "notes/"), body, content_type=FORM)
        assert response.status_code == 400
        assert "The form was not sent as valid UTF-8." in page(response).get_text()
    assert written_rows() == before

    # U+FFFD itself, sent as UTF-8, is text like any other.
    response = reviewer_client.post(
        review_url(fact, "notes/"), b"body=ok%EF%BF%BDbad", content_type=FORM
    )
    assert response.status_code == 302
    assert fact.notes.get().body == "ok\ufffdbad"


def test_an_oversized_request_is_refused_with_a_clear_error(reviewer_client, fact):
    response = reviewer_client.post(review_url(fact, "notes/"), {"body": "x" * 2_200_000})
    assert response.status_code == 400
    assert "too large" in page(response).select_one("main").get_text()
    assert not fact.notes.exists()


def test_behind_a_proxy_the_lockout_counts_the_clients_address(settings, reviewer):
    settings.AXES_IPWARE_PROXY_COUNT = 0  # as DJANGO_TRUSTED_PROXY_COUNT=1 sets it
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

    def attempt(password, client_address):
        return Client().post(
            "/accounts/login/",
            {"username": "rita", "password": password},
            REMOTE_ADDR="10.9.9.9",
            HTTP_X_FORWARDED_FOR=client_address,
        )

    for _ in range(5):
        attempt("wrong password", "81.2.69.160")
    assert attempt("correct horse battery", "81.2.69.160").status_code == 429
    assert attempt("correct horse battery", "81.2.69.161").status_code == 302


class TestSharedCaches:
    """Nothing but a public page may be kept by nginx or a CDN."""

    def test_reviewer_pages_and_the_login_page_are_private_and_never_stored(
        self, client, reviewer, fact
    ):
        assert client.get("/accounts/login/")["Cache-Control"] == "private, no-store"
        client.force_login(reviewer)
        for url in [
            "/review/",
            f"/review/claims/{fact.slug}/",
            f"/review/claims/{fact.slug}/history/",
        ]:
            assert client.get(url)["Cache-Control"] == "private, no-store", url

    def test_a_public_response_that_sets_a_cookie_is_private(self, rf):
        def public_page_with_cookie(request):
            response = HttpResponse("page", headers={"Cache-Control": "public, s-maxage=5"})
            response.set_cookie("sessionid", "someone's")
            return response

        response = private_unless_public(public_page_with_cookie)(rf.get("/"))
        assert response["Cache-Control"] == "private, no-store"

    def test_errors_are_private(self, client, db):
        assert client.get("/claims/nope/")["Cache-Control"] == "private, no-store"


class TestCertaintyInTheWorkspace:
    def test_a_predictions_claim_form_offers_the_certainty_words(self, reviewer_client, prediction):
        form = page(reviewer_client.get(review_url(prediction))).select_one("#claim-fields form")
        choices = [option["value"] for option in form.select("select[name=certainty] option")]
        assert choices == ["", "will", "expects", "likely", "may", "might", "could"]
        assert form.select_one("label[for=id_certainty]").get_text(strip=True) == (
            "Stated certainty:"
        )

    def test_a_facts_claim_form_has_no_certainty(self, reviewer_client, fact):
        form = page(reviewer_client.get(review_url(fact))).select_one("#claim-fields form")
        assert form.select_one("[name=certainty]") is None

    def test_saving_the_certainty_goes_through_the_service(self, reviewer_client, prediction):
        response = reviewer_client.post(
            review_url(prediction, "fields/"), fields_data(prediction, certainty="might")
        )
        assert response.status_code == 302
        prediction.refresh_from_db()
        assert (prediction.certainty, prediction.version) == ("might", 2)
        assert prediction.history.latest().history_change_reason == "Edited stated certainty"

    def test_a_word_outside_the_list_is_refused(self, reviewer_client, prediction):
        response = reviewer_client.post(
            review_url(prediction, "fields/"), fields_data(prediction, certainty="surely")
        )
        assert "Select a valid choice" in response.content.decode()
        prediction.refresh_from_db()
        assert (prediction.certainty, prediction.version) == ("", 1)


# --- Owners ---------------------------------------------------------------------


def owner_panel(response):
    return page(response).select_one("#claim-owner")


def owner_requests(claim, owner):
    """Each owner URL, with who must own the claim before it is posted to."""
    return [
        (review_url(claim, "owner/take/"), {}, None),
        (review_url(claim, "owner/give-back/"), {}, owner),
        (review_url(claim, "owner/"), {"owner": owner.pk}, None),
    ]


class TestOwnerPermissions:
    """Anonymous: the login page; no role: 403; reviewers take and give back;
    editors also give claims to others."""

    def posts(self, client, fact, user, expected):
        for (url, data, before), status in zip(owner_requests(fact, user), expected, strict=True):
            Claim.objects.filter(pk=fact.pk).update(owner=before)
            response = client.post(url, data)
            assert response.status_code == status, url
            if status == 302:
                assert response["Location"].startswith(review_url(fact)), url
            else:
                assert Claim.objects.get(pk=fact.pk).owner == before, url

    def test_anonymous_visitors_are_sent_to_the_login_page(self, client, fact, reviewer):
        for url, data, _ in owner_requests(fact, reviewer):
            response = client.post(url, data)
            assert response["Location"].startswith(f"/accounts/login/?next={url}")
        assert Claim.objects.get(pk=fact.pk).owner is None

    def test_users_without_a_role_get_403(self, client, fact):
        reader = get_user_model().objects.create_user("reader", password="a long password 1")
        client.force_login(reader)
        self.posts(client, fact, reader, [403, 403, 403])

    def test_reviewers_take_and_give_back_but_do_not_assign(self, client, fact, reviewer):
        client.force_login(reviewer)
        self.posts(client, fact, reviewer, [302, 302, 403])
        response = client.post(review_url(fact, "owner/"), {"owner": reviewer.pk})
        assert "This page is for editors." in page(response).get_text()

    def test_editors_do_all_three(self, client, fact, editor):
        client.force_login(editor)
        self.posts(client, fact, editor, [302, 302, 302])
        assert Claim.objects.get(pk=fact.pk).owner == editor


class TestOwnerPanel:
    def test_an_unowned_claim_offers_a_reviewer_to_take_it(self, reviewer_client, fact):
        panel = owner_panel(reviewer_client.get(review_url(fact)))
        assert "No one owns this claim." in panel.get_text()
        form = panel.select_one("form")
        assert form["action"] == review_url(fact, "owner/take/")
        assert form["data-hx-post"] == form["action"]
        assert form["data-hx-target"] == "#claim-owner"
        assert form.select_one("button").get_text() == "Take it"
        assert not panel.select("select")  # assigning is for editors

    def test_taking_through_htmx_swaps_the_panel_alone(self, reviewer_client, fact, reviewer):
        response = reviewer_client.post(review_url(fact, "owner/take/"), headers=HTMX)
        assert response.status_code == 200
        body = response.content.decode()
        assert "<html" not in body
        assert body.lstrip().startswith('<section id="claim-owner"')
        assert oob_ids(response) == []  # no other panel, no version input
        for other in ("#claim-status", "#claim-fields", "#claim-sources", "#claim-notes"):
            assert not page(response).select(other)
        panel = owner_panel(response)
        assert "You own this claim." in panel.get_text()
        assert shown_messages(panel, "claim-owner") == [
            ("message-success", "You own this claim now.")
        ]
        assert panel.select_one("form button").get_text() == "Give it back"
        assert Claim.objects.get(pk=fact.pk).owner == reviewer

    def test_without_javascript_it_redirects_to_the_panels_message(
        self, reviewer_client, fact, reviewer
    ):
        response = reviewer_client.post(review_url(fact, "owner/take/"))
        assert response["Location"] == f"{review_url(fact)}#claim-owner-messages"
        panel = owner_panel(reviewer_client.get(response["Location"]))
        assert shown_messages(panel, "claim-owner") == [
            ("message-success", "You own this claim now.")
        ]
        response = reviewer_client.post(review_url(fact, "owner/give-back/"))
        panel = owner_panel(reviewer_client.get(response["Location"]))
        assert "No one owns this claim." in panel.get_text()
        assert shown_messages(panel, "claim-owner") == [
            ("message-success", "You gave the claim back: it is unowned.")
        ]

    def test_taking_a_claim_someone_took_meanwhile_is_a_409_naming_them(
        self, reviewer_client, fact, other_reviewer
    ):
        take_claim(claim=fact, by=other_reviewer)
        for headers in ({}, HTMX):
            response = reviewer_client.post(review_url(fact, "owner/take/"), headers=headers)
            assert response.status_code == 409
            panel = owner_panel(response)
            assert panel.select_one(".conflict").get_text() == (
                "“otto” owns this claim already. An editor can give it to you."
            )
            assert "otto owns this claim." in panel.get_text(" ", strip=True)
            assert not panel.select("form")  # nothing for rita to press
        assert Claim.objects.get(pk=fact.pk).owner == other_reviewer

    def test_an_editor_gives_the_claim_to_a_reviewer(self, client, fact, editor, reviewer):
        get_user_model().objects.create_user("reader", password="a long password 1")
        client.force_login(editor)
        panel = owner_panel(client.get(review_url(fact)))
        options = [option.get_text() for option in panel.select("select[name=owner] option")]
        assert options == ["No one (unowned)", "edith", "rita"]  # not "reader"
        response = client.post(review_url(fact, "owner/"), {"owner": reviewer.pk}, headers=HTMX)
        panel = owner_panel(response)
        assert shown_messages(panel, "claim-owner") == [
            ("message-success", "“rita” owns this claim now.")
        ]
        assert panel.select_one("select[name=owner] option[selected]").get_text() == "rita"
        fact.refresh_from_db()
        assert (fact.owner, fact.version) == (reviewer, 1)

        response = client.post(review_url(fact, "owner/"), {"owner": ""})
        assert Claim.objects.get(pk=fact.pk).owner is None
        panel = owner_panel(client.get(response["Location"]))
        assert shown_messages(panel, "claim-owner") == [("message-success", "It is unowned now.")]

    def test_an_editor_cannot_give_a_claim_to_a_non_reviewer_or_a_deactivated_one(
        self, client, fact, editor, other_reviewer
    ):
        reader = get_user_model().objects.create_user("reader", password="a long password 1")
        other_reviewer.is_active = False
        other_reviewer.save()
        client.force_login(editor)
        for user in (reader, other_reviewer):
            for headers in ({}, HTMX):
                response = client.post(
                    review_url(fact, "owner/"), {"owner": user.pk}, headers=headers
                )
                assert response.status_code == 200
                error = owner_panel(response).select_one("#id_owner_error").get_text()
                assert "Choose an active reviewer, or no one." in error
        assert Claim.objects.get(pk=fact.pk).owner is None
        assert fact.history.count() == 1

    def test_the_owner_is_in_the_history_page(self, reviewer_client, fact):
        reviewer_client.post(review_url(fact, "owner/take/"))
        rows = page(reviewer_client.get(review_url(fact, "history/"))).select(".history tbody tr")
        entry = [" ".join(td.get_text(" ").split()) for td in rows[0].select("td")][1:]
        assert entry[:2] == ["rita", "Claim changed"]
        assert "Owner: — → rita" in entry[2]
        assert "owner : “” → “rita”" in entry[2]

    def test_the_owner_is_never_public(self, client, fact, reviewer, committed):
        with committed():
            take_claim(claim=fact, by=reviewer)
        public = [
            fact.get_absolute_url(),
            fact.article.get_absolute_url(),
            "/claims/",
            "/feed/",
            f"{fact.get_absolute_url()}feed/",
            "/exports/claims.json",
            "/exports/claims.csv",
        ]
        for url in public:
            response = client.get(url)
            assert response.status_code == 200, url
            text = b"".join(response.streaming_content) if response.streaming else response.content
            assert b"rita" not in text and b"owner" not in text.lower(), url


# --- The queue: each claim once, owners, my claims, previous and next ----------------


def queue_listing(response):
    """{section id: [(statement, [labels], owner)]} as the queue lists them."""
    return {
        section["id"]: [
            (
                item.a.get_text(),
                [label.get_text() for label in item.select(".reason")],
                item.select_one(".owner").get_text(),
            )
            for item in section.select("li")
        ]
        for section in page(response).select("#queue-sections section")
    }


class TestQueueListing:
    def test_a_claim_is_listed_once_in_its_most_urgent_section_with_its_other_reasons(
        self, reviewer_client, prediction, fact, other_reviewer
    ):
        Claim.objects.filter(pk=prediction.pk).update(
            resolve_by=datetime.date(2020, 1, 1), next_review_on=datetime.date(2020, 1, 1)
        )
        take_claim(claim=prediction, by=other_reviewer)
        listing = queue_listing(reviewer_client.get("/review/"))
        assert listing["queue-overdue"] == [
            (prediction.statement, ["review due", "unreviewed"], "otto")
        ]
        assert listing["queue-due"] == []
        assert listing["queue-unreviewed"] == [(fact.statement, [], "unowned")]
        # A change of owner is not a change to the claim.
        assert listing["queue-changed"] == []
        counts = [
            li.strong.get_text()
            for li in page(reviewer_client.get("/review/")).select(".queue-counts li")
        ]
        assert counts == ["0", "0", "0", "0", "1", "0", "1", "0"]

    def test_the_sections_run_from_the_most_urgent(self):
        assert [section.key for section in QUEUE_SECTIONS] == [
            "orphaned",
            "signoff",
            "sent-back",
            "condition-resolved",
            "overdue",
            "due",
            "unreviewed",
            "changed",
        ]

    def test_proposals_wait_for_others_and_come_back_to_their_proposer(
        self, client, fact, reviewer, other_reviewer
    ):
        ReviewerProfile.objects.create(user=other_reviewer, public_name="Otto")
        add_source(
            claim=fact,
            by=other_reviewer,
            url="https://stats.example.gov/t",
            title="T",
            stance="supports",
            reason="A better source came out.",
        )
        proposal = propose_status_change(
            claim=fact,
            to_status="accurate",
            rationale="The table says so.",
            by=other_reviewer,
            expected_version=fact.version,
        )
        client.force_login(reviewer)
        assert queue_listing(client.get("/review/"))["queue-signoff"] == [
            (fact.statement, ["unreviewed", "changed by others"], "unowned")
        ]
        client.force_login(other_reviewer)
        listing = queue_listing(client.get("/review/"))
        assert listing["queue-signoff"] == [] and listing["queue-sent-back"] == []

        send_back_proposal(proposal=proposal, by=reviewer, note="Cite the 2022 table.")
        assert queue_listing(client.get("/review/"))["queue-sent-back"] == [
            (fact.statement, ["unreviewed"], "unowned")
        ]
        client.force_login(reviewer)
        assert queue_listing(client.get("/review/"))["queue-signoff"] == []

        fact.refresh_from_db()
        propose_status_change(
            claim=fact,
            to_status="accurate",
            rationale="Table 4 of the 2022 report says so.",
            by=other_reviewer,
            expected_version=fact.version,
        )
        client.force_login(other_reviewer)
        assert queue_listing(client.get("/review/"))["queue-sent-back"] == []

    def test_the_listing_costs_two_queries_a_section(
        self, reviewer_client, make_claim, django_assert_max_num_queries
    ):
        for n in range(5):
            make_claim(quote="Critics disagree.", slug=f"critics-{n}")
        # Session, user and permissions, the reader messages waiting, then a count
        # and a page of claims a section, and the conditions due.
        with django_assert_max_num_queries(5 + 2 * len(QUEUE_SECTIONS) + 1):
            response = reviewer_client.get("/review/")
        assert len(queue_listing(response)["queue-unreviewed"]) == 5

    def test_my_claims_are_those_i_own_in_every_section(
        self, reviewer_client, fact, prediction, make_claim, reviewer, other_reviewer
    ):
        Claim.objects.filter(pk=prediction.pk).update(resolve_by=datetime.date(2020, 1, 1))
        theirs = make_claim(quote="Critics disagree.", slug="critics")
        take_claim(claim=fact, by=reviewer)
        take_claim(claim=prediction, by=reviewer)
        take_claim(claim=theirs, by=other_reviewer)

        queue = page(reviewer_client.get("/review/"))
        mine = queue.select_one(".queue-views a[href='/review/?owner=mine']")
        assert mine.get_text() == "My claims"  # a plain link: no JavaScript needed
        listing = queue_listing(reviewer_client.get(mine["href"]))
        assert listing["queue-overdue"] == [(prediction.statement, ["unreviewed"], "rita")]
        assert listing["queue-unreviewed"] == [(fact.statement, [], "rita")]
        current = page(reviewer_client.get(mine["href"])).select_one("[aria-current=page]")
        assert current.get_text() == "My claims"
        # The filter form says so too, and keeps it with the other filters.
        htmx = reviewer_client.get("/review/?owner=mine&kind=fact", headers=HTMX)
        assert "<html" not in htmx.content.decode()
        assert [entry[0] for entry in queue_listing(htmx)["queue-unreviewed"]] == [fact.statement]
        assert page(htmx).select_one("[aria-current=page]").get_text() == "My claims"
        unowned = queue_listing(reviewer_client.get("/review/?owner=unowned"))
        assert all(not claims for claims in unowned.values())

    def test_each_claim_links_to_its_review_page_with_its_section_and_the_filters(
        self, reviewer_client, fact
    ):
        link = page(reviewer_client.get("/review/?kind=fact")).select_one("#queue-unreviewed li a")
        assert link["href"] == f"{review_url(fact)}?section=unreviewed&kind=fact"


class TestPreviousAndNext:
    @pytest.fixture
    def unreviewed(self, make_claim):
        """Three unreviewed claims, in the queue's order (most recently changed first)."""
        claims = [
            make_claim(quote="Critics disagree.", slug=f"critics-{n}", statement=f"Claim {n}")
            for n in range(3)
        ]
        for n, claim in enumerate(claims):
            Claim.objects.filter(pk=claim.pk).update(
                public_updated_at=timezone.now() - datetime.timedelta(days=n)
            )
        return claims

    def neighbours(self, client, claim, query):
        nav = page(client.get(f"{review_url(claim)}?{query}")).select_one(".queue-nav")
        if nav is None:
            return None
        return {link["rel"][0]: link["href"] for link in nav.select("a[rel]")} | {
            "section": nav.p.a.get_text()
        }

    def test_the_neighbours_in_the_section_in_the_queues_order(self, reviewer_client, unreviewed):
        first, middle, last = unreviewed
        listed = queue_listing(reviewer_client.get("/review/"))["queue-unreviewed"]
        assert [entry[0] for entry in listed] == ["Claim 0", "Claim 1", "Claim 2"]
        query = "section=unreviewed"
        assert self.neighbours(reviewer_client, middle, query) == {
            "prev": f"{review_url(first)}?{query}",
            "next": f"{review_url(last)}?{query}",
            "section": "Awaiting first review",
        }
        # None before the first, none after the last.
        assert self.neighbours(reviewer_client, first, query) == {
            "next": f"{review_url(middle)}?{query}",
            "section": "Awaiting first review",
        }
        assert self.neighbours(reviewer_client, last, query) == {
            "prev": f"{review_url(middle)}?{query}",
            "section": "Awaiting first review",
        }

    def test_the_queues_filters_carry_over(self, reviewer_client, unreviewed, reviewer):
        first, middle, last = unreviewed
        take_claim(claim=first, by=reviewer)
        take_claim(claim=last, by=reviewer)
        query = "section=unreviewed&owner=mine"
        assert self.neighbours(reviewer_client, first, query) == {
            "next": f"{review_url(last)}?{query}",
            "section": "Awaiting first review",
        }

    def test_a_save_without_javascript_comes_back_to_the_section_it_was_opened_from(
        self, reviewer_client, unreviewed
    ):
        first, middle, last = unreviewed
        query = "section=unreviewed"
        form = page(reviewer_client.get(f"{review_url(middle)}?{query}")).select_one(
            "#claim-notes form"
        )
        assert form["action"] == f"{review_url(middle)}notes/?{query}"
        # Refused: the whole page again, still in its section, its forms still posting there.
        refused = page(reviewer_client.post(form["action"], {"body": ""}))
        assert refused.select_one(".queue-nav a[rel=next]")["href"] == f"{review_url(last)}?{query}"
        assert {
            form["action"].partition("?")[2]
            for form in refused.select("form[method=post]:not(.logout)")
        } == {query}
        saved = reviewer_client.post(form["action"], {"body": "Asked the ministry."})
        assert saved.status_code == 302
        assert saved["Location"] == f"{review_url(middle)}?{query}#claim-notes-messages"
        back = page(reviewer_client.get(saved["Location"]))
        assert "Note added." in back.select_one("#claim-notes").get_text()
        assert back.select_one(".queue-nav a[rel=prev]")["href"] == f"{review_url(first)}?{query}"

    def test_no_links_without_a_known_section(self, reviewer_client, unreviewed):
        middle = unreviewed[1]
        for query in ["", "section=", "section=nope", "section=%00"]:
            response = reviewer_client.get(f"{review_url(middle)}?{query}")
            assert response.status_code == 200
            assert not page(response).select(".queue-nav"), query

    def test_a_claim_that_left_the_section_links_to_the_sections_first(
        self, reviewer_client, unreviewed, other_reviewer
    ):
        first, middle, last = unreviewed
        set_status(
            claim=first,
            to_status="in_review",
            rationale="On it.",
            by=other_reviewer,
            expected_version=1,
        )
        query = "section=unreviewed"
        nav = page(reviewer_client.get(f"{review_url(first)}?{query}")).select_one(".queue-nav")
        assert nav.p.get_text() == "Not listed in: Awaiting first review"
        assert [(a["rel"][0], a["href"]) for a in nav.select("a[rel]")] == [
            ("next", f"{review_url(middle)}?{query}")
        ]
        # The last of a section leaving it: nothing next.
        for claim in (middle, last):
            set_status(claim=claim, to_status="in_review", rationale="On it.", by=other_reviewer)
        nav = page(reviewer_client.get(f"{review_url(first)}?{query}")).select_one(".queue-nav")
        assert not nav.select("a[rel]")
        # Opened from a section it never was in (nothing is overdue), the same.
        nav = page(reviewer_client.get(f"{review_url(first)}?section=overdue&kind=x"))
        assert nav.select_one(".queue-nav p").get_text() == (
            "Not listed in: Predictions past their resolve-by date"
        )
        assert not nav.select(".queue-nav a[rel]")


# --- A conflict names who saved first ---------------------------------------------


class TestConflictsNameWhoSavedFirst:
    def saved_at(self, claim):
        row = claim.history.filter(version=Claim.objects.get(pk=claim.pk).version).earliest()
        return date_text(timezone.localtime(row.history_date), "minute")

    def test_a_stale_edit_names_the_other_reviewer_and_the_time(
        self, prediction, reviewer, other_reviewer
    ):
        otto = Client()
        otto.force_login(other_reviewer)
        stale = fields_data(prediction, statement="Otto's wording.")
        edit_claim(
            claim=prediction,
            changes={"summary": "Rita's."},
            by=reviewer,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )
        # A later change of owner moves no version: it is not who saved first.
        take_claim(claim=prediction, by=other_reviewer)

        response = otto.post(review_url(prediction, "fields/"), stale)

        assert response.status_code == 409
        notice = page(response).select_one("#claim-fields .conflict").get_text()
        assert notice.startswith(
            "This claim changed while you were editing this form: "
            f"rita saved it at {self.saved_at(prediction)}. Nothing was saved."
        )

    def test_a_save_in_the_other_panel_says_it_was_you(self, reviewer_client, prediction):
        stale = fields_data(prediction, statement="Typed in the fields panel.")
        reviewer_client.post(review_url(prediction, "status/"), status_data(prediction))
        response = reviewer_client.post(review_url(prediction, "fields/"), stale, headers=HTMX)
        assert response.status_code == 409
        notice = page(response).select_one("#claim-fields .conflict").get_text()
        assert (
            f"you saved it in another panel at {self.saved_at(prediction)}. Nothing was saved."
        ) in notice

    def test_a_stale_source_edit_names_who_edited_it(self, fact, source, reviewer_client):
        stale = source_edit_data(source, note="Mine.")
        edit_source(
            source=source,
            by=source.added_by,
            changes={"title": "Retitled"},
            reason="The source was superseded.",
        )
        response = reviewer_client.post(review_url(fact, f"sources/{source.pk}/"), stale)
        assert response.status_code == 409
        saved = date_text(timezone.localtime(source.history.latest().history_date), "minute")
        assert (
            page(response)
            .select_one("#claim-sources .conflict")
            .get_text()
            .startswith(
                f"The source “Retitled” changed while you were editing it: you saved it in "
                f"another panel at {saved}."
            )
        )
