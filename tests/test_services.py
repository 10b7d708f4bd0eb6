import datetime
import threading

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from factcheck.models import Claim, Correction, StatusChange
from factcheck.services import (
    StaleClaimError,
    add_source,
    assign_claim,
    correct_article_text,
    edit_claim,
    give_back_claim,
    release_claims_of,
    remove_source,
    restore_source,
    take_claim,
)
from factcheck.site_version import site_version
from tests.desk import set_status

pytestmark = pytest.mark.django_db


def change(claim, by, **overrides):
    arguments = {
        "claim": claim,
        "to_status": "pending",
        "rationale": "Criteria set; waiting for the 2025 figures.",
        "by": by,
        "expected_version": claim.version,
    }
    arguments.update(overrides)
    return set_status(**arguments)


class TestChangeClaimStatus:
    def test_changes_status_bumps_version_and_appends_to_the_timeline(self, prediction, reviewer):
        result = change(prediction, reviewer, summary="Too early to tell.")

        claim = Claim.objects.get(pk=prediction.pk)
        assert (claim.status, claim.version, claim.summary) == ("pending", 2, "Too early to tell.")
        assert prediction.version == 2  # the caller's object is refreshed
        assert result.from_status == "unreviewed"
        assert result.to_status == "pending"
        assert result.changed_by == reviewer
        assert result.claim_version == 2
        assert list(claim.status_changes.all()) == [result]

    def test_writes_an_audit_row_with_the_reviewer_and_the_change(self, prediction, reviewer):
        change(prediction, reviewer)
        latest = prediction.history.latest()
        assert latest.history_user == reviewer
        assert latest.history_type == "~"
        assert latest.status == "pending"
        assert latest.version == 2
        assert latest.history_change_reason == "Status: Unreviewed → Pending"

    def test_sets_the_next_review_date_when_given(self, prediction, reviewer):
        next_month = timezone.localdate() + datetime.timedelta(days=30)
        change(prediction, reviewer, next_review_on=next_month)
        prediction.refresh_from_db()
        assert prediction.next_review_on == next_month

    def test_a_series_of_changes_forms_the_timeline(self, fact, reviewer):
        change(fact, reviewer, to_status="in_review", rationale="Looking for the ministry data.")
        change(fact, reviewer, to_status="accurate", rationale="Ministry data: 79,843 permits.")
        timeline = [(c.from_status, c.to_status) for c in fact.status_changes.all()]
        assert timeline == [("unreviewed", "in_review"), ("in_review", "accurate")]
        assert fact.has_verdict

    def test_refuses_a_status_of_the_other_kind_and_writes_nothing(self, fact, reviewer):
        with pytest.raises(ValidationError) as error:
            change(fact, reviewer, to_status="came_true")
        assert "to_status" in error.value.message_dict
        self.assert_untouched(fact)

    def test_refuses_the_status_the_claim_already_holds(self, fact, reviewer):
        with pytest.raises(ValidationError, match="already"):
            change(fact, reviewer, to_status="unreviewed")
        self.assert_untouched(fact)

    @pytest.mark.parametrize("rationale", ["", "   ", None])
    def test_requires_a_public_rationale(self, fact, reviewer, rationale):
        with pytest.raises(ValidationError) as error:
            change(fact, reviewer, to_status="in_review", rationale=rationale)
        assert "rationale" in error.value.message_dict
        self.assert_untouched(fact)

    def test_a_stale_version_raises_and_writes_nothing(self, prediction, reviewer, other_reviewer):
        stale_copy = Claim.objects.get(pk=prediction.pk)
        change(prediction, other_reviewer)

        with pytest.raises(StaleClaimError) as error:
            change(stale_copy, reviewer, to_status="on_track", expected_version=1)
        assert error.value.current_version == 2
        prediction.refresh_from_db()
        assert (prediction.status, prediction.version) == ("pending", 2)
        assert prediction.status_changes.count() == 1
        assert prediction.history.count() == 2  # created, then the one change

    @staticmethod
    def assert_untouched(claim):
        fresh = Claim.objects.get(pk=claim.pk)
        assert (fresh.status, fresh.version) == ("unreviewed", 1)
        assert not StatusChange.objects.exists()
        assert fresh.history.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_reviewers_racing_from_the_same_version_cannot_both_win(
    prediction, reviewer, other_reviewer
):
    """Two threads, two database connections, one starting version: exactly one
    change lands; the other is told the claim moved on."""
    barrier = threading.Barrier(2)
    outcomes = {}

    def attempt(user, to_status):
        from django.db import connection as thread_connection

        claim = Claim.objects.get(pk=prediction.pk)
        barrier.wait()
        try:
            change(claim, user, to_status=to_status, expected_version=1)
            outcomes[user.username] = "saved"
        except StaleClaimError:
            outcomes[user.username] = "stale"
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=attempt, args=(reviewer, "pending")),
        threading.Thread(target=attempt, args=(other_reviewer, "on_track")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["saved", "stale"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "saved")
    prediction.refresh_from_db()
    assert prediction.version == 2
    assert prediction.status == {"rita": "pending", "otto": "on_track"}[winner]
    assert prediction.status_changes.get().changed_by.username == winner


class TestEditClaim:
    def test_edits_fields_bumps_version_and_records_who(self, prediction, reviewer):
        changed = edit_claim(
            claim=prediction,
            changes={"statement": "Permits will double by the end of 2025.", "summary": "Open."},
            by=reviewer,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )
        assert sorted(changed) == ["statement", "summary"]
        prediction.refresh_from_db()
        assert prediction.statement == "Permits will double by the end of 2025."
        assert prediction.version == 2
        latest = prediction.history.latest()
        assert latest.history_user == reviewer
        assert latest.history_change_reason == "Edited statement, summary"

    def test_no_change_writes_nothing(self, prediction, reviewer):
        assert (
            edit_claim(
                claim=prediction,
                changes={"statement": prediction.statement},
                by=reviewer,
                expected_version=1,
                correction_reason="Reworded for readers.",
            )
            == []
        )
        prediction.refresh_from_db()
        assert prediction.version == 1

    def test_a_stale_edit_raises_and_keeps_the_other_edit(
        self, prediction, reviewer, other_reviewer
    ):
        edit_claim(
            claim=prediction,
            changes={"summary": "First."},
            by=other_reviewer,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )
        with pytest.raises(StaleClaimError):
            edit_claim(
                claim=prediction,
                changes={"summary": "Second."},
                by=reviewer,
                expected_version=1,
                correction_reason="Reworded for readers.",
            )
        prediction.refresh_from_db()
        assert prediction.summary == "First."

    def test_an_invalid_edit_is_refused(self, fact, reviewer):
        with pytest.raises(ValidationError) as error:
            edit_claim(
                claim=fact,
                changes={"resolve_by": datetime.date(2030, 1, 1)},
                by=reviewer,
                expected_version=1,
                correction_reason="Reworded for readers.",
            )
        assert "resolve_by" in error.value.message_dict
        fact.refresh_from_db()
        assert (fact.resolve_by, fact.version) == (None, 1)

    def test_status_and_quote_are_not_editable_here(self, fact, reviewer):
        for field in ("status", "quote", "version"):
            with pytest.raises(ValueError, match="not editable"):
                edit_claim(
                    claim=fact,
                    changes={field: "x"},
                    by=reviewer,
                    expected_version=1,
                    correction_reason="Reworded for readers.",
                )


def test_the_update_itself_refuses_a_stale_version(fact, reviewer):
    """SQLite's IMMEDIATE transactions serialise racing writers before they reach
    the UPDATE, so the race test alone would not show that the UPDATE checks the
    version; this does (PostgreSQL runs the race test through it too)."""
    from factcheck.services import _conditional_update

    change(fact, reviewer, to_status="in_review")
    with pytest.raises(StaleClaimError):
        _conditional_update(fact, 1, public=True, status="accurate")
    fact.refresh_from_db()
    assert (fact.status, fact.version) == ("in_review", 2)


def test_sources_leave_the_version_alone_but_mark_the_public_change(fact, reviewer):
    before = Claim.objects.get(pk=fact.pk).public_updated_at
    source = add_source(
        claim=fact,
        by=reviewer,
        url="https://example.gov/permits",
        title="Permit statistics",
        stance="supports",
        reason="A better source came out.",
    )
    remove_source(source=source, by=reviewer, reason="The source was superseded.")
    fact.refresh_from_db()
    assert fact.version == 1
    assert fact.public_updated_at > before
    source.refresh_from_db()
    assert source.is_removed and source.removed_by == reviewer
    assert [h.history_change_reason for h in source.history.all()] == ["Removed", None]
    assert source.history.first().history_user == reviewer


class TestCorrections:
    def test_a_verdict_once_published_keeps_later_changes_as_corrections(self, fact, reviewer):
        change(fact, reviewer, to_status="accurate", rationale="Confirmed.")
        change(fact, reviewer, to_status="in_review", rationale="New figures came out.")
        edit_claim(
            claim=fact,
            changes={"summary": "Being rechecked."},
            by=reviewer,
            expected_version=fact.version,
            correction_reason="Reworded for readers.",
        )
        add_source(
            claim=fact,
            by=reviewer,
            url="https://example.gov/b",
            title="B",
            stance="refutes",
            reason="A better source came out.",
        )
        assert [c.description for c in fact.corrections.all()] == [
            "Revised the summary.",
            "Added a source: B.",
        ]

    def test_a_final_status_without_a_rating_is_not_a_verdict(self, fact, reviewer):
        change(fact, reviewer, to_status="unverifiable", rationale="No data exists.")
        edit_claim(
            claim=fact,
            changes={"summary": "No data."},
            by=reviewer,
            expected_version=fact.version,
            correction_reason="Reworded for readers.",
        )
        assert not fact.corrections.exists()

    def test_no_correction_before_a_verdict(self, fact, reviewer):
        add_source(
            claim=fact,
            by=reviewer,
            url="https://example.gov/a",
            title="A",
            stance="supports",
            reason="A better source came out.",
        )
        edit_claim(
            claim=fact,
            changes={"summary": "Draft."},
            by=reviewer,
            expected_version=1,
            correction_reason="Reworded for readers.",
        )
        assert not Correction.objects.exists()

    def test_public_changes_after_a_verdict_are_dated_corrections(self, fact, reviewer):
        change(fact, reviewer, to_status="accurate", rationale="Confirmed.")
        edit_claim(
            claim=fact,
            changes={"summary": "Confirmed by the ministry."},
            by=reviewer,
            expected_version=fact.version,
            correction_reason="Reworded for readers.",
        )
        source = add_source(
            claim=fact,
            by=reviewer,
            url="https://example.gov/a",
            title="Ministry table",
            stance="supports",
            reason="A better source came out.",
        )
        remove_source(source=source, by=reviewer, reason="The source was superseded.")
        restore_source(source=source, by=reviewer, reason="The source was superseded.")
        edit_claim(
            claim=fact,
            changes={"next_review_on": datetime.date(2030, 1, 1)},
            by=reviewer,
            expected_version=fact.version,
            correction_reason="Reworded for readers.",
        )  # internal: no correction
        assert [c.description for c in fact.corrections.all()] == [
            "Revised the summary.",
            "Added a source: Ministry table.",
            "Removed a source: Ministry table.",
            "Restored a source: Ministry table.",
        ]
        assert {c.made_by for c in fact.corrections.all()} == {reviewer}


# --- Owners ---------------------------------------------------------------------


class TestOwners:
    def test_an_editor_assigns_a_claim_to_a_reviewer_and_unassigns_it(self, fact, editor, reviewer):
        assert assign_claim(claim=fact, owner=reviewer, by=editor)
        assert Claim.objects.get(pk=fact.pk).owner == reviewer
        assert fact.owner == reviewer  # the caller's object too
        assert list(reviewer.owned_claims.all()) == [fact]
        assert assign_claim(claim=fact, owner=None, by=editor)
        assert Claim.objects.get(pk=fact.pk).owner is None
        reasons = [row.history_change_reason for row in fact.history.order_by("history_id")]
        assert reasons == [None, "Owner: — → rita", "Owner: rita → —"]
        assert {row.history_user for row in fact.history.exclude(history_type="+")} == {editor}

    def test_assigning_the_owner_it_has_writes_nothing(self, fact, editor, reviewer):
        assign_claim(claim=fact, owner=reviewer, by=editor)
        assert not assign_claim(claim=fact, owner=reviewer, by=editor)
        assert fact.history.count() == 2

    def test_a_reviewer_takes_an_unowned_claim_and_gives_it_back(self, fact, reviewer):
        assert take_claim(claim=fact, by=reviewer)
        latest = fact.history.latest()
        assert (latest.owner, latest.history_user) == (reviewer, reviewer)
        assert latest.history_change_reason == "Owner: — → rita"
        assert not take_claim(claim=fact, by=reviewer)  # theirs already
        assert give_back_claim(claim=fact, by=reviewer)
        assert Claim.objects.get(pk=fact.pk).owner is None
        assert fact.history.latest().history_change_reason == "Owner: rita → —"

    def test_a_reviewer_cannot_take_or_give_back_a_claim_someone_else_owns(
        self, fact, reviewer, other_reviewer
    ):
        take_claim(claim=fact, by=other_reviewer)
        with pytest.raises(ValidationError) as refused:
            take_claim(claim=fact, by=reviewer)
        assert refused.value.messages == [
            "“otto” owns this claim already. An editor can give it to you."
        ]
        with pytest.raises(ValidationError) as refused:
            give_back_claim(claim=fact, by=reviewer)
        assert "“otto” owns this claim, not you" in refused.value.messages[0]
        assert Claim.objects.get(pk=fact.pk).owner == other_reviewer
        assert fact.history.count() == 2

    def test_only_active_reviewers_can_own_a_claim(self, fact, editor, reviewer):
        reader = get_user_model().objects.create_user("reader", password="a long password 1")
        with pytest.raises(ValidationError) as refused:
            assign_claim(claim=fact, owner=reader, by=editor)
        assert refused.value.message_dict["owner"] == [
            "“reader” is not a reviewer: add them to the Reviewers group first, "
            "or choose a reviewer."
        ]
        with pytest.raises(ValidationError) as refused:
            take_claim(claim=fact, by=reader)
        assert "“reader” is not a reviewer" in refused.value.messages[0]
        reviewer.is_active = False
        reviewer.save()
        with pytest.raises(ValidationError) as refused:
            assign_claim(claim=fact, owner=reviewer, by=editor)
        assert refused.value.message_dict["owner"] == [
            "“rita” is deactivated: a claim's owner is an active reviewer."
        ]
        assert Claim.objects.get(pk=fact.pk).owner is None
        assert fact.history.count() == 1

    def test_editors_own_claims_too(self, fact, editor):
        assert take_claim(claim=fact, by=editor)
        assert Claim.objects.get(pk=fact.pk).owner == editor

    def test_a_change_of_owner_moves_no_version_and_nothing_public(
        self, fact, editor, reviewer, committed
    ):
        before = Claim.objects.get(pk=fact.pk)
        site = site_version()
        with committed():
            take_claim(claim=fact, by=reviewer)
            assign_claim(claim=fact, owner=editor, by=editor)
        after = Claim.objects.get(pk=fact.pk)
        assert (after.version, after.updated_at, after.public_updated_at) == (
            before.version,
            before.updated_at,
            before.public_updated_at,
        )
        assert site_version() == site
        # Its audit rows hold the version they leave alone.
        assert {row.version for row in fact.history.all()} == {1}


class TestDeactivation:
    def test_deactivating_a_user_releases_their_claims(
        self, fact, prediction, make_claim, reviewer, other_reviewer
    ):
        take_claim(claim=fact, by=reviewer)
        take_claim(claim=prediction, by=reviewer)
        others = make_claim(quote="Critics disagree.", slug="critics")
        take_claim(claim=others, by=other_reviewer)

        reviewer.is_active = False
        reviewer.save()  # as a shell would

        assert not reviewer.owned_claims.exists()
        assert Claim.objects.get(pk=others.pk).owner == other_reviewer
        for claim in (fact, prediction):
            latest = claim.history.latest()
            assert latest.history_change_reason == "Owner: rita → — (rita was deactivated)"
            assert latest.history_user is None  # no request: no one to name
            assert Claim.objects.get(pk=claim.pk).version == 1

    def test_the_desk_is_told_by_mail_of_the_claims_released(
        self, fact, prediction, reviewer, smtp_server, settings
    ):
        settings.FACTCHECK_DESK_EMAIL = "desk@example.org"
        take_claim(claim=fact, by=reviewer)
        take_claim(claim=prediction, by=reviewer)
        reviewer.is_active = False
        reviewer.save()

        [mail] = smtp_server.received
        assert mail.recipients == ["desk@example.org"]
        assert (
            mail.message["Subject"] == "rita was deactivated: 2 claims back in the queue, unowned"
        )
        body = mail.message.get_content()
        assert f"{settings.FACTCHECK_SITE_URL}/review/claims/{fact.slug}/" in body
        assert prediction.statement in body

    def test_a_user_who_owns_nothing_is_deactivated_without_a_notice(
        self, reviewer, smtp_server, settings
    ):
        settings.FACTCHECK_DESK_EMAIL = "desk@example.org"
        reviewer.is_active = False
        reviewer.save()
        assert smtp_server.received == []

    def test_release_claims_of_returns_the_claims_released(self, fact, reviewer, editor):
        take_claim(claim=fact, by=reviewer)
        assert release_claims_of(reviewer, by=editor) == [fact]
        assert fact.history.latest().history_user == editor
        assert release_claims_of(reviewer) == []


def test_an_audit_row_keeps_a_long_reason_whole(fact, editor):
    """The reason of a correction of the text is the editor's own words, which
    PostgreSQL would refuse past 100 characters in simple-history's default column."""
    reason = "The publisher replaced the second paragraph, " * 5
    correct_article_text(
        article=fact.article,
        text="Updated. " + fact.article.text,  # the claim's quote moves along
        reason=reason,
        by=editor,
    )
    assert fact.history.latest().history_change_reason.endswith(reason.strip())
