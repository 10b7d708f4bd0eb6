"""Sign-off in a real browser: one reviewer proposes a verdict, readers see
nothing of it, the proposer cannot approve it, a second reviewer does."""

import pytest
from playwright.sync_api import expect

from factcheck.models import Claim
from factcheck.services import add_source

from .conftest import PERMITS, make_reviewer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sourced(seeded):
    """The seeded article with a source on one fact that still awaits review."""
    claim = Claim.objects.exclude(slug=PERMITS).filter(kind="fact").first()
    add_source(
        claim=claim,
        by=seeded["desk"],
        url="https://stats.example.gov/kz/arrivals-2022",
        title="Arrivals from Russia, 2022",
        stance="supports",
        reason="A better source came out.",
    )
    return claim


def test_a_verdict_waits_for_a_second_reviewer(site, second_site, sourced):
    make_reviewer("rita")
    make_reviewer("otto")
    claim = sourced
    page = site.page

    site.log_in("rita", next_path="/review/settings/")
    page.get_by_label("Public name").fill("Rita Kairat")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#settings-messages")).to_have_text("Saved your settings.")

    site.open(f"/review/claims/{claim.slug}/")
    status = page.locator("#claim-status")
    status.get_by_label("New status").select_option("accurate")
    status.get_by_label("Public rationale").fill("The 2022 arrivals table confirms it.")
    status.get_by_role("button", name="Change status").click()
    expect(page.locator("#claim-status-messages")).to_have_text(
        "Proposed “Accurate”. It is published when another reviewer approves it."
    )
    expect(status.locator(".proposal")).to_contain_text("Awaiting sign-off")
    expect(status.get_by_role("button", name="Approve and publish")).to_have_count(0)
    expect(page.locator("#claim-overview h2")).to_have_text("Status: Unreviewed")

    reader = second_site.page
    second_site.open(claim.get_absolute_url())
    expect(reader.get_by_role("heading", level=2, name="Status: Unreviewed")).to_be_visible()
    expect(reader.get_by_text("Verdict under editorial review")).to_be_visible()
    expect(reader.get_by_text("The 2022 arrivals table confirms it.")).to_have_count(0)

    second_site.log_in("otto", next_path=f"/review/claims/{claim.slug}/")
    panel = reader.locator("#claim-status")
    expect(panel.locator(".proposal")).to_contain_text("Proposed by rita")
    panel.get_by_role("button", name="Approve and publish").click()
    expect(reader.locator("#claim-status-messages")).to_have_text(
        "Approved: the claim is now “Accurate”."
    )
    expect(reader.locator("#claim-overview h2")).to_have_text("Status: Accurate")
    expect(reader.locator("#claim-timeline")).to_contain_text("By rita, approved by otto")
    second_site.check()

    site.open(claim.get_absolute_url())
    expect(page.get_by_role("heading", level=2, name="Status: Accurate")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Rated by Rita Kairat, approved by the desk.")
    expect(page.get_by_text("Verdict under editorial review")).to_have_count(0)
