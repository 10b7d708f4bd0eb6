"""The shared cache of public pages: a change is visible at once, everywhere."""

import pytest
from django.core.cache.backends.base import BaseCache
from django.db import transaction
from django.test import override_settings

from factcheck import pagecache
from factcheck.services import add_source, change_claim_status, edit_claim

from .responses import body

pytestmark = pytest.mark.django_db


def move_to_pending(claim, reviewer):
    change_claim_status(
        claim=claim,
        to_status="pending",
        rationale="Waiting for the 2025 figures.",
        by=reviewer,
        expected_version=claim.version,
    )


def test_a_status_change_shows_at_once_on_every_page_that_shows_the_claim(
    client, prediction, reviewer
):
    urls = [
        "/",
        "/claims/",
        "/claims/?kind=prediction",
        prediction.get_absolute_url(),
        prediction.article.get_absolute_url(),
        prediction.speaker.get_absolute_url(),
        "/feed/",
        f"{prediction.get_absolute_url()}feed/",
        "/exports/claims.json",
    ]
    before = {url: body(client.get(url)).decode() for url in urls}
    assert "Waiting for the 2025 figures." not in before["/feed/"]
    move_to_pending(prediction, reviewer)
    for url in urls:
        after = body(client.get(url)).decode()
        assert after != before[url], url
    assert "Waiting for the 2025 figures." in client.get("/feed/").content.decode()
    assert "Pending" in client.get(prediction.get_absolute_url()).content.decode()


def test_an_edit_and_a_new_source_show_at_once(client, prediction, reviewer):
    url = prediction.get_absolute_url()
    client.get(url)
    edit_claim(
        claim=prediction,
        changes={"statement": "Permits will double by the end of 2025."},
        by=reviewer,
        expected_version=prediction.version,
    )
    assert "Permits will double by the end of 2025." in client.get(url).content.decode()
    add_source(
        claim=prediction,
        by=reviewer,
        title="Migration service annual report",
        stance="supports",
        url="https://example.com/report",
    )
    assert "Migration service annual report" in client.get(url).content.decode()


def test_a_repeat_visit_is_served_without_a_query(client, prediction, django_assert_num_queries):
    first = client.get(prediction.get_absolute_url())
    with django_assert_num_queries(0):
        again = client.get(prediction.get_absolute_url())
    assert again.content == first.content


def test_other_query_parameters_share_the_page_and_stay_out_of_its_links(
    client, fact, prediction, django_assert_num_queries
):
    first = client.get("/claims/?kind=fact&utm_source=newsletter")
    assert "utm_source" not in first.content.decode()
    with django_assert_num_queries(0):
        again = client.get("/claims/?utm_campaign=x&kind=fact")
    assert again.content == first.content
    # A parameter the list does read is a different page.
    predictions = client.get("/claims/?kind=prediction").content.decode()
    assert prediction.statement in predictions and fact.statement not in predictions


def test_missing_pages_are_not_cached(client, django_assert_num_queries, article):
    assert client.get("/claims/not-yet/").status_code == 404
    with django_assert_num_queries(1):
        assert client.get("/claims/not-yet/").status_code == 404


def test_pages_from_an_earlier_release_are_not_reused(
    client, prediction, monkeypatch, django_assert_num_queries
):
    first = client.get(prediction.get_absolute_url())
    monkeypatch.setattr(pagecache, "release", lambda: "next-release")
    again = client.get(prediction.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200 and again["ETag"] != first["ETag"]


def test_a_commit_starts_another_generation(
    prediction, reviewer, django_capture_on_commit_callbacks
):
    """A reader between a write and its commit may cache what it read (the old
    page) under the write's generation; the commit must leave that page unused."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        move_to_pending(prediction, reviewer)
        during = pagecache.current_generation()
    assert pagecache.current_generation() != during


def test_pages_are_rebuilt_when_the_cache_was_emptied(client, prediction):
    from django.core.cache import cache

    home, claim = client.get("/"), client.get(prediction.get_absolute_url())
    cache.clear()  # a restart of the cache server, or its files removed
    pagecache.recent_pages.clear()  # and of the app server
    again = client.get("/", headers={"If-None-Match": home["ETag"]})
    assert again.status_code == 200 and again.content == home.content
    # A claim page's ETag comes from the claim's own revision: still valid.
    again = client.get(prediction.get_absolute_url(), headers={"If-None-Match": claim["ETag"]})
    assert again.status_code == 304


def test_a_claim_page_outlives_changes_to_other_claims(
    client, prediction, fact, reviewer, django_assert_num_queries
):
    first = client.get(prediction.get_absolute_url())
    change_claim_status(  # the site's generation moves on
        claim=fact, to_status="in_review", rationale="R.", by=reviewer, expected_version=1
    )
    with django_assert_num_queries(1):  # its revision; nothing is rendered
        again = client.get(prediction.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    move_to_pending(prediction, reviewer)
    changed = client.get(prediction.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert (
        changed.status_code == 200 and "Waiting for the 2025 figures." in changed.content.decode()
    )


def test_the_hosts_a_client_sends_neither_shape_the_page_nor_fill_the_cache(
    client, prediction, tmp_path
):
    url = prediction.get_absolute_url()
    hosts = ["testserver", "testserver:8000", "TESTSERVER", "testserver.", "localhost:1234"]
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path),
            }
        }
    ):
        pagecache.recent_pages.clear()
        pages = [client.get(url, headers={"Host": host}) for host in hosts]
        entries = sorted(tmp_path.iterdir())
        # The generation and the page at each of its two levels; nothing per host.
        assert len(entries) == 3
        assert all(page.status_code == 200 for page in pages)
        assert len({page.content for page in pages}) == 1
    assert f'<link rel="canonical" href="http://testserver{url}">' in pages[0].content.decode()


class UnreachableCache(BaseCache):
    """A cache server that is down: every call fails."""

    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        raise ConnectionError("cache server unreachable")

    get = set = add = delete = clear = get_many = _fail


@override_settings(CACHES={"default": {"BACKEND": "tests.test_page_cache.UnreachableCache"}})
def test_pages_are_served_and_changes_saved_while_the_cache_is_down(
    client, prediction, reviewer, caplog
):
    pagecache.recent_pages.clear()
    for url in ["/", "/claims/", prediction.get_absolute_url(), "/feed/"]:
        assert client.get(url).status_code == 200, url
    move_to_pending(prediction, reviewer)
    assert "Pending" in client.get(prediction.get_absolute_url()).content.decode()
    assert "Page cache unavailable" in caplog.text


def test_last_modified_says_the_end_of_the_changes_second_only_once_it_is_over():
    assert pagecache.shown_last_modified(100.25, now=100.5) == 100
    assert pagecache.shown_last_modified(100.25, now=101.0) == 101
    # A change at a whole second (midnight, when overdue flags move) too.
    assert pagecache.shown_last_modified(100.0, now=100.5) == 100
    assert pagecache.shown_last_modified(100.0, now=102.0) == 101
