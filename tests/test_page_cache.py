"""The page cache of the public pages: a change is visible at once, everywhere."""

import datetime

import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache
from django.db import transaction
from django.test import override_settings

from factcheck import caching, site_version
from factcheck.models import Article, Claim, Person
from factcheck.services import (
    add_source,
    edit_claim,
    edit_source,
    remove_source,
)
from tests.desk import set_status

from .responses import body

pytestmark = pytest.mark.django_db


def move_to_pending(claim, reviewer):
    set_status(
        claim=claim,
        to_status="pending",
        rationale="Waiting for the 2025 figures.",
        by=reviewer,
        expected_version=claim.version,
    )


def test_a_status_change_shows_at_once_on_every_page_that_shows_the_claim(
    client, prediction, reviewer, committed
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
    with committed():
        move_to_pending(prediction, reviewer)
    for url in urls:
        after = body(client.get(url)).decode()
        assert after != before[url], url
    assert "Waiting for the 2025 figures." in client.get("/feed/").content.decode()
    assert "Pending" in client.get(prediction.get_absolute_url()).content.decode()


def test_an_edit_and_a_new_source_show_at_once(client, prediction, reviewer, committed):
    url = prediction.get_absolute_url()
    client.get(url)
    with committed():
        edit_claim(
            claim=prediction,
            changes={"statement": "Permits will double by the end of 2025."},
            by=reviewer,
            expected_version=prediction.version,
            correction_reason="Reworded for readers.",
        )
    assert "Permits will double by the end of 2025." in client.get(url).content.decode()
    with committed():
        add_source(
            claim=prediction,
            by=reviewer,
            title="Migration service annual report",
            stance="supports",
            url="https://example.com/report",
            reason="A better source came out.",
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
    client, prediction, settings, django_assert_num_queries
):
    client.get(prediction.get_absolute_url())
    settings.FACTCHECK_RELEASE = "next-release"
    with django_assert_num_queries(6):  # rendered again
        client.get(prediction.get_absolute_url())


def test_a_write_moves_the_site_version_once_when_it_commits(
    prediction, reviewer, django_capture_on_commit_callbacks
):
    before = site_version.site_version()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        move_to_pending(prediction, reviewer)
        # A reader before the commit still gets the old pages, as it should.
        assert site_version.site_version() == before
    assert len(callbacks) == 1
    assert site_version.site_version() != before


def test_a_page_rendered_again_keeps_its_etag_while_its_content_is_the_same(
    client, prediction, fact, reviewer, committed
):
    first = client.get(prediction.get_absolute_url())
    with committed():  # another claim changes: the site's version moves on
        set_status(
            claim=fact, to_status="in_review", rationale="R.", by=reviewer, expected_version=1
        )
    again = client.get(prediction.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304
    with committed():
        move_to_pending(prediction, reviewer)
    changed = client.get(prediction.get_absolute_url(), headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200
    assert "Waiting for the 2025 figures." in changed.content.decode()


def test_pages_are_rebuilt_when_the_caches_were_emptied(client, prediction):
    home = client.get("/")
    for alias in ("default", "pages"):  # a restart of the cache server and the app
        caches[alias].clear()
    again = client.get("/", headers={"If-None-Match": home["ETag"]})
    assert again.status_code == 304  # the same page, so the same ETag
    assert client.get("/").content == home.content


def test_the_hosts_a_client_sends_neither_shape_the_page_nor_fill_the_cache(
    client, prediction, tmp_path
):
    url = prediction.get_absolute_url()
    hosts = ["testserver", "testserver:8000", "TESTSERVER", "testserver.", "localhost:1234"]
    with override_settings(
        CACHES={
            **settings.CACHES,
            "pages": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path),
            },
        }
    ):
        pages = [client.get(url, headers={"Host": hosts[0]})]
        one_host = sorted(tmp_path.iterdir())
        pages += [client.get(url, headers={"Host": host}) for host in hosts[1:]]
        # Nothing per host: the others found the first one's entries.
        assert one_host and sorted(tmp_path.iterdir()) == one_host
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


@override_settings(
    CACHES={
        "default": {"BACKEND": "tests.test_page_cache.UnreachableCache"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    }
)
def test_pages_are_served_and_changes_saved_while_the_shared_cache_is_down(
    client, prediction, reviewer, caplog, committed
):
    for url in ["/", "/claims/", prediction.get_absolute_url(), "/feed/"]:
        assert client.get(url).status_code == 200, url
    with committed():
        move_to_pending(prediction, reviewer)
    assert "Pending" in client.get(prediction.get_absolute_url()).content.decode()
    assert "Shared cache unavailable; serving pages uncached" in caplog.text
    assert "Shared cache unavailable; the site version did not move" in caplog.text


def test_last_modified_says_the_end_of_the_changes_second_only_once_it_is_over():
    assert caching.shown_last_modified(100.25, now=100.5) == 100
    assert caching.shown_last_modified(100.25, now=101.0) == 101
    # A change at a whole second (midnight, when overdue flags move) too.
    assert caching.shown_last_modified(100.0, now=100.5) == 100
    assert caching.shown_last_modified(100.0, now=102.0) == 101


def edit_article(claim, **values):
    Article.objects.filter(pk=claim.article_id).update(**values)
    site_version.public_changed()  # as the admin does after a save


def edit_speaker(claim, **values):
    Person.objects.filter(pk=claim.speaker_id).update(**values)
    site_version.public_changed()


def edit(claim, reviewer, **changes):
    edit_claim(
        claim=claim,
        changes=changes,
        by=reviewer,
        expected_version=claim.version,
        correction_reason="Reworded for readers.",
    )


def edit_the_source(claim, reviewer, **changes):
    edit_source(
        source=claim.sources.get(),
        by=reviewer,
        changes=changes,
        reason="The source was superseded.",
    )


# Everything the claim page shows that can change, and a change of it.
CHANGES = {
    "statement": lambda claim, by: edit(claim, by, statement="Permits will triple."),
    "summary": lambda claim, by: edit(claim, by, summary="Figures are due in 2026."),
    "condition": lambda claim, by: edit(claim, by, condition="If the quota stays."),
    "criteria": lambda claim, by: edit(claim, by, resolution_criteria="At least 200,000."),
    "resolve by": lambda claim, by: edit(claim, by, resolve_by=datetime.date(2026, 6, 30)),
    "speaker": lambda claim, by: edit(claim, by, speaker=None),
    "status (timeline)": move_to_pending,
    "correction": lambda claim, by: (
        set_status(
            claim=claim,
            to_status="came_true",
            rationale="R.",
            by=by,
            expected_version=claim.version,
        )
        or edit(claim, by, summary="Revised after the verdict.")
    ),
    "article title": lambda claim, by: edit_article(claim, title="Permits, revised"),
    "article publisher": lambda claim, by: edit_article(claim, publisher="Other Times"),
    # Linked while the claim has no sources.
    "article url": lambda claim, by: edit_article(claim, url="https://example.com/moved"),
    "article date": lambda claim, by: edit_article(claim, published_on=datetime.date(2022, 10, 21)),
    # In the quote's paragraph, after it: the quote keeps its offsets.
    "article text": lambda claim, by: edit_article(
        claim, text=claim.article.text.replace("by 2025.", "by 2025, they said.")
    ),
    "speaker name": lambda claim, by: edit_speaker(claim, name="Ada Q. Example"),
    "speaker description": lambda claim, by: edit_speaker(claim, description="Former head"),
    **{
        f"source {name}": lambda claim, by, name=name, value=value: edit_the_source(
            claim, by, **{name: value}
        )
        for name, value in [
            ("url", "https://example.com/report-2"),
            ("archived_url", "https://archive.example/report"),
            ("title", "Annual report, second edition"),
            ("publisher", "Migration Service"),
            ("published_on", datetime.date(2024, 3, 1)),
            ("stance", "refutes"),
            ("note", "Table 2."),
        ]
    },
    "source removed": lambda claim, by: remove_source(
        source=claim.sources.get(), by=by, reason="The source was superseded."
    ),
}


@pytest.mark.parametrize("change", CHANGES)
def test_every_change_to_what_the_claim_page_shows_changes_the_page_and_its_etag(
    client, prediction, reviewer, committed, change
):
    if change.startswith("source"):
        add_source(
            claim=prediction,
            by=reviewer,
            title="Annual report",
            stance="supports",
            url="https://example.com/report",
            reason="A better source came out.",
        )
    url = prediction.get_absolute_url()
    before = client.get(url)
    with committed():
        CHANGES[change](Claim.objects.get(pk=prediction.pk), reviewer)
    after = client.get(url, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after.content != before.content and after["ETag"] != before["ETag"]
