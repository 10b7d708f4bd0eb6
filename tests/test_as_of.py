"""The record as of any past day (``?as_of=YYYY-MM-DD``): a claim, its article
and its speaker built up over five days through the services, then each day's
pages read back, and the edge rules."""

import contextlib
import datetime
import json

import pytest
from bs4 import BeautifulSoup
from django.db import models
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as explore
from hypothesis import strategies as st

from factcheck import services
from factcheck.models import (
    Article,
    ArticleCorrection,
    Claim,
    ClaimCondition,
    Condition,
    ConditionSource,
    Correction,
    Person,
    Proposal,
    ReviewerProfile,
    Source,
    StatusChange,
)
from factcheck.statuses import Kind
from tests import desk

pytestmark = pytest.mark.django_db

DAY_1, DAY_2, DAY_3, DAY_4, DAY_5 = (datetime.date(2024, 3, day) for day in (1, 5, 10, 15, 20))
TEXT = (
    "Officials said permits will double by summer. Around 80,000 people received a permit."
    "\n\nCritics disagree."
)
CORRECTED_TEXT = (
    "Officials said permits will double by summer. Around 80,000 people received a permit "
    "last year.\n\nCritics disagree."
)
STAMPED = [Article, ArticleCorrection, Claim, Correction, Person, Proposal, Source, StatusChange]
STAMPED += [Condition, ClaimCondition, ConditionSource]


@contextlib.contextmanager
def on(day):
    """What the block writes, dated noon of ``day`` (UTC, the site's zone):
    every timestamp it set, its audit trail's included."""
    start = timezone.now()
    yield
    moment = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))
    for model in [*STAMPED, *(m.history.model for m in STAMPED if hasattr(m, "history"))]:
        for field in model._meta.concrete_fields:
            if isinstance(field, models.DateTimeField):
                model.objects.filter(**{f"{field.name}__gte": start}).update(**{field.name: moment})


def page(client, url, **query):
    response = client.get(url, query)
    assert response.status_code == 200, response
    return BeautifulSoup(response.content, "html.parser")


def words(soup):
    text = " ".join(soup.get_text(" ").split())
    for mark in ".,;:":
        text = text.replace(f" {mark}", mark)
    return text


def as_of(day):
    return {"as_of": day.isoformat()}


@pytest.fixture
def history(reviewer, editor):
    """Day 1: the article is published, with a prediction by Ada. Day 2: it is
    pending, with a summary and a source. Day 3: its criteria and resolve-by
    change, the article's title and text are corrected, Ada is renamed, and a
    fact is taken in. Day 4: the source is replaced, and "came true" is
    proposed. Day 5: the proposal is approved."""
    with on(DAY_1):
        article = Article.objects.create(
            title="Permits to double",
            publisher="Example Times",
            published_on=DAY_1,
            text=TEXT,
            slug="permits",
            published_at=timezone.now(),
        )
        ada = Person.objects.create(name="Ada Example", slug="ada", description="Economist")
        quote = "permits will double by summer"
        start, end = article.locate(quote)
        prediction = Claim.objects.create(
            article=article,
            speaker=ada,
            kind=Kind.PREDICTION,
            quote=quote,
            quote_start=start,
            quote_end=end,
            statement="Permits will double by June 2024.",
            resolution_criteria="Official figures show 160,000 permits.",
            resolve_by=datetime.date(2024, 6, 30),
            slug="double",
        )
    with on(DAY_2):
        desk.set_status(
            claim=prediction, to_status="pending", by=reviewer, summary="Early figures are in."
        )
        first_source = services.add_source(
            claim=prediction,
            by=reviewer,
            url="https://stats.example.org/q1",
            title="First-quarter permits",
            stance="supports",
        )
    with on(DAY_3):
        services.edit_claim(
            claim=prediction,
            changes={
                "resolution_criteria": "Official figures show 150,000 permits.",
                "resolve_by": datetime.date(2024, 3, 12),
            },
            by=reviewer,
            expected_version=prediction.version,
            correction_reason="The ministry's own target.",
        )
        services.correct_article_text(
            article=article, text=CORRECTED_TEXT, reason="The year was added.", by=editor
        )
        article.refresh_from_db()
        article.title = "Permits set to double"
        article.save()
        ada.name = "Ada Q. Example"
        services.edit_person(person=ada, by=editor)
        quote = "Around 80,000 people received a permit last year."
        start, end = article.locate(quote)
        fact = Claim.objects.create(
            article=article,
            kind=Kind.FACT,
            quote=quote,
            quote_start=start,
            quote_end=end,
            statement="80,000 people received a permit last year.",
            slug="eighty",
        )
    with on(DAY_4):
        services.remove_source(source=first_source, by=reviewer)
        services.add_source(
            claim=prediction,
            by=reviewer,
            url="https://stats.example.org/h1",
            title="First-half permits",
            stance="supports",
        )
        prediction.refresh_from_db()
        ReviewerProfile.objects.create(user=reviewer, public_name="Rita Reviewer")
        proposal = services.propose_status_change(
            claim=prediction,
            to_status="came_true",
            rationale="The half-year figures show 165,000.",
            by=reviewer,
            expected_version=prediction.version,
        )
    with on(DAY_5):
        services.approve_proposal(proposal=proposal, by=desk.approver())
    prediction.refresh_from_db()
    return prediction, fact, article, ada


def test_each_day_shows_the_claim_as_it_stood(client, history):
    prediction, *_ = history
    url = prediction.get_absolute_url()

    day_1 = words(page(client, url, **as_of(DAY_1)))
    assert "The record as it stood at the end of 1 March 2024." in day_1
    assert "Status: Unreviewed" in day_1
    assert "Official figures show 160,000 permits." in day_1
    assert "30 June 2024" in day_1
    assert "No sources yet." in day_1
    assert "Ada Example" in day_1 and "Ada Q. Example" not in day_1
    assert "Permits to double" in day_1

    day_2 = words(page(client, url, **as_of(DAY_2)))
    assert "Status: Pending" in day_2
    assert "Early figures are in." in day_2
    assert "First-quarter permits" in day_2

    day_3 = page(client, url, **as_of(DAY_3))
    assert "Official figures show 150,000 permits." in words(day_3)
    assert "Changed: Revised the resolution criteria." in words(day_3)
    assert "Ada Q. Example" in words(day_3) and "Permits set to double" in words(day_3)
    # Due two days later: no flag yet.
    assert not day_3.select(".due-flag")

    day_4 = page(client, url, **as_of(DAY_4))
    assert "Status: Pending" in words(day_4)
    assert [flag.get_text() for flag in day_4.select(".due-flag")] == ["overdue"]
    # The removed source is gone that day, its replacement there; the
    # proposal made that day is the desk's alone.
    assert "First-quarter permits" not in words(day_4)
    assert "First-half permits" in words(day_4)
    assert "Came true" not in words(day_4)
    assert "under editorial review" not in words(day_4)

    day_5 = page(client, url, **as_of(DAY_5))
    assert "Status: Came true" in words(day_5)
    assert not day_5.select(".due-flag")


def test_a_past_day_tells_search_engines_it_is_not_the_page(client, history, settings):
    prediction, *_ = history
    today = page(client, prediction.get_absolute_url())
    then = page(client, prediction.get_absolute_url(), **as_of(DAY_5))

    canonical = settings.FACTCHECK_SITE_URL + prediction.get_absolute_url()
    assert [soup.find("link", rel="canonical")["href"] for soup in (today, then)] == [canonical] * 2
    assert then.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert today.find("meta", attrs={"name": "robots"}) is None
    # The same verdict: ClaimReview on today's page only.
    assert json.loads(today.find("script", type="application/ld+json").string)["@type"]
    assert then.find("script", type="application/ld+json") is None
    banner = then.select_one(".as-of")
    assert banner.find("a")["href"] == prediction.get_absolute_url()


def test_each_timeline_entry_links_to_its_day(client, history):
    prediction, *_ = history
    soup = page(client, prediction.get_absolute_url())
    links = [a["href"] for a in soup.select(".timeline a") if "as_of" in a["href"]]
    url = prediction.get_absolute_url()
    assert links == [
        f"{url}?as_of=2024-03-05",
        # The resolution criteria and the resolve-by date: a correction each.
        f"{url}?as_of=2024-03-10",
        f"{url}?as_of=2024-03-10",
        f"{url}?as_of=2024-03-20",
    ]
    # The past day's page links its speaker and article as of that day.
    then = page(client, url, **as_of(DAY_3))
    assert then.find("a", string="Ada Q. Example")["href"] == "/speakers/ada/?as_of=2024-03-10"
    assert then.find("a", string="Permits set to double")["href"].startswith(
        "/articles/permits/?as_of=2024-03-10#quote-double"
    )


def test_before_the_claim_was_tracked_it_shows_only_what_was_said(client, history):
    _, fact, *_ = history
    soup = page(client, fact.get_absolute_url(), **as_of(DAY_2))
    text = words(soup)
    assert "Not yet tracked on 5 March 2024; tracked since 10 March 2024." in text
    assert "Around 80,000 people received a permit last year." in text
    assert "Permits set to double" in text
    assert "Status:" not in text and "Timeline" not in text and "Sources" not in text


def test_the_article_keeps_its_earlier_title_and_text(client, history):
    prediction, _, article, _ = history
    day_1 = page(client, article.get_absolute_url(), **as_of(DAY_1))
    assert day_1.h1.get_text() == "Permits to double"
    assert "received a permit. Critics" in words(day_1.select_one(".article-text"))
    assert "Corrected by the publisher" not in words(day_1)
    highlight = day_1.select_one("#quote-double a")
    assert highlight["href"] == f"{prediction.get_absolute_url()}?as_of=2024-03-01"
    assert "Unreviewed" in highlight.get_text()
    assert "1 claim" in words(day_1)

    day_3 = page(client, article.get_absolute_url(), **as_of(DAY_3))
    assert day_3.h1.get_text() == "Permits set to double"
    assert "received a permit last year." in words(day_3.select_one(".article-text"))
    assert "Corrected by the publisher on 10 March 2024: The year was added." in words(day_3)
    assert "2 claims" in words(day_3)


def test_before_the_article_was_published_it_has_no_claims_yet(client, history):
    *_, article, _ = history
    soup = page(client, article.get_absolute_url(), as_of="2024-02-01")
    assert "Not yet tracked on 1 February 2024; tracked since 1 March 2024." in words(soup)
    assert soup.h1.get_text() == "Permits to double"
    assert not soup.select(".claim-summaries li") and not soup.select("mark")


def test_the_article_lists_its_earlier_title_with_the_day_it_changed(client, history):
    *_, article, _ = history
    soup = page(client, article.get_absolute_url())
    assert "Earlier title: Permits to double, until 10 March 2024" in words(soup)
    earlier = soup.find("a", string="Permits to double")
    assert earlier["href"] == "/articles/permits/?as_of=2024-03-09"
    assert page(client, earlier["href"]).h1.get_text() == "Permits to double"
    # That day's page had no earlier title yet.
    assert "Earlier title" not in words(page(client, earlier["href"]))


def test_the_speaker_has_a_history(client, history):
    *_, ada = history
    day_1 = page(client, ada.get_absolute_url(), **as_of(DAY_1))
    assert day_1.h1.get_text() == "Ada Example"
    assert "Ada Example" in words(day_1.select_one(".claim-summaries"))
    record = {row.th.get_text(): row.td.get_text() for row in day_1.select(".record tbody tr")}
    assert record["Unreviewed"] == "1" and record["Came true"] == "0"

    day_5 = page(client, ada.get_absolute_url(), **as_of(DAY_5))
    assert day_5.h1.get_text() == "Ada Q. Example"
    record = {row.th.get_text(): row.td.get_text() for row in day_5.select(".record tbody tr")}
    assert record["Came true"] == "1"
    assert day_5.select_one(".claim-summaries a")["href"] == "/claims/double/?as_of=2024-03-20"

    today = words(page(client, ada.get_absolute_url()))
    assert "Earlier name: Ada Example, until 10 March 2024" in today
    # The audit trail says who renamed them.
    assert ada.history.first().history_user.username == "edith"

    before = words(page(client, ada.get_absolute_url(), as_of="2024-02-01"))
    assert "Not yet tracked on 1 February 2024; tracked since 1 March 2024." in before
    assert "No claims recorded." in before


def test_the_claim_list_filters_by_the_status_of_the_day(client, history):
    def slugs(**query):
        soup = page(client, "/claims/", **query)
        return [a["href"] for a in soup.select(".claim-summaries li > a")]

    assert slugs(status="pending", **as_of(DAY_1)) == []
    assert slugs(status="pending", **as_of(DAY_2)) == ["/claims/double/?as_of=2024-03-05"]
    listed = words(page(client, "/claims/", status="pending", **as_of(DAY_2)))
    assert "Ada Example" in listed and "Ada Q. Example" not in listed
    assert slugs(status="overdue", **as_of(DAY_4)) == ["/claims/double/?as_of=2024-03-15"]
    assert slugs(status="overdue") == []
    assert slugs(status="came_true") == ["/claims/double/"]
    # Not yet tracked that day, so not in that day's list.
    assert slugs(kind="fact", **as_of(DAY_2)) == []
    assert slugs(kind="fact", **as_of(DAY_3)) == ["/claims/eighty/?as_of=2024-03-10"]
    # Search reads today's text.
    assert slugs(q="last year", **as_of(DAY_3)) == ["/claims/eighty/?as_of=2024-03-10"]

    soup = page(client, "/claims/", status="pending", **as_of(DAY_2))
    assert soup.select_one('.filters input[name="as_of"]')["value"] == "2024-03-05"
    assert "Download these results" not in words(soup)
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    assert soup.select_one(".as-of a")["href"] == "/claims/?status=pending"


def test_today_or_later_redirects_to_the_page_itself(client, history):
    prediction, *_ = history
    today = timezone.localdate()
    for day in (today, today + datetime.timedelta(days=400)):
        response = client.get(prediction.get_absolute_url(), as_of(day))
        assert (response.status_code, response["Location"]) == (302, "/claims/double/")
    response = client.get("/claims/", {"as_of": today.isoformat(), "status": "came_true"})
    assert (response.status_code, response["Location"]) == (302, "/claims/?status=came_true")
    response = client.get("/claims/", {"as_of": ""})
    assert (response.status_code, response["Location"]) == (302, "/claims/")


@pytest.mark.parametrize(
    "value", ["2024-3-1", "20240301", "2024-02-30", "yesterday", "2024-03-01T00"]
)
def test_a_malformed_date_is_refused(client, history, value):
    prediction, _, article, ada = history
    for url in (prediction.get_absolute_url(), article.get_absolute_url(), ada.get_absolute_url()):
        response = client.get(url, {"as_of": value})
        assert response.status_code == 400
        assert "YYYY-MM-DD" in response.content.decode()


def test_a_past_day_is_cached_apart_from_today(client, history):
    prediction, *_ = history
    url = prediction.get_absolute_url()
    assert "Status: Came true" in words(page(client, url))
    assert "Status: Unreviewed" in words(page(client, url, **as_of(DAY_1)))
    assert "Status: Came true" in words(page(client, url))
    assert "Status: Pending" in words(page(client, url, **as_of(DAY_2)))


def test_the_day_ends_at_midnight_in_the_sites_time_zone(client, history, settings):
    prediction, *_ = history
    # Noon UTC on 5 March is already 6 March east of UTC+12.
    settings.TIME_ZONE = "Pacific/Kiritimati"
    assert "Status: Unreviewed" in words(
        page(client, prediction.get_absolute_url(), **as_of(DAY_2))
    )
    day_after = DAY_2 + datetime.timedelta(days=1)
    assert "Status: Pending" in words(
        page(client, prediction.get_absolute_url(), **as_of(day_after))
    )


@explore(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    value=st.one_of(
        st.text(st.characters(exclude_categories=["Cs"]), max_size=30),
        st.dates().map(datetime.date.isoformat),
    )
)
def test_any_value_is_a_page_a_redirect_or_a_refusal(client, prediction, value):
    for url in (
        prediction.get_absolute_url(),
        prediction.article.get_absolute_url(),
        prediction.speaker.get_absolute_url(),
        "/claims/",
    ):
        assert client.get(url, {"as_of": value}).status_code in (200, 302, 400), (url, value)


def test_a_tracked_condition_reads_as_it_stood_that_day(client, history, reviewer):
    """Linked on day 2, resolved on day 4: not there on day 1, open on day 3,
    resolved from day 4."""
    prediction = Claim.objects.get(slug="double")
    with on(DAY_2):
        condition = Condition.objects.create(
            slug="permits-still-issued", statement="Permits are still issued.", resolve_by=DAY_3
        )
        ClaimCondition.objects.create(claim=prediction, condition=condition)
    with on(DAY_4):
        services.add_condition_source(
            condition=condition, by=reviewer, url="https://gov.example.org/p", title="Permits"
        )
        services.resolve_condition(
            condition=condition,
            to_status=Condition.Status.MET,
            rationale="The ministry kept issuing them.",
            by=reviewer,
            expected_version=condition.version,
        )
    url = prediction.get_absolute_url()
    assert "Permits are still issued" not in words(page(client, url, **as_of(DAY_1)))
    day_3 = words(page(client, url, **as_of(DAY_3)))
    assert "Tracked condition (if met) Permits are still issued. · Open" in day_3
    assert "Condition resolved" not in day_3
    day_4 = words(page(client, url, **as_of(DAY_4)))
    assert "Condition resolved: Permits are still issued. — met on 15 March 2024" in day_4
