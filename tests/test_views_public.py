import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from factcheck.models import Article, Claim, Person, ReviewerNote
from factcheck.services import add_source, edit_claim, remove_source
from factcheck.statuses import STATUS_TABLE, Certainty
from factcheck.views import public
from tests.desk import set_status

from .claims_files import seed
from .responses import body

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SECRET = "SECRET-NOTE-7f3a"


def soup(response):
    assert response.status_code == 200
    return BeautifulSoup(response.content, "html.parser")


def text_of(response):
    return " ".join(soup(response).get_text(" ").split())


def give_verdict(claim, by, to_status="accurate", **extra):
    return set_status(
        claim=claim,
        to_status=to_status,
        rationale=f"Checked: {to_status}.",
        by=by,
        expected_version=claim.version,
        **extra,
    )


@pytest.fixture
def checked_fact(fact, reviewer):
    add_source(
        claim=fact,
        by=reviewer,
        url="https://stats.example.gov/permits",
        title="Permit statistics 2022",
        publisher="Statistics Office",
        stance="supports",
        note="Table 4 lists 79,843 permits.",
        reason="A better source came out.",
    )
    add_source(
        claim=fact,
        by=reviewer,
        url="https://news.example.com/context",
        title="Background on permits",
        stance="context",
        reason="A better source came out.",
    )
    give_verdict(fact, reviewer, summary="Official figures confirm about 80,000 permits.")
    ReviewerNote.objects.create(claim=fact, author=reviewer, body=f"{SECRET} call the ministry")
    return fact


class TestHome:
    def test_lists_articles_newest_first_with_a_status_chart(self, client, fact, prediction):
        Article.objects.create(
            published_at=timezone.now(),
            title="Older piece",
            publisher="Example Times",
            published_on=datetime.date(2020, 1, 1),
            text="Nothing.",
            slug="older",
        )
        page = soup(client.get("/"))
        titles = [h3.get_text() for h3 in page.select(".article-list h3")]
        assert titles == ["Work permits rise", "Older piece"]
        chart = page.select_one(".article-list li .status-chart")
        assert chart.select_one("svg title").get_text() == "Claims by status: Unreviewed 2"
        assert [li.get_text() for li in chart.select(".legend li")] == ["Unreviewed: 2"]
        assert chart.select_one("rect")["width"] == "100.0"

    def test_shows_the_latest_status_changes(self, client, checked_fact):
        (change,) = soup(client.get("/")).select(".change-list li")
        assert change.a.get_text() == checked_fact.statement
        assert [s.get_text() for s in change.select(".status")] == ["Unreviewed", "Accurate"]


def claim_links(page, claim):
    """The links to ``claim`` from the article's text."""
    return page.select(f'.article-text a[href="{claim.get_absolute_url()}"]')


class TestArticlePage:
    def test_each_quote_is_highlighted_once_as_one_link_with_its_status(
        self, client, fact, prediction, reviewer
    ):
        give_verdict(prediction, reviewer, to_status="on_track")
        page = soup(client.get(fact.article.get_absolute_url()))
        for claim in (fact, prediction):
            claim.refresh_from_db()
            (mark,) = page.select(f"mark#quote-{claim.slug}")
            (link,) = claim_links(page, claim)
            assert link.parent is mark
            # The status in text, not only colour, inside the quote's one link.
            tag = link.select_one(".status-tag")
            assert tag.get_text() == claim.status_info.label
            assert link.get_text() == f"{claim.quote} {claim.status_info.label}"
        # The text around the highlights is the article's own, in order.
        shown = [block.get_text() for block in page.select(".article-text > p")]
        assert [
            # The prediction's date has passed: flagged beside its status.
            text.replace(" Unreviewed", "").replace(" On track overdue", "")
            for text in shown
        ] == fact.article.text.split("\n\n")

    def test_the_seeded_article_reads_in_paragraphs_each_claim_one_link(self, client):
        seed(*sorted((Path(settings.BASE_DIR) / "seeds").glob("*.toml")))
        article = Article.objects.get()
        page = soup(client.get(article.get_absolute_url()))
        text = page.select_one(".article-text")
        assert [h.get_text() for h in text.select("h2")] == [
            "An Emotional Rollercoaster for Local Residents"
        ]
        assert len(text.select("p")) == 13
        for claim in article.claims.all():
            (link,) = claim_links(page, claim)
            assert link.get_text().startswith(claim.quote), claim.slug
        assert len(text.select("a")) == article.claims.count()

    def test_a_quote_inside_another_is_nested_each_with_one_link(self, client, make_claim):
        outer = make_claim(
            quote="Officials said the number will double by 2025.",
            slug="outer",
            statement="Officials <b>said</b> it will double.",
        )
        inner = make_claim(quote="double by 2025", slug="inner")
        page = soup(client.get(outer.article.get_absolute_url()))
        nested = page.select_one("mark#quote-outer mark#quote-inner")
        (inner_link,) = claim_links(page, inner)
        assert inner_link.parent is nested
        assert inner_link.get_text() == f"{inner.quote} Unreviewed"
        (outer_link,) = claim_links(page, outer)
        assert outer_link.parent is page.select_one("mark#quote-outer")
        # Its visible name is its status; its full name says which claim (as text).
        assert outer_link.get_text() == "Unreviewed: Officials <b>said</b> it will double."
        assert outer_link.select_one(".visually-hidden") is not None
        assert not page.select(".article-text a a")

    def test_paragraphs_and_a_subheading_are_elements(self, client, article, make_claim):
        article.text = (
            "First paragraph, <b>not bold</b>.\nIts second line.\n\n"
            "A Short Heading\n\n"
            "Around 80,000 people received a work permit this year.\n"
        )
        article.save()
        claim = make_claim()
        page = soup(client.get(article.get_absolute_url()))
        blocks = page.select_one(".article-text").find_all(recursive=False)
        assert [block.name for block in blocks] == ["p", "h2", "p"]
        first, heading, last = blocks
        # Untrusted text stays text; its own line break is kept.
        assert first.get_text() == "First paragraph, <b>not bold</b>.\nIts second line."
        assert first.find("br") is not None and first.find("b") is None
        assert heading.get_text() == "A Short Heading"
        assert last.select_one("mark").get("id") == f"quote-{claim.slug}"

    def test_a_line_that_ends_as_a_sentence_is_a_paragraph_not_a_subheading(self, client, article):
        article.text = "Short, but a sentence.\n\n“Quoted”\n\nA question?"
        article.save()
        page = soup(client.get(article.get_absolute_url()))
        assert [b.name for b in page.select_one(".article-text").find_all(recursive=False)] == [
            "p",
            "p",
            "p",
        ]

    def test_shows_the_summary_chart_for_this_article(self, client, checked_fact, prediction):
        page = soup(client.get(checked_fact.article.get_absolute_url()))
        legend = [li.get_text() for li in page.select(".legend li")]
        assert legend == ["Unreviewed: 1", "Accurate: 1"]


@pytest.fixture
def claims(fact, prediction, make_claim, reviewer):
    """Three claims of one article: a checked fact, an unreviewed fact by
    another speaker, and an unreviewed prediction."""
    other_speaker = Person.objects.create(name="Bo Other", slug="bo-other")
    critics = make_claim(
        quote="Critics disagree.",
        slug="critics",
        speaker=other_speaker,
        statement="Critics dispute the permit figures.",
    )
    give_verdict(fact, reviewer)
    return {"fact": fact, "prediction": prediction, "critics": critics}


class TestClaimList:
    def listed(self, client, query="", **headers):
        response = client.get(f"/claims/?{query}", headers=headers)
        return [a["href"] for a in soup(response).select(".claim-summaries > li > a")]

    def test_lists_every_claim_most_recently_changed_first(self, client, claims):
        assert self.listed(client) == [
            claims["fact"].get_absolute_url(),
            claims["critics"].get_absolute_url(),
            claims["prediction"].get_absolute_url(),
        ]

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("status=accurate", ["fact"]),
            ("status=unreviewed", ["critics", "prediction"]),
            ("kind=prediction", ["prediction"]),
            ("speaker=ada-example", ["prediction"]),
            ("speaker=bo-other", ["critics"]),
            ("speaker=ADA", ["prediction"]),  # part of a name
            ("article=permits+rise", ["fact", "critics", "prediction"]),
            ("article=work-permits-rise", ["fact", "critics", "prediction"]),
            ("q=double", ["prediction"]),
            ("q=PERMIT+FIGURES", ["critics"]),
            ("q=80%2C000", ["fact"]),
            ("kind=fact&status=unreviewed", ["critics"]),
            ("sort=resolve_by", ["prediction", "fact", "critics"]),
        ],
    )
    def test_filters_and_search(self, client, claims, query, expected):
        assert self.listed(client, query) == [claims[n].get_absolute_url() for n in expected]

    def test_htmx_gets_only_the_results_fragment(self, client, claims):
        response = client.get("/claims/?kind=prediction", headers={"HX-Request": "true"})
        body = response.content.decode()
        assert "<html" not in body
        assert body.lstrip().startswith('<section id="claim-results"')
        assert "1 claim" in body
        assert "HX-Request" in response["Vary"]

    def test_htmx_history_restore_gets_the_whole_page(self, client, claims):
        response = client.get(
            "/claims/?kind=prediction",
            headers={"HX-Request": "true", "HX-History-Restore-Request": "true"},
        )
        restored = soup(response)
        assert restored.select_one("form.filters #id_kind option[selected]")["value"] == (
            "prediction"
        )
        assert restored.select_one("#claim-results .results-count").get_text() == "1 claim"

    def test_the_form_works_without_javascript_and_keeps_its_values(self, client, claims):
        page = soup(client.get("/claims/?q=double&kind=prediction"))
        form = page.select_one("form.filters")
        assert (form["method"], form["action"]) == ("get", "/claims/")
        assert form.select_one("#id_q")["value"] == "double"
        assert form.select_one("#id_kind option[selected]")["value"] == "prediction"
        assert form["data-hx-push-url"] == "true"  # the URL follows the filters under htmx
        assert (
            page.select_one("label[for=id_q]").get_text()
            == "Search quotes, statements, speakers and titles"
        )

    def test_an_unknown_filter_value_is_reported_and_ignored(self, client, claims):
        page = soup(client.get("/claims/?status=bogus"))
        error = page.select_one(".errorlist")
        assert "Select a valid choice" in error.get_text()
        assert page.select_one("#id_status")["aria-describedby"] == error["id"]
        assert page.select_one(".results-count").get_text() == "3 claims"

    def test_paginates(self, client, make_claim, article):
        article.text += " " + " ".join(f"Claim number {i}." for i in range(25))
        article.save()
        for i in range(25):
            make_claim(quote=f"Claim number {i}.")
        first = soup(client.get("/claims/"))
        assert len(first.select(".claim-summaries > li")) == 20
        next_link = first.select_one(".pagination a[rel=next]")["href"]
        second = soup(client.get(f"/claims/{next_link}"))
        assert len(second.select(".claim-summaries > li")) == 5
        kept = soup(client.get("/claims/?kind=fact"))
        assert kept.select_one(".pagination a[rel=next]")["href"] == "?kind=fact&page=2"

    def download_links(self, client, query, **headers):
        page = soup(client.get(f"/claims/?{query}", headers=headers))
        return {a.get_text(): a["href"] for a in page.select("#claim-results .downloads a")}

    def test_links_to_download_these_results_with_the_filters(self, client, claims):
        links = self.download_links(client, "status=unreviewed&kind=fact&speaker=&page=1")
        assert links == {
            "CSV": "/exports/claims.csv?status=unreviewed&kind=fact",
            "JSON": "/exports/claims.json?status=unreviewed&kind=fact",
        }
        rows = csv.DictReader(io.StringIO(body(client.get(links["CSV"])).decode()))
        assert [row["slug"] for row in rows] == ["critics"]

    def test_the_download_links_follow_the_filters_under_htmx(self, client, claims):
        # The form stays while the results are swapped: the links are in them.
        links = self.download_links(client, "q=double", **{"HX-Request": "true"})
        assert links["JSON"] == "/exports/claims.json?q=double"

    def test_the_download_links_leave_out_an_ignored_filter(self, client, claims):
        links = self.download_links(client, "status=bogus&kind=fact")
        assert links["CSV"] == "/exports/claims.csv?kind=fact"
        assert self.download_links(client, "")["CSV"] == "/exports/claims.csv"

    def test_no_download_links_when_nothing_matches(self, client, claims):
        assert self.download_links(client, "q=nothing+like+this") == {}

    def test_overdue_predictions_are_flagged(self, client, prediction):
        Claim.objects.filter(pk=prediction.pk).update(resolve_by=datetime.date(2020, 1, 1))
        page = soup(client.get("/claims/"))
        assert page.select_one(".due-flag").get_text() == "overdue"


class TestClaimPage:
    def test_shows_the_quote_in_its_paragraph_speaker_article_and_kind(self, client, prediction):
        page = soup(client.get(prediction.get_absolute_url()))
        context = page.select_one("blockquote.in-context")
        assert context.select_one("mark").get_text() == prediction.quote
        assert context.get_text() == (
            "Around 80,000 people received a work permit this year. "
            "Officials said the number will double by 2025."
        )
        meta = page.select_one("header .meta")
        assert meta.select_one("a")["href"] == "/speakers/ada-example/"
        assert "Prediction" in meta.get_text()
        assert "20 October 2022" in meta.get_text()
        assert page.select_one("h1").get_text() == prediction.statement

    def test_shows_status_summary_and_date_of_last_change(self, client, checked_fact):
        page = soup(client.get(checked_fact.get_absolute_url()))
        verdict = page.select_one(".verdict")
        assert verdict.select_one("h2").get_text() == "Status: Accurate"
        assert verdict.select_one(".summary").get_text() == (
            "Official figures confirm about 80,000 permits."
        )
        today = timezone.localdate()
        assert f"Last status change: {today:%-d %B %Y}" in verdict.get_text()

    def test_timeline_has_every_status_change_and_later_corrections(
        self, client, checked_fact, reviewer
    ):
        give_verdict(checked_fact, reviewer, to_status="mostly_accurate")
        edit_claim(
            claim=checked_fact,
            changes={"summary": "Close: 79,843 permits."},
            by=reviewer,
            expected_version=checked_fact.version,
            correction_reason="Reworded for readers.",
        )
        remove_source(
            source=checked_fact.sources.get(stance="context"),
            by=reviewer,
            reason="The source was superseded.",
        )
        entries = soup(client.get(checked_fact.get_absolute_url())).select(".timeline > li")
        texts = [" ".join(li.get_text(" ").split()) for li in entries]
        assert [t.split(" ", 3)[3] for t in texts] == [
            "Unreviewed → Accurate Checked: accurate. Rated by Rita, approved by Amir Approver.",
            "Accurate → Mostly accurate Checked: mostly_accurate. "
            "Rated by Rita, approved by Amir Approver.",
            "Correction: Revised the summary. Before Official figures confirm about 80,000 "
            "permits. After Close: 79,843 permits. Why: Reworded for readers.",
            "Correction: Removed a source: Background on permits. Why: The source was superseded.",
        ]

    def test_sources_are_grouped_by_stance_and_removed_ones_are_gone(
        self, client, checked_fact, reviewer, committed
    ):
        page = soup(client.get(checked_fact.get_absolute_url()))
        assert [h3.get_text() for h3 in page.select("#sources-heading ~ h3")] == [
            "Supports the claim",
            "Context",
        ]
        link = page.select_one(".sources a")
        assert (link.get_text(), link["href"]) == (
            "Permit statistics 2022",
            "https://stats.example.gov/permits",
        )
        with committed():
            remove_source(
                source=checked_fact.sources.get(stance="supports"),
                by=reviewer,
                reason="The source was superseded.",
            )
        page = soup(client.get(checked_fact.get_absolute_url()))
        assert [h3.get_text() for h3 in page.select("#sources-heading ~ h3")] == ["Context"]

    def test_prediction_shows_condition_criteria_and_resolve_by(self, client, prediction):
        Claim.objects.filter(pk=prediction.pk).update(
            condition="If the law passes.", resolve_by=datetime.date(2099, 12, 31)
        )
        page = soup(client.get(prediction.get_absolute_url()))
        terms = [dt.get_text() for dt in page.select(".prediction dt")]
        assert terms == ["Condition", "Resolution criteria", "Resolve by"]
        assert "31 December 2099" in page.select(".prediction dd")[2].get_text()
        assert page.select_one(".due-flag") is None

    @pytest.mark.parametrize(("days", "flag"), [(-1, "overdue"), (0, "due"), (1, None)])
    def test_resolve_by_is_marked_due_or_overdue_once_it_comes(
        self, client, prediction, days, flag
    ):
        when = timezone.localdate() + datetime.timedelta(days=days)
        Claim.objects.filter(pk=prediction.pk).update(resolve_by=when)
        found = soup(client.get(prediction.get_absolute_url())).select_one(".due-flag")
        assert (found.get_text() if found else None) == flag

    def test_a_resolved_prediction_is_not_overdue(self, client, prediction, reviewer):
        Claim.objects.filter(pk=prediction.pk).update(resolve_by=datetime.date(2020, 1, 1))
        prediction.refresh_from_db()
        give_verdict(prediction, reviewer, to_status="came_true")
        assert soup(client.get(prediction.get_absolute_url())).select_one(".due-flag") is None

    def test_has_a_permalink_and_a_feed_of_its_changes(self, client, prediction):
        page = soup(client.get(prediction.get_absolute_url()))
        assert page.select_one("link[rel=canonical]")["href"] == (
            "http://testserver/claims/permits-will-double/"
        )
        feeds = [link["href"] for link in page.select("link[rel=alternate]")]
        assert feeds == ["/feed/", "/claims/permits-will-double/feed/"]
        assert page.select_one(".permalink a")["href"] == prediction.get_absolute_url()

    def test_unreviewed_claim_says_so(self, client, fact):
        page = text_of(client.get(fact.get_absolute_url()))
        assert "Status: Unreviewed" in page
        assert "Not reviewed yet" in page
        assert "no status changes yet" in page


class TestClaimReview:
    def json_ld(self, client, claim):
        scripts = soup(client.get(claim.get_absolute_url())).select(
            'script[type="application/ld+json"]'
        )
        return [json.loads(script.string) for script in scripts]

    def test_a_claim_with_a_verdict_embeds_claim_review(self, client, checked_fact):
        (review,) = self.json_ld(client, checked_fact)
        assert review["@context"] == "https://schema.org"
        assert review["@type"] == "ClaimReview"
        assert review["url"] == "http://testserver/claims/work-permits/"
        assert review["claimReviewed"] == checked_fact.statement
        assert review["reviewRating"] == {
            "@type": "Rating",
            "ratingValue": 5,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": "Accurate",
        }
        assert review["author"]["@type"] == "Organization"
        assert review["author"]["name"] == "factcheck"
        assert review["datePublished"] == timezone.localdate().isoformat()
        item = review["itemReviewed"]
        assert item["@type"] == "Claim"
        assert item["author"] == {"@type": "Organization", "name": "Example Times"}
        assert item["datePublished"] == "2022-10-20"
        assert item["appearance"]["url"] == "https://example.com/permits"

    def test_the_speaker_is_the_claims_author(self, client, prediction, reviewer):
        give_verdict(prediction, reviewer, to_status="did_not_come_true")
        (review,) = self.json_ld(client, prediction)
        assert review["itemReviewed"]["author"]["@type"] == "Person"
        assert review["itemReviewed"]["author"]["name"] == "Ada Example"
        assert review["reviewRating"]["ratingValue"] == 1
        assert review["reviewRating"]["alternateName"] == "Did not come true"

    @pytest.mark.parametrize("status", ["in_review", "unverifiable"])
    def test_no_claim_review_without_a_rated_verdict(self, client, fact, reviewer, status):
        give_verdict(fact, reviewer, to_status=status)
        assert self.json_ld(client, fact) == []

    def test_script_in_a_statement_cannot_break_out(self, client, checked_fact):
        Claim.objects.filter(pk=checked_fact.pk).update(statement="</script><script>alert(1)")
        body = client.get(checked_fact.get_absolute_url()).content.decode()
        assert "<script>alert(1)" not in body
        (review,) = self.json_ld(client, checked_fact)
        assert review["claimReviewed"] == "</script><script>alert(1)"


class TestSpeakerAndMethodology:
    def test_speaker_page_shows_a_track_record(
        self, client, prediction, make_claim, reviewer, speaker
    ):
        other = make_claim(
            quote="Critics disagree.",
            kind="prediction",
            speaker=speaker,
            resolve_by=datetime.date(2024, 1, 1),
        )
        give_verdict(prediction, reviewer, to_status="came_true")
        give_verdict(other, reviewer, to_status="condition_not_met")
        page = soup(client.get("/speakers/ada-example/"))
        rows = {
            row.th.get_text(): row.td.get_text() for row in page.select(".record table tbody tr")
        }
        assert rows == {
            "Came true": "1",
            "Partly came true": "0",
            "Did not come true": "0",
            "Void (condition not met, or unresolvable)": "1",
        }
        assert len(page.select(".claim-summaries li")) == 2

    def test_methodology_explains_every_status_from_the_table(self, client):
        page = soup(client.get("/methodology/"))
        for info in STATUS_TABLE.values():
            row = page.select_one(f"#status-{info.kind}-{info.value}")
            assert info.label in row.get_text()
            assert info.description in row.get_text()
            assert ("Final" if info.is_final else "Open") in row.get_text()

    def test_methodology_says_how_a_hedged_prediction_is_judged(self, client):
        section = soup(client.get("/methodology/")).select_one(
            "section[aria-labelledby=certainty-heading]"
        )
        text = " ".join(section.get_text(" ").split())
        for label in Certainty.labels:
            assert f"“{label}”" in text
        assert "“Did not come true” means the event did not happen by the date" in text


class TestCertainty:
    def test_the_claim_page_says_how_sure_the_speaker_was(self, client, prediction):
        Claim.objects.filter(pk=prediction.pk).update(certainty="might")
        page = soup(client.get(prediction.get_absolute_url()))
        stated = page.select_one("header h1 + p.certainty")
        assert stated.get_text(" ", strip=True).startswith("Stated as: might (possible)")
        assert stated.a["href"] == "/methodology/#certainty-heading"

    def test_a_fact_or_an_unstated_certainty_shows_none(self, client, fact, prediction):
        for claim in (fact, prediction):
            assert "Stated as" not in text_of(client.get(claim.get_absolute_url()))

    def test_lists_show_the_stated_word(self, client, prediction):
        Claim.objects.filter(pk=prediction.pk).update(certainty="could")
        for url in ("/claims/", prediction.speaker.get_absolute_url()):
            assert "Prediction (stated as “could”)" in text_of(client.get(url))

    def test_exports_carry_the_certainty_of_predictions(self, client, fact, prediction):
        Claim.objects.filter(pk=prediction.pk).update(certainty="might")
        records = {r["slug"]: r for r in exported_json(client)["claims"]}
        assert records[prediction.slug]["certainty"] == "might"
        assert "certainty" not in records[fact.slug]
        rows = {row["slug"]: row for row in exported_csv(client)}
        assert (rows[prediction.slug]["certainty"], rows[fact.slug]["certainty"]) == ("might", "")


class TestFeeds:
    def test_site_feed_lists_status_changes(self, client, checked_fact, prediction, reviewer):
        give_verdict(prediction, reviewer, to_status="pending")
        response = client.get("/feed/")
        assert response["Content-Type"].startswith("application/atom+xml")
        feed = ET.fromstring(response.content)
        titles = [entry.find(f"{ATOM}title").text for entry in feed.iter(f"{ATOM}entry")]
        assert titles == [
            f"Pending: {prediction.statement}",
            f"Accurate: {checked_fact.statement}",
        ]
        link = feed.find(f"{ATOM}entry/{ATOM}link").get("href")
        assert link.startswith("http://testserver/claims/permits-will-double/#change-")

    def test_claim_feed_lists_its_changes_and_corrections(self, client, checked_fact, reviewer):
        remove_source(
            source=checked_fact.sources.get(stance="context"),
            by=reviewer,
            reason="The source was superseded.",
        )
        feed = ET.fromstring(client.get(f"{checked_fact.get_absolute_url()}feed/").content)
        entries = [
            (e.find(f"{ATOM}title").text, e.find(f"{ATOM}summary").text)
            for e in feed.iter(f"{ATOM}entry")
        ]
        assert entries == [
            (
                "Correction",
                "<p>Removed a source: Background on permits.</p>\n\n"
                "<p>Why: The source was superseded.</p>",
            ),
            ("Status: Unreviewed → Accurate", "<p>Checked: accurate.</p>"),
        ]

    def test_an_empty_feed_is_the_same_each_time_it_is_rendered(self, client, db):
        # Each app-server process renders its own copy: they must agree (and their ETags).
        first = client.get("/corrections/feed/")
        caches["pages"].clear()
        again = client.get("/corrections/feed/")
        assert not list(ET.fromstring(again.content).iter(f"{ATOM}entry"))
        assert again.content == first.content and again["ETag"] == first["ETag"]

    def test_every_page_advertises_the_site_feed(self, client, fact):
        for url in ["/", "/claims/", fact.get_absolute_url(), "/methodology/"]:
            link = soup(client.get(url)).select_one(
                'link[rel=alternate][type="application/atom+xml"]'
            )
            assert link["href"] == "/feed/"


def exported_json(client, query=""):
    response = client.get(f"/exports/claims.json?{query}")
    assert response.streaming
    return json.loads(body(response))


def exported_csv(client, query=""):
    response = client.get(f"/exports/claims.csv?{query}")
    assert response.streaming
    return list(csv.DictReader(io.StringIO(body(response).decode())))


class TestExports:
    def test_json_export_has_claims_timelines_sources_and_reviews(
        self, client, checked_fact, prediction
    ):
        data = exported_json(client)
        assert set(data) == {"generated_at", "claims"}
        by_slug = {record["slug"]: record for record in data["claims"]}
        assert set(by_slug) == {checked_fact.slug, prediction.slug}
        record = by_slug[checked_fact.slug]
        assert set(record) == {
            *("url", "slug", "kind", "statement", "quote", "quote_start", "quote_end"),
            *("speaker", "article", "status", "status_label", "is_final", "summary"),
            *("updated_at", "timeline", "sources", "claim_review"),
        }
        assert record["status"] == "accurate"
        assert [e["to"] for e in record["timeline"]] == ["accurate"]
        assert [s["title"] for s in record["sources"]] == [
            "Permit statistics 2022",
            "Background on permits",
        ]
        assert record["claim_review"]["reviewRating"]["ratingValue"] == 5
        assert "claim_review" not in by_slug[prediction.slug]
        assert by_slug[prediction.slug]["resolve_by"] == "2025-12-31"

    def test_csv_export_has_one_row_per_claim(self, client, checked_fact, prediction):
        response = client.get("/exports/claims.csv")
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.DictReader(io.StringIO(body(response).decode())))
        # In the list's order: the most recent change first.
        assert [row["slug"] for row in rows] == [prediction.slug, checked_fact.slug]
        assert rows[1]["status_label"] == "Accurate"
        assert rows[1]["sources"] == "2"
        assert rows[0]["speaker"] == "Ada Example"

    def test_csv_export_has_the_source_urls_and_the_last_status_change(
        self, client, checked_fact, prediction, reviewer
    ):
        remove_source(
            source=checked_fact.sources.get(title="Background on permits"),
            by=reviewer,
            reason="The source was superseded.",
        )
        give_verdict(checked_fact, reviewer, to_status="mostly_accurate")
        rows = {row["slug"]: row for row in exported_csv(client)}
        checked = rows[checked_fact.slug]
        assert checked["source_urls"] == "https://stats.example.gov/permits"
        latest = checked_fact.status_changes.latest("changed_at").changed_at
        assert checked["last_status_change_at"] == latest.isoformat()
        assert checked["status_changes"] == "2"
        assert rows[prediction.slug]["source_urls"] == ""
        assert rows[prediction.slug]["last_status_change_at"] == ""

    def test_csv_cells_that_look_like_formulas_stay_text(self, client, fact):
        Claim.objects.filter(pk=fact.pk).update(statement='=HYPERLINK("http://evil")')
        rows = exported_csv(client)
        assert rows[0]["statement"] == '\'=HYPERLINK("http://evil")'

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            ("", ["fact", "critics", "prediction"]),
            ("status=unreviewed&kind=fact", ["critics"]),
            ("status=accurate", ["fact"]),
            ("kind=prediction", ["prediction"]),
            ("q=double", ["prediction"]),
            ("q=PERMIT+FIGURES", ["critics"]),
            ("speaker=bo-other", ["critics"]),
            ("speaker=ADA", ["prediction"]),
            ("article=work-permits-rise", ["fact", "critics", "prediction"]),
            ("article=Another+paper", []),
            ("sort=resolve_by", ["prediction", "fact", "critics"]),
            ("status=bogus&kind=fact", ["fact", "critics"]),  # ignored, as on the list
        ],
    )
    def test_exports_hold_what_the_list_shows_for_the_same_filters(
        self, client, claims, query, expected
    ):
        slugs = [claims[name].slug for name in expected]
        assert [record["slug"] for record in exported_json(client, query)["claims"]] == slugs
        assert [row["slug"] for row in exported_csv(client, query)] == slugs
        listed = soup(client.get(f"/claims/?{query}")).select(".claim-summaries > li > a")
        assert [a["href"] for a in listed] == [claims[name].get_absolute_url() for name in expected]

    def test_exports_of_several_chunks_or_none_are_whole_documents(
        self, client, claims, monkeypatch
    ):
        monkeypatch.setattr(public, "EXPORT_CHUNK", 2)
        text = body(client.get("/exports/claims.json")).decode()
        data = json.loads(text)
        assert [record["slug"] for record in data["claims"]] == [
            "work-permits",
            "critics",
            "permits-will-double",
        ]
        # Laid out as one json.dumps of the whole would be (no <, > or & to escape here).
        assert text == json.dumps(data, ensure_ascii=False, indent=1)
        assert len(exported_csv(client)) == 3
        assert exported_json(client, "q=nothing+like+this")["claims"] == []
        empty = body(client.get("/exports/claims.csv?q=nothing+like+this")).decode()
        assert empty == ",".join(public.CSV_COLUMNS) + "\r\n"

    @pytest.mark.parametrize(
        ("url", "content_type", "disposition"),
        [
            ("/exports/claims.json", "application/json", 'inline; filename="claims.json"'),
            ("/exports/claims.csv", "text/csv; charset=utf-8", 'attachment; filename="claims.csv"'),
        ],
    )
    def test_exports_stream_past_the_page_cache(
        self, client, fact, django_assert_num_queries, url, content_type, disposition
    ):
        response = client.get(url)
        assert response.streaming
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"] == disposition
        assert set(response["Cache-Control"].split(", ")) == {"public", "max-age=0", "s-maxage=5"}
        assert not response.has_header("ETag")
        assert fact.slug in body(response).decode()
        with django_assert_num_queries(0):  # its headers, without building the body
            head = client.head(url)
        assert head.status_code == 200
        assert head["Content-Disposition"] == disposition


def test_reviewer_notes_never_reach_a_public_page_feed_or_export(client, checked_fact):
    urls = [
        "/",
        "/claims/",
        "/claims/?q=permit",
        checked_fact.get_absolute_url(),
        f"{checked_fact.get_absolute_url()}feed/",
        checked_fact.article.get_absolute_url(),
        "/feed/",
        "/exports/claims.json",
        "/exports/claims.csv",
        "/exports/claims.json?q=permit",
        "/methodology/",
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET not in body(response).decode(), url


def test_public_pages_carry_nothing_specific_to_the_visitor(client, checked_fact, reviewer):
    anonymous = client.get(checked_fact.get_absolute_url())
    client.force_login(reviewer)
    signed_in = client.get(checked_fact.get_absolute_url())
    assert anonymous.content == signed_in.content
    assert b"csrfmiddlewaretoken" not in anonymous.content
    assert "Cookie" not in anonymous.get("Vary", "")
    assert "Set-Cookie" not in anonymous.headers


@pytest.mark.parametrize(
    "url", ["/articles/nope/", "/claims/nope/", "/speakers/nope/", "/claims/nope/feed/"]
)
def test_unknown_slugs_are_404(client, url):
    assert client.get(url).status_code == 404
