"""Exporting an article as a claims file: the ZIP an editor downloads loads
back, through the real loader, into the same article, people, claims and
unclaimed sentences."""

import datetime
import io
import tomllib
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management.base import CommandError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from factcheck import services
from factcheck.claims_export import toml_string
from factcheck.models import (
    Article,
    Claim,
    ClaimCondition,
    Condition,
    Person,
    UnclaimedSentence,
)
from factcheck.seeding import CLAIM_FIELDS, read_claims_file
from factcheck.statuses import Kind

from .claims_files import seed

SEED = Path(settings.BASE_DIR) / "seeds" / "000_a2bd9d0f0c373590.toml"

# A subheading, quotes straight and curly, backslashes, non-ASCII and emoji,
# paragraphs, and a line break within one.
TEXT = (
    "Rents in Zürich 🏠\n\n"
    "“With 3,000 flats standing empty, rents will still rise by a tenth unless the "
    "council acts,” Ana Müller said. "
    'The city\'s register, filed as C:\\data\\flats.csv, lists 3,000 "empty" flats.\n'
    "Jürgen O’Neill agreed 😀!\n\n"
    "That is all."
)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


def claim_in(article, quote, **fields):
    start, end = article.locate(quote)
    return Claim.objects.create(
        article=article, quote=quote, quote_start=start, quote_end=end, **fields
    )


@pytest.fixture
def draft(db, editor):
    """An article with every sentence accounted for."""
    article = Article.objects.create(
        title='Rents and "empty" flats in Zürich',
        publisher="Tages-Beispiel",
        url="https://example.com/zürich?flats=1&rents=2",
        published_on=datetime.date(2024, 5, 1),
        text=TEXT,
        slug="rents-in-zurich",
    )
    ana = Person.objects.create(
        slug="ana-muller",
        name="Ana Müller",
        description='Head of the "Tenants\' Union",\nZürich branch \\ 🏘',
    )
    jurgen = Person.objects.create(slug="jurgen-oneill", name="Jürgen O’Neill")
    prediction = claim_in(
        article,
        "With 3,000 flats standing empty, rents will still rise by a tenth unless the council acts",
        slug="rents-will-rise-a-tenth",
        speaker=ana,
        kind=Kind.PREDICTION,
        statement="Unless the council acts, rents in Zürich will rise by 10%.\nSo she said.",
        certainty="will",
        condition="The council does not act on rents.",
        resolution_criteria='The city\'s "rent index" is at least 10% higher; see C:\\index.',
        resolve_by=datetime.date(2025, 12, 31),
    )
    # Tracked, and held "if not met": the prediction applies unless the council acts.
    council_acts = Condition.objects.create(
        slug="council-acts-on-rents",
        statement='The council caps "rents" by law \\ before 2026 🏛',
        resolve_by=datetime.date(2025, 12, 31),
    )
    ClaimCondition.objects.create(
        claim=prediction, condition=council_acts, polarity=ClaimCondition.Polarity.IF_NOT_MET
    )
    # Inside the prediction's quote.
    claim_in(
        article,
        "3,000 flats standing empty",
        slug="3000-empty-flats",
        speaker=ana,
        kind=Kind.FACT,
        statement="3,000 flats stand empty in Zürich.",
    )
    # The article's own claim: no speaker.
    claim_in(
        article,
        'The city\'s register, filed as C:\\data\\flats.csv, lists 3,000 "empty" flats.',
        slug="register-lists-3000",
        kind=Kind.FACT,
        statement="The city's register lists 3,000 empty flats.",
    )
    claim_in(
        article,
        "Jürgen O’Neill agreed",
        slug="oneill-agreed",
        speaker=jurgen,
        kind=Kind.FACT,
        statement="Jürgen O’Neill agreed with Ana Müller 😀.",
    )
    for sentence, reason in [
        ("Rents in Zürich 🏠", "A subheading."),
        ("That is all.", 'The end:\tnothing "checkable" \\ here.\nReally.'),
    ]:
        services.mark_unclaimed(
            article=article, start=TEXT.index(sentence), by=editor, reason=reason
        )
    assert all(s.accounted_for for s in services.article_sentences(article))
    return article


def export_url(article):
    return reverse("factcheck:intake_export", args=[article.slug])


def export(client, article):
    response = client.get(export_url(article))
    assert response.status_code == 200
    return zipfile.ZipFile(io.BytesIO(response.content))


def snapshot():
    """What a claims file carries, as stored: articles, people, claims (every
    key of the file, and the offsets the loader finds) and unclaimed sentences."""
    # The prefix and suffix are not stored: they follow from the offsets.
    # The conditions are links of their own.
    claim_fields = [
        name for name in CLAIM_FIELDS if name not in ("speaker", "prefix", "suffix", "conditions")
    ]
    return {
        "articles": list(
            Article.objects.values("slug", "title", "publisher", "url", "published_on", "text")
        ),
        "people": list(Person.objects.order_by("slug").values("slug", "name", "description")),
        "claims": list(
            Claim.objects.order_by("quote_start", "slug").values(
                *claim_fields, "speaker__slug", "quote_start", "quote_end", "article__slug"
            )
        ),
        "unclaimed": list(
            UnclaimedSentence.objects.values("article__slug", "start", "end", "reason")
        ),
        "conditions": list(
            Condition.objects.order_by("slug").values("slug", "statement", "resolve_by", "status")
        ),
        "condition_links": list(
            ClaimCondition.objects.order_by("claim__slug", "condition__slug").values(
                "claim__slug", "condition__slug", "polarity"
            )
        ),
    }


def empty_the_database():
    Claim.objects.all().delete()
    Article.objects.all().delete()  # and its unclaimed sentences
    Person.objects.all().delete()
    Condition.objects.all().delete()  # its links went with the claims
    assert not any(snapshot().values())


def test_an_exported_article_loads_back_the_same(editor_client, draft, tmp_path):
    before = snapshot()
    archive = export(editor_client, draft)
    assert archive.namelist() == ["rents-in-zurich.toml", "rents-in-zurich.txt"]
    archive.extractall(tmp_path)
    # The text file is the seed format: the date, then the text as stored.
    raw = (tmp_path / "rents-in-zurich.txt").read_text(encoding="utf-8")
    assert raw == f" date 2024-05-01 {TEXT}"

    empty_the_database()
    output = seed(tmp_path / "rents-in-zurich.toml")

    assert "Created 8" in output  # the article, two people, a condition, four claims
    assert snapshot() == before


def test_the_seeded_article_exports_to_the_same_claims_file(editor_client, tmp_path):
    seed(SEED)
    before = snapshot()
    slug = before["articles"][0]["slug"]
    export(editor_client, Article.objects.get()).extractall(tmp_path)

    exported = read_claims_file(tmp_path / f"{slug}.toml")
    original = read_claims_file(SEED)
    assert exported.people == original.people
    # The export adds each quote's prefix and suffix, which the seed file leaves out.
    assert [
        {key: value for key, value in claim.items() if key not in ("prefix", "suffix")}
        for claim in exported.claims
    ] == original.claims
    assert all(claim["prefix"] or claim["suffix"] for claim in exported.claims)
    assert exported.unclaimed == original.unclaimed
    assert exported.conditions == original.conditions
    assert {**exported.article, "text_file": None} == {**original.article, "text_file": None}

    empty_the_database()
    seed(tmp_path / f"{slug}.toml")
    assert snapshot() == before


def test_an_article_the_loader_would_refuse_still_exports(editor_client, draft, tmp_path):
    # The export writes what is stored; the loader, as for any file, names
    # what keeps it from loading.
    draft.unclaimed_sentences.get(start=TEXT.index("That is all.")).delete()
    export(editor_client, draft).extractall(tmp_path)
    empty_the_database()

    with pytest.raises(CommandError) as refused:
        seed(tmp_path / "rents-in-zurich.toml")

    assert "“That is all.” is not accounted for" in str(refused.value)
    assert not Article.objects.exists()


def test_a_mark_on_a_sentence_since_quoted_is_left_out(editor_client, draft, tmp_path):
    # The claim accounts for the sentence now; the loader would refuse the mark.
    claim_in(draft, "That is all.", slug="that-is-all", kind=Kind.FACT, statement="All.")
    exported = export(editor_client, draft).read("rents-in-zurich.toml").decode()

    unclaimed = tomllib.loads(exported)["unclaimed"]
    assert [entry["sentence"] for entry in unclaimed] == ["Rents in Zürich 🏠"]


def test_the_export_is_a_private_zip_download(editor_client, draft):
    response = editor_client.get(export_url(draft))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="rents-in-zurich.zip"'
    assert response["Cache-Control"] == "private, no-store"


def test_the_intake_page_links_to_the_export(editor_client, draft):
    page = editor_client.get(reverse("factcheck:intake_article", args=[draft.slug]))
    assert f'href="{export_url(draft)}"' in page.content.decode()


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 302), ("reviewer", 403), ("editor", 200)]
)
def test_only_editors_export(client, draft, reviewer, editor, who, status):
    user = {"anonymous": None, "reviewer": reviewer, "editor": editor}[who]
    if user:
        client.force_login(user)
    response = client.get(export_url(draft))
    assert response.status_code == status
    if who == "anonymous":
        assert response["Location"].startswith("/accounts/login/")
    else:
        assert (response["Content-Type"] == "application/zip") == (who == "editor")


@given(st.text())
def test_any_text_reads_back_from_its_toml_string(text):
    assert tomllib.loads(f"text = {toml_string(text)}")["text"] == text
