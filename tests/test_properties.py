"""Property-based tests: whatever a file or a form holds, the answer is a clear
error or a valid record, never a crash, and markup never comes back live."""

import json
from contextlib import contextmanager

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import from_form

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


@PROPERTY
@given(
    form=from_form(
        SourceForm,
        url=urls,
        archived_url=urls,
        title=texts,
        publisher=texts,
        published_on=dates,
        stance=st.sampled_from(["supports", "x", ""]),
        note=texts,
    )
)
def test_a_valid_source_form_only_ever_holds_web_addresses(form):
    if form.is_valid():
        assert form.cleaned_data["url"].lower().startswith(("http://", "https://"))
        archived = form.cleaned_data["archived_url"]
        assert archived == "" or archived.lower().startswith(("http://", "https://"))
        assert len(form.cleaned_data["note"]) <= 10_000
    else:
        assert form.errors


@PROPERTY
@given(form=from_form(NoteForm, body=texts))
def test_a_valid_note_is_plain_bounded_text(form):
    if form.is_valid():
        assert 0 < len(form.cleaned_data["body"]) <= 10_000
        assert "\x00" not in form.cleaned_data["body"]


@pytest.fixture
def signed_in(client, reviewer):
    client.force_login(reviewer)
    return client


def assert_answered(response, claim):
    # 400: a version no form of ours would send.
    assert response.status_code in (200, 302, 400, 409), response.status_code
    body = response.content.decode()
    for payload in PAYLOADS[:2]:
        assert payload not in body
    fresh = Claim.objects.get(pk=claim.pk)
    fresh.full_clean()


@PROPERTY
@given(
    to_status=st.one_of(st.sampled_from(["pending", "came_true", "accurate", ""]), texts),
    rationale=texts,
    summary=texts,
    next_review_on=dates,
    version=st.one_of(st.just("1"), st.text(max_size=5)),
)
def test_the_status_panel_answers_any_input(
    signed_in, prediction, to_status, rationale, summary, next_review_on, version
):
    with rolled_back():
        response = signed_in.post(
            f"/review/claims/{prediction.slug}/status/",
            {
                "to_status": to_status,
                "rationale": rationale,
                "summary": summary,
                "next_review_on": next_review_on,
                "version": version,
            },
            headers={"HX-Request": "true"},
        )
        assert_answered(response, prediction)


@PROPERTY
@given(statement=texts, summary=texts, condition=texts, criteria=texts, resolve_by=dates)
def test_the_fields_panel_answers_any_input(
    signed_in, prediction, statement, summary, condition, criteria, resolve_by
):
    with rolled_back():
        response = signed_in.post(
            f"/review/claims/{prediction.slug}/fields/",
            {
                "statement": statement,
                "summary": summary,
                "condition": condition,
                "resolution_criteria": criteria,
                "resolve_by": resolve_by,
                "version": "1",
            },
        )
        assert_answered(response, prediction)


@PROPERTY
@given(url=urls, archived_url=urls, title=texts, note=texts, published_on=dates)
def test_the_sources_panel_answers_any_input(
    signed_in, fact, url, archived_url, title, note, published_on
):
    with rolled_back():
        response = signed_in.post(
            f"/review/claims/{fact.slug}/sources/",
            {
                "url": url,
                "archived_url": archived_url,
                "title": title,
                "publisher": "",
                "published_on": published_on,
                "stance": "supports",
                "note": note,
            },
        )
        assert_answered(response, fact)
        for source in fact.sources.all():
            source.full_clean()


@PROPERTY
@given(body=texts)
def test_the_notes_panel_answers_any_input(signed_in, fact, body):
    with rolled_back():
        response = signed_in.post(
            f"/review/claims/{fact.slug}/notes/", {"body": body}, headers={"HX-Request": "true"}
        )
        assert_answered(response, fact)
