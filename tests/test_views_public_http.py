"""Query counts and HTTP caching of the public pages."""

import datetime
import time

import pytest
from django.utils import timezone
from django.utils.http import parse_http_date

from factcheck.models import Article, Claim, Person
from factcheck.services import add_source, remove_source
from factcheck.views import public
from tests.desk import set_status

from .responses import body

pytestmark = pytest.mark.django_db

PREDICTION_PATH = ["unreviewed", "pending", "on_track", "came_true"]


def sleep_into_the_next_second():
    time.sleep(1.001 - time.time() % 1)


def build_site(reviewer, size):
    """``size`` articles; the last with ``size`` claims, ``size`` speakers, ``size``
    sources and up to ``size`` timeline rows and corrections per claim: every
    repeated relation grows with ``size``. The first claim stays open past its
    resolve-by date (overdue); with ``size`` 4 the others come true."""
    for extra in range(size - 1):
        Article.objects.create(
            published_at=timezone.now(),
            title=f"Other {extra}",
            publisher="P",
            text="T.",
            published_on=datetime.date(2021, 1, 1),
            slug=f"other-{size}-{extra}",
        )
    text = " ".join(f"Sentence number {i} is here." for i in range(size))
    article = Article.objects.create(
        published_at=timezone.now(),
        title=f"Article of size {size}",
        publisher="Example Times",
        published_on=datetime.date(2022, 10, 20),
        text=text,
        slug=f"article-{size}",
    )
    claims = []
    for i in range(size):
        speaker = Person.objects.create(name=f"Speaker {i}", slug=f"speaker-{size}-{i}")
        quote = f"Sentence number {i} is here."
        start, end = article.locate(quote)
        claim = Claim.objects.create(
            article=article,
            speaker=speaker,
            kind="prediction",
            quote=quote,
            quote_start=start,
            quote_end=end,
            statement=f"Prediction {i}",
            slug=f"claim-{size}-{i}",
            resolve_by=datetime.date(2030, 1, 1) if i else datetime.date(2023, 1, 1),
        )
        for j in range(size):
            add_source(
                claim=claim,
                by=reviewer,
                url=f"https://example.com/{i}/{j}",
                title=f"Source {j}",
                stance=["supports", "refutes", "context"][j % 3],
                reason="A better source came out.",
            )
        for to_status in PREDICTION_PATH[1 : (size if i else min(size, 2)) + 1]:
            set_status(
                claim=claim,
                to_status=to_status,
                rationale="Because.",
                by=reviewer,
                expected_version=claim.version,
            )
        claims.append(claim)
    return article, claims


# Queries on a cache miss; a hit runs none.
PAGES = {
    "home": (lambda article, claims: "/", 3),
    # Every claim less the unpublished ones (two counts), then the page.
    "claim list": (lambda article, claims: "/claims/", 3),
    "claim list filtered": (lambda article, claims: "/claims/?kind=prediction&q=Prediction", 2),
    # The article, its claims, the corrections of its text, and its earlier titles.
    "article": (lambda article, claims: article.get_absolute_url(), 4),
    # The claim with its article and speaker, its timeline (2), sources,
    # whether a verdict awaits sign-off, and its tracked conditions.
    "claim": (lambda article, claims: claims[-1].get_absolute_url(), 6),
    # The speaker, their claims, and their earlier names.
    "speaker": (lambda article, claims: claims[-1].speaker.get_absolute_url(), 3),
    # Status changes, then the corrections of claims and of articles' texts
    # (their dates, then the rows of those there are: none here).
    "site feed": (lambda article, claims: "/feed/", 3),
    "corrections": (lambda article, claims: "/corrections/", 2),
    "corrections feed": (lambda article, claims: "/corrections/feed/", 2),
    # The claim with its timeline (2), sources and tracked conditions.
    "claim feed": (lambda article, claims: f"{claims[-1].get_absolute_url()}feed/", 5),
    "claim list awaiting resolution": (
        lambda article, claims: "/claims/?status=awaiting_resolution",
        2,
    ),
    "claim list overdue": (lambda article, claims: "/claims/?status=overdue&sort=resolve_by", 2),
    # The count, the page, and its articles' claims by status.
    "archive": (lambda article, claims: "/articles/", 3),
    "speakers": (lambda article, claims: "/speakers/", 2),
    # The speaker or the article, and its claims' changes.
    "speaker feed": (lambda article, claims: f"{claims[-1].speaker.get_absolute_url()}feed/", 2),
    "article feed": (lambda article, claims: f"{article.get_absolute_url()}feed/", 2),
    # The count and the latest change of articles, claims, speakers and conditions.
    "sitemap index": (lambda article, claims: "/sitemap.xml", 8),
    # The count, and the page.
    "sitemap of claims": (lambda article, claims: "/sitemap-claims.xml", 2),
    "robots.txt": (lambda article, claims: "/robots.txt", 0),
}


@pytest.mark.parametrize("size", [1, 4])
@pytest.mark.parametrize("page", PAGES)
def test_query_count_does_not_grow_with_the_data(
    client, reviewer, django_assert_num_queries, size, page
):
    article, claims = build_site(reviewer, size)
    url_for, queries = PAGES[page]
    url = url_for(article, claims)
    with django_assert_num_queries(queries):
        response = client.get(url)
    assert response.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.status_code == 200
    assert again.content == response.content
    assert again["ETag"] == response["ETag"]


@pytest.mark.parametrize("size", [2, 6])
@pytest.mark.parametrize("url", ["/exports/claims.json", "/exports/claims.csv"])
def test_exports_run_a_fixed_number_of_queries_per_chunk(
    client, reviewer, django_assert_num_queries, monkeypatch, size, url
):
    # Streamed past the page cache, so every request runs its queries: the
    # claims, then for each chunk of them their timeline (2), sources and
    # tracked conditions.
    _, claims = build_site(reviewer, size)
    monkeypatch.setattr(public, "EXPORT_CHUNK", 2)
    with django_assert_num_queries(1 + 4 * (size // 2)):
        text = body(client.get(url)).decode()
    assert all(claim.slug in text for claim in claims)


class TestConditionalRequests:
    def test_claim_page_answers_304_without_a_query(
        self, client, prediction, django_assert_num_queries
    ):
        first = client.get(prediction.get_absolute_url())
        assert first["ETag"] and first["Last-Modified"]
        with django_assert_num_queries(0):
            again = client.get(
                prediction.get_absolute_url(), headers={"If-None-Match": first["ETag"]}
            )
        assert again.status_code == 304
        assert again.content == b""

    def test_if_modified_since_also_works_once_the_changes_second_is_over(self, client, prediction):
        client.get(prediction.get_absolute_url())  # the site's version starts
        sleep_into_the_next_second()
        first = client.get(prediction.get_absolute_url())
        again = client.get(
            prediction.get_absolute_url(), headers={"If-Modified-Since": first["Last-Modified"]}
        )
        assert again.status_code == 304

    def test_a_change_in_the_same_second_is_not_hidden_from_a_date_only_revalidation(
        self, client, prediction, reviewer, committed
    ):
        # Last-Modified has one-second resolution: a copy fetched early in a
        # second, then a change later in that second, look the same by date.
        # (A slow machine may cross into the next second: then try again.)
        for attempt, first_status in enumerate(["pending", "off_track", "off_track"]):
            sleep_into_the_next_second()
            self.set_status(prediction, reviewer, first_status, "Open.")
            first = client.get(prediction.get_absolute_url())
            rationale = f"Halfway there ({attempt})."
            self.set_status(prediction, reviewer, "on_track", rationale)
            again = client.get(
                prediction.get_absolute_url(),
                headers={"If-Modified-Since": first["Last-Modified"]},
            )
            if int(time.time()) == parse_http_date(first["Last-Modified"]):
                assert again.status_code == 200
                assert rationale in again.content.decode()
                return
        pytest.fail("each attempt took over a second")

    def set_status(self, claim, reviewer, to_status, rationale):
        with self.committed():
            set_status(
                claim=claim,
                to_status=to_status,
                rationale=rationale,
                by=reviewer,
                expected_version=claim.version,
            )

    @pytest.fixture(autouse=True)
    def commit(self, committed):
        self.committed = committed

    def changes_etag(self, client, url, change):
        before = client.get(url)["ETag"]
        with self.committed():
            change()
        after = client.get(url, headers={"If-None-Match": before})
        assert after.status_code == 200, url
        assert after["ETag"] != before

    def test_etag_changes_with_the_status(self, client, prediction, reviewer):
        self.changes_etag(
            client,
            prediction.get_absolute_url(),
            lambda: set_status(
                claim=prediction,
                to_status="pending",
                rationale="R.",
                by=reviewer,
                expected_version=1,
            ),
        )

    def test_etag_changes_when_a_source_is_added_or_removed(self, client, prediction, reviewer):
        url = prediction.get_absolute_url()
        holder = {}

        def add():
            holder["source"] = add_source(
                claim=prediction,
                by=reviewer,
                title="S",
                stance="context",
                url="https://example.com/s",
                reason="A better source came out.",
            )

        self.changes_etag(client, url, add)
        self.changes_etag(
            client,
            url,
            lambda: remove_source(
                source=holder["source"], by=reviewer, reason="The source was superseded."
            ),
        )

    def test_pages_change_when_an_article_or_a_speaker_is_corrected_in_the_admin(
        self, client, prediction, admin_client
    ):
        speaker, article = prediction.speaker, prediction.article
        shown_on = {
            "person": [prediction.get_absolute_url(), speaker.get_absolute_url(), "/claims/"],
            "article": [prediction.get_absolute_url(), article.get_absolute_url(), "/"],
        }
        fields = {
            "person": lambda: {"slug": speaker.slug, "description": speaker.description},
            "article": lambda: {
                "slug": article.slug,
                "publisher": article.publisher,
                "url": article.url,
                "published_on": article.published_on.isoformat(),
            },
        }
        for model, urls in shown_on.items():
            for number, url in enumerate(urls):
                correction = {"name" if model == "person" else "title": f"Corrected {number}"}

                def correct(model=model, correction=correction):
                    obj = speaker if model == "person" else article
                    data = {**fields[model](), **correction}
                    response = admin_client.post(f"/admin/factcheck/{model}/{obj.pk}/change/", data)
                    assert response.status_code == 302, response.content.decode()

                self.changes_etag(client, url, correct)
                assert f"Corrected {number}" in client.get(url).content.decode(), url

    def test_a_prediction_falling_due_overnight_changes_its_page_and_etag(
        self, client, prediction, monkeypatch
    ):
        from django.utils import timezone

        Claim.objects.filter(pk=prediction.pk).update(resolve_by=timezone.localdate())
        before = client.get(prediction.get_absolute_url())
        assert before.status_code == 200
        real_localtime = timezone.localtime

        def a_day_later(value=None, timezone=None):
            shown = real_localtime(value, timezone)
            return shown + datetime.timedelta(days=1) if value is None else shown

        monkeypatch.setattr(timezone, "localtime", a_day_later)
        after = client.get(prediction.get_absolute_url(), headers={"If-None-Match": before["ETag"]})
        assert after.status_code == 200 and after["ETag"] != before["ETag"]
        assert "overdue" in after.content.decode() and "overdue" not in before.content.decode()

    def test_unknown_pages_are_404_whatever_etag_is_sent(self, client, prediction):
        etag = client.get("/")["ETag"]
        for url in ["/articles/nope/", "/speakers/nope/", "/claims/nope/"]:
            assert client.get(url, headers={"If-None-Match": etag}).status_code == 404

    def test_browsers_revalidate_pages_and_shared_caches_keep_them_briefly(
        self, client, prediction
    ):
        for url in ["/", "/claims/", prediction.get_absolute_url(), "/feed/"]:
            directives = set(client.get(url)["Cache-Control"].split(", "))
            assert directives == {"public", "max-age=0", "s-maxage=5"}, url
            assert client.head(url).status_code == 200

    def test_lists_change_etag_when_any_claim_changes(self, client, prediction, fact, reviewer):
        for url in ["/", "/claims/", prediction.article.get_absolute_url()]:
            claim = Claim.objects.get(pk=fact.pk)
            self.changes_etag(
                client,
                url,
                lambda claim=claim: set_status(
                    claim=claim,
                    to_status="in_review" if claim.status != "in_review" else "accurate",
                    rationale="R.",
                    by=reviewer,
                    expected_version=claim.version,
                ),
            )

    def test_page_and_htmx_fragment_have_different_etags(self, client, prediction):
        page = client.get("/claims/")
        fragment = client.get("/claims/", headers={"HX-Request": "true"})
        assert page["ETag"] != fragment["ETag"]
        replay = client.get(
            "/claims/", headers={"HX-Request": "true", "If-None-Match": page["ETag"]}
        )
        assert replay.status_code == 200
        assert "HX-Request" in replay["Vary"]

    def test_304_keeps_the_vary_header(self, client, prediction):
        first = client.get("/claims/")
        again = client.get("/claims/", headers={"If-None-Match": first["ETag"]})
        assert again.status_code == 304
        assert "HX-Request" in again["Vary"]

    def test_a_304_carries_what_shared_caches_and_browsers_need_of_the_page(
        self, client, prediction
    ):
        for url in ["/", "/claims/", prediction.get_absolute_url(), "/feed/", "/methodology/"]:
            first = client.get(url)
            again = client.get(url, headers={"If-None-Match": first["ETag"]})
            assert again.status_code == 304, url
            for header in ["ETag", "Cache-Control", "Vary", "Last-Modified"]:
                assert again.get(header) == first.get(header), (url, header)
