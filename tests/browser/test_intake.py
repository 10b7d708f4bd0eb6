"""An editor takes in an article in a real browser: pasted, quoted with the
mouse, every sentence accounted for, published, and seen as readers see it."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from factcheck.models import Article, Claim

pytestmark = pytest.mark.django_db(transaction=True)

# The emoji (two UTF-16 units, one code point) and the accented word sit in the
# quoted sentence before the passage, so its offsets in the page's text node
# differ from the stored text's unless the script converts them.
QUOTED_SENTENCE = (
    "At the Café Zhibek 🙂 on Abay Avenue, Aigerim Sadykova said rents will fall by a fifth "
    "before 2026."
)
PASSAGE = "rents will fall by a fifth before 2026"
TEXT = (
    "Rents in Almaty rose sharply this spring. " + QUOTED_SENTENCE + "\n\n"
    "Is that a forecast anyone should trust?"
)

# Where a passage of a sentence's text lies on screen: the first and last
# characters' boxes, in viewport coordinates.
PASSAGE_BOXES = """(sentence, passage) => {
  const node = sentence.firstChild;
  const from = node.data.indexOf(passage);
  const box = (start, end) => {
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    const r = range.getBoundingClientRect();
    return {left: r.left, right: r.right, middle: r.top + r.height / 2};
  };
  return [box(from, from + 1), box(from + passage.length - 1, from + passage.length)];
}"""


def drag_select(page, sentence, passage):
    """Select ``passage`` in ``sentence`` as an editor does: press the mouse on
    its first character's left edge and release it on its last one's right."""
    # Mid-screen: a drag near the viewport's edge scrolls the page under the mouse.
    sentence.evaluate("s => s.scrollIntoView({block: 'center'})")
    first, last = sentence.evaluate(PASSAGE_BOXES, passage)
    page.mouse.move(first["left"] + 1, first["middle"])
    page.mouse.down()
    page.mouse.move((first["left"] + last["right"]) / 2, last["middle"], steps=5)
    page.mouse.move(last["right"] - 1, last["middle"], steps=5)
    page.mouse.up()


def test_an_editor_takes_in_an_article_quotes_a_passage_and_publishes_it(site, editor):
    page = site.page
    site.log_in("edith")
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Article intake").click()
    page.get_by_role("link", name="Take in a new article").click()
    site.check()

    page.get_by_label("Title").fill("Will rents fall in Almaty?")
    page.get_by_label("Publisher").fill("Example Times")
    page.get_by_label("Publication date").fill("2024-05-01")
    page.get_by_label("Text:", exact=True).fill(TEXT)
    page.get_by_role("button", name="Take it in as a draft").click()
    expect(page.locator("#intake-messages")).to_contain_text("Taken in as a draft.")
    site.check()
    nav.get_by_role("link", name="Article intake").click()
    page.locator("section", has_text="Drafts being taken in").get_by_role(
        "link", name="Will rents fall in Almaty?"
    ).click()
    site.check()
    counter = page.locator("#accounted")
    expect(counter).to_have_text("0 of 3 sentences accounted for")

    sentence = page.locator(".sentence-text", has_text=QUOTED_SENTENCE)
    quote_link = page.get_by_role("link", name="Quote the selection in a new claim")
    expect(quote_link).to_have_count(0)
    drag_select(page, sentence, PASSAGE)
    assert page.evaluate("getSelection().toString()") == PASSAGE
    # Offered beside the sentence selected, and there only.
    expect(page.locator(".sentence", has=sentence).locator(".quote-selection")).to_be_visible()
    expect(quote_link).to_have_count(1)
    site.screenshot("intake-selection")
    quote_link.click()

    expect(page).to_have_url(re.compile(r"/claims/new/\?start=\d+&end=\d+$"))
    site.check()
    expect(page.get_by_label("Quote")).to_have_value(PASSAGE)
    page.get_by_label("Kind").select_option("prediction")
    page.get_by_label("Or a new speaker").fill("Aigerim Sadykova")
    page.get_by_label("Who they are").fill("An economist in Almaty.")
    page.get_by_label("Statement").fill("Rents in Almaty will fall by a fifth before 2026.")
    page.get_by_label("Stated certainty").select_option("will")
    page.get_by_label("Resolution criteria").fill(
        "The city's rent index for 2025 is at least 20% below spring 2024's."
    )
    page.get_by_label("Resolve by").fill("2026-01-01")
    page.get_by_role("button", name="Add the claim").click()

    claimed = page.locator(".sentence", has=sentence)
    expect(claimed.locator(".messages")).to_contain_text(
        "Claim added: “Rents in Almaty will fall by a fifth before 2026."
    )
    expect(claimed.locator(".sentence-claims")).to_contain_text("Prediction: Rents in Almaty")
    expect(counter).to_have_text("1 of 3 sentences accounted for")
    site.check()

    for text, reason in (
        ("Rents in Almaty rose sharply this spring.", "Context: the article's own framing."),
        ("Is that a forecast anyone should trust?", "A question, not a claim."),
    ):
        open_sentence = page.locator(".sentence", has_text=text)
        open_sentence.get_by_label("Holds nothing checkable, because").fill(reason)
        open_sentence.get_by_role("button", name="Mark").click()
        expect(page.locator(".sentence", has_text=text)).to_contain_text(
            f"Nothing checkable: {reason}"
        )
    expect(counter).to_have_text("3 of 3 sentences accounted for")
    site.check()
    site.screenshot("intake-accounted")

    page.locator("#publishing").get_by_role("button", name="Publish").click()
    expect(page.locator("#publishing-messages")).to_have_text(
        "Published: its claims are public now, unreviewed."
    )
    site.check()

    claim = Claim.objects.get()
    assert claim.quote == PASSAGE and claim.speaker.name == "Aigerim Sadykova"
    page.get_by_role("link", name="Public page").click()
    site.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Will rents fall in Almaty?")
    highlight = page.locator(f"mark#quote-{claim.slug}")
    expect(highlight).to_contain_text(PASSAGE)
    expect(highlight.locator(".status-tag")).to_have_text("Unreviewed")
    highlight.get_by_role("link", name=re.compile(PASSAGE)).click()
    site.check()

    expect(page).to_have_url(re.compile(f"/claims/{claim.slug}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Rents in Almaty will fall by a fifth before 2026."
    )
    expect(page.locator(".certainty")).to_contain_text("Stated as:")
    expect(page.locator("blockquote.in-context mark")).to_have_text(PASSAGE)


@pytest.fixture
def draft(db):
    return Article.objects.create(
        title="Will rents fall in Almaty?",
        publisher="Example Times",
        published_on=datetime.date(2024, 5, 1),
        text=TEXT,
        slug="will-rents-fall",
    )


def test_a_triple_click_quotes_the_whole_sentence(site, editor, draft):
    page = site.page
    site.log_in("edith", next_path=f"/review/articles/{draft.slug}/")
    # Chromium ends a triple click's selection in the element after the text.
    page.locator(".sentence-text", has_text=QUOTED_SENTENCE).click(click_count=3)
    page.get_by_role("link", name="Quote the selection in a new claim").click()
    site.check()
    expect(page.get_by_label("Quote")).to_have_value(QUOTED_SENTENCE)


def test_a_selection_outside_the_text_offers_no_quote(site, editor, draft):
    page = site.page
    site.log_in("edith", next_path=f"/review/articles/{draft.slug}/")
    page.locator("#sentences-heading").click(click_count=3)
    assert page.evaluate("getSelection().toString()").startswith("The text, sentence by sentence")
    page.locator(".sentence-text").first.click(click_count=3)
    quote_link = page.locator(".quote-selection")
    expect(quote_link).to_be_visible()
    page.locator("#sentences-heading").click(click_count=3)
    expect(quote_link).to_be_hidden()


@pytest.mark.no_javascript
def test_without_javascript_a_sentence_is_quoted_from_its_link(site, editor, draft):
    page = site.page
    site.log_in("edith", next_path=f"/review/articles/{draft.slug}/")
    sentence = page.locator(".sentence", has_text=QUOTED_SENTENCE)
    sentence.get_by_role("link", name="New claim from this sentence").click()
    expect(page.get_by_label("Quote")).to_have_value(QUOTED_SENTENCE)
    # No selection to quote from: the editor trims the sentence by hand.
    page.get_by_label("Quote").fill(PASSAGE)
    page.get_by_label("Kind").select_option("fact")
    page.get_by_label("Statement").fill("Aigerim Sadykova said rents will fall by a fifth.")
    page.get_by_label("Or a new speaker").fill("Aigerim Sadykova")
    page.get_by_role("button", name="Add the claim").click()
    expect(page.locator("#accounted")).to_have_text("1 of 3 sentences accounted for")
    assert Claim.objects.get().quote == PASSAGE
