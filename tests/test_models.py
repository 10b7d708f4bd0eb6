import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from factcheck.models import Claim, Source
from factcheck.statuses import (
    STATUS_TABLE,
    Certainty,
    FactStatus,
    Kind,
    PredictionStatus,
    status_info,
    statuses_for,
)

pytestmark = pytest.mark.django_db


class TestStatusTable:
    def test_every_status_of_each_vocabulary_is_described(self):
        for kind, vocabulary in [(Kind.FACT, FactStatus), (Kind.PREDICTION, PredictionStatus)]:
            for choice in vocabulary:
                info = status_info(kind, choice.value)
                assert info.label == choice.label
                assert info.description
        assert len(STATUS_TABLE) == len(FactStatus) + len(PredictionStatus)

    def test_a_verdict_is_a_final_status_with_a_rating(self):
        assert status_info(Kind.FACT, FactStatus.ACCURATE).has_verdict
        assert status_info(Kind.PREDICTION, PredictionStatus.DID_NOT_COME_TRUE).has_verdict
        # Final, but no judgement of truth: no ClaimReview rating.
        assert not status_info(Kind.FACT, FactStatus.UNVERIFIABLE).has_verdict
        assert not status_info(Kind.PREDICTION, PredictionStatus.CONDITION_NOT_MET).has_verdict
        # Still open.
        assert not status_info(Kind.PREDICTION, PredictionStatus.ON_TRACK).has_verdict

    def test_ratings_use_the_one_to_five_scale(self):
        ratings = {info.rating for info in STATUS_TABLE.values() if info.rating is not None}
        assert ratings <= {1, 2, 3, 4, 5}
        assert status_info(Kind.FACT, FactStatus.ACCURATE).rating == 5
        assert status_info(Kind.FACT, FactStatus.INACCURATE).rating == 1

    def test_each_kind_only_offers_its_own_statuses(self):
        fact_values = [info.value for info in statuses_for(Kind.FACT)]
        assert "came_true" not in fact_values
        assert fact_values[0] == "unreviewed"
        prediction_values = [info.value for info in statuses_for(Kind.PREDICTION)]
        assert "accurate" not in prediction_values


class TestClaimRules:
    def test_a_new_claim_starts_unreviewed_at_version_one(self, fact):
        assert fact.status == "unreviewed"
        assert fact.version == 1
        assert fact.status_info.label == "Unreviewed"
        assert not fact.has_verdict

    def test_validation_refuses_a_status_of_the_other_kind(self, fact):
        fact.status = PredictionStatus.CAME_TRUE
        with pytest.raises(ValidationError) as error:
            fact.full_clean()
        assert "kind" in error.value.message_dict

    def test_database_refuses_a_status_of_the_other_kind(self, fact):
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=fact.pk).update(status=PredictionStatus.CAME_TRUE)

    def test_database_refuses_an_unknown_status(self, prediction):
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=prediction.pk).update(status="probably")

    def test_database_refuses_offsets_that_do_not_span_the_quote(self, fact):
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=fact.pk).update(quote_end=fact.quote_end + 3)

    def test_validation_refuses_a_quote_that_is_not_at_its_offsets(self, fact):
        fact.quote_start += 1
        fact.quote_end += 1
        with pytest.raises(ValidationError) as error:
            fact.full_clean()
        assert "quote" in error.value.message_dict

    def test_only_predictions_carry_condition_criteria_and_resolve_by(self, fact):
        fact.resolve_by = datetime.date(2030, 1, 1)
        with pytest.raises(ValidationError) as error:
            fact.full_clean()
        assert "resolve_by" in error.value.message_dict
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=fact.pk).update(condition="If it rains.")

    def test_quotes_may_nest_but_not_cross(self, make_claim, article):
        make_claim(quote="Officials said the number will double by 2025.", slug="outer")
        nested = Claim(
            article=article, kind="fact", quote="the number", statement="S", slug="nested"
        )
        nested.quote_start, nested.quote_end = article.locate("the number")
        nested.full_clean()
        crossing = Claim(
            article=article, kind="fact", quote="this year. Officials", statement="S", slug="x"
        )
        crossing.quote_start, crossing.quote_end = article.locate("this year. Officials")
        with pytest.raises(ValidationError) as error:
            crossing.full_clean()
        assert "partly overlaps the quote of “outer”" in str(error.value)

    def test_a_quote_stays_within_one_paragraph(self, article):
        # The article page shows each paragraph as an element, each highlight within one.
        across = Claim(
            article=article, kind="fact", quote="2025.\n\nCritics", statement="S", slug="across"
        )
        across.quote_start, across.quote_end = article.locate("2025.\n\nCritics")
        with pytest.raises(ValidationError, match="may not cross a paragraph break"):
            across.full_clean()

    def test_a_prediction_says_how_and_when_it_is_judged_and_is_due_after_it_was_made(
        self, article
    ):
        quote = "the number will double by 2025"
        start, end = article.locate(quote)
        claim = Claim(
            article=article,
            kind="prediction",
            quote=quote,
            statement="S",
            slug="p",
            quote_start=start,
            quote_end=end,
        )
        with pytest.raises(ValidationError) as error:
            claim.full_clean()
        assert {"resolution_criteria", "resolve_by"} <= error.value.message_dict.keys()
        claim.resolution_criteria = "Official figures."
        claim.resolve_by = datetime.date(2022, 10, 19)  # the article is of 2022-10-20
        with pytest.raises(ValidationError, match="cannot be due before it was made"):
            claim.full_clean()
        claim.resolve_by = datetime.date(2022, 10, 20)
        claim.full_clean()

    def test_only_predictions_state_a_certainty(self, fact, prediction):
        prediction.certainty = Certainty.MIGHT
        prediction.full_clean()
        fact.certainty = Certainty.MIGHT
        with pytest.raises(ValidationError) as error:
            fact.full_clean()
        assert error.value.message_dict["certainty"] == ["Only predictions have this field."]
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=fact.pk).update(certainty=Certainty.MIGHT)

    def test_a_certainty_is_one_of_the_words(self, prediction):
        prediction.certainty = "surely"
        with pytest.raises(ValidationError) as error:
            prediction.full_clean()
        assert "certainty" in error.value.message_dict
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=prediction.pk).update(certainty="surely")

    def test_the_certainty_reads_as_the_speakers_word_and_its_strength(self, prediction):
        prediction.certainty = Certainty.MIGHT
        assert prediction.get_certainty_display() == "might (possible)"

    def test_str_and_public_url(self, prediction):
        assert str(prediction) == "Work permits will double by 2025."
        assert prediction.get_absolute_url() == "/claims/permits-will-double/"
        assert prediction.article.get_absolute_url() == "/articles/work-permits-rise/"
        assert prediction.speaker.get_absolute_url() == "/speakers/ada-example/"
        assert str(prediction.article) == "Work permits rise (Example Times, 2022-10-20)"

    def test_claims_are_ordered_by_their_place_in_the_article(self, make_claim):
        later = make_claim(quote="Critics disagree.")
        earlier = make_claim(quote="Officials said")
        assert list(Claim.objects.all()) == [earlier, later]


class TestLocatingQuotes:
    def test_locate_returns_python_string_offsets(self, article):
        start, end = article.locate("work permit")
        assert article.text[start:end] == "work permit"

    @pytest.mark.parametrize(
        ("quote", "message"),
        [
            ("work permits", "not found verbatim"),
            ("", "is empty"),
            ("ic", "occurs 2 times"),
        ],
    )
    def test_locate_explains_a_quote_it_cannot_anchor(self, article, quote, message):
        with pytest.raises(ValueError, match=message):
            article.locate(quote)


class TestSources:
    @pytest.mark.parametrize("url", ["ftp://example.com/file", "javascript:alert(1)", "example"])
    def test_source_urls_must_be_http_or_https(self, fact, reviewer, url):
        source = Source(claim=fact, url=url, title="T", stance="supports", added_by=reviewer)
        with pytest.raises(ValidationError) as error:
            source.full_clean()
        assert "url" in error.value.message_dict

    def test_database_refuses_a_non_http_source_url(self, fact, reviewer):
        with pytest.raises(IntegrityError), transaction.atomic():
            Source.objects.create(
                claim=fact,
                url="ftp://example.com/x",
                title="T",
                stance="supports",
                added_by=reviewer,
            )

    def test_archived_copy_is_optional_but_must_be_http(self, fact, reviewer):
        source = Source(
            claim=fact,
            url="https://example.com/report",
            archived_url="file:///etc/passwd",
            title="Report",
            stance="refutes",
            added_by=reviewer,
        )
        with pytest.raises(ValidationError) as error:
            source.full_clean()
        assert list(error.value.message_dict) == ["archived_url"]
        source.archived_url = ""
        source.full_clean()


class TestStorableText:
    """Every text the record holds must survive PostgreSQL and the XML backup."""

    REFUSED = [chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)]] + [
        "\ud800",
        "\udfff",
        "\ufffe",
        "\uffff",
    ]

    def text_fields(self):
        from django.apps import apps

        for model in apps.get_app_config("factcheck").get_models():
            for field in model._meta.get_fields():
                # simple-history's change reason is written by our code alone,
                # from fixed labels and a claims file's name (which the seed
                # loader checks).
                if field.name == "history_change_reason":
                    continue
                if isinstance(field, models.CharField | models.TextField) and not field.choices:
                    yield model, field

    def test_every_free_text_field_of_every_model_refuses_unstorable_characters(self):
        checked = 0
        for model, field in self.text_fields():
            for character in self.REFUSED:
                value = f"https://ok.example/a{character}b"
                with pytest.raises(ValidationError) as refused:
                    field.run_validators(value)
                if not isinstance(field, models.SlugField):  # slugs refuse all but [-\w]
                    message = " ".join(refused.value.messages)
                    assert f"U+{ord(character):04X}" in message, (model, field.name)
            checked += 1
        # Historical models included: the audit trail is backed up too.
        assert checked >= 30

    def test_the_message_names_the_character_and_its_position(self, fact):
        fact.summary = "Police figures\x0b say 500."
        with pytest.raises(ValidationError) as refused:
            fact.full_clean()
        assert refused.value.message_dict["summary"] == [
            "Remove the invisible character U+000B (vertical tab) at position 15: "
            "it cannot be stored or backed up."
        ]

    def test_tabs_line_breaks_and_visible_unicode_are_kept(self, fact):
        fact.summary = "Line one\r\nline two\twith a tab, \u202eRTL and \ufffd."
        fact.full_clean()


def test_every_prediction_status_counts_in_one_track_record_outcome_and_no_fact_does():
    from factcheck.statuses import Outcome

    for info in STATUS_TABLE.values():
        assert (info.outcome in Outcome) if info.kind == Kind.PREDICTION else info.outcome is None
    verdicts = {info.outcome for info in statuses_for(Kind.PREDICTION) if info.is_final}
    assert Outcome.PENDING not in verdicts
