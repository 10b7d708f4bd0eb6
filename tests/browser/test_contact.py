"""A reader reaches the desk, and the desk answers, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from factcheck.models import ReaderMessage
from factcheck.roles import EDITOR

from .conftest import PERMITS, make_reviewer

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_reader_reports_an_error_and_an_editor_marks_it_handled(site, seeded):
    page = site.page
    site.open(f"/claims/{PERMITS}/")
    page.get_by_role("link", name="Report an error").click()
    site.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report an error")
    expect(page.get_by_label("Leave this field empty")).to_be_hidden()
    page.get_by_label("What is wrong, and how do you know?").fill(
        "The bureau's table says 78,500, not 80,000."
    )
    page.get_by_label("Email address").fill("reader@example.org")
    site.screenshot("report-error")
    page.get_by_role("button", name="Send to the desk").click()
    site.check()
    reference = ReaderMessage.objects.get().reference
    expect(page.locator(".message-success")).to_contain_text(f"Its reference is {reference}")

    editor = make_reviewer("edith")
    editor.groups.add(EDITOR.group())
    site.log_in("edith")
    page.get_by_role("link", name=re.compile("1 reader message to handle")).click()
    site.check()
    entry = page.locator(".reader-message")
    expect(entry).to_contain_text("The bureau's table says 78,500")
    expect(entry).to_contain_text("reader@example.org")
    site.screenshot("reader-messages")
    entry.get_by_label("Outcome").fill("Checked: the table for October says 80,000.")
    entry.get_by_role("button", name="Mark handled").click()
    site.check()
    expect(page.locator("#reader-messages-messages")).to_have_text(f"{reference} marked handled.")
    assert ReaderMessage.objects.get().is_handled


def test_a_reader_finds_the_about_page_and_the_suggestion_form_in_the_footer(site, seeded):
    page = site.page
    site.open("/")
    footer = page.locator("footer.site-footer")
    footer.get_by_role("link", name="About us").click()
    site.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("About us")
    site.screenshot("about")
    page.locator("footer.site-footer").get_by_role("link", name="Suggest a claim").click()
    site.check()
    page.get_by_label("The claim, and who made it").fill("The minister said rents will halve.")
    page.get_by_label("Where it was said").fill("https://example.com/interview")
    page.get_by_role("button", name="Send to the desk").click()
    site.check()
    expect(page.locator(".message-success")).to_contain_text("reached the desk")
    assert ReaderMessage.objects.get().source_url == "https://example.com/interview"
