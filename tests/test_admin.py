import datetime

import pytest
from bs4 import BeautifulSoup
from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from factcheck.models import (
    Claim,
    Person,
    Proposal,
    Reminder,
    ReviewerNote,
    ReviewerProfile,
    Source,
    StatusChange,
)
from factcheck.services import add_source, take_claim
from tests.desk import set_status

pytestmark = pytest.mark.django_db

INLINES = ["status_changes", "corrections", "sources", "notes"]


@pytest.fixture
def admin_client(client, db):
    user = get_user_model().objects.create_superuser("boss", password="correct horse battery")
    client.force_login(user)
    client.user = user
    return client


def inline_management(**totals):
    data = {}
    for prefix in INLINES:
        data[f"{prefix}-TOTAL_FORMS"] = totals.get(prefix, 0)
        data[f"{prefix}-INITIAL_FORMS"] = totals.get(prefix, 0)
    return data


def change_form_data(claim, **overrides):
    data = {
        "speaker": claim.speaker_id or "",
        "statement": claim.statement,
        "summary": claim.summary,
        "certainty": claim.certainty,
        "condition": claim.condition,
        "resolution_criteria": claim.resolution_criteria,
        "resolve_by": claim.resolve_by or "",
        "next_review_on": "",
        "new_status": claim.status,
        "status_rationale": "",
        "correction_reason": "Reworded for readers.",
        "expected_version": claim.version,
        **inline_management(),
    }
    data.update(overrides)
    return data


def test_changelist_shows_claims_with_kind_status_and_speaker(admin_client, prediction, fact):
    response = admin_client.get("/admin/factcheck/claim/")
    page = response.content.decode()
    assert "Work permits will double by 2025." in page
    assert "Ada Example" in page
    assert "Unreviewed" in page


def test_changelist_filters_and_searches(admin_client, prediction, fact):
    page = admin_client.get("/admin/factcheck/claim/?kind__exact=prediction").content.decode()
    assert prediction.statement in page and fact.statement not in page
    page = admin_client.get("/admin/factcheck/claim/?q=double").content.decode()
    assert prediction.statement in page and fact.statement not in page


def test_adding_a_claim_computes_offsets_from_the_quote(admin_client, article):
    data = {
        "article": article.pk,
        "kind": "fact",
        "quote": "Critics disagree.",
        "statement": "Critics disagree with the officials.",
        "slug": "critics-disagree",
        **inline_management(),
    }
    response = admin_client.post("/admin/factcheck/claim/add/", data)
    assert response.status_code == 302
    claim = Claim.objects.get(slug="critics-disagree")
    assert article.text[claim.quote_start : claim.quote_end] == "Critics disagree."
    assert claim.status == "unreviewed"
    assert claim.history.get().history_user.username == "boss"


def test_a_new_claims_form_has_no_status_fields_to_refuse_unseen(admin_client, article):
    # The add page shows no status fields (a new claim starts unreviewed), so
    # what is posted in them can neither change the status nor fail the form
    # with an error the page has nowhere to show.
    data = {
        "article": article.pk,
        "kind": "fact",
        "quote": "Critics disagree.",
        "statement": "Critics disagree with the officials.",
        "slug": "critics-disagree",
        "new_status": "accurate",
        "status_rationale": "null\x00byte",
        "expected_version": "x",
        **inline_management(),
    }
    response = admin_client.post("/admin/factcheck/claim/add/", data)
    assert response.status_code == 302
    claim = Claim.objects.get(slug="critics-disagree")
    assert (claim.status, claim.status_changes.count()) == ("unreviewed", 0)


def test_adding_a_claim_whose_quote_is_not_in_the_article_is_refused(admin_client, article):
    data = {
        "article": article.pk,
        "kind": "fact",
        "quote": "Critics agree.",
        "statement": "Critics agree.",
        "slug": "critics-agree",
        **inline_management(),
    }
    response = admin_client.post("/admin/factcheck/claim/add/", data)
    assert response.status_code == 200
    assert "The quote is not found verbatim in the article text." in response.content.decode()
    assert not Claim.objects.exists()


def test_a_status_change_in_the_admin_goes_through_the_service(admin_client, prediction):
    data = change_form_data(
        prediction, new_status="on_track", status_rationale="The 2024 figures are up 60%."
    )
    response = admin_client.post(f"/admin/factcheck/claim/{prediction.pk}/change/", data)
    assert response.status_code == 302
    prediction.refresh_from_db()
    assert (prediction.status, prediction.version) == ("on_track", 2)
    change = StatusChange.objects.get()
    assert change.rationale == "The 2024 figures are up 60%."
    assert change.changed_by == admin_client.user
    assert prediction.history.latest().history_user == admin_client.user


def test_a_status_change_without_a_rationale_is_refused(admin_client, prediction):
    data = change_form_data(prediction, new_status="on_track")
    response = admin_client.post(f"/admin/factcheck/claim/{prediction.pk}/change/", data)
    assert "Explain the change: the rationale is shown to the public." in response.content.decode()
    prediction.refresh_from_db()
    assert prediction.status == "unreviewed"


def test_the_status_and_version_fields_cannot_be_posted_directly(admin_client, prediction):
    data = change_form_data(prediction, status="came_true", version=99, statement="New words.")
    admin_client.post(f"/admin/factcheck/claim/{prediction.pk}/change/", data)
    prediction.refresh_from_db()
    assert (prediction.status, prediction.version, prediction.statement) == (
        "unreviewed",
        2,
        "New words.",
    )
    assert not StatusChange.objects.exists()


def test_a_stale_admin_form_conflicts_instead_of_overwriting(admin_client, prediction, reviewer):
    from factcheck.services import edit_claim

    stale = change_form_data(prediction, summary="Admin's summary.")
    edit_claim(
        claim=prediction,
        changes={"summary": "Reviewer's summary."},
        by=reviewer,
        expected_version=1,
        correction_reason="Reworded for readers.",
    )

    response = admin_client.post(f"/admin/factcheck/claim/{prediction.pk}/change/", stale)

    assert "Someone else changed this claim since you opened it." in response.content.decode()
    prediction.refresh_from_db()
    assert prediction.summary == "Reviewer's summary."


def test_the_quote_and_kind_are_fixed_once_a_claim_exists(admin_client, prediction):
    data = change_form_data(prediction, quote="Critics disagree.", kind="fact")
    admin_client.post(f"/admin/factcheck/claim/{prediction.pk}/change/", data)
    prediction.refresh_from_db()
    assert (prediction.quote, prediction.kind) == ("the number will double by 2025", "prediction")


def test_status_changes_are_view_only_in_the_admin(admin_client, prediction, reviewer):

    change = set_status(
        claim=prediction, to_status="pending", rationale="Set.", by=reviewer, expected_version=1
    )
    assert admin_client.get("/admin/factcheck/statuschange/add/").status_code == 403
    assert admin_client.get(f"/admin/factcheck/statuschange/{change.pk}/delete/").status_code == 403
    response = admin_client.post(
        f"/admin/factcheck/statuschange/{change.pk}/change/", {"rationale": "Rewritten."}
    )
    assert response.status_code == 403
    change.refresh_from_db()
    assert change.rationale == "Set."


def test_history_cannot_revert_a_claim_around_the_service(admin_client, prediction, reviewer):

    set_status(
        claim=prediction, to_status="pending", rationale="Set.", by=reviewer, expected_version=1
    )
    first = prediction.history.earliest()
    url = f"/admin/factcheck/claim/{prediction.pk}/history/{first.history_id}/"
    assert "Unreviewed" in admin_client.get(url).content.decode()  # old versions can be read
    response = admin_client.post(url, change_form_data(prediction, statement="Old words."))
    assert response.status_code == 403
    prediction.refresh_from_db()
    assert prediction.version == 2
    assert prediction.status == "pending"
    history_page = admin_client.get(f"/admin/factcheck/claim/{prediction.pk}/history/")
    assert "Status: Unreviewed → Pending" in history_page.content.decode()


def test_sources_and_notes_added_in_the_admin_record_who_added_them(admin_client, fact):
    response = admin_client.post(
        "/admin/factcheck/source/add/",
        {
            "claim": fact.pk,
            "url": "https://example.gov/stats",
            "title": "Stats",
            "stance": "supports",
        },
    )
    assert response.status_code == 302
    assert fact.sources.get().added_by == admin_client.user
    admin_client.post("/admin/factcheck/reviewernote/add/", {"claim": fact.pk, "body": "Check Q3."})
    assert fact.notes.get().author == admin_client.user


@pytest.mark.parametrize("posted", ["abc", "1\x07", "99999999999999999999"])
def test_a_claim_or_speaker_that_is_no_id_is_refused_not_a_crash(admin_client, prediction, posted):
    # The autocomplete widget labels the posted value when the form comes back
    # with its errors; Django's would query with a value that is no id at all.
    note = ReviewerNote.objects.create(claim=prediction, author=admin_client.user, body="Ring.")
    pages = [
        (f"/admin/factcheck/reviewernote/{note.pk}/change/", {"claim": posted, "body": "Rung."}),
        (
            f"/admin/factcheck/claim/{prediction.pk}/change/",
            change_form_data(prediction, speaker=posted),
        ),
        (
            "/admin/factcheck/source/add/",
            {"claim": posted, "url": "https://example.gov/s", "title": "S", "stance": "supports"},
        ),
    ]
    for url, data in pages:
        response = admin_client.post(url, data)
        assert response.status_code == 200, url
        assert "Select a valid choice" in response.content.decode(), url
    note.refresh_from_db()
    prediction.refresh_from_db()
    assert (note.body, prediction.version, Source.objects.count()) == ("Ring.", 1, 0)


def test_an_address_without_its_scheme_is_refused_not_completed(admin_client, fact):
    data = {"claim": fact.pk, "url": "example.gov/stats", "title": "Stats", "stance": "supports"}
    response = admin_client.post("/admin/factcheck/source/add/", data)
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not fact.sources.exists()


def test_the_speaker_can_be_corrected_in_the_admin(admin_client, prediction):
    from factcheck.models import Person

    right = Person.objects.create(name="Right Speaker", slug="right-speaker")
    data = change_form_data(prediction, speaker=right.pk)
    response = admin_client.post(f"/admin/factcheck/claim/{prediction.pk}/change/", data)
    assert response.status_code == 302
    prediction.refresh_from_db()
    assert (prediction.speaker, prediction.version) == (right, 2)
    assert prediction.history.latest().history_change_reason == "Edited speaker"


def test_an_edit_and_a_status_change_both_check_the_version_the_editor_started_from(
    admin_client, prediction, reviewer, monkeypatch
):
    """PostgreSQL lets another reviewer commit between the admin's field edit and
    its status change; the status change must then conflict, not overwrite."""
    from factcheck import services

    real_edit_claim = services.edit_claim

    def edit_then_someone_else_changes_status(**kwargs):
        changed = real_edit_claim(**kwargs)
        other = Claim.objects.get(pk=prediction.pk)
        set_status(
            claim=other,
            to_status="pending",
            rationale="Mine.",
            by=reviewer,
            expected_version=other.version,
        )
        return changed

    monkeypatch.setattr(services, "edit_claim", edit_then_someone_else_changes_status)
    data = change_form_data(
        prediction,
        summary="Admin's summary.",
        new_status="off_track",
        status_rationale="Admin's assessment.",
    )
    response = admin_client.post(f"/admin/factcheck/claim/{prediction.pk}/change/", data)

    assert response.status_code == 302
    prediction.refresh_from_db()
    # (The other reviewer's change ran inside the admin's transaction here, so
    # the conflict rolls it back too; what matters is the admin did not win.)
    assert prediction.status != "off_track"
    assert not StatusChange.objects.filter(changed_by=admin_client.user).exists()
    messages = [m.message for m in response.wsgi_request._messages]
    assert any("Nothing was saved" in m for m in messages)


def test_corrections_are_listed_and_view_only(admin_client, fact, reviewer):
    from factcheck.services import edit_claim

    set_status(claim=fact, to_status="accurate", rationale="Yes.", by=reviewer, expected_version=1)
    edit_claim(
        claim=fact,
        changes={"summary": "Revised."},
        by=reviewer,
        expected_version=2,
        correction_reason="Reworded for readers.",
    )
    page = admin_client.get("/admin/factcheck/correction/").content.decode()
    assert "Revised the summary." in page
    assert admin_client.get("/admin/factcheck/correction/add/").status_code == 403


def test_the_reminders_sent_are_listed_and_view_only(admin_client, fact):
    reminder = Reminder.objects.create(
        recipient="rita@example.org",
        claim=fact,
        reason=Reminder.Reason.REVIEW_DUE,
        sent_on=datetime.date(2026, 3, 2),
    )
    page = BeautifulSoup(admin_client.get("/admin/factcheck/reminder/").content, "html.parser")
    [row] = page.select("#result_list tbody tr")
    assert "rita@example.org" in row.text and fact.statement in row.text
    assert "Next review due" in row.text
    assert admin_client.get("/admin/factcheck/reminder/add/").status_code == 403
    url = f"/admin/factcheck/reminder/{reminder.pk}/"
    assert admin_client.get(f"{url}change/").status_code == 200  # viewed, not a form
    assert admin_client.post(f"{url}change/", {"recipient": "x@example.org"}).status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    reminder.refresh_from_db()
    assert reminder.recipient == "rita@example.org"


def test_the_claim_page_in_the_admin_shows_its_timeline_read_only(admin_client, fact, reviewer):

    set_status(
        claim=fact,
        to_status="in_review",
        rationale="Looking into it.",
        by=reviewer,
        expected_version=1,
    )
    page = admin_client.get(f"/admin/factcheck/claim/{fact.pk}/change/").content.decode()
    assert "Looking into it." in page
    assert 'name="status_changes-0-rationale"' not in page  # shown, not editable


def test_the_certainty_is_edited_with_the_prediction_fields(admin_client, prediction):
    url = f"/admin/factcheck/claim/{prediction.pk}/change/"
    page = BeautifulSoup(admin_client.get(url).content, "html.parser")
    fieldset = page.select_one("select[name=certainty]").find_parent("fieldset")
    assert fieldset.find(["h2", "legend"]).get_text(strip=True) == "Prediction"

    response = admin_client.post(url, change_form_data(prediction, certainty="could"))

    assert response.status_code == 302
    prediction.refresh_from_db()
    assert (prediction.certainty, prediction.version) == ("could", 2)


def test_a_fact_with_a_certainty_is_refused_in_the_admin(admin_client, fact):
    url = f"/admin/factcheck/claim/{fact.pk}/change/"
    response = admin_client.post(url, change_form_data(fact, certainty="will"))
    assert response.status_code == 200
    assert "Only predictions have this field." in response.content.decode()
    fact.refresh_from_db()
    assert (fact.certainty, fact.version) == ("", 1)


@pytest.fixture
def staff_editor(client, editor):
    editor.is_staff = True
    editor.save()
    client.force_login(editor)
    return client


def test_editors_take_in_articles_and_claims_in_the_workspace_not_the_admin(
    staff_editor, prediction
):
    for url in ["/admin/factcheck/article/add/", "/admin/factcheck/claim/add/"]:
        assert staff_editor.get(url).status_code == 403, url
    # People they add and edit in the admin too.
    assert staff_editor.get("/admin/factcheck/person/add/").status_code == 200
    page = staff_editor.get(f"/admin/factcheck/article/{prediction.article.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    assert "title" in form.fields and "text" not in form.fields  # shown, not editable


def speaker_lookup(client, term):
    response = client.get(
        "/admin/autocomplete/",
        {"app_label": "factcheck", "model_name": "claim", "field_name": "speaker", "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_the_speaker_lookup_offers_names_whose_words_start_as_typed_exact_first(admin_client):
    for name, slug in [
        ("Malika Toqmadi", "malika-toqmadi"),
        ("Madina Tulegen", "madina-tulegen"),
        ("Madi T", "madi-t"),
        ("Ahmadi Madi", "ahmadi-madi"),
    ]:
        Person.objects.create(name=name, slug=slug)
    assert speaker_lookup(admin_client, "Madi T") == ["Madi T", "Madina Tulegen"]
    assert speaker_lookup(admin_client, "madi") == ["Madi T", "Madina Tulegen", "Ahmadi Madi"]
    # No name starts so: the lookup finds no one (and "+" beside it adds the person).
    assert speaker_lookup(admin_client, "Madi K") == []


# --- Owners -----------------------------------------------------------------------


def test_the_claim_admin_sets_the_owner_through_the_service(
    admin_client, prediction, reviewer, editor
):
    reader = get_user_model().objects.create_user("reader", password="a long password 1")
    retired = get_user_model().objects.create_user("retired", password="a long password 1")
    retired.groups.add(reviewer.groups.get())
    retired.is_active = False
    retired.save()
    url = f"/admin/factcheck/claim/{prediction.pk}/change/"
    form = BeautifulSoup(admin_client.get(url).content, "html.parser")
    offered = [option.get_text() for option in form.select("select[name=new_owner] option")]
    assert offered == ["No one (unowned)", "boss", "edith", "rita"]  # active reviewers

    response = admin_client.post(url, change_form_data(prediction, new_owner=reviewer.pk))
    assert response.status_code == 302
    prediction.refresh_from_db()
    assert (prediction.owner, prediction.version) == (reviewer, 1)
    latest = prediction.history.latest()
    assert (latest.history_user, latest.history_change_reason) == (
        admin_client.user,
        "Owner: — → rita",
    )

    for refused in (reader, retired):
        response = admin_client.post(url, change_form_data(prediction, new_owner=refused.pk))
        assert "Choose an active reviewer, or no one." in response.content.decode()
        prediction.refresh_from_db()
        assert prediction.owner == reviewer


def test_an_owner_who_left_the_reviewers_is_kept_by_an_unrelated_save(
    admin_client, prediction, reviewer
):
    take_claim(claim=prediction, by=reviewer)
    reviewer.groups.clear()
    url = f"/admin/factcheck/claim/{prediction.pk}/change/"
    form = BeautifulSoup(admin_client.get(url).content, "html.parser")
    assert form.select_one("select[name=new_owner] option[selected]").get_text() == "rita"
    data = change_form_data(prediction, summary="Revised.", new_owner=reviewer.pk)
    assert admin_client.post(url, data).status_code == 302
    prediction.refresh_from_db()
    assert (prediction.summary, prediction.owner) == ("Revised.", reviewer)


def user_change_data(user, **overrides):
    return {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "groups": [group.pk for group in user.groups.all()],
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        **overrides,
    }


def test_deactivating_a_user_in_the_admin_releases_their_claims(
    admin_client, fact, prediction, reviewer, other_reviewer
):
    take_claim(claim=fact, by=reviewer)
    take_claim(claim=prediction, by=other_reviewer)
    data = user_change_data(reviewer)
    del data["is_active"]  # the box unticked
    response = admin_client.post(f"/admin/auth/user/{reviewer.pk}/change/", data)
    assert response.status_code == 302
    reviewer.refresh_from_db()
    assert not reviewer.is_active
    assert not Claim.objects.filter(owner=reviewer).exists()
    assert Claim.objects.get(pk=prediction.pk).owner == other_reviewer
    latest = fact.history.latest()
    assert latest.history_change_reason == "Owner: rita → — (rita was deactivated)"
    assert latest.history_user == admin_client.user  # who deactivated her
    assert Claim.objects.get(pk=fact.pk).version == 1


def test_deleting_a_user_who_owns_claims_is_refused(admin_client, fact, reviewer):
    take_claim(claim=fact, by=reviewer)
    response = admin_client.post(f"/admin/auth/user/{reviewer.pk}/delete/", {"post": "yes"})
    assert "Cannot delete user" in response.content.decode()
    assert Claim.objects.get(pk=fact.pk).owner == reviewer


def test_the_admin_status_change_makes_a_proposal(admin_client, fact, reviewer):
    ReviewerProfile.objects.create(user=admin_client.user, public_name="The Boss")
    add_source(
        claim=fact,
        by=reviewer,
        url="https://stats.example.gov/t",
        title="T",
        stance="supports",
        reason="A better source came out.",
    )
    data = change_form_data(
        fact, new_status="accurate", status_rationale="The permit table gives 80,112."
    )
    response = admin_client.post(f"/admin/factcheck/claim/{fact.pk}/change/", data, follow=True)

    assert "it is published when another reviewer approves it" in response.content.decode()
    fact.refresh_from_db()
    assert fact.status == "unreviewed" and not fact.status_changes.exists()
    assert Proposal.objects.get().to_status == "accurate"


def test_the_admin_refuses_a_verdict_without_evidence(admin_client, fact):
    ReviewerProfile.objects.create(user=admin_client.user, public_name="The Boss")
    data = change_form_data(fact, new_status="accurate", status_rationale="Police say 500.")
    response = admin_client.post(f"/admin/factcheck/claim/{fact.pk}/change/", data)

    assert response.status_code == 200
    assert "“Accurate” needs a source other than the article" in response.content.decode()
    assert not Proposal.objects.exists()


def test_the_admin_refuses_a_resolve_by_before_the_article(admin_client, prediction):
    data = change_form_data(prediction, resolve_by="2021-01-01")
    response = admin_client.post(f"/admin/factcheck/claim/{prediction.pk}/change/", data)

    assert response.status_code == 200
    assert "a prediction cannot be due before it was made" in response.content.decode()
    prediction.refresh_from_db()
    assert prediction.resolve_by == datetime.date(2025, 12, 31)


def test_the_admin_refuses_a_new_next_review_date_in_the_past(admin_client, fact):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    data = change_form_data(fact, next_review_on=yesterday.isoformat())
    response = admin_client.post(f"/admin/factcheck/claim/{fact.pk}/change/", data)

    assert "The next review cannot be in the past" in response.content.decode()
    fact.refresh_from_db()
    assert fact.next_review_on is None


REGISTERED = [model for model in apps.get_models() if admin.site.is_registered(model)]


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
@pytest.mark.parametrize("selected", ["not-a-row", "1 OR 1=1", "", "9" * 20, "-1e3"])
def test_a_selection_of_rows_that_are_no_ids_is_refused_not_a_crash(
    admin_client, fact, model, selected
):
    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    before = model.objects.count()
    response = admin_client.post(
        changelist, {"action": "delete_selected", "_selected_action": [selected, "1"]}
    )
    assert response.status_code == 302
    assert response["Location"] == changelist
    listed = admin_client.get(changelist).content.decode()
    assert "A selected row is not one of the rows listed; nothing was done." in listed
    assert model.objects.count() == before
