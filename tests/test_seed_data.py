"""The seeded article and its claims file, checked as a reader of the article would."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from factcheck.seeding import read_article_text, read_claims_file, split_sentences

SEEDS = Path(settings.BASE_DIR) / "seeds"
CLAIMS_FILE = SEEDS / "000_a2bd9d0f0c373590.toml"


@pytest.fixture(scope="module")
def claims_file():
    return read_claims_file(CLAIMS_FILE)


def test_the_article_is_the_shared_file_without_its_date_prefix(claims_file):
    raw = (SEEDS / "000_a2bd9d0f0c373590.txt").read_text(encoding="utf-8")
    published_on, text = read_article_text(SEEDS / "000_a2bd9d0f0c373590.txt")
    assert str(published_on) == "2022-10-20"
    assert raw == f" date 2022-10-20 {text}"
    assert "“If the war ends" in text  # curly quotes kept as they are
    assert claims_file.article["publisher"] == "Vlast"


def test_every_seeded_quote_occurs_verbatim_at_its_offsets(claims_file):
    text = claims_file.article["text"]
    for claim in claims_file.claims:
        assert text[claim["quote_start"] : claim["quote_end"]] == claim["quote"], claim["slug"]
        assert text.count(claim["quote"]) == 1, claim["slug"]


def test_every_sentence_holds_a_claim_or_a_reason(claims_file):
    # read_claims_file refuses a file that leaves a sentence unaccounted for;
    # here, check the accounting adds up sentence by sentence.
    text = claims_file.article["text"]
    spans = [(c["quote_start"], c["quote_end"]) for c in claims_file.claims]
    unclaimed = {entry["sentence"] for entry in read_unclaimed()}
    sentences = [text[start:end] for start, end in split_sentences(text)]
    assert len(sentences) == 21
    for start, end in split_sentences(text):
        has_claim = any(s < end and start < e for s, e in spans)
        assert has_claim != (text[start:end] in unclaimed), text[start:end]


def read_unclaimed():
    import tomllib

    return tomllib.loads(CLAIMS_FILE.read_text(encoding="utf-8"))["unclaimed"]


def test_the_issue_examples_are_recorded_with_the_right_kind(claims_file):
    by_slug = {claim["slug"]: claim for claim in claims_file.claims}
    permits = by_slug["80000-russians-received-work-permits"]
    assert permits["kind"] == "fact"
    assert "around 80,000 have received a work permit" in permits["quote"]
    settle = by_slug["russians-may-settle-if-war-lasts-over-two-years"]
    assert settle["kind"] == "prediction"
    assert settle["speaker"] == "malika-toqmadi"
    assert "couple of years" in settle["quote"]
    assert settle["condition"]


def test_predictions_have_criteria_and_a_resolve_by_date_after_publication(claims_file):
    predictions = [c for c in claims_file.claims if c["kind"] == "prediction"]
    assert len(predictions) >= 8
    for claim in predictions:
        assert claim["resolution_criteria"], claim["slug"]
        assert claim["resolve_by"] > claims_file.article["published_on"], claim["slug"]
    horizon = {c["slug"]: str(c["resolve_by"]) for c in predictions}
    assert horizon["russia-destabilization-in-2022-2023"] == "2023-12-31"  # "in 2022-2023"
    assert horizon["russians-may-settle-if-war-lasts-over-two-years"] == "2024-10-20"


def test_speakers_are_the_people_quoted_and_the_article_speaks_for_itself(claims_file):
    speakers = {claim.get("speaker") for claim in claims_file.claims}
    assert speakers == {"malika-toqmadi", "rakhimbek-abdrakhmanov", None}
    assert {p["slug"] for p in claims_file.people} == {"malika-toqmadi", "rakhimbek-abdrakhmanov"}


POSSIBLE = ("may", "might", "could")


def words(text):
    return set(re.findall(r"[a-z]+", text.lower()))


def test_a_hedged_prediction_keeps_its_speakers_word_in_its_statement(claims_file):
    predictions = [c for c in claims_file.claims if c["kind"] == "prediction"]
    hedged = {}
    for claim in predictions:
        said = words(claim["quote"]) & set(POSSIBLE)
        if said:
            (word,) = said
            hedged[claim["slug"]] = word
            assert claim["certainty"] == word, claim["slug"]
            assert word in words(claim["statement"]), claim["slug"]
            assert "will" not in words(claim["statement"]), claim["slug"]
    assert hedged == {
        "russians-may-settle-if-war-lasts-over-two-years": "might",
        "demographic-balance-back-if-war-ends-within-a-year": "might",
        "migrants-may-stay-long-term-if-hardship-grows": "might",
        "further-waves-of-migration-from-russia": "might",
        "continued-war-could-drive-more-emigration-from-russia": "could",
    }
    # The rest were stated as expectations ("poised to", "we believe", "we can expect").
    firm = {c["certainty"] for c in predictions if c["slug"] not in hedged}
    assert firm == {"expects"}


def test_the_settling_prediction_hangs_on_the_war_still_going_on(claims_file):
    [war] = claims_file.conditions
    assert war["statement"] == "The war in Ukraine is still going on on 20 October 2024"
    assert str(war["resolve_by"]) == "2024-10-20"
    linked = {
        claim["slug"]: claim["conditions"] for claim in claims_file.claims if "conditions" in claim
    }
    assert linked == {
        "russians-may-settle-if-war-lasts-over-two-years": [{"slug": war["slug"], "if": "met"}]
    }
    settle = next(c for c in claims_file.claims if c["slug"] in linked)
    assert "the incoming Russians might settle in Kazakhstan" in settle["quote"]
