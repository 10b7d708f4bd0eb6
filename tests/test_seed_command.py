import datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError

from factcheck.models import (
    Article,
    Claim,
    ClaimCondition,
    Condition,
    Person,
    ReviewerNote,
    Source,
)
from factcheck.seeding import read_claims_file
from factcheck.services import edit_claim
from tests.desk import set_status

from .claims_files import ARTICLE, CONDITION_SLUG, CONDITIONAL, GOOD, seed, write_files

pytestmark = pytest.mark.django_db


def assert_nothing_written():
    assert not Article.objects.exists()
    assert not Person.objects.exists()
    assert not Claim.objects.exists()


def test_a_fresh_load_creates_the_article_people_and_claims(tmp_path):
    output = seed(write_files(tmp_path))

    assert "Created 4, updated 0, left alone 0." in output
    article = Article.objects.get()
    assert article.published_on == datetime.date(2023, 5, 2)
    assert article.text.startswith("The ministry issued")  # the date prefix is not text
    prediction = Claim.objects.get(slug="permits-will-double")
    assert prediction.speaker.name == "Mina Spokes"
    assert prediction.status == "unreviewed"
    assert prediction.resolve_by == datetime.date(2024, 12, 31)
    assert article.text[prediction.quote_start : prediction.quote_end] == prediction.quote
    assert prediction.history.get().history_change_reason == "Loaded from claims.toml"
    assert not Source.objects.exists()  # no invented sources


def test_a_second_run_changes_nothing_and_says_so(tmp_path):
    path = write_files(tmp_path)
    seed(path)
    before = list(Claim.objects.values())

    output = seed(path)

    assert "Nothing to change: created 0, updated 0, left alone 4." in output
    assert list(Claim.objects.values()) == before


def test_reviewer_work_survives_a_reseed_and_differences_are_reported(tmp_path, reviewer):
    path = write_files(tmp_path)
    seed(path)
    claim = Claim.objects.get(slug="permits-will-double")
    set_status(
        claim=claim,
        to_status="pending",
        rationale="Criteria set.",
        by=reviewer,
        expected_version=1,
        summary="Waiting for 2024 figures.",
    )
    edit_claim(
        claim=claim,
        changes={"statement": "Reviewer's wording."},
        by=reviewer,
        expected_version=claim.version,
        correction_reason="Reworded for readers.",
    )
    ReviewerNote.objects.create(claim=claim, author=reviewer, body="Call the ministry.")
    Source.objects.create(
        claim=claim, url="https://example.gov/q", title="Q1", stance="context", added_by=reviewer
    )

    output = seed(write_files(tmp_path, GOOD.replace("2024-12-31", "2025-06-30")))

    claim.refresh_from_db()
    assert (claim.status, claim.summary, claim.statement) == (
        "pending",
        "Waiting for 2024 figures.",
        "Reviewer's wording.",
    )
    assert claim.resolve_by == datetime.date(2024, 12, 31)
    assert claim.notes.count() == 1 and claim.sources.count() == 1
    assert "Left claim “permits-will-double” alone" in output
    assert "it differs from claims.toml in resolve_by" in output
    assert (
        "Statement of claim “permits-will-double” differs from claims.toml, left as it is: "
        "stored “Reviewer's wording.”, file “Permits will double in 2024.”"
    ) in output


def test_new_claims_in_the_file_are_added_and_existing_records_are_not_overwritten(tmp_path):
    seed(write_files(tmp_path))
    Person.objects.filter(slug="min-spokes").update(
        description="Spokeswoman, corrected in the admin"
    )
    more = GOOD.replace(
        'description = "Ministry spokeswoman"', 'description = "Spokeswoman"'
    ).replace(
        '[[unclaimed]]\nsentence = "What a month it was."\nreason = "An exclamation."',
        '[[claims]]\nslug = "a-month"\nkind = "fact"\nquote = "What a month it was."\n'
        'statement = "It was a notable month."',
    )
    output = seed(write_files(tmp_path, more))
    assert "Created 1, updated 0, left alone 4." in output
    assert "Left person “min-spokes” alone: it differs from the file in description." in output
    assert Person.objects.get().description == "Spokeswoman, corrected in the admin"


def test_blank_fields_of_existing_records_are_filled_in(tmp_path):
    seed(write_files(tmp_path))
    with_url = GOOD.replace(
        'publisher = "Example Times"', 'publisher = "Example Times"\nurl = "https://example.com/a"'
    )
    output = seed(write_files(tmp_path, with_url))
    assert "Filled in article “permits-in-april”: url." in output
    assert "Created 0, updated 1, left alone 3." in output
    assert Article.objects.get().url == "https://example.com/a"
    assert "Nothing to change" in seed(write_files(tmp_path, with_url))


def test_a_person_may_be_defined_in_another_file_of_the_same_run(tmp_path):
    people_only = GOOD.replace(
        '[[people]]\nslug = "min-spokes"\nname = "Mina Spokes"\n'
        'description = "Ministry spokeswoman"\n',
        "",
    )
    first = write_files(tmp_path, people_only, name="b.toml")
    other = tmp_path / "other"
    other.mkdir()
    text = " date 2024-01-09 Exports rose 5% in 2023.\n"
    claims = """
[article]
text_file = "article.txt"
slug = "exports-2023"
title = "Exports in 2023"
publisher = "Trade Weekly"

[[people]]
slug = "min-spokes"
name = "Mina Spokes"

[[claims]]
slug = "exports-rose-5-percent"
speaker = "min-spokes"
kind = "fact"
quote = "Exports rose 5% in 2023."
statement = "Exports rose by 5% in 2023."
"""
    second = write_files(other, claims, text, name="a.toml")
    seed(first, second)
    assert Claim.objects.get(slug="permits-will-double").speaker.slug == "min-spokes"


def test_another_article_file_loads_beside_the_first(tmp_path):
    seed(write_files(tmp_path))
    other = tmp_path / "other"
    other.mkdir()
    text = " date 2024-01-09 Exports rose 5% in 2023.\n"
    claims = """
[article]
text_file = "article.txt"
slug = "exports-2023"
title = "Exports in 2023"
publisher = "Trade Weekly"
url = "https://trade.example.com/exports"

[[claims]]
slug = "exports-rose-5-percent"
kind = "fact"
quote = "Exports rose 5% in 2023."
statement = "Exports rose by 5% in 2023."
"""
    seed(write_files(other, claims, text))
    assert sorted(Article.objects.values_list("slug", flat=True)) == [
        "exports-2023",
        "permits-in-april",
    ]


def test_dry_run_validates_and_writes_nothing(tmp_path):
    output = seed(write_files(tmp_path), dry_run=True)
    assert "Dry run, nothing written: would have created 4" in output
    assert_nothing_written()


def test_default_is_every_claims_file_in_seeds():
    files = sorted((Path(settings.BASE_DIR) / "seeds").glob("*.toml"))
    expected_claims = sum(len(read_claims_file(path).claims) for path in files)
    output = seed()
    assert Article.objects.count() == len(files)
    assert Claim.objects.count() == expected_claims
    assert set(Claim.objects.values_list("status", flat=True)) == {"unreviewed"}
    assert set(Condition.objects.values_list("status", flat=True)) == {"open"}
    created = len(files) + Person.objects.count() + Condition.objects.count() + expected_claims
    assert f"Created {created}," in output


def test_a_prediction_is_linked_to_the_tracked_condition_the_file_declares(tmp_path):
    output = seed(write_files(tmp_path, CONDITIONAL))

    condition = Condition.objects.get()
    assert (condition.slug, condition.status) == (CONDITION_SLUG, "open")
    assert str(condition.resolve_by) == "2024-06-30"
    [link] = ClaimCondition.objects.all()
    assert (link.claim.slug, link.polarity) == ("permits-will-double", "met")
    assert "Created 5," in output  # the article, a person, a condition, two claims
    again = seed(tmp_path / "claims.toml")
    assert "left alone 5" in again
    assert ClaimCondition.objects.count() == 1


def test_re_seeding_links_a_loaded_prediction_that_has_no_conditions_yet(tmp_path):
    # A site seeded before the file declared its conditions gets them.
    seed(write_files(tmp_path, GOOD))
    version = Claim.objects.get(slug="permits-will-double").version

    output = seed(write_files(tmp_path, CONDITIONAL))

    assert "Linked claim “permits-will-double” to its conditions." in output
    assert ClaimCondition.objects.get().claim.slug == "permits-will-double"
    assert Claim.objects.get(slug="permits-will-double").version == version


def test_re_seeding_links_no_conditions_to_a_prediction_with_a_published_verdict(
    tmp_path, reviewer
):
    seed(write_files(tmp_path, GOOD))
    claim = Claim.objects.get(slug="permits-will-double")
    set_status(claim=claim, to_status="came_true", by=reviewer)

    output = seed(write_files(tmp_path, CONDITIONAL))

    assert "Left claim “permits-will-double” alone: it has a published verdict" in output
    assert not ClaimCondition.objects.exists()


def test_re_seeding_leaves_a_condition_and_links_the_desk_changed_alone(tmp_path):
    seed(write_files(tmp_path, CONDITIONAL))
    Condition.objects.update(statement="Reworded on the site.")
    ClaimCondition.objects.update(polarity="not_met")

    output = seed(tmp_path / "claims.toml")

    assert f"Left condition “{CONDITION_SLUG}” alone: it differs from the file in statement" in (
        output
    )
    assert "Left claim “permits-will-double” alone: its conditions differ from the file." in (
        output
    )
    assert ClaimCondition.objects.get().polarity == "not_met"


def test_a_repeated_sentence_must_be_accounted_for_each_time_it_appears(tmp_path):
    article = ARTICLE.replace("What a month it was.", "Prices rose. It was busy. Prices rose.")
    claims = GOOD.replace(
        'sentence = "What a month it was."\nreason = "An exclamation."',
        'sentence = "It was busy."\nreason = "Colour."',
    ).replace(
        "[[unclaimed]]",
        '[[claims]]\nslug = "prices"\nkind = "fact"\nquote = "It was busy. Prices rose."\n'
        'statement = "Prices rose."\n\n[[unclaimed]]',
    )
    with pytest.raises(CommandError) as error:
        seed(write_files(tmp_path, claims, article))
    assert "sentence at 82: “Prices rose.” is not accounted for" in str(error.value)


def test_all_problems_are_listed_at_once(tmp_path):
    claims = GOOD.replace('kind = "prediction"', 'kind = "rumour"').replace(
        'statement = "The ministry issued 12,000 permits in April 2023."\n', ""
    )
    with pytest.raises(CommandError) as error:
        seed(write_files(tmp_path, claims))
    assert "2 problems" in str(error.value)
    assert "field “kind”" in str(error.value) and "field “statement”" in str(error.value)


def test_an_article_file_without_its_date_line_is_refused(tmp_path):
    path = write_files(tmp_path, article="No date here.")
    with pytest.raises(CommandError, match='must begin with " date YYYY-MM-DD "'):
        seed(path)
    assert_nothing_written()


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        seed(tmp_path / "nope.toml")


def test_a_slug_used_in_two_files_is_refused(tmp_path):
    write_files(tmp_path)
    twin = GOOD.replace('slug = "permits-in-april"', 'slug = "permits-again"')
    (tmp_path / "twin.toml").write_text(twin, encoding="utf-8")
    with pytest.raises(CommandError, match="is also used in"):
        seed(tmp_path / "claims.toml", tmp_path / "twin.toml")
    assert_nothing_written()


def test_a_changed_article_text_is_refused_because_claims_point_into_it(tmp_path):
    seed(write_files(tmp_path))
    path = write_files(tmp_path, article=ARTICLE.replace("\n\n", "\n\n\n"))
    with pytest.raises(CommandError, match="the text differs"):
        seed(path.with_name("claims.toml"))
    assert Article.objects.get().text == ARTICLE.removeprefix(" date 2023-05-02 ")


# A claims file as it was written before format 2: no format, no certainty, and
# the prediction's statement hardened.
FORMAT_1 = (
    GOOD.replace("format = 2\n", "")
    .replace('certainty = "expects"\n', "")
    .replace("Permits will double in 2024.", "Permits double in 2024.")
)


def test_a_format_1_file_loads_with_its_predictions_certainty_blank(tmp_path):
    seed(write_files(tmp_path, FORMAT_1))
    assert Claim.objects.get(slug="permits-will-double").certainty == ""


def test_a_reseed_fills_the_new_certainty_and_reports_a_statement_it_leaves(tmp_path):
    seed(write_files(tmp_path, FORMAT_1))

    output = seed(write_files(tmp_path, GOOD))

    claim = Claim.objects.get(slug="permits-will-double")
    assert claim.certainty == "expects"
    # The fill is an edit like any other: versioned and in the audit trail.
    assert claim.version == 2
    assert claim.history.latest().history_change_reason == "Filled in from claims.toml"
    assert "Filled in claim “permits-will-double”: certainty." in output
    # The statement is the reviewers' now: reported for them to correct, not changed.
    assert claim.statement == "Permits double in 2024."
    assert (
        "Statement of claim “permits-will-double” differs from claims.toml, left as it is: "
        "stored “Permits double in 2024.”, file “Permits will double in 2024.”. If the file "
        "is right, correct it at /review/claims/permits-will-double/."
    ) in output
    assert "Created 0, updated 1, left alone 3." in output
    assert "Filled in" not in seed(write_files(tmp_path, GOOD))


def test_a_reseed_never_changes_a_certainty_a_reviewer_set(tmp_path, reviewer):
    seed(write_files(tmp_path, FORMAT_1))
    claim = Claim.objects.get(slug="permits-will-double")
    edit_claim(
        claim=claim,
        changes={"certainty": "might"},
        by=reviewer,
        expected_version=1,
        correction_reason="Reworded for readers.",
    )

    output = seed(write_files(tmp_path, GOOD))

    claim.refresh_from_db()
    assert (claim.certainty, claim.version) == ("might", 2)
    assert "it differs from claims.toml in certainty" in output


def test_a_reseed_leaves_a_judged_claims_blank_certainty_to_a_reviewer(tmp_path, reviewer):
    seed(write_files(tmp_path, FORMAT_1))
    claim = Claim.objects.get(slug="permits-will-double")
    set_status(
        claim=claim, to_status="came_true", rationale="It did.", by=reviewer, expected_version=1
    )

    output = seed(write_files(tmp_path, GOOD))

    claim.refresh_from_db()
    assert claim.certainty == ""
    assert not claim.corrections.exists()
    assert (
        "Left claim “permits-will-double” alone: filling in certainty would be listed on its "
        "public page as a correction, with a reason; make it in the review workspace."
    ) in output


def test_a_quote_found_twice_is_placed_by_its_prefix_and_suffix(tmp_path, db):
    from factcheck.models import Claim

    from .claims_files import ARTICLE, GOOD, write_files

    article = ARTICLE.replace("What a month it was.", "It expects twice as many next year.")
    claims = GOOD.replace(
        'certainty = "expects"',
        'certainty = "expects"\nprefix = "The ministry issued 12,000 permits in April. "',
    ).replace(
        '[[unclaimed]]\nsentence = "What a month it was."\nreason = "An exclamation."\n',
        '[[claims]]\nslug = "again"\nkind = "fact"\nquote = "It expects twice as many next year."'
        '\nstatement = "Said again."\nsuffix = ""\nprefix = "ear.\\n\\n"\n',
    )
    seed(write_files(tmp_path, claims, article))
    text = article.split(" ", 3)[3]
    first, again = Claim.objects.get(slug="permits-will-double"), Claim.objects.get(slug="again")
    assert (first.quote_start, again.quote_start) == (
        text.index("It expects"),
        text.rindex("It expects"),
    )
