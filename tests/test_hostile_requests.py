"""Hostile and odd requests to the public pages: whatever the headers say, the
answer is a page or a clear refusal, never a 5xx, and never a cached copy
that another reader would then be served."""

import datetime
import json
import logging
import re
import xml.etree.ElementTree as ET

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.urls import URLPattern, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck import services
from factcheck.models import ClaimCondition, Condition
from factcheck.services import add_source
from factcheck.urls import public_patterns
from tests.desk import set_status

from .responses import body

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
MARKUP = "<img src=x onerror=alert(2)>"


@pytest.fixture
def published(prediction, reviewer):
    """A claim with a status change, a correction and a source: something on
    every public page, feed and export; it hangs on a condition, resolved."""
    condition = Condition.objects.create(
        slug="permit-scheme-runs",
        statement=f"The permit scheme runs {MARKUP}",
        resolve_by=datetime.date(2025, 6, 30),
    )
    ClaimCondition.objects.create(claim=prediction, condition=condition)
    services.add_condition_source(
        condition=condition, by=reviewer, url="https://gazette.example.gov/", title=MARKUP
    )
    services.resolve_condition(
        condition=condition,
        to_status="met",
        rationale=f"{MARKUP} The gazette says so.",
        by=reviewer,
        expected_version=1,
    )
    prediction.refresh_from_db()
    set_status(
        claim=prediction,
        to_status="came_true",
        rationale=f"{MARKUP}\nThe 2025 figures are in.",
        by=reviewer,
        expected_version=prediction.version,
    )
    add_source(
        claim=prediction,
        by=reviewer,
        url="https://stats.example.gov/2025",
        title=f"Permits 2025 {MARKUP}",
        stance="supports",
        reason="A better source came out.",
    )
    prediction.refresh_from_db()
    return prediction


def public_urls(claim, condition=None):
    """Every public URL pattern, filled in with the claim's own records (and
    ``condition``, by default the one it hangs on). A new pattern with an
    argument this does not know fails here, so it cannot be left out of the
    tests below."""
    condition = condition or claim.condition_links.get().condition
    values = {
        "article_detail": claim.article.slug,
        "article_feed": claim.article.slug,
        "claim_detail": claim.slug,
        "claim_feed": claim.slug,
        "report_error": claim.slug,
        "person_detail": claim.speaker.slug,
        "person_feed": claim.speaker.slug,
        "condition_detail": condition.slug,
        "sitemap_section": "claims",  # the claim's URL is in it
    }
    urls = []
    for pattern in public_patterns:
        assert isinstance(pattern, URLPattern)
        names = pattern.pattern.converters
        arguments = dict.fromkeys(names, values[pattern.name]) if names else {}
        urls.append(reverse(f"factcheck:{pattern.name}", kwargs=arguments))
    return urls


# --- Feeds carry reviewers' text, never their markup ----------------------------


def summaries(response):
    feed = ET.fromstring(response.content)
    return [entry.find(f"{ATOM}summary") for entry in feed.iter(f"{ATOM}entry")]


@pytest.mark.parametrize("feed", ["site", "claim"])
def test_feeds_carry_markup_in_reviewer_text_as_text(client, published, feed):
    url = "/feed/" if feed == "site" else f"{published.get_absolute_url()}feed/"
    found = [s for s in summaries(client.get(url)) if "2025 figures" in (s.text or "")]
    assert found, "the rationale is in the feed"
    for summary in found:
        # type="html": the element's text is HTML, which a feed reader renders.
        assert summary.get("type") == "html"
        assert "<img" not in summary.text
        assert "&lt;img src=x onerror=alert(2)&gt;" in summary.text
        assert "<br>The 2025 figures are in." in summary.text  # the line break kept


def test_feed_corrections_are_text_too(client, published):
    corrections = [
        s.text
        for s in summaries(client.get(f"{published.get_absolute_url()}feed/"))
        if "Added a source" in s.text
    ]
    assert corrections == [
        "<p>Added a source: Permits 2025 &lt;img src=x onerror=alert(2)&gt;.</p>\n\n"
        "<p>Why: A better source came out.</p>"
    ]


# --- Hosts ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host", ["evil.example", "", "localhost:abc", "127.0.0.1 evil", "a@b", "x" * 300]
)
def test_a_disallowed_host_gets_a_plain_400_and_one_warning_line(client, fact, host, caplog):
    with caplog.at_level(logging.INFO):
        response = client.get("/", headers={"Host": host, "X-Forwarded-Proto": "https"})
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()
    records = [r for r in caplog.records if r.name.startswith("django.")]
    assert [(r.name, r.levelno) for r in records] == [
        ("django.security.DisallowedHost", logging.WARNING)
    ]
    assert records[0].exc_info is None and "\n" not in records[0].getMessage()


@override_settings(FACTCHECK_SITE_URL="https://facts.example.org")
def test_absolute_urls_come_from_the_site_url_not_the_request(client, published):
    claim_path = published.get_absolute_url()
    for url in public_urls(published):
        text = body(
            client.get(url, headers={"Host": "localhost:8000", "X-Forwarded-Proto": "https"})
        ).decode()
        assert "localhost" not in text, url
        assert "testserver" not in text, url
    page = client.get(claim_path).content.decode()
    assert f'<link rel="canonical" href="https://facts.example.org{claim_path}">' in page
    assert f'<meta property="og:url" content="https://facts.example.org{claim_path}">' in page
    review = json.loads(re.search(r"application/ld\+json\">(.*?)</script>", page).group(1))
    assert review["url"] == f"https://facts.example.org{claim_path}"
    feed = ET.fromstring(client.get(f"{claim_path}feed/").content)
    links = [link.get("href") for link in feed.iter(f"{ATOM}link")]
    assert links and all(link.startswith("https://facts.example.org/") for link in links)
    export = json.loads(body(client.get("/exports/claims.json")))
    assert export["claims"][0]["url"] == f"https://facts.example.org{claim_path}"


# --- Vary -------------------------------------------------------------------------

# Request headers a page could be tempted to answer differently, with a value.
HEADERS = {
    "HX-Request": "true",
    "HX-History-Restore-Request": "true",
    "HX-Target": "claim-results",
    "HX-Trigger": "id_q",
    "HX-Current-URL": "http://testserver/claims/?q=x",
    "HX-Boosted": "true",
    "Accept": "application/json",
    "Accept-Language": "de",
    "User-Agent": "Feedfetcher",
    "X-Forwarded-Proto": "https",
    "X-Requested-With": "XMLHttpRequest",
}


def named_in_vary(response, header):
    vary = {name.strip().lower() for name in response.get("Vary", "").split(",")}
    return header.lower() in vary


def test_every_response_that_depends_on_a_header_names_it_in_vary(client, published):
    urls = [*public_urls(published), "/claims/?q=permits"]
    for url in urls:
        for base in ({}, {"HX-Request": "true"}):
            plain = client.get(url, headers=base)
            served = comparable(body(plain))  # a streamed body can be read once
            for header, value in HEADERS.items():
                varied = client.get(url, headers={**base, header: value})
                if comparable(body(varied)) != served:
                    assert named_in_vary(varied, header), (url, base, header)
                    assert named_in_vary(plain, header), (url, base, header)


def test_the_claim_list_names_both_headers_that_choose_its_fragment(client, published):
    restore = client.get(
        "/claims/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    fragment = client.get("/claims/", headers={"HX-Request": "true"})
    assert b"<html" in restore.content and b"<html" not in fragment.content
    for response in (restore, fragment):
        assert named_in_vary(response, "HX-Request")
        assert named_in_vary(response, "HX-History-Restore-Request")


# --- The guard: hostile headers on every public URL -----------------------------

latin1 = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40)
HOSTILE_HEADERS = {
    "Host": st.one_of(
        st.sampled_from(
            [
                "evil.example",
                "",
                "localhost:abc",
                "127.0.0.1 evil",
                "a@b",
                "TESTSERVER",
                "testserver.",
                "testserver:8000",
                "testserver:99999",
                "[::1]",
                "localhost:1234",
                "x" * 2000,
            ]
        ),
        latin1,
    ),
    "X-Forwarded-Proto": st.sampled_from(["https", "http", "ftp", "https, http", ""]),
    "X-Forwarded-Host": st.sampled_from(["evil.example", "testserver", "a" * 500]),
    "X-Forwarded-For": st.sampled_from(["1.2.3.4, 5.6.7.8", "not-an-ip", "::1", "9" * 500]),
    "X-Forwarded-Port": st.sampled_from(["443", "-1", "99999999999", "abc"]),
    "HX-Request": st.sampled_from(["true", "false", "TRUE", "", "1"]),
    "HX-Target": st.one_of(st.sampled_from(["claim-results", "main", "<script>"]), latin1),
    "HX-History-Restore-Request": st.sampled_from(["true", "false", "yes", ""]),
    "HX-Current-URL": st.one_of(st.just("javascript:alert(1)"), latin1),
    "If-None-Match": st.one_of(
        st.sampled_from(["*", '"abc"', 'W/"abc"', '"a", "b"', "garbage", '"' * 3000]), latin1
    ),
    "If-Modified-Since": st.one_of(
        st.sampled_from(
            [
                "Thu, 01 Jan 1970 00:00:00 GMT",
                "Fri, 31 Dec 9999 23:59:59 GMT",
                "Sun, 06 Nov 1994 08:49:37 GMT",
                "Sunday, 06-Nov-94 08:49:37 GMT",
                "yesterday",
                "",
            ]
        ),
        latin1,
    ),
    "If-Match": st.sampled_from(["*", '"nope"']),
    "If-Unmodified-Since": st.sampled_from(["Thu, 01 Jan 1970 00:00:00 GMT", "soon"]),
    "Range": st.sampled_from(["bytes=0-10", "bytes=-5", "bytes=99999999999-", "lines=1-2", "x"]),
    "Cookie": st.sampled_from(
        [
            "sessionid=" + "a" * 8000,
            "csrftoken=" + "<script>" * 100,
            ";;;==;;",
            "sessionid=; sessionid=x; sessionid=y",
            "; ".join(f"c{i}=v" for i in range(500)),
        ]
    ),
    "Accept-Encoding": st.sampled_from(["gzip", "br", "*;q=0", "x" * 1000]),
}


def comparable(content):
    # The JSON export says when it was generated, and a reader's form carries a
    # CSRF token masked afresh each time; nothing else on a page moves.
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)
    return re.sub(rb'"generated_at": "[^"]*"', b"", content)


def readers_see(client, url):
    plain = client.get(url)
    htmx = client.get(url, headers={"HX-Request": "true"})
    return plain.status_code, comparable(body(plain)), htmx.status_code, comparable(body(htmx))


@pytest.fixture
def cold_pages(client, published):
    """What readers are served from a cold cache, before any hostile request."""
    for alias in ("default", "pages"):
        caches[alias].clear()
    return {url: readers_see(client, url) for url in public_urls(published)}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_headers_never_5xx_nor_change_what_readers_are_served(client, cold_pages, data):
    url = data.draw(st.sampled_from(sorted(cold_pages)), label="url")
    names = data.draw(
        st.sets(st.sampled_from(sorted(HOSTILE_HEADERS)), min_size=1), label="headers"
    )
    headers = {name: data.draw(HOSTILE_HEADERS[name], label=name) for name in sorted(names)}
    response = client.get(url, headers=headers)
    assert response.status_code < 500, headers
    assert readers_see(client, url) == cold_pages[url]


# Readers' forms, which take their POSTs (tests/test_contact.py).
READER_FORMS = ["/suggest/", "/claims/permits-will-double/report/"]


def test_public_pages_and_feeds_only_answer_reading(client, published):
    assert set(READER_FORMS) <= set(public_urls(published))
    for url in set(public_urls(published)) - set(READER_FORMS):
        response = client.post(url, {"x": "1"})
        assert response.status_code == 405, url
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}, url


# --- Searches written in the databases' query syntax ------------------------------

QUERY_SYNTAX = st.lists(
    st.sampled_from(
        ['"', "*", "NEAR(", ")", "-", "AND", "OR", "NOT", ":", "^", "+", "{", "}", "'"]
        + ["&", "|", "!", "<->", ":*", "\\", "%", "_", "permit", "80,000", "\u00a0"]
    ),
    max_size=12,
).map(lambda pieces: "".join(pieces) if len(pieces) % 2 else " ".join(pieces))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(q=st.one_of(QUERY_SYNTAX, st.text(st.characters(exclude_categories=["Cs"]), max_size=250)))
def test_a_search_in_any_syntax_is_answered_not_a_5xx(client, published, q):
    # FTS5's and tsquery's operators are plain text: the list and the exports answer.
    for url in ("/claims/", "/exports/claims.csv", "/exports/claims.json"):
        response = client.get(url, {"q": q})
        body(response)  # a streamed export fails, if at all, while it is read
        assert response.status_code == 200, (url, q)
