"""Property-based tests: whatever a claims file or a form holds, the answer is a
clear error or a valid record, never a crash. (What the review panels and the
admin answer to hostile posts: test_hostile_forms.py.)"""

import json
import re
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck.forms import NoteForm, SourceForm
from factcheck.models import Claim
from factcheck.seeding import SeedError, load, read_claims_file

pytestmark = pytest.mark.django_db

PROPERTY = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "nul\x00byte",
    "right-to-left \u202e override",
    "x" * 10_001,
]
texts = st.one_of(st.text(max_size=200), st.sampled_from(PAYLOADS))
urls = st.one_of(
    st.sampled_from(
        [
            "https://example.com/a?b=1",
            "http://x.org",
            "ftp://x.org/f",
            "javascript:alert(1)",
            "//evil.example",
            "data:text/html,hi",
            "file:///etc/passwd",
            "",
        ]
    ),
    st.text(max_size=60),
)
dates = st.one_of(st.dates().map(str), st.text(max_size=12), st.just(""))


@contextmanager
def rolled_back():
    """Each example starts from the same database."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


# --- The seed loader ------------------------------------------------------------

ARTICLE = " date 2023-05-02 The ministry issued 12,000 permits in April. It expects more.\n"


def toml_string(value):
    # JSON's escapes are a subset of TOML basic strings'.
    return json.dumps(value)


@PROPERTY
@given(
    title=texts,
    kind=st.one_of(st.sampled_from(["fact", "prediction"]), texts),
    quote=st.one_of(
        st.sampled_from(["The ministry issued 12,000 permits in April.", "It expects more."]), texts
    ),
    statement=texts,
    slug=st.one_of(st.just("a-claim"), texts),
)
def test_the_seed_loader_loads_or_names_the_problem(
    tmp_path_factory, title, kind, quote, statement, slug
):
    folder = tmp_path_factory.mktemp("seed")
    (folder / "article.txt").write_text(ARTICLE, encoding="utf-8")
    path = folder / "claims.toml"
    path.write_text(
        "[article]\n"
        'text_file = "article.txt"\nslug = "an-article"\n'
        f'title = {toml_string(title)}\npublisher = "P"\n\n'
        "[[claims]]\n"
        f"slug = {toml_string(slug)}\nkind = {toml_string(kind)}\n"
        f"quote = {toml_string(quote)}\nstatement = {toml_string(statement)}\n"
        'resolution_criteria = "C."\nresolve_by = 2024-01-01\n\n'
        '[[unclaimed]]\nsentence = "It expects more."\nreason = "R."\n',
        encoding="utf-8",
    )
    with rolled_back():
        try:
            load([read_claims_file(path)])
        except SeedError as error:
            assert all(problem.startswith(str(path)) for problem in error.problems)
            assert not Claim.objects.exists()
        else:
            claim = Claim.objects.get()
            assert claim.article.text[claim.quote_start : claim.quote_end] == claim.quote
            claim.full_clean()


# --- The review forms -----------------------------------------------------------

REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def normalised(text):
    """The one documented normalisation of form text."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


GOOD_SOURCE = {
    "url": "https://example.com/a",
    "archived_url": "",
    "title": "Permit statistics",
    "publisher": "",
    "published_on": "",
    "stance": "supports",
    "note": "",
}
SOURCE_VALUES = {
    "url": urls,
    "archived_url": urls,
    "title": texts,
    "publisher": texts,
    "published_on": dates,
    "stance": st.one_of(st.sampled_from(["supports", "refutes", "context", "x", ""]), texts),
    "note": texts,
}


@PROPERTY
@given(data=st.data())
def test_a_source_form_refuses_a_bad_value_at_its_own_field_and_keeps_a_good_one(data):
    name = data.draw(st.sampled_from(sorted(SOURCE_VALUES)), label="field")
    value = data.draw(SOURCE_VALUES[name], label="value")
    form = SourceForm({**GOOD_SOURCE, name: value})
    if not form.is_valid():
        # Only the field that changed can be wrong, and it says so.
        assert list(form.errors) == [name]
        return
    cleaned = form.cleaned_data
    for address in (cleaned["url"], cleaned["archived_url"]):
        assert address == "" or address.lower().startswith(("http://", "https://"))
    if isinstance(cleaned[name], str):
        assert cleaned[name] == normalised(value)
        assert not REFUSED.search(cleaned[name])


@PROPERTY
@given(body=texts)
def test_a_note_is_accepted_exactly_when_it_is_storable_bounded_text(body):
    form = NoteForm({"body": body})
    text = normalised(body)
    expected = 0 < len(text) <= 10_000 and not REFUSED.search(text)
    assert form.is_valid() == expected, form.errors
    if expected:
        assert form.cleaned_data["body"] == text
