"""Ways back to a claim over time: the overdue and awaiting-resolution
predictions on every page that lists one, and a speaker's track record."""

import csv
import datetime
import io
import json

import pytest
from django.utils import timezone

from factcheck import services
from factcheck.models import Article, Claim, Person
from factcheck.statuses import Kind, record_rows, status_info
from tests.desk import set_status

from .responses import body
from .test_drafts import DRAFT_TEXT, make_article, quote_claim
from .test_views_public import soup

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def published_article(slug, published_on, title=None):
    return Article.objects.create(
        published_at=timezone.now(),
        title=title or f"Article {slug}",
        publisher="Example Times",
        published_on=published_on,
        text="Nothing to check.",
        slug=slug,
    )


@pytest.fixture
def draft(db):
    article = make_article("zyxwv-draft", DRAFT_TEXT)
    dora = Person.objects.create(name="Dora Zyxwv", slug="dora-zyxwv")
    quote_claim(article, "Zyxwv permits will triple by 2030", speaker=dora)
    return article


@pytest.fixture
def taken_down(db, editor):
    article = published_article("gone", datetime.date(2023, 5, 5), title="Gone piece")
    services.unpublish_article(article=article, by=editor, reason="Retracted.")
    return article


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def make_overdue(claim):
    Claim.objects.filter(pk=claim.pk).update(resolve_by=days_ago(1))
    claim.refresh_from_db()
    return claim


# --- Overdue and awaiting resolution ---------------------------------------------


@pytest.fixture
def predict(make_claim, speaker):
    """``predict(quote, resolve_by)``: Ada's prediction quoting ``quote``."""

    def make(quote, resolve_by, **fields):
        fields.setdefault("resolution_criteria", "It happens.")
        return make_claim(
            quote=quote, kind=Kind.PREDICTION, speaker=speaker, resolve_by=resolve_by, **fields
        )

    return make


@pytest.fixture
def predictions(prediction, predict, make_claim, speaker, reviewer):
    """Ada's predictions: one overdue, one due today, one not yet due, one
    resolved past its date; and a fact."""
    make_overdue(prediction)
    due_today = predict("Critics disagree.", timezone.localdate(), slug="due-today")
    later = predict("Officials said", days_ago(-30), slug="later")
    resolved = predict("received a work permit", days_ago(10), slug="resolved")
    set_status(claim=resolved, to_status="came_true", by=reviewer)
    fact = make_claim(quote="this year", slug="a-fact", speaker=speaker)
    set_status(claim=prediction, to_status="pending", by=reviewer)
    return {
        "overdue": prediction,
        "due": due_today,
        "later": later,
        "resolved": resolved,
        "fact": fact,
    }


def flags(page, selector):
    """{claim URL: its flag} of the entries ``selector`` picks."""
    return {
        entry.a["href"]: (
            entry.select_one(".due-flag").get_text() if entry.select(".due-flag") else ""
        )
        for entry in page.select(selector)
    }


class TestOverdueEverywhere:
    def expected(self, predictions, *names):
        states = {"overdue": "overdue", "due": "due"}
        return {predictions[n].get_absolute_url(): states.get(n, "") for n in names}

    def test_every_list_of_claims_flags_the_overdue_and_the_due(self, client, predictions):
        everyone = ["overdue", "due", "later", "resolved", "fact"]
        for url in [
            "/claims/",
            "/speakers/ada-example/",
            "/articles/work-permits-rise/",
        ]:
            page = soup(client.get(url))
            assert flags(page, ".claim-summaries > li") == self.expected(predictions, *everyone), (
                url
            )

    def test_the_home_pages_latest_changes_flag_an_overdue_prediction(self, client, predictions):
        page = soup(client.get("/"))
        shown = flags(page, ".change-list li")
        assert shown == self.expected(predictions, "overdue", "resolved")

    def test_the_article_text_flags_an_overdue_highlight(self, client, predictions):
        page = soup(client.get("/articles/work-permits-rise/"))
        overdue = page.select_one(f"mark#quote-{predictions['overdue'].slug}")
        assert overdue.select_one(":scope > .due-flag").get_text() == "overdue"
        # Beside the quote's one link, not in its name.
        assert "overdue" not in overdue.a.get_text()
        resolved = page.select_one(f"mark#quote-{predictions['resolved'].slug}")
        assert not resolved.select(".due-flag")

    def test_the_home_page_links_to_both_filters(self, client, fact):
        links = [a["href"] for a in soup(client.get("/")).select("#articles-heading ~ p a")]
        assert "/claims/?status=awaiting_resolution" in links
        assert "/claims/?status=overdue" in links


class TestOverdueFilters:
    def listed(self, client, query):
        page = soup(client.get(f"/claims/?{query}"))
        assert not page.select(".error"), query
        return {a["href"] for a in page.select(".claim-summaries > li > a")}

    def urls(self, predictions, *names):
        return {predictions[name].get_absolute_url() for name in names}

    def test_overdue_lists_open_predictions_past_their_date(self, client, predictions):
        assert self.listed(client, "status=overdue") == self.urls(predictions, "overdue")

    def test_awaiting_resolution_lists_every_open_prediction(self, client, predictions):
        expected = self.urls(predictions, "overdue", "due", "later")
        assert self.listed(client, "status=awaiting_resolution") == expected
        assert self.listed(client, "status=awaiting_resolution&kind=fact") == set()

    def test_overdue_moves_with_the_day(self, client, predictions, monkeypatch):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: tomorrow)
        assert self.listed(client, "status=overdue") == self.urls(predictions, "overdue", "due")

    def test_the_menu_offers_both(self, client, predictions):
        page = soup(client.get("/claims/?status=overdue"))
        group = page.select_one("#id_status optgroup[label=Predictions]")
        options = {o["value"]: o.get_text() for o in group.select("option")}
        assert options == {"awaiting_resolution": "Awaiting resolution", "overdue": "Overdue"}
        assert page.select_one("#id_status option[selected]")["value"] == "overdue"
        assert page.select_one(".results-count").get_text() == "1 claim"

    def test_the_exports_follow_both(self, client, predictions):
        for status, names in [
            ("overdue", ["overdue"]),
            ("awaiting_resolution", ["overdue", "due", "later"]),
        ]:
            page = soup(client.get(f"/claims/?status={status}"))
            links = {a.get_text(): a["href"] for a in page.select(".downloads a")}
            assert links["JSON"] == f"/exports/claims.json?status={status}"
            exported = json.loads(body(client.get(links["JSON"])))
            slugs = {predictions[name].slug for name in names}
            assert {record["slug"] for record in exported["claims"]} == slugs
            rows = csv.DictReader(io.StringIO(body(client.get(links["CSV"])).decode()))
            assert {row["slug"] for row in rows} == slugs

    def test_the_review_queue_takes_them_too(self, client, reviewer, predictions):
        client.force_login(reviewer)
        response = client.get("/review/?status=overdue")
        assert response.status_code == 200
        assert predictions["overdue"].statement in response.content.decode()
        assert predictions["later"].statement not in response.content.decode()


# --- The speaker's track record --------------------------------------------------


class TestTrackRecord:
    @pytest.fixture
    def record(self, client, predictions, predict, reviewer, article):
        article.text += "\n\nOne. Two. Three. Four."
        article.save()
        for quote, status in [("One.", "on_track"), ("Two.", "off_track"), ("Three.", None)]:
            claim = predict(quote, days_ago(-100))
            if status:
                set_status(claim=claim, to_status=status, by=reviewer)
        void = predict("Four.", days_ago(5))
        set_status(claim=void, to_status="unresolvable", by=reviewer)
        set_status(claim=predictions["fact"], to_status="accurate", by=reviewer)
        return soup(client.get("/speakers/ada-example/"))

    def rows(self, table):
        return {row.th.get_text(): int(row.td.get_text()) for row in table.select("tbody tr")}

    def test_counts_each_outcome_and_each_open_status_apart(self, record):
        facts, predictions = record.select(".record table")
        assert self.rows(predictions) == {
            "Came true": 1,
            "Partly came true": 0,
            "Did not come true": 0,
            "Void (condition not met, or unresolvable)": 1,
            "Unreviewed": 3,  # due today, later, and "Three."
            "Pending": 1,
            "On track": 1,
            "Off track": 1,
        }
        assert self.rows(facts) == {
            "Accurate": 1,
            "Mostly accurate": 0,
            "Misleading": 0,
            "Inaccurate": 0,
            "Unverifiable": 0,
        }

    def test_agrees_with_the_badges_of_the_claims_below(self, record):
        badges = [badge.get_text() for badge in record.select(".claim-summaries .status")]
        kinds = [li.select_one(".meta").get_text() for li in record.select(".claim-summaries li")]
        tables = dict(
            zip([Kind.FACT, Kind.PREDICTION], record.select(".record table"), strict=True)
        )
        for kind, table in tables.items():
            shown = self.rows(table)
            for row in record_rows(kind):
                labels = {status_info(kind, status).label for status in row.statuses}
                listed = sum(
                    1
                    for badge, meta in zip(badges, kinds, strict=True)
                    if badge in labels and meta.startswith(kind.label)
                )
                assert shown.get(row.label, 0) == listed, (kind, row.label)

    def test_rows_are_drawn_as_the_badges(self, record):
        tones = {
            row.th.get_text(): row.th.select_one(".status")["class"]
            for row in record.select(".record table tbody tr")
        }
        assert tones["Void (condition not met, or unresolvable)"] == ["status", "tone-no-verdict"]
        assert tones["On track"] == ["status", "tone-on-track"]
