"""What visitors and reviewers do, in a real browser, asserted as they see it."""

import datetime
import re

import pytest
from django.db import models
from playwright.sync_api import expect

from factcheck.models import Article, Claim, Person, Source, StatusChange

from .conftest import PERMITS, make_reviewer

pytestmark = pytest.mark.django_db(transaction=True)

SETTLE = "russians-may-settle-if-war-lasts-over-two-years"


# --- 1. A visitor ---------------------------------------------------------------


def test_a_visitor_follows_a_claim_from_the_home_page(site, seeded):
    page = site.page
    site.open("/")
    site.screenshot("home")
    page.get_by_role("link", name="Is Kazakhstan ready to withstand a permanent inflow").click()
    site.check()
    highlight = page.locator(f"mark#quote-{PERMITS}")
    expect(highlight.locator(".status-tag")).to_have_text("Mostly accurate")
    highlight.get_by_role("link", name=re.compile("around 80,000 have received")).click()
    site.check()

    expect(page).to_have_url(re.compile(f"/claims/{PERMITS}/$"))
    expect(page.get_by_role("heading", level=2, name="Status: Mostly accurate")).to_be_visible()
    timeline = page.locator(".timeline li")
    expect(timeline).to_have_count(1)
    expect(timeline.first).to_contain_text("Unreviewed → Mostly accurate")
    expect(timeline.first).to_contain_text("about 79,000 permits by October")
    expect(page.get_by_role("heading", level=3, name="Supports the claim")).to_be_visible()
    expect(
        page.get_by_role("link", name="Work permits issued to foreign citizens, 2022")
    ).to_have_attribute("href", "https://stats.example.gov/kz/work-permits-2022")
    site.screenshot("claim")


def test_a_visitor_filters_and_searches_the_list_and_goes_back(site, seeded):
    page = site.page
    site.open("/claims/")
    count = page.locator(".results-count")
    expect(count).to_have_text("18 claims")
    site.mark_page()

    page.get_by_label("Status").select_option("mostly_accurate")
    expect(page).to_have_url(re.compile(r"status=mostly_accurate"))
    expect(count).to_have_text("1 claim")

    page.get_by_label("Kind").select_option("")
    page.get_by_label("Status").select_option("unreviewed")
    expect(count).to_have_text("17 claims")
    page.get_by_label("Search quotes, statements, speakers and titles").press_sequentially(
        "Toqmadi wom", delay=30
    )
    page.get_by_label("Search quotes, statements, speakers and titles").fill("women")
    expect(page).to_have_url(re.compile(r"q=women"))
    expect(count).to_have_text("2 claims")
    site.assert_not_reloaded()
    site.check()
    site.screenshot("claim-list")

    page.go_back()
    expect(page).not_to_have_url(re.compile(r"q=women"))
    expect(count).to_have_text("17 claims")


def test_a_visitor_finds_articles_speakers_and_overdue_predictions(site, seeded):
    page = site.page
    site.open("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Articles").click()
    expect(page).to_have_url(re.compile(r"/articles/$"))
    site.check()
    expect(page.locator(".results-count")).to_have_text("1 article, newest first")
    expect(page.locator(".article-list .legend")).to_contain_text("Mostly accurate: 1")
    site.screenshot("articles")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Speakers").click()
    expect(page).to_have_url(re.compile(r"/speakers/$"))
    site.check()
    site.screenshot("speakers")
    first = page.locator(".person-list a").first
    name = first.inner_text()
    first.click()
    site.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator(".record table").first).to_be_visible()

    site.open("/claims/")
    site.mark_page()
    page.get_by_label("Status").select_option("overdue")
    expect(page).to_have_url(re.compile(r"status=overdue"))
    flags = page.locator("#claim-results .claim-summaries .due-flag")
    expect(flags.first).to_have_text("overdue")
    assert flags.count() == page.locator("#claim-results .claim-summaries > li").count()
    site.assert_not_reloaded()
    site.check()

    # Asked for by browsers and crawlers whatever the page names: never a 404.
    icon = page.request.get(f"{site.base_url}/favicon.ico")
    assert icon.ok and icon.headers["content-type"].startswith("image/")
    robots = page.request.get(f"{site.base_url}/robots.txt")
    assert robots.ok and "Sitemap: " in robots.text()


def test_a_visitor_reads_a_claim_as_it_stood_on_an_earlier_day(site, seeded):
    # Everything so far happened three days ago.
    for model in (Article, Claim, Person, Source, StatusChange):
        for each in (model, model.history.model) if hasattr(model, "history") else (model,):
            for field in each._meta.concrete_fields:
                if isinstance(field, models.DateTimeField):
                    each.objects.filter(**{f"{field.name}__isnull": False}).update(
                        **{field.name: models.F(field.name) - datetime.timedelta(days=3)}
                    )
    page = site.page
    site.open(f"/claims/{PERMITS}/")
    page.locator(".timeline").get_by_role(
        "link", name=re.compile("The record at the end of")
    ).click()
    site.check()

    expect(page).to_have_url(re.compile(rf"/claims/{PERMITS}/\?as_of=\d{{4}}-\d\d-\d\d$"))
    expect(page.locator(".as-of")).to_contain_text("The record as it stood at the end of")
    expect(page.get_by_role("heading", level=2, name="Status: Mostly accurate")).to_be_visible()
    expect(page.locator('meta[name="robots"]')).to_have_attribute("content", "noindex")
    expect(page.locator('script[type="application/ld+json"]')).to_have_count(0)
    site.screenshot("claim-as-of")
    page.locator(".as-of").get_by_role("link", name="See this page as it is today").click()
    expect(page).to_have_url(re.compile(rf"/claims/{PERMITS}/$"))
    expect(page.locator(".as-of")).to_have_count(0)


# --- 2. A reviewer ----------------------------------------------------------------


def test_a_reviewer_updates_a_prediction_adds_a_source_and_a_note(site, seeded):
    make_reviewer("rita")
    page = site.page
    site.log_in("rita")
    expect(page.get_by_role("heading", level=1, name="Review queue")).to_be_visible()
    site.screenshot("review-queue")

    # Unreviewed and past its resolve-by date: listed once, as overdue.
    page.locator("#queue-overdue").get_by_role(
        "link", name=re.compile("If the war lasts more than a couple of years")
    ).click()
    expect(page.locator(".queue-nav")).to_contain_text("Predictions past their resolve-by date")
    expect(page.locator(".queue-nav a[rel]").first).to_be_visible()  # a neighbour in it
    site.check()
    site.mark_page()

    owner = page.locator("#claim-owner")
    owner.get_by_role("button", name="Take it").click()
    expect(page.locator("#claim-owner-messages")).to_have_text("You own this claim now.")
    expect(owner.get_by_role("button", name="Give it back")).to_be_visible()
    site.assert_not_reloaded()

    status = page.locator("#claim-status")
    status.get_by_label("New status").select_option("off_track")
    status.get_by_label("Public rationale").fill(
        "Two years on, the war continues, but most 2022 arrivals have left."
    )
    status.get_by_role("button", name="Change status").click()
    expect(page.locator("#claim-status-messages")).to_have_text("Status changed to “Off track”.")
    expect(page.locator("#claim-overview h2")).to_have_text("Status: Off track")
    expect(page.locator("#claim-timeline")).to_contain_text("most 2022 arrivals have left")
    site.assert_not_reloaded()

    sources = page.locator("#claim-sources")
    form = sources.locator("form").last
    form.get_by_label("URL:", exact=True).fill("https://stats.example.gov/kz/migration-2024")
    form.get_by_label("Title").fill("Migration statistics 2024")
    form.get_by_label("Stance").select_option("refutes")
    form.get_by_role("button", name="Add source").click()
    expect(page.locator("#claim-sources-messages")).to_have_text(
        "Added the source “Migration statistics 2024”."
    )
    expect(sources.get_by_role("link", name="Migration statistics 2024")).to_be_visible()
    site.assert_not_reloaded()

    notes = page.locator("#claim-notes")
    notes.get_by_label("Internal note").fill("Check the 2025 census before resolving.")
    notes.get_by_role("button", name="Add note").click()
    expect(notes.locator(".note")).to_contain_text("Check the 2025 census before resolving.")
    expect(page.locator("#claim-notes-messages")).to_have_text("Note added.")
    site.assert_not_reloaded()
    site.check()
    site.screenshot("review-page")

    site.open(f"/claims/{SETTLE}/")
    expect(page.get_by_role("heading", level=2, name="Status: Off track")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Unreviewed → Off track")
    expect(page.get_by_text("Migration statistics 2024")).to_be_visible()
    expect(page.get_by_text("Check the 2025 census")).to_have_count(0)


def test_typing_in_one_panel_survives_a_save_in_the_other(site, seeded):
    make_reviewer("rita")
    page = site.page
    site.log_in("rita")
    site.open(f"/review/claims/{SETTLE}/")
    site.mark_page()
    typed = "Many Russians who came in 2022 may settle if the war lasts over two years."

    fields = page.locator("#claim-fields")
    fields.get_by_label("Statement").fill(typed)  # and not saved
    # The article is published: a new statement is listed publicly, with why.
    fields.get_by_label("Reason, for the public record").fill("Closer to what was said.")
    status = page.locator("#claim-status")
    status.get_by_label("New status").select_option("pending")
    status.get_by_label("Public rationale").fill("Criteria agreed.")
    status.get_by_label("Public summary").fill("Too early to tell.")
    status.get_by_role("button", name="Change status").click()
    changed = status.locator(".message")
    expect(changed).to_have_text("Status changed to “Pending”.")
    expect(changed).to_have_attribute("class", "message message-success")
    expect(changed).to_be_in_viewport()
    expect(page.locator("#claim-overview h2")).to_have_text("Status: Pending")
    expect(fields.get_by_label("Statement")).to_have_value(typed)
    expect(page.locator("#claim-fields-version")).to_have_value("2")
    site.check()

    # A 409 would fail the test (the watcher allows no 4xx here).
    fields.get_by_role("button", name="Save changes").click()
    saved = fields.locator(".message")
    expect(saved).to_have_text("Saved.")
    expect(saved).to_be_in_viewport()
    expect(fields.locator(".conflict")).to_have_count(0)
    expect(changed).to_have_count(0)  # only the latest save speaks
    claim = Claim.objects.get(slug=SETTLE)
    # The fields form's summary was the old one; the status panel's stays.
    assert (claim.statement, claim.summary, claim.status) == (
        typed,
        "Too early to tell.",
        "pending",
    )
    success = saved.evaluate("element => getComputedStyle(element).backgroundColor")

    fields.get_by_role("button", name="Save changes").click()
    expect(saved).to_have_text("Nothing had changed, so nothing was saved.")
    expect(saved).to_have_attribute("class", "message message-info")
    expect(saved).to_be_in_viewport()
    assert saved.evaluate("element => getComputedStyle(element).backgroundColor") != success
    site.assert_not_reloaded()
    site.check()


# --- 3. Two reviewers -------------------------------------------------------------


def test_two_reviewers_editing_one_claim_get_a_conflict_not_an_overwrite(site, second_site, seeded):
    make_reviewer("rita")
    make_reviewer("otto")
    site.log_in("rita")
    second_site.log_in("otto")
    for tab in (site, second_site):
        tab.open(f"/review/claims/{SETTLE}/")

    first = site.page.locator("#claim-status")
    first.get_by_label("New status").select_option("pending")
    first.get_by_label("Public rationale").fill("Criteria agreed.")
    first.get_by_role("button", name="Change status").click()
    expect(site.page.locator("#claim-overview h2")).to_have_text("Status: Pending")

    second_site.allow_status(409)
    second = second_site.page.locator("#claim-status")
    second.get_by_label("New status").select_option("on_track")
    second.get_by_label("Public rationale").fill("Otto's careful reasoning.")
    second.get_by_role("button", name="Change status").click()

    page = second_site.page
    expect(page.locator("#claim-status .conflict")).to_contain_text(
        re.compile(r"This claim changed while you were editing this form: rita saved it at \d")
    )
    expect(page.locator("#claim-overview h2")).to_have_text("Status: Pending")
    expect(page.get_by_label("Public rationale")).to_have_value("Otto's careful reasoning.")
    second_site.check()
    assert Claim.objects.get(slug=SETTLE).status == "pending"


# --- 4. Without JavaScript --------------------------------------------------------


@pytest.mark.no_javascript
def test_the_reviewer_flow_works_without_javascript(site, seeded):
    make_reviewer("rita")
    page = site.page
    site.log_in("rita")
    site.open(f"/review/claims/{SETTLE}/")
    status = page.locator("#claim-status")
    status.get_by_label("New status").select_option("pending")
    status.get_by_label("Public rationale").fill("Criteria agreed, without JavaScript.")
    status.get_by_role("button", name="Change status").click()
    expect(page).to_have_url(re.compile(f"/review/claims/{SETTLE}/#claim-status-messages$"))
    message = page.locator("#claim-status-messages")
    expect(message).to_have_text("Status changed to “Pending”.")
    expect(message).to_be_in_viewport()
    expect(page.locator("#claim-overview h2")).to_have_text("Status: Pending")

    notes = page.locator("#claim-notes")
    notes.get_by_label("Internal note").fill("Written with scripts off.")
    notes.get_by_role("button", name="Add note").click()
    expect(notes.locator("#claim-notes-messages")).to_have_text("Note added.")
    expect(notes.locator(".note")).to_contain_text("Written with scripts off.")

    page.locator("#claim-owner").get_by_role("button", name="Take it").click()
    expect(page).to_have_url(re.compile(f"/review/claims/{SETTLE}/#claim-owner-messages$"))
    expect(page.locator("#claim-owner-messages")).to_have_text("You own this claim now.")
    site.open("/review/")
    page.get_by_role("link", name="My claims").click()
    expect(page.locator("#queue-overdue li")).to_have_count(1)
    site.check()

    site.open("/claims/?kind=prediction")
    expect(page.locator(".results-count")).to_have_text("8 claims")


# --- 5. Keyboard only -------------------------------------------------------------


FOCUS_IS_VISIBLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return el !== document.body
    && style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
}"""


def tab_to(page, selector, limit=80):
    """Press Tab until ``selector`` has focus, checking focus is visible at every step."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        assert page.evaluate(FOCUS_IS_VISIBLE), page.evaluate(
            "document.activeElement.outerHTML.slice(0, 120)"
        )
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
    raise AssertionError(f"{selector} never got focus")


def test_the_status_form_works_with_the_keyboard_alone(site, seeded):
    make_reviewer("rita")
    page = site.page
    site.log_in("rita")
    site.open(f"/review/claims/{SETTLE}/")
    page.locator("body").focus()

    tab_to(page, "#status_to_status")
    page.keyboard.press("ArrowDown")  # the first real status after the prompt
    tab_to(page, "#status_rationale")
    page.keyboard.type("Chosen and sent with the keyboard.")
    tab_to(page, "#claim-status button[type=submit]")
    page.keyboard.press("Enter")

    expect(page.locator("#claim-status-messages")).to_contain_text("Status changed to")
    assert Claim.objects.get(slug=SETTLE).status_changes.get().rationale == (
        "Chosen and sent with the keyboard."
    )
