"""Searching quotes and statements: any part of the text, any case, kept in step
with every edit, on SQLite (full-text table) and PostgreSQL (trigram indexes)."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.models import Claim
from factcheck.services import edit_claim

pytestmark = pytest.mark.django_db


def found(text):
    return set(Claim.objects.search(text).values_list("slug", flat=True))


def test_finds_any_part_of_a_quote_or_statement_in_any_case(fact, prediction):
    assert found("80,000 PEOPLE") == {"work-permits"}  # in the quote
    assert found("permits will dou") == {"permits-will-double"}  # in the statement
    assert found("work permit") == {"work-permits", "permits-will-double"}
    assert found("nowhere to be seen") == set()


def test_a_short_search_still_works(fact, prediction):
    assert found("80") == {"work-permits"}
    assert found("e") == {"work-permits", "permits-will-double"}


def test_non_latin_text_is_found_in_either_case(make_claim, article):
    article.text += " Около 80 000 россиян получили разрешение."
    article.save()
    make_claim(quote="Около 80 000 россиян получили разрешение.", slug="russian-text")
    assert found("РОССИЯН") == {"russian-text"}


@pytest.mark.parametrize("text", ['"', 'say "double"', "dou*", "a OR b", "x:y", "(", "-2025"])
def test_search_syntax_characters_are_plain_text(prediction, text):
    assert found(text) == set()  # no error, and no operator takes effect


def test_the_index_follows_edits(fact, reviewer):
    edit_claim(
        claim=fact,
        changes={"statement": "Migration service counts permits"},
        by=reviewer,
        expected_version=fact.version,
        correction_reason="Reworded for readers.",
    )
    assert found("migration service") == {"work-permits"}
    assert found("statement") == set()  # the old text is gone
    fact.corrections.all().delete()  # (the change log protects a claim from deletion)
    fact.delete()
    assert found("migration service") == set()


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_index_agrees_with_a_plain_substring_match(fact, prediction, data):
    claim = data.draw(st.sampled_from([fact, prediction]))
    source = data.draw(st.sampled_from([claim.quote, claim.statement]))
    start = data.draw(st.integers(0, len(source) - 1))
    piece = source[start : start + data.draw(st.integers(1, 20))]
    piece = piece.upper() if data.draw(st.booleans()) else piece
    plain = {
        c.slug
        for c in Claim.objects.all()
        if piece.lower() in c.quote.lower() or piece.lower() in c.statement.lower()
    }
    assert found(piece) == plain
