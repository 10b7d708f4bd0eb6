"""Searching claims by words: of the quote, the statement, the speaker's name and
the article's title, without regard to case, accents or the grouping of digits,
each word typed matching a word or its beginning, in any order; the same
results on SQLite (FTS5) and PostgreSQL (a GIN index), kept in step with every
way those texts change."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from factcheck import services
from factcheck.models import Claim, Person
from factcheck.search import normalise
from factcheck.statuses import Kind

from .claims_files import seed

pytestmark = pytest.mark.django_db


def found(text):
    return set(Claim.objects.search(text).values_list("slug", flat=True))


def ranked(text):
    return list(Claim.objects.search(text).order_by("search_rank").values_list("slug", flat=True))


def expected(text):
    """What a search must find, worked out in Python over every claim."""
    asked = normalise(text).split()
    return {
        claim.slug
        for claim in Claim.objects.select_related("speaker", "article")
        if asked
        and all(
            any(word.startswith(part) for word in claim.current_search_text().split())
            for part in asked
        )
    }


@pytest.fixture
def seeded(db):
    seed(*sorted((Path(django_settings.BASE_DIR) / "seeds").glob("*.toml")))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("Russians … will SETTLE", "russians will settle"),
        ("Malika Toqmadi's", "malika toqmadi s"),
        ("80,000 · 80.000 · 80 000 · 80\u00a0000 · 80\u202f000 · 80'000", " ".join(["80000"] * 6)),
        ("Jürgen Ağaoğlu, Ærø, Straße", "jurgen agaoglu ærø strasse"),
        ("Около 80 000 РОССИЯН", "около 80000 россиян"),
        ("ｆｕｌｌ ｗｉｄｔｈ ①", "full width 1"),
        ("In 2022, 80 people; a , b", "in 2022 80 people a b"),
        ('say "double" NEAR(a b) -2025 x:y dou* _', "say double near a b 2025 x y dou"),
    ],
)
def test_one_normalisation_for_stored_text_and_queries(text, words):
    assert normalise(text) == words


def test_the_issue_searches_find_on_the_seeded_article(seeded):
    settle = {"russians-may-settle-if-war-lasts-over-two-years"}
    assert settle <= found("russians settle") == expected("russians settle")
    assert found("settle russians") == found("russians settle")  # any order
    toqmadi = set(
        Claim.objects.filter(speaker__slug="malika-toqmadi").values_list("slug", flat=True)
    )
    assert toqmadi and found("Toqmadi") == toqmadi  # speaker names are searched
    permits = {
        claim.slug
        for claim in Claim.objects.all()
        if "80,000" in claim.quote or "80,000" in claim.statement
    }
    assert permits and found("80000") == permits == found("80,000") == found("80 000")
    kazakhstan = set(Claim.objects.values_list("slug", flat=True))
    assert found("kazakh") == kazakhstan  # the article's title holds it


def test_a_word_matches_whole_or_by_its_beginning_not_inside(fact, prediction):
    assert found("permit") == {"work-permits", "permits-will-double"}
    assert found("PERM") == {"work-permits", "permits-will-double"}
    assert found("ermit") == set()  # not any part of a word
    assert found("double 2025") == {"permits-will-double"}
    assert found("double nowhere") == set()  # every word must match
    assert found("ada") == {"permits-will-double"}  # the speaker, Ada Example
    assert found("permits rise") == {"work-permits", "permits-will-double"}  # the title


def test_an_accented_name_is_found_typed_without_its_accents(make_claim):
    name = Person.objects.create(name="Jürgen Ağaoğlu-Sørensen", slug="jurgen")
    make_claim(speaker=name, slug="jurgens")
    assert found("jurgen agaoglu") == {"jurgens"}
    assert found("JÜRGEN Ağaoğlu") == {"jurgens"}
    assert found("sørensen") == {"jurgens"}


def test_non_latin_text_is_found_in_either_case(make_claim, article):
    article.text += " Около 80 000 россиян получили разрешение."
    article.save()
    make_claim(quote="Около 80 000 россиян получили разрешение.", slug="russian-text")
    assert found("РОССИЯН") == {"russian-text"}
    assert found("росс 80000") == {"russian-text"}


HOSTILE = [
    '"',
    'say "double"',
    "dou*",
    "a OR b",
    "permit NOT double",
    "permit AND",
    "NEAR(permit double)",
    "x:y",
    "(",
    ")",
    "-2025",
    "*",
    "^permit",
    "permit:*",
    "'; DROP TABLE factcheck_claim; --",
    "!double | permit & <->",
    "\\",
    "%_",
    "permit\u0000",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_search_syntax_is_plain_words(fact, prediction, text):
    # No error, and no operator takes effect: the words alone count.
    assert found(text) == expected(text)


def test_hostile_searches_are_plain_words_on_the_page_too(client, fact, prediction):
    for text in HOSTILE:
        response = client.get("/claims/", {"q": text})
        assert response.status_code == 200
    assert found("dou*") == {"permits-will-double"}
    assert found("permit NOT double") == set()  # "not" is a word no claim holds
    assert found('"') == set()  # nothing to search for finds nothing


def test_the_clearly_best_match_comes_first(make_claim, article):
    article.text += " Zebras, zebras and more zebras. A zebra was seen in a long passage of text."
    article.save()
    make_claim(quote="A zebra was seen in a long passage of text.", slug="one-zebra")
    make_claim(
        quote="Zebras, zebras and more zebras.",
        statement="Zebras are counted: zebras everywhere.",
        slug="many-zebras",
    )
    assert ranked("zebra")[0] == "many-zebras"
    assert set(ranked("zebra")) == {"one-zebra", "many-zebras"}


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_the_index_agrees_with_the_words_worked_out_in_python(fact, prediction, data):
    claim = data.draw(st.sampled_from([fact, prediction]))
    words = data.draw(st.lists(st.sampled_from(claim.search_text.split()), min_size=1, max_size=3))
    cut = [word[: data.draw(st.integers(1, len(word)))] for word in words]
    # Between the words, query syntax, which must separate them and do no more.
    noise = data.draw(st.sampled_from([" ", "* ", '" "', " -", " (", ", ", ":", ")^"]))
    text = noise.join(word.upper() if data.draw(st.booleans()) else word for word in cut)
    # Digits either side of a separator are one number ("8 8" asks for "88"):
    # then the query's words are not these beginnings, and the claim need not match.
    assume(normalise(text).split() == cut)
    assert claim.slug in found(text)
    assert found(text) == expected(text)


# --- Every write that changes what a claim is found by -----------------------------


def test_an_edit_of_the_statement_or_speaker_moves_the_index(fact, reviewer):
    edit_statement = services.edit_claim(
        claim=fact,
        changes={"statement": "Migration service counts permits"},
        by=reviewer,
        expected_version=fact.version,
        correction_reason="Reworded for readers.",
    )
    assert edit_statement == ["statement"]
    assert found("migration service") == {"work-permits"}
    assert found("statement") == set()  # the old text is gone
    quoted = Person.objects.create(name="Quentin Quoted", slug="quentin")
    fact.refresh_from_db()
    services.edit_claim(
        claim=fact,
        changes={"speaker": quoted},
        by=reviewer,
        expected_version=fact.version,
        correction_reason="The article quotes him.",
    )
    assert found("quentin") == {"work-permits"}
    fact.corrections.all().delete()  # (the change log protects a claim from deletion)
    fact.delete()
    assert found("migration service") == set()


def test_a_claim_taken_in_is_found(article, editor):
    article.text += " Tulips will bloom early."
    article.save()
    quote = "Tulips will bloom early."
    start, end = article.locate(quote)
    claim = Claim(
        article=article,
        kind=Kind.FACT,
        quote=quote,
        quote_start=start,
        quote_end=end,
        statement="Tulips bloomed early.",
    )
    services.take_in_claim(claim=claim, by=editor, new_speaker="Flora Bloemen")
    assert found("tulips bloemen") == {claim.slug}


def test_a_claim_quoted_afresh_is_found_by_its_new_quote(make_claim, article, editor):
    article.text += " Rents rose sharply."
    article.save()
    claim = make_claim(quote="Rents rose sharply.", slug="rents")
    services.correct_article_text(
        article=article,
        text=article.text.replace("Rents rose sharply.", "Housing costs climbed."),
        reason="The publisher reworded it.",
        by=editor,
    )
    assert found("sharply") == {"rents"}  # orphaned, it keeps the words it had
    services.requote_claim(
        claim=claim, quote="Housing costs climbed.", by=editor, reason="Same claim."
    )
    assert found("housing climbed") == {"rents"}
    assert found("sharply") == set()


def test_a_speaker_renamed_by_an_editor_is_found_by_the_new_name(prediction, editor):
    person = prediction.speaker
    person.name = "Adelheid Beispiel"
    services.edit_person(person=person, by=editor)
    assert found("adelheid") == {"permits-will-double"}
    assert found("ada") == set()


@pytest.fixture
def admin_client(client, db):
    client.force_login(get_user_model().objects.create_superuser("boss", password="x" * 12))
    return client


def test_a_speaker_renamed_in_the_admin_is_found_by_the_new_name(admin_client, prediction):
    url = f"/admin/factcheck/person/{prediction.speaker.pk}/change/"
    response = admin_client.post(
        url, {"name": "Adelheid Beispiel", "description": "", "slug": "ada-example"}
    )
    assert response.status_code == 302
    assert found("beispiel") == {"permits-will-double"}
    assert found("ada") == set()


def test_an_article_retitled_in_the_admin_is_found_by_the_new_title(admin_client, fact, article):
    response = admin_client.post(
        f"/admin/factcheck/article/{article.pk}/change/",
        {
            "title": "Visas on the rise",
            "publisher": article.publisher,
            "url": article.url,
            "published_on": article.published_on.isoformat(),
            "slug": article.slug,
        },
    )
    assert response.status_code == 302
    assert found("visas") == {"work-permits"}
    assert found("permits") == set()  # the old title's word ("permit" is in the quote)


# --- The claim list -----------------------------------------------------------------


def page(client, query):
    return BeautifulSoup(client.get(f"/claims/?{query}").content, "html.parser")


def slug_of(link):
    return link["href"].rstrip("/").rsplit("/", 1)[-1]


def listed(client, query):
    return [slug_of(a) for a in page(client, query).select(".claim-summaries > li > a")]


def test_search_combines_with_the_other_filters(client, fact, prediction):
    assert listed(client, "q=permit") in (
        ["work-permits", "permits-will-double"],
        ["permits-will-double", "work-permits"],
    )
    assert listed(client, "q=permit&kind=prediction") == ["permits-will-double"]
    assert listed(client, "q=permit&speaker=ada") == ["permits-will-double"]
    assert listed(client, "q=permit&speaker=article") == ["work-permits"]
    assert listed(client, "q=permit&status=overdue") == ["permits-will-double"]
    assert listed(client, "q=permit&article=nothing-like-it") == []
    # An explicit order wins over the best match.
    assert listed(client, "q=permit&sort=resolve_by") == ["permits-will-double", "work-permits"]


def test_search_results_are_paginated_keeping_the_search(client, make_claim, article):
    article.text += " " + " ".join(f"Walrus number {i}." for i in range(25))
    article.save()
    for i in range(25):
        make_claim(quote=f"Walrus number {i}.", slug=f"walrus-{i}")
    make_claim(slug="no-walrus")
    first = page(client, "q=walrus")
    assert first.select_one(".results-count").get_text() == "25 claims"
    assert len(first.select(".claim-summaries > li")) == 20
    next_link = first.select_one(".pagination a[rel=next]")["href"]
    assert next_link == "?q=walrus&page=2"
    second = page(client, next_link.removeprefix("?"))
    assert len(second.select(".claim-summaries > li")) == 5


def test_the_articles_own_claims_read_as_the_articles_and_the_speaker_filter_selects_them(
    client, fact, prediction
):
    everything = page(client, "")
    meta = {
        slug_of(li.a): li.select_one(".meta").get_text()
        for li in everything.select(".claim-summaries > li")
    }
    assert "the article (Example Times)" in meta["work-permits"]
    claim_page = BeautifulSoup(client.get(fact.get_absolute_url()).content, "html.parser")
    assert "the article (Example Times)" in claim_page.select_one("header .meta").get_text()
    assert "Ada Example" in meta["permits-will-double"]
    # The publisher is no speaker…
    assert listed(client, "speaker=Times") == []
    # …but the filter offers the articles' own claims.
    suggestion = everything.select_one("datalist#speaker-suggestions option")
    assert everything.select_one("#id_speaker")["list"] == "speaker-suggestions"
    assert suggestion["value"] == "article"
    assert listed(client, "speaker=article") == ["work-permits"]
    assert listed(client, "speaker=Article") == ["work-permits"]
