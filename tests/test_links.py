import pytest
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from factcheck.links import fixed_url, slug_url

SLUG_URLS = [
    "factcheck:claim_detail",
    "factcheck:claim_feed",
    "factcheck:article_detail",
    "factcheck:person_detail",
    "factcheck:review_claim",
]
FIXED_URLS = ["factcheck:home", "factcheck:claim_list", "factcheck:methodology", "login"]


@pytest.fixture
def script_prefix():
    """The site served below a path, as behind a proxy that mounts it there."""
    set_script_prefix("/factcheck/")
    yield "/factcheck/"
    clear_script_prefix()
    set_script_prefix("/")


@pytest.mark.parametrize("name", SLUG_URLS)
@pytest.mark.parametrize("slug", ["work-permits", "a", "claim_2022-10-20", "X9"])
def test_slug_urls_are_what_reverse_gives(name, slug):
    assert slug_url(name, slug) == reverse(name, kwargs={"slug": slug})


@pytest.mark.parametrize("name", FIXED_URLS)
def test_fixed_urls_are_what_reverse_gives(name):
    assert fixed_url(name) == reverse(name)


def test_they_follow_the_script_prefix(script_prefix):
    assert slug_url("factcheck:claim_detail", "x") == "/factcheck/claims/x/"
    assert fixed_url("factcheck:claim_list") == "/factcheck/claims/"


@pytest.mark.parametrize("slug", ["", "two words", "ünï", "a/b"])
def test_what_is_not_a_slug_is_refused_as_reverse_refuses_it(slug):
    with pytest.raises(NoReverseMatch):
        slug_url("factcheck:claim_detail", slug)
