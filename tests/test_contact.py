"""Readers reaching the desk (issue 17): error reports and suggestions are
stored for the desk and shown nowhere public, rate-limited per client address,
hostile input refused; editors mark them handled and readers' addresses are
deleted 90 days after; the about page is written by editors."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from factcheck.models import ReaderMessage, SitePage
from factcheck.urls import public_patterns

from .responses import body
from .test_drafts import draft, public_urls  # noqa: F401 (draft: a fixture)

MARK = "Qzvkx"


def page(response):
    return BeautifulSoup(response.content, "html.parser")


def text(response):
    return page(response).get_text(" ", strip=True)


def report_url(claim):
    return reverse("factcheck:report_error", args=[claim.slug])


SUGGEST_URL = "/suggest/"


def report(client, claim, data=(), **request):
    """Send an error report; ``request``: the request's META (REMOTE_ADDR…)."""
    data = {"text": f"{MARK} the figure is 8,000.", **dict(data)}
    return client.post(report_url(claim), data, **request)


def suggest(client, data=(), **request):
    data = {"text": f"{MARK} said rents will halve.", **dict(data)}
    return client.post(SUGGEST_URL, data, **request)


# --- Sending ------------------------------------------------------------------------


def test_an_error_report_is_stored_with_its_claim_and_the_reader_gets_a_reference(client, fact):
    response = report(client, fact, {"email": " reader@example.org "})
    assert response.status_code == 302 and response.url == report_url(fact)

    message = ReaderMessage.objects.get()
    assert message.kind == ReaderMessage.Kind.REPORT
    assert message.claim == fact
    assert message.text == f"{MARK} the figure is 8,000."
    assert message.email == "reader@example.org"
    assert not message.is_handled
    confirmation = text(client.get(response.url))
    assert f"Its reference is {message.reference}" in confirmation
    # Random, so it says nothing of how many came before.
    assert message.reference.startswith("R-") and len(message.reference) == 10


def test_a_suggestion_is_stored_without_a_claim_with_where_it_was_said(client, db):
    response = suggest(client, {"source_url": "https://example.com/interview"})
    assert response.status_code == 302
    message = ReaderMessage.objects.get()
    assert message.kind == ReaderMessage.Kind.SUGGESTION and message.claim is None
    assert message.source_url == "https://example.com/interview"
    assert message.email == ""
    assert message.reference in text(client.get(response.url))


def test_each_message_gets_its_own_reference(client, fact):
    for _ in range(3):
        report(client, fact)
    assert len(set(ReaderMessage.objects.values_list("reference", flat=True))) == 3


def test_the_forms_are_private_carry_a_token_and_the_claim_page_stays_the_same_for_all(
    client, fact
):
    for url in [report_url(fact), SUGGEST_URL]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, no-store", url
        assert page(response).select_one("form input[name=csrfmiddlewaretoken]"), url

    claim_page = client.get(fact.get_absolute_url())
    assert "public" in claim_page["Cache-Control"]
    assert not claim_page.cookies
    assert b"csrfmiddlewaretoken" not in claim_page.content
    assert page(claim_page).find("a", href=report_url(fact)).get_text() == "Report an error"
    # Another visitor, with cookies of their own, gets the same bytes.
    other = Client()
    other.get(SUGGEST_URL)
    assert other.get(fact.get_absolute_url()).content == claim_page.content


def test_every_page_links_to_the_suggestion_form_and_the_about_page_in_its_footer(
    client, fact, reviewer
):
    client.force_login(reviewer)
    for url in ["/", fact.get_absolute_url(), "/methodology/", "/review/", SUGGEST_URL]:
        footer = page(client.get(url)).select_one("footer.site-footer")
        links = {a["href"]: a.get_text() for a in footer.find_all("a")}
        assert links.get(SUGGEST_URL) == "Suggest a claim", url
        assert links.get("/about/") == "About us", url


def test_a_draft_claim_cannot_be_reported(client, draft):  # noqa: F811
    claim = draft.claims.get()
    assert client.get(report_url(claim)).status_code == 404
    assert report(client, claim).status_code == 404
    assert not ReaderMessage.objects.exists()


# --- Never public ---------------------------------------------------------------------


def test_a_reader_message_is_nowhere_on_the_public_site(client, draft, prediction):  # noqa: F811
    reader = Client()  # sends; the client below reads as anyone else would
    report(reader, prediction, {"email": "qzvkx-reader@example.org"})
    suggest(reader, {"source_url": "https://example.com/qzvkx"})
    message = ReaderMessage.objects.first()
    assert ReaderMessage.objects.count() == 2
    own, others = public_urls(draft, prediction)
    assert {pattern.name for pattern in public_patterns} == own.keys() | others.keys()
    for url in [url for urls in others.values() for url in urls]:
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        content = body(response).lower()
        assert MARK.lower().encode() not in content, url
        assert message.reference.lower().encode() not in content, url


# --- Rate limiting -------------------------------------------------------------------


def test_the_sixth_message_in_an_hour_from_one_address_is_refused_with_the_text_kept(
    client, fact, settings
):
    assert settings.FACTCHECK_READER_MESSAGES_PER_HOUR == 5
    for n in range(5):
        assert report(client, fact, REMOTE_ADDR="81.2.69.160").status_code == 302, n
    refused = client.post(
        report_url(fact),
        {"text": "My sixth report.", "email": "me@example.org"},
        REMOTE_ADDR="81.2.69.160",
    )
    assert refused.status_code == 429
    form = page(refused).select_one("form")
    assert form.select_one("textarea[name=text]").get_text().strip() == "My sixth report."
    assert form.select_one("input[name=email]")["value"] == "me@example.org"
    assert "please send it again in an hour" in form.get_text()
    assert ReaderMessage.objects.count() == 5
    # Suggestions count in the same hour; another address has its own.
    assert suggest(client, REMOTE_ADDR="81.2.69.160").status_code == 429
    assert report(client, fact, REMOTE_ADDR="81.2.69.161").status_code == 302


def test_an_ipv6_client_is_counted_by_its_64(client, fact, settings):
    settings.FACTCHECK_READER_MESSAGES_PER_HOUR = 2
    assert report(client, fact, REMOTE_ADDR="2001:db8:1:2::1").status_code == 302
    assert report(client, fact, REMOTE_ADDR="2001:db8:1:2:ffff::9").status_code == 302
    assert report(client, fact, REMOTE_ADDR="2001:db8:1:2::abcd").status_code == 429
    assert report(client, fact, REMOTE_ADDR="2001:db8:1:3::1").status_code == 302


def test_behind_a_proxy_the_limit_counts_the_clients_address(client, fact, settings):
    settings.FACTCHECK_READER_MESSAGES_PER_HOUR = 1
    settings.AXES_IPWARE_PROXY_COUNT = 0  # as DJANGO_TRUSTED_PROXY_COUNT=1 sets it
    settings.AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

    def send(client_address):
        return report(client, fact, REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=client_address)

    assert send("81.2.69.160").status_code == 302
    assert send("81.2.69.160").status_code == 429
    assert send("81.2.69.161").status_code == 302


def test_without_a_trusted_proxy_a_forged_forwarded_for_changes_nothing(client, fact, settings):
    settings.FACTCHECK_READER_MESSAGES_PER_HOUR = 1
    assert report(client, fact, HTTP_X_FORWARDED_FOR="81.2.69.160").status_code == 302
    assert report(client, fact, HTTP_X_FORWARDED_FOR="81.2.69.161").status_code == 429


def test_a_refused_form_does_not_count_against_the_limit(client, fact, settings):
    settings.FACTCHECK_READER_MESSAGES_PER_HOUR = 1
    assert client.post(report_url(fact), {"text": " "}).status_code == 200
    assert report(client, fact).status_code == 302


def test_the_count_is_kept_in_the_shared_file_cache_production_uses(client, fact, tmp_path):
    # Every app-server process on the machine reads the same folder.
    shared = {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(tmp_path),
    }
    pages = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    with override_settings(
        CACHES={"default": shared, "pages": pages}, FACTCHECK_READER_MESSAGES_PER_HOUR=1
    ):
        assert report(client, fact).status_code == 302
        assert list(tmp_path.iterdir())
        assert report(Client(), fact).status_code == 429


@override_settings(
    CACHES={
        "default": {"BACKEND": "tests.test_page_cache.UnreachableCache"},
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    },
    FACTCHECK_READER_MESSAGES_PER_HOUR=1,
)
def test_with_the_shared_cache_down_messages_are_let_through(client, fact, caplog):
    assert report(client, fact).status_code == 302
    assert report(client, fact).status_code == 302
    assert ReaderMessage.objects.count() == 2
    assert "reader messages are not rate-limited" in caplog.text


# --- Hostile input -------------------------------------------------------------------


def test_a_filled_in_trap_field_stores_nothing_and_says_why(client, fact):
    response = report(client, fact, {"leave_empty": "http://spam.example/"})
    assert response.status_code == 200
    errors = [p.get_text() for p in page(response).select("form p.error")]
    assert errors == ["Not sent: the field “Leave this field empty” must be left empty."]
    assert page(response).select_one("textarea[name=text]").get_text().strip().startswith(MARK)
    assert not ReaderMessage.objects.exists()


def test_the_trap_field_is_hidden_from_people(client, fact):
    trap = page(client.get(report_url(fact))).select_one("input[name=leave_empty]")
    wrapper = trap.find_parent(class_="trap")
    assert wrapper["aria-hidden"] == "true" and trap["tabindex"] == "-1"
    css = django_settings.BASE_DIR / "static/factcheck/site.css"
    assert ".trap { display: none; }" in css.read_text()


@pytest.mark.parametrize(
    "data, error",
    [
        ({"text": "x" * 5_001}, "at most 5000 characters"),
        ({"text": ""}, "This field is required"),
        ({"text": "Wrong\x00figure"}, "U+0000 (null)"),
        ({"text": "Wrong\x1bfigure"}, "U+001B (escape)"),
        ({"text": "Wrong figure", "email": "not an address"}, "valid email address"),
        ({"text": "Wrong figure", "email": "a\x0b@example.org"}, "valid email address"),
        ({"text": "Wrong figure", "source_url": "javascript:alert(1)"}, "Enter a valid URL"),
        (
            {"text": "Wrong figure", "source_url": "ftp://example.org/f"},
            "starts with http:// or https://",
        ),
    ],
)
def test_hostile_input_is_refused_with_a_message_and_nothing_stored(client, fact, data, error):
    response = client.post(SUGGEST_URL, data)
    assert response.status_code == 200
    assert error in text(response)
    assert not ReaderMessage.objects.exists()


def test_markup_is_stored_as_text_and_never_comes_back_live(client, fact, reviewer):
    report(client, fact, {"text": "<script>alert(1)</script> is wrong"})
    assert ReaderMessage.objects.get().text == "<script>alert(1)</script> is wrong"
    client.force_login(reviewer)
    listing = client.get("/review/messages/")
    assert b"<script>alert(1)</script>" not in listing.content
    assert "<script>alert(1)</script> is wrong" in text(listing)


def test_a_body_that_is_not_utf8_or_too_large_is_refused(client, fact):
    not_utf8 = client.post(
        report_url(fact), b"text=bad%FFbytes", content_type="application/x-www-form-urlencoded"
    )
    assert not_utf8.status_code == 400
    assert b"The form was not sent as valid UTF-8." in not_utf8.content
    too_large = client.post(SUGGEST_URL, {"text": "x" * 2_200_000})
    assert too_large.status_code == 400
    assert not ReaderMessage.objects.exists()


# --- The desk's side -------------------------------------------------------------------


@pytest.fixture
def message(client, fact):
    report(client, fact, {"email": "reader@example.org"})
    return ReaderMessage.objects.get()


def handle_url(message):
    return reverse("factcheck:review_message_handle", args=[message.pk])


def test_reviewers_read_the_messages_and_only_editors_mark_them_handled(message, reviewer, editor):
    anonymous = Client()
    for url in ["/review/messages/", handle_url(message)]:
        response = anonymous.post(url) if url == handle_url(message) else anonymous.get(url)
        assert response.status_code == 302 and response.url.startswith("/accounts/login/")

    as_reviewer = Client()
    as_reviewer.force_login(reviewer)
    listing = as_reviewer.get("/review/messages/")
    assert listing["Cache-Control"] == "private, no-store"
    entry = page(listing).select_one(f"#message-{message.pk}")
    assert message.reference in entry.get_text() and "reader@example.org" in entry.get_text()
    assert entry.find("a", href=f"/review/claims/{message.claim.slug}/")
    assert not entry.select("form")  # not theirs to handle
    refused = as_reviewer.post(handle_url(message), {f"message-{message.pk}-outcome": "Fixed."})
    assert refused.status_code == 403 and "This page is for editors" in text(refused)

    as_editor = Client()
    as_editor.force_login(editor)
    response = as_editor.post(
        handle_url(message), {f"message-{message.pk}-outcome": "Corrected the summary."}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.is_handled and message.handled_by == editor
    assert message.outcome == "Corrected the summary."
    after = text(as_editor.get(response.url))
    assert f"{message.reference} marked handled." in after
    assert "Handled" in after and "by edith: Corrected the summary." in after


def test_marking_handled_needs_an_outcome_and_happens_once(client, message, editor):
    client.force_login(editor)
    empty = client.post(handle_url(message), {f"message-{message.pk}-outcome": "  "})
    assert empty.status_code == 200
    form = page(empty).select_one(f"#message-{message.pk} form")
    assert "This field is required" in form.get_text()
    assert not ReaderMessage.objects.get().is_handled

    client.post(handle_url(message), {f"message-{message.pk}-outcome": "Checked: right."})
    again = client.post(
        handle_url(message), {f"message-{message.pk}-outcome": "Other."}, follow=True
    )
    assert "was already marked handled by edith: “Checked: right.”" in text(again)
    assert ReaderMessage.objects.get().outcome == "Checked: right."


def test_the_queue_says_how_many_messages_wait(client, message, reviewer, fact):
    client.force_login(reviewer)
    notice = page(client.get("/review/")).select_one("main a[href='/review/messages/']")
    assert notice.get_text(" ", strip=True) == "1 reader message to handle"
    ReaderMessage.objects.update(handled_at=timezone.now(), handled_by=reviewer, outcome="Done.")
    assert "reader message" not in page(client.get("/review/")).select_one("main").get_text()


def test_the_desk_is_mailed_a_new_message_without_the_readers_address(
    client, fact, smtp_server, settings
):
    settings.FACTCHECK_DESK_EMAIL = "desk@example.org"
    report(client, fact, {"email": "reader@example.org"})
    message = ReaderMessage.objects.get()
    [mail] = smtp_server.received
    assert mail.recipients == ["desk@example.org"]
    assert mail.message["Subject"] == f"{message.reference}: a reader's error report"
    content = mail.message.get_content()
    assert message.text in content and fact.statement in content
    assert f"{settings.FACTCHECK_SITE_URL}/review/messages/" in content
    assert "reader@example.org" not in content


def found(client, query):
    """The references the messages page finds for ``query``, as listed."""
    listing = page(client.get("/review/messages/", {"q": query}))
    return [entry.h3.get_text().split(" · ")[0] for entry in listing.select(".reader-message")]


def test_the_desk_finds_any_message_by_its_reference_or_its_words(client, reviewer, editor):
    old = [
        ReaderMessage.objects.create(
            kind=ReaderMessage.Kind.SUGGESTION,
            text=f"Suggestion {n}: the ministry's figures on visas.",
            email=f"reader{n}@example.org",
            created_at=timezone.now() - datetime.timedelta(days=100 - n),
            handled_at=timezone.now() - datetime.timedelta(days=99 - n),
            handled_by=reviewer,
            outcome="Taken in." if n % 2 else "Declined: not checkable.",
        )
        for n in range(60)
    ]
    waiting = ReaderMessage.objects.create(
        kind=ReaderMessage.Kind.SUGGESTION, text="Rents in Almaty doubled."
    )
    client.force_login(editor)
    # Handled long ago, past the 50 the page lists: found by its reference,
    # as a reader quotes it, in any case, with or without "R-".
    oldest = old[0].reference
    assert oldest not in text(client.get("/review/messages/"))
    for query in [oldest, oldest.lower(), oldest.removeprefix("R-"), f"  {oldest} "]:
        assert found(client, query) == [oldest], query
    # By words of its text, outcome or the reader's address, each of them, any case.
    assert found(client, "reader7@example.org") == [old[7].reference]
    assert found(client, "almaty RENTS") == [waiting.reference]
    assert (
        found(client, "declined visas")
        == [m.reference for m in reversed(old) if m.outcome[0] == "D"][:50]
    )
    results = page(client.get("/review/messages/", {"q": "visas"}))
    assert "Matching “visas” (60)" in results.select_one("#found-heading").get_text()
    assert "The newest 50." in results.get_text()
    assert found(client, "nothing like it") == []
    # One found that waits is handled from the results, which stay on screen.
    [entry] = page(client.get("/review/messages/", {"q": "almaty"})).select(".reader-message")
    action = entry.select_one("form")["action"]
    assert action == f"{handle_url(waiting)}?q=almaty"
    outcome = f"message-{waiting.pk}-outcome"
    refused = page(client.post(action, {outcome: ""}))
    assert refused.select_one("#found-heading").get_text() == "Matching “almaty” (1)"
    assert refused.select_one(f"#id_{outcome}_error")
    handled = client.post(action, {outcome: "Checked: a claim to take in."})
    assert handled["Location"] == "/review/messages/?q=almaty"
    after = text(client.get(handled["Location"]))
    assert f"{waiting.reference} marked handled." in after
    assert "by edith: Checked: a claim to take in." in after


def test_a_search_the_database_cannot_hold_is_refused_with_a_message(client, reviewer, message):
    client.force_login(reviewer)
    response = client.get("/review/messages/", {"q": "visa\x00s"})
    assert response.status_code == 200
    assert page(response).select_one("#id_q_error")
    # And the page lists the messages as without a search.
    assert message.reference in text(response)


# --- Addresses purged ----------------------------------------------------------------


def handled_days_ago(days, email, reviewer):
    return ReaderMessage.objects.create(
        kind=ReaderMessage.Kind.SUGGESTION,
        text="Check this.",
        email=email,
        created_at=timezone.now() - datetime.timedelta(days=days + 1),
        handled_at=timezone.now() - datetime.timedelta(days=days) if days is not None else None,
        handled_by=reviewer if days is not None else None,
        outcome="Checked." if days is not None else "",
    )


def test_addresses_are_deleted_90_days_after_handling_and_the_messages_kept(reviewer, capsys):
    old = handled_days_ago(91, "old@example.org", reviewer)
    recent = handled_days_ago(89, "recent@example.org", reviewer)
    waiting = ReaderMessage.objects.create(
        kind=ReaderMessage.Kind.SUGGESTION,
        text="Still waiting.",
        email="waiting@example.org",
        created_at=timezone.now() - datetime.timedelta(days=400),
    )

    call_command("purge_reader_addresses", "--dry-run")
    assert "Would delete 1 reader address." in capsys.readouterr().out
    assert ReaderMessage.objects.get(pk=old.pk).email == "old@example.org"

    call_command("purge_reader_addresses")
    assert "Deleted 1 reader address." in capsys.readouterr().out
    old.refresh_from_db()
    assert old.email == "" and old.text == "Check this." and old.outcome == "Checked."
    assert ReaderMessage.objects.get(pk=recent.pk).email == "recent@example.org"
    assert ReaderMessage.objects.get(pk=waiting.pk).email == "waiting@example.org"

    call_command("purge_reader_addresses")
    assert "Deleted 0 reader addresses." in capsys.readouterr().out


# --- The about page -------------------------------------------------------------------


def test_the_about_page_shows_the_default_text_until_an_editor_writes_it(client, db):
    response = client.get("/about/")
    assert response.status_code == 200 and "public" in response["Cache-Control"]
    assert "[To be edited" in text(response) and "Who funds us" in text(response)


def test_an_editor_writes_the_about_page_and_readers_see_it_at_once(client, editor, committed):
    reader = Client()
    assert "[To be edited" in text(reader.get("/about/"))  # now in the page cache
    client.force_login(editor)
    form = page(client.get("/review/about/")).select_one("main form")
    assert form.select_one("textarea[name=body]").get_text().strip().startswith("[To be edited")
    with committed():
        response = client.post(
            "/review/about/",
            {
                "title": "About the desk",
                "body": "We are <b>three</b> people.\r\n\r\n"
                "Funded by https://fund.example.org/ alone. Write to desk@example.org.",
            },
        )
    assert response.status_code == 302

    about = reader.get("/about/")
    article = page(about).select_one("main article")
    assert article.h1.get_text() == "About the desk"
    paragraphs = article.find_all("p")
    assert paragraphs[0].get_text() == "We are <b>three</b> people."  # as typed, not bold
    link = paragraphs[1].find("a")
    assert link["href"] == "https://fund.example.org/" and "nofollow" in link["rel"]
    assert paragraphs[1].find("a", href="mailto:desk@example.org")
    page_row = SitePage.objects.get(slug="about")
    assert page_row.history.get().history_user == editor


def test_only_editors_edit_the_about_page(client, reviewer):
    client.force_login(reviewer)
    assert client.get("/review/about/").status_code == 403
    assert client.post("/review/about/", {"title": "X", "body": "Y"}).status_code == 403
    assert not SitePage.objects.exists()


def test_an_about_page_without_its_text_is_refused_with_a_message(client, editor):
    client.force_login(editor)
    response = client.post("/review/about/", {"title": "About", "body": "  "})
    assert response.status_code == 200
    assert "This field is required" in text(response)
    assert not SitePage.objects.exists()
