"""Ways into the site, and back to a claim over time: the archive of articles,
the speakers index, the sitemap, robots.txt, the icon, the feeds of a speaker
and of an article, and the overdue and awaiting-resolution predictions on
every page that lists one."""

import csv
import datetime
import io
import json
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone

from factcheck import services, sitemaps
from factcheck.models import Article, ArticleCorrection, Claim, Person
from factcheck.statuses import Kind, record_rows, status_info
from factcheck.views import public
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


# --- The archive -----------------------------------------------------------------


class TestArchive:
    def titles(self, page):
        return [h3.get_text() for h3 in page.select(".article-list h3")]

    def test_lists_published_articles_newest_first_then_by_id(
        self, client, article, fact, prediction, draft, taken_down
    ):
        same_day = [published_article(f"same-{i}", datetime.date(2021, 3, 1)) for i in range(2)]
        published_article("older", datetime.date(2019, 1, 1), title="Older piece")
        page = soup(client.get("/articles/"))
        assert self.titles(page) == [
            "Work permits rise",
            *(a.title for a in reversed(same_day)),  # the same day: the later id first
            "Older piece",
        ]
        assert page.select_one(".results-count").get_text() == "4 articles, newest first"
        card = page.select_one(".article-list li")
        assert "Example Times, 20 October 2022 · 2 claims" in card.get_text(" ", strip=True)
        assert [li.get_text() for li in card.select(".legend li")] == ["Unreviewed: 2"]

    def test_counts_each_status_of_each_article(self, client, fact, prediction, reviewer):
        set_status(claim=prediction, to_status="on_track", by=reviewer)
        card = soup(client.get("/articles/")).select_one(".article-list li")
        legend = [li.get_text() for li in card.select(".legend li")]
        assert legend == ["Unreviewed: 1", "On track: 1"]
        assert card.select_one("svg title").get_text() == (
            "Claims by status: Unreviewed 1, On track 1"
        )

    def test_paginates(self, client, monkeypatch):
        monkeypatch.setattr(public, "ARTICLES_PER_PAGE", 2)
        for day in range(1, 6):
            published_article(f"day-{day}", datetime.date(2020, 1, day))
        first = soup(client.get("/articles/"))
        assert self.titles(first) == ["Article day-5", "Article day-4"]
        assert first.select_one(".pagination a[rel=next]")["href"] == "?page=2"
        assert first.select_one(".pagination")["aria-label"] == "Pages of articles"
        assert not first.select(".pagination [data-hx-boost]")
        third = soup(client.get("/articles/?page=3"))
        assert self.titles(third) == ["Article day-1"]
        assert third.select_one(".pagination a[rel=prev]")["href"] == "?page=2"
        assert third.title.get_text().startswith("Articles, page 3")
        # Past the end, or not a number: the nearest page, as the claim list does.
        assert self.titles(soup(client.get("/articles/?page=99"))) == ["Article day-1"]
        assert self.titles(soup(client.get("/articles/?page=x"))) == self.titles(first)

    def test_the_nav_and_the_home_page_lead_here(self, client, fact):
        page = soup(client.get("/"))
        nav = {a.get_text(): a["href"] for a in page.select("header nav a")}
        assert nav["Articles"] == "/articles/"
        assert nav["Speakers"] == "/speakers/"
        links = [a["href"] for a in page.select("#articles-heading ~ p a")]
        assert "/articles/" in links and "/speakers/" in links

    def test_an_empty_archive_says_so(self, client):
        page = soup(client.get("/articles/"))
        assert page.select_one(".article-list").get_text(strip=True) == "No articles yet."


# --- The speakers index ----------------------------------------------------------


class TestSpeakers:
    def test_lists_every_public_speaker_alphabetically_with_their_claim_count(
        self, client, prediction, make_claim, draft, taken_down
    ):
        bo = Person.objects.create(name="Bo Other", slug="bo-other")
        make_claim(quote="Critics disagree.", speaker=bo)
        make_claim(quote="Around 80,000 people received a work permit this year.", speaker=bo)
        # Quoted in a draft too: only the published claim counts.
        quote_claim(draft, "Nothing else was said.", speaker=prediction.speaker, slug="second")
        page = soup(client.get("/speakers/"))
        entries = [li.get_text(" ", strip=True) for li in page.select(".person-list li")]
        assert entries == [
            "Ada Example Head of the Example Institute · 1 claim",
            "Bo Other 2 claims",
        ]
        links = [a["href"] for a in page.select(".person-list a")]
        assert links == ["/speakers/ada-example/", "/speakers/bo-other/"]
        assert page.select_one(".results-count").get_text() == "2 speakers"

    def test_paginates(self, client, article, make_claim, monkeypatch):
        monkeypatch.setattr(public, "PEOPLE_PER_PAGE", 2)
        for name in ["Cy", "Al", "Bea"]:
            make_claim(speaker=Person.objects.create(name=name, slug=name.lower()))
        names = [a.get_text() for a in soup(client.get("/speakers/")).select(".person-list a")]
        assert names == ["Al", "Bea"]
        second = soup(client.get("/speakers/?page=2"))
        assert [a.get_text() for a in second.select(".person-list a")] == ["Cy"]
        assert second.select_one(".pagination a[rel=prev]")["href"] == "?page=1"


# --- Sitemap, robots.txt, the icon -----------------------------------------------


def sitemap_index(response):
    """The locations an index lists, in order."""
    assert response["Content-Type"] == "application/xml"
    assert response["X-Robots-Tag"] == "noindex, noodp, noarchive"
    root = ET.fromstring(body(response))
    assert root.tag == f"{SITEMAP}sitemapindex"
    return [entry.findtext(f"{SITEMAP}loc") for entry in root.iter(f"{SITEMAP}sitemap")]


def sitemap_urls(response):
    """{location: lastmod (None without)} of one sitemap, each location once."""
    assert response["Content-Type"] == "application/xml"
    urls = list(ET.fromstring(body(response)).iter(f"{SITEMAP}url"))
    entries = {url.findtext(f"{SITEMAP}loc"): url.findtext(f"{SITEMAP}lastmod") for url in urls}
    assert len(entries) == len(urls)
    return entries


def sitemap_entries(client, **request):
    """{location: lastmod} of every sitemap that /sitemap.xml lists, as a crawler reads them."""
    entries = {}
    for location in sitemap_index(client.get("/sitemap.xml", **request)):
        parts = urlsplit(location)
        response = client.get(f"{parts.path}?{parts.query}", **request)
        assert response.status_code == 200
        urls = sitemap_urls(response)
        assert not entries.keys() & urls.keys()
        entries |= urls
    return entries


class TestSitemap:
    @override_settings(FACTCHECK_SITE_URL="https://facts.example.org")
    def test_lists_exactly_the_public_pages_on_the_sites_own_address(
        self, client, fact, prediction, draft, taken_down
    ):
        request = {"headers": {"Host": "localhost", "X-Forwarded-Proto": "http"}}
        site = "https://facts.example.org"
        assert sitemap_index(client.get("/sitemap.xml", **request)) == [
            f"{site}/sitemap-{section}.xml"
            for section in ["pages", "articles", "claims", "speakers", "conditions"]
        ]
        assert set(sitemap_entries(client, **request)) == {
            f"{site}/",
            f"{site}/articles/",
            f"{site}/claims/",
            f"{site}/speakers/",
            f"{site}/methodology/",
            f"{site}/articles/work-permits-rise/",
            f"{site}{fact.get_absolute_url()}",
            f"{site}{prediction.get_absolute_url()}",
            f"{site}/speakers/ada-example/",
        }
        # Kept in the page cache: another Host still gets the site's address.
        for path in ["/sitemap.xml", "/sitemap-claims.xml"]:
            first = client.get(path, **request)
            assert body(client.get(path, headers={"Host": "127.0.0.1"})) == body(first)

    def test_a_first_request_on_another_host_sets_no_url_in_the_cache(self, client, fact):
        client.get("/sitemap.xml", headers={"Host": "localhost"})
        client.get("/sitemap-claims.xml", headers={"Host": "localhost"})
        assert all(
            url.startswith("http://testserver/")
            for url in [*sitemap_index(client.get("/sitemap.xml")), *sitemap_entries(client)]
        )

    def test_a_section_past_its_limit_goes_on_in_further_pages_the_index_lists(
        self, client, fact, prediction, monkeypatch
    ):
        monkeypatch.setattr(sitemaps.ClaimSitemap, "limit", 1)
        claims = "http://testserver/sitemap-claims.xml"
        index = sitemap_index(client.get("/sitemap.xml"))
        assert index[index.index(claims) :][:3] == [
            claims,
            f"{claims}?p=2",
            "http://testserver/sitemap-speakers.xml",
        ]
        pages = [sitemap_urls(client.get(f"/sitemap-claims.xml?p={n}")) for n in (1, 2)]
        assert [list(page) for page in pages] == [
            [f"http://testserver{claim.get_absolute_url()}"] for claim in (fact, prediction)
        ]
        for page in ["3", "two", "01", "+1", " 1", "1_0", "2.0", "", "9" * 30]:
            assert client.get("/sitemap-claims.xml", {"p": page}).status_code == 404, page
        assert client.get("/sitemap-nothing.xml").status_code == 404

    def test_the_index_says_when_each_section_last_changed(
        self, client, fact, prediction, reviewer, aged
    ):
        set_status(claim=prediction, to_status="pending", by=reviewer)
        root = ET.fromstring(body(client.get("/sitemap.xml")))
        lastmods = {
            entry.findtext(f"{SITEMAP}loc").removeprefix("http://testserver/"): (
                lastmod and datetime.datetime.fromisoformat(lastmod)
            )
            for entry in root.iter(f"{SITEMAP}sitemap")
            for lastmod in [entry.findtext(f"{SITEMAP}lastmod")]
        }
        prediction.refresh_from_db()
        changed = prediction.public_updated_at
        assert lastmods == {
            "sitemap-pages.xml": None,  # the lists change with every record
            "sitemap-articles.xml": changed,
            "sitemap-claims.xml": changed,
            "sitemap-speakers.xml": changed,
            "sitemap-conditions.xml": None,  # no condition is public
        }

    @pytest.fixture
    def aged(self, fact, prediction):
        """The article published 300 days ago, its claims last changed 200 days
        ago, their speaker edited 400 days ago."""
        long_ago = timezone.now() - datetime.timedelta(days=300)
        Article.objects.update(updated_at=long_ago, published_at=long_ago)
        Claim.objects.update(public_updated_at=timezone.now() - datetime.timedelta(days=200))
        Person.objects.update(updated_at=timezone.now() - datetime.timedelta(days=400))

    def test_lastmod_is_when_each_page_last_changed(self, client, fact, prediction, reviewer, aged):
        set_status(claim=prediction, to_status="pending", by=reviewer)
        entries = sitemap_entries(client)
        changed = f"{prediction.public_updated_at:%Y-%m-%d}"
        assert entries[f"http://testserver{prediction.get_absolute_url()}"] == changed
        assert entries[f"http://testserver{fact.get_absolute_url()}"] == f"{days_ago(200)}"
        # The article shows its claims' statuses; the speaker page, their claims'.
        assert entries["http://testserver/articles/work-permits-rise/"] == changed
        assert entries["http://testserver/speakers/ada-example/"] == changed
        assert entries["http://testserver/"] is None  # the lists change with every record

    def test_an_articles_lastmod_is_its_latest_correction(self, client, fact, aged):
        ArticleCorrection.objects.create(
            article=fact.article,
            earlier_text="Old.",
            reason="Typo.",
            corrected_at=timezone.now() - datetime.timedelta(days=100),
        )
        entries = sitemap_entries(client)
        assert entries["http://testserver/articles/work-permits-rise/"] == f"{days_ago(100)}"


class TestRobotsAndIcon:
    @override_settings(FACTCHECK_SITE_URL="https://facts.example.org")
    def test_robots_txt_keeps_crawlers_to_the_public_site(self, client):
        response = client.get("/robots.txt", headers={"Host": "localhost"})
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode().splitlines() == [
            "User-agent: *",
            "Disallow: /review/",
            "Disallow: /admin/",
            "Disallow: /accounts/",
            "Disallow: /*?as_of=",
            "Disallow: /*&as_of=",
            "Disallow: /exports/",
            "Allow: /",
            "",
            "Sitemap: https://facts.example.org/sitemap.xml",
        ]

    def test_favicon_ico_is_an_icon(self, client):
        response = client.get("/favicon.ico")
        assert response.status_code == 302
        assert response["Location"] == "/static/factcheck/favicon.ico"
        icon = client.get(response["Location"])
        assert icon.status_code == 200
        data = body(icon)
        assert data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
        assert int.from_bytes(data[4:6], "little") >= 1  # holding an image

    def test_every_page_names_its_icons(self, client, fact):
        icons = soup(client.get("/")).select("link[rel=icon]")
        hrefs = [link["href"] for link in icons]
        assert hrefs == ["/static/factcheck/favicon.ico", "/static/factcheck/favicon.svg"]
        for href in hrefs:
            assert client.get(href).status_code == 200


# --- Feeds of a speaker and of an article ----------------------------------------


def atom_entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = [
        (entry.findtext(f"{ATOM}title"), entry.find(f"{ATOM}link").get("href"))
        for entry in feed.iter(f"{ATOM}entry")
    ]
    return feed, entries


@pytest.fixture
def changes(fact, prediction, make_claim, reviewer, draft):
    """Changes to Ada's prediction and to a fact in the same article, and to
    Ada's claim in another; and to Ada's claim in a draft, which no feed shows."""
    other_article = published_article("elsewhere", datetime.date(2023, 1, 1))
    other_article.text = "Ada said more will come."
    other_article.save()
    elsewhere = quote_claim(
        other_article,
        "Ada said more will come.",
        speaker=prediction.speaker,
        statement="More will come.",
        slug="more-will-come",
    )
    set_status(claim=prediction, to_status="pending", by=reviewer, rationale="Criteria set.")
    set_status(claim=fact, to_status="in_review", by=reviewer)
    set_status(claim=elsewhere, to_status="pending", by=reviewer)
    set_status(claim=prediction, to_status="on_track", by=reviewer, rationale="Rising.")
    in_draft = quote_claim(draft, "Nothing else was said.", speaker=prediction.speaker, slug="d")
    set_status(claim=in_draft, to_status="pending", by=reviewer)
    return {"fact": fact, "prediction": prediction, "elsewhere": elsewhere}


class TestFeeds:
    @override_settings(FACTCHECK_SITE_URL="https://facts.example.org")
    def test_a_speakers_feed_has_the_changes_of_their_claims_newest_first(self, client, changes):
        prediction, elsewhere = changes["prediction"], changes["elsewhere"]
        response = client.get("/speakers/ada-example/feed/", headers={"Host": "localhost"})
        feed, entries = atom_entries(response)
        assert [title for title, _ in entries] == [
            f"On track: {prediction.statement}",
            f"Pending: {elsewhere.statement}",
            f"Pending: {prediction.statement}",
        ]
        site = "https://facts.example.org"
        assert all(link.startswith(f"{site}/claims/") for _, link in entries)
        assert entries[0][1].startswith(f"{site}{prediction.get_absolute_url()}#change-")
        assert feed.findtext(f"{ATOM}title") == "Status changes: Ada Example"
        links = {link.get("rel"): link.get("href") for link in feed.findall(f"{ATOM}link")}
        assert links == {
            "alternate": f"{site}/speakers/ada-example/",
            "self": f"{site}/speakers/ada-example/feed/",
        }
        summary = feed.find(f"{ATOM}entry/{ATOM}summary").text
        assert summary == "<p>Pending → On track. Rising.</p>"

    def test_an_articles_feed_has_the_changes_of_its_claims(self, client, changes):
        fact, prediction = changes["fact"], changes["prediction"]
        _, entries = atom_entries(client.get("/articles/work-permits-rise/feed/"))
        assert [title for title, _ in entries] == [
            f"On track: {prediction.statement}",
            f"In review: {fact.statement}",
            f"Pending: {prediction.statement}",
        ]
        assert all(link.startswith("http://testserver/claims/") for _, link in entries)

    def test_no_feed_for_a_draft_a_taken_down_article_or_a_speaker_only_in_drafts(
        self, client, changes, taken_down, draft
    ):
        for url in [
            "/articles/zyxwv-draft/feed/",
            "/articles/gone/feed/",
            "/articles/nope/feed/",
            "/speakers/dora-zyxwv/feed/",
            "/speakers/nope/feed/",
        ]:
            assert client.get(url).status_code == 404, url

    def test_the_speaker_and_article_pages_advertise_their_feeds(self, client, prediction):
        for url, feed in [
            ("/speakers/ada-example/", "/speakers/ada-example/feed/"),
            ("/articles/work-permits-rise/", "/articles/work-permits-rise/feed/"),
        ]:
            page = soup(client.get(url))
            alternates = [
                link["href"]
                for link in page.select('link[rel=alternate][type="application/atom+xml"]')
            ]
            assert alternates == ["/feed/", feed], url
            assert page.select_one(f'main a[href="{feed}"]'), url

    def test_an_editors_preview_of_a_draft_links_no_feed(self, client, editor, draft):
        client.force_login(editor)
        page = soup(client.get("/review/articles/zyxwv-draft/preview/"))
        feeds = [link["href"] for link in page.select('link[type="application/atom+xml"]')]
        assert feeds == ["/feed/"]
        assert not page.select('a[href$="/feed/"]:not([href="/feed/"])')


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
