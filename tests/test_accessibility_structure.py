"""Structure every public page, and every page of the intake, needs for screen
readers and keyboards: one h1, headings that never skip a level, landmarks,
labelled controls, and status colours always paired with their text. (The
browser tests add axe-core.)"""

import pytest
from bs4 import BeautifulSoup
from django.test import Client

from factcheck.models import ReaderMessage
from factcheck.services import add_source, receive_reader_message
from tests.desk import set_status

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(fact, prediction, reviewer, editor):
    """Each page, parsed as its reader gets it: the public ones anonymously."""
    add_source(
        claim=fact,
        by=reviewer,
        url="https://example.gov/s",
        title="S",
        stance="supports",
        reason="A better source came out.",
    )
    set_status(claim=fact, to_status="accurate", rationale="Yes.", by=reviewer, expected_version=1)
    public = [
        "/",
        fact.article.get_absolute_url(),
        "/claims/",
        fact.get_absolute_url(),
        prediction.get_absolute_url(),
        prediction.speaker.get_absolute_url(),
        "/methodology/",
        "/articles/",
        "/speakers/",
        "/claims/?status=awaiting_resolution",
        "/corrections/",
        "/about/",
        "/suggest/",
        f"{fact.get_absolute_url()}report/",
    ]
    receive_reader_message(
        message=ReaderMessage(kind=ReaderMessage.Kind.REPORT, claim=fact, text="Wrong.")
    )
    intake = f"/review/articles/{fact.article.slug}/"
    editors = [
        "/review/articles/",
        "/review/articles/new/",
        intake,  # two sentences with claims, one open with its form
        f"{intake}claims/new/?start=0&end=55",
        f"{intake}preview/",
        # The review page as an editor has it (the owner panel's form), from
        # a queue section, and the queue of their own claims.
        f"/review/claims/{prediction.slug}/?section=overdue",
        "/review/?owner=mine",
        "/review/messages/",  # one to handle, with its form
        "/review/about/",
    ]
    anonymous, editor_client = Client(), Client()
    editor_client.force_login(editor)
    parsed = {}
    for client, urls in ((anonymous, public), (editor_client, editors)):
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            parsed[url] = BeautifulSoup(response.content, "html.parser")
    return parsed


def test_headings_start_at_one_h1_and_never_skip_a_level(pages):
    for url, page in pages.items():
        levels = [int(h.name[1]) for h in page.find_all(["h1", "h2", "h3", "h4", "h5", "h6"])]
        assert levels[0] == 1 and levels.count(1) == 1, url
        for previous, current in zip(levels, levels[1:], strict=False):
            assert current <= previous + 1, (url, levels)


def test_every_page_has_landmarks_and_a_skip_link(pages):
    for url, page in pages.items():
        assert page.select_one("header.site-header nav[aria-label]"), url
        assert page.select_one("main#main"), url
        assert page.select_one("footer"), url
        assert page.select_one("a.skip-link")["href"] == "#main"
        assert page.html["lang"] == "en"


def test_every_form_control_has_a_label(pages):
    for url, page in pages.items():
        for control in page.select("input:not([type=hidden]), select, textarea"):
            assert page.select_one(f"label[for={control['id']}]"), (url, control)


def test_status_colours_always_come_with_their_label(pages):
    for url, page in pages.items():
        for badge in page.select(".status, .status-tag"):
            assert badge.get_text(strip=True), (url, badge)
        for chart in page.select("svg.status-bar"):
            assert chart["role"] == "img"
            assert chart.find("title").get_text(strip=True).startswith("Claims by status:")
