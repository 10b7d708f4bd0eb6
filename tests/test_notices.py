import pytest

from factcheck.notices import released_claims

pytestmark = pytest.mark.django_db


def test_the_released_claims_notice_names_the_user_the_count_and_each_claim(
    reviewer, fact, prediction, settings
):
    settings.FACTCHECK_SITE_URL = "https://facts.example.org"
    subject, body = released_claims(reviewer, [fact, prediction])
    assert subject == "rita was deactivated: 2 claims back in the queue, unowned"
    assert body == (
        "rita was deactivated, so the 2 claims they owned are unowned again, "
        "for a reviewer to take:\n"
        "\n"
        f"- {fact.statement}\n"
        "  https://facts.example.org/review/claims/work-permits/\n"
        "- Work permits will double by 2025.\n"
        "  https://facts.example.org/review/claims/permits-will-double/\n"
    )


def test_one_claim_is_one_claim(reviewer, fact):
    subject, body = released_claims(reviewer, [fact])
    assert subject == "rita was deactivated: 1 claim back in the queue, unowned"
    assert body.startswith("rita was deactivated, so the 1 claim they owned is unowned again")
