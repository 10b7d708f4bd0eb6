"""Taking in an article in the workspace, over HTTP: roles, the new-article
form (pasted or uploaded), marking claims and unclaimed sentences, publishing."""

import datetime

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from factcheck import services, urls
from factcheck.models import Article, Claim, Person, ReviewerNote

TEXT = (
    "Officials said work permits will double by 2030. Nobody knows why.\n\n"
    "Ada Lovelace expects rents to rise."
)


def text_of(response):
    return BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def draft(db):
    return Article.objects.create(
        title="Permits and rents",
        publisher="Example Times",
        url="https://example.com/permits-and-rents",
        published_on=datetime.date(2024, 5, 1),
        text=TEXT,
        slug="permits-and-rents",
    )


def intake_urls(draft):
    """Every intake URL, and the method its test sends."""
    slug = [draft.slug]
    return {
        "intake_articles": ("get", reverse("factcheck:intake_articles")),
        "intake_article_new": ("get", reverse("factcheck:intake_article_new")),
        "intake_article": ("get", reverse("factcheck:intake_article", args=slug)),
        "intake_unclaimed": ("post", reverse("factcheck:intake_unclaimed", args=slug)),
        "intake_claim_new": ("get", reverse("factcheck:intake_claim_new", args=slug)),
        "intake_publish": ("post", reverse("factcheck:intake_publish", args=slug)),
        "intake_unpublish": ("post", reverse("factcheck:intake_unpublish", args=slug)),
        "intake_preview": ("get", reverse("factcheck:intake_preview", args=slug)),
        "intake_correct": ("post", reverse("factcheck:intake_correct", args=slug)),
        "intake_requote": ("post", reverse("factcheck:intake_requote", args=[*slug, "any"])),
        "intake_withdraw": ("post", reverse("factcheck:intake_withdraw", args=[*slug, "any"])),
        "intake_export": ("get", reverse("factcheck:intake_export", args=slug)),
        "intake_speaker": ("get", reverse("factcheck:intake_speaker", args=["any"])),
        "intake_unmark": ("post", reverse("factcheck:intake_unmark", args=[*slug, 0])),
    }


def test_every_intake_url_is_in_the_role_matrix(draft):
    names = {p.name for p in urls.review_patterns if p.name.startswith("intake_")}
    assert names == intake_urls(draft).keys()


@pytest.mark.parametrize("who", ["anonymous", "plain user", "reviewer", "editor"])
def test_only_editors_take_in_articles(client, draft, reviewer, editor, who):
    user = {
        "anonymous": None,
        "plain user": get_user_model().objects.create_user("pat", password="a long pass 1"),
        "reviewer": reviewer,
        "editor": editor,
    }[who]
    if user:
        client.force_login(user)
    for name, (method, url) in intake_urls(draft).items():
        response = getattr(client, method)(url)
        if who == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"]
        elif who == "editor":
            assert response.status_code in (200, 302, 400, 404), (name, response.status_code)
        else:
            assert response.status_code == 403, name
            assert "This page is for editors." in text_of(response), name


def test_an_article_is_taken_in_marked_and_published_over_http(editor_client, client):
    response = editor_client.post(
        "/review/articles/new/",
        {
            "title": "Permits and rents",
            "publisher": "Example Times",
            "url": "https://example.com/permits-and-rents",
            "published_on": "2024-05-01",
            "text": TEXT.replace("\n", "\r\n"),
        },
    )
    article = Article.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/review/articles/{article.slug}/"
    )
    assert article.is_draft and article.text == TEXT
    page = editor_client.get(response["Location"])
    assert "0 of 3 sentences accounted for" in text_of(page)
    title = BeautifulSoup(page.content, "html.parser").title.get_text()
    assert title.startswith("Taking in: Permits and rents ·") and "Correct" not in title
    assert editor_client.get(article.get_absolute_url()).status_code == 404  # a draft

    # The page's script sends offsets; the form shows the passage to confirm.
    start = TEXT.index("work permits")
    end = TEXT.index(" by 2030") + len(" by 2030")
    form = editor_client.get(f"/review/articles/{article.slug}/claims/new/?start={start}&end={end}")
    html = BeautifulSoup(form.content, "html.parser")
    assert html.select_one("textarea[name=quote]").get_text().strip() == TEXT[start:end]

    response = editor_client.post(
        f"/review/articles/{article.slug}/claims/new/",
        {
            "quote": TEXT[start:end],
            "kind": "prediction",
            "certainty": "will",
            "new_speaker": "",
            "statement": "Work permits will double by 2030, officials said.",
            "resolution_criteria": "Official permit figures for 2030.",
            "resolve_by": "2030-12-31",
        },
    )
    assert response.status_code == 302, text_of(response)
    claim = Claim.objects.get()
    assert (claim.quote_start, claim.quote_end) == (start, end)
    assert claim.status == "unreviewed"

    response = editor_client.post(f"/review/articles/{article.slug}/publish/", follow=True)
    assert "2 sentences not yet accounted for" in text_of(response)
    assert not Article.objects.get().is_public

    for sentence in ["Nobody knows why.", "Ada Lovelace expects rents to rise."]:
        editor_client.post(
            f"/review/articles/{article.slug}/unclaimed/",
            {"start": TEXT.index(sentence), "reason": "Nothing checkable."},
        )
    page = editor_client.get(f"/review/articles/{article.slug}/")
    assert "3 of 3 sentences accounted for" in text_of(page)
    response = editor_client.post(f"/review/articles/{article.slug}/publish/", follow=True)
    assert "Published" in text_of(response)
    assert client.get(claim.get_absolute_url()).status_code == 200
    assert claim.statement in client.get("/claims/").content.decode()


def test_without_javascript_the_editor_pastes_the_quote(editor_client, draft):
    response = editor_client.get(f"/review/articles/{draft.slug}/")
    link = BeautifulSoup(response.content, "html.parser").select_one("a.new-claim")
    form = editor_client.get(link["href"])
    assert form.status_code == 200
    response = editor_client.post(
        f"/review/articles/{draft.slug}/claims/new/",
        {"quote": "Nobody knows why.", "kind": "fact", "statement": "Nobody knows why."},
    )
    assert response.status_code == 302
    assert Claim.objects.get().quote == "Nobody knows why."


def claim_form(**values):
    return {"kind": "fact", "statement": "A statement.", **values}


@pytest.mark.parametrize(
    "values, error",
    [
        ({"quote": "permits will triple"}, "is not found verbatim"),
        ({"quote": "o"}, "quote more of it so it is unique"),
        ({"quote": "why.\n\nAda"}, "may not cross a paragraph break"),
        (
            {"quote": "rents to rise.", "kind": "prediction"},
            "Every prediction needs this",
        ),
        (
            {
                "quote": "rents to rise.",
                "kind": "prediction",
                "resolution_criteria": "Rent index.",
                "resolve_by": "2025-01-01",
            },
            "Say how certain the speaker was",
        ),
        (
            {
                "quote": "rents to rise.",
                "kind": "prediction",
                "resolution_criteria": "Rent index.",
                "resolve_by": "2024-04-30",
            },
            "cannot be due before it was made",
        ),
        ({"quote": "rents to rise.", "new_speaker": "Grace Hopper"}, "“Hopper” does not occur"),
        (
            {"quote": "rents to rise.", "condition": "If it rains."},
            "Only predictions have this field.",
        ),
    ],
)
def test_a_new_claim_meets_the_claims_files_rules(editor_client, draft, values, error):
    response = editor_client.post(
        f"/review/articles/{draft.slug}/claims/new/", claim_form(**values)
    )
    assert response.status_code == 200
    assert error in text_of(response)
    assert not Claim.objects.exists() and not Person.objects.exists()


def test_quotes_may_nest_but_not_cross(editor_client, draft):
    url = f"/review/articles/{draft.slug}/claims/new/"
    assert editor_client.post(url, claim_form(quote="work permits will double")).status_code == 302
    nested = editor_client.post(url, claim_form(quote="permits will"))
    assert nested.status_code == 302
    crossing = editor_client.post(url, claim_form(quote="double by 2030"))
    assert "partly overlaps the quote of" in text_of(crossing)


def test_a_new_speaker_is_added_in_place_and_an_unnamed_one_explained(editor_client, draft):
    url = f"/review/articles/{draft.slug}/claims/new/"
    response = editor_client.post(
        url, claim_form(quote="rents to rise.", new_speaker="Ada Lovelace", statement="Rents rise.")
    )
    assert response.status_code == 302
    assert Claim.objects.get().speaker.name == "Ada Lovelace"
    response = editor_client.post(
        url,
        claim_form(
            quote="Officials said",
            new_speaker="Maria Official",
            speaker_not_named="The article names only “officials”.",
        ),
    )
    assert response.status_code == 302
    claim = Claim.objects.get(quote="Officials said")
    note = ReviewerNote.objects.get(claim=claim)
    assert "The article names only “officials”." in note.body


def test_a_known_speaker_and_a_new_one_together_are_refused(editor_client, draft):
    person = Person.objects.create(name="Ada Lovelace", slug="ada-lovelace")
    response = editor_client.post(
        f"/review/articles/{draft.slug}/claims/new/",
        claim_form(quote="rents to rise.", speaker=person.pk, new_speaker="Ada Byron"),
    )
    assert "not both" in text_of(response)


def upload(content, name="article.txt"):
    return SimpleUploadedFile(name, content, content_type="text/plain")


def new_article(editor_client, **values):
    data = {"title": "Uploaded", "publisher": "Example Times", **values}
    return editor_client.post("/review/articles/new/", data)


def test_an_uploaded_text_fills_the_date_and_loses_its_byte_order_mark(editor_client):
    content = "\ufeff date 2024-05-01 " + TEXT.replace("\n", "\r\n")
    response = new_article(editor_client, text_file=upload(content.encode("utf-8")))
    assert response.status_code == 302, text_of(response)
    article = Article.objects.get()
    assert article.published_on == datetime.date(2024, 5, 1)
    assert article.text == TEXT


@pytest.mark.parametrize(
    "content, error",
    [
        (b" date 2024-05-01 caf\xe9", "is not UTF-8 text (byte 21 is 0xe9)"),
        (b"No date line here.", "must begin with"),
        (b" date 2024-05-01 " + b"x" * (1024 * 1024), "larger than 1 MB"),
        (b" date 2024-05-01 a\x00b", "invisible character"),
    ],
)
def test_a_bad_upload_is_refused_saying_why(editor_client, content, error):
    response = new_article(editor_client, text_file=upload(content))
    assert response.status_code == 200
    assert error in text_of(response)
    assert not Article.objects.exists()


def test_pasting_and_uploading_at_once_is_refused(editor_client):
    response = new_article(
        editor_client,
        text="Pasted.",
        published_on="2024-05-01",
        text_file=upload(b" date 2024-05-01 Uploaded."),
    )
    assert "not both" in text_of(response)
    assert not Article.objects.exists()


def test_a_long_article_is_accepted_up_to_200000_characters(editor_client):
    sentence = "Permits rose. "
    long_text = (sentence * (200_000 // len(sentence) + 1))[:200_000]
    assert len(long_text.strip()) == 200_000
    response = new_article(editor_client, text=long_text, published_on="2024-05-01")
    assert response.status_code == 302, text_of(response)[:300]
    too_long = new_article(
        editor_client, title="Longer", text=long_text + "n", published_on="2024-05-01"
    )
    assert "at most 200000 characters" in text_of(too_long).replace(",", "")


def test_a_known_title_or_address_is_warned_about(editor_client, draft):
    values = {"text": "Other.", "published_on": "2024-05-01", "url": draft.url}
    response = new_article(editor_client, **values)
    assert "is known already" in text_of(response)
    assert draft.title in text_of(response)
    assert Article.objects.count() == 1
    response = new_article(editor_client, take_in_anyway="on", **values)
    assert response.status_code == 302
    assert Article.objects.count() == 2


def test_the_preview_shows_a_draft_to_editors_and_is_never_cached(editor_client, draft, client):
    response = editor_client.get(f"/review/articles/{draft.slug}/preview/")
    assert response.status_code == 200
    assert "Officials said work permits" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"


def test_an_editor_takes_an_article_down_with_a_reason(editor_client, client, prediction):
    article = prediction.article
    url = f"/review/articles/{article.slug}/unpublish/"
    refused = editor_client.post(url, {"unpublish-reason": ""})
    assert refused.status_code == 400 and Article.objects.get().is_public
    response = editor_client.post(
        url, {"unpublish-reason": "The publisher retracted it."}, follow=True
    )
    assert "Taken down" in text_of(response)
    gone = client.get(article.get_absolute_url())
    assert gone.status_code == 410 and "The publisher retracted it." in text_of(gone)


def test_a_new_speaker_like_a_known_one_is_warned_about(editor_client, draft):
    Person.objects.create(name="Ada Lovelace", slug="ada-lovelace")
    url = f"/review/articles/{draft.slug}/claims/new/"
    values = claim_form(quote="rents to rise.", new_speaker="Ada King Lovelace")
    response = editor_client.post(url, values)
    assert "similar name is known already" in text_of(response)
    assert "Ada Lovelace" in text_of(response)
    assert Person.objects.count() == 1
    response = editor_client.post(url, {**values, "add_new_speaker_anyway": "on"})
    assert response.status_code == 302
    assert Person.objects.count() == 2


def test_an_editor_corrects_a_speakers_name_and_readers_see_it(editor_client, client, prediction):
    url = f"/review/speakers/{prediction.speaker.slug}/"
    assert editor_client.post(url, {"name": "", "description": ""}).status_code == 200
    response = editor_client.post(url, {"name": "Ada Q. Example", "description": "Economist."})
    assert response.status_code == 302
    page = client.get(prediction.speaker.get_absolute_url()).content.decode()
    assert "Ada Q. Example" in page and "Economist." in page


def test_an_editor_unmarks_a_draft_sentence_but_a_published_article_keeps_its_marks(
    editor_client, draft, editor
):
    start = TEXT.index("Nobody knows why.")
    url = f"/review/articles/{draft.slug}/unclaimed/{start}/remove/"
    editor_client.post(
        f"/review/articles/{draft.slug}/unclaimed/", {"start": start, "reason": "A guess."}
    )
    assert draft.unclaimed_sentences.count() == 1
    assert editor_client.post(url).status_code == 302
    assert not draft.unclaimed_sentences.exists()
    services.mark_unclaimed(article=draft, start=start, by=editor, reason="A guess.")
    Article.objects.filter(pk=draft.pk).update(published_at=timezone.now())
    response = editor_client.post(url, follow=True)
    assert "A published article keeps its marks." in text_of(response)
    assert draft.unclaimed_sentences.count() == 1
