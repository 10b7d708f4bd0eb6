"""Hostile and odd input (issue 13), posted to every POST endpoint of the
reviewer workspace and to the admin's add and change forms.

Each example starts from the form as its page renders it now (the claim's
current version, a valid choice, a real address) and replaces some fields with
hostile values, repeats or drops others, and sends the body as raw bytes, so it
can also be invalid UTF-8. Whatever comes in: no 5xx; a refusal answers with a
message and writes nothing (rows and audit trail unchanged); an acceptance
stores what was sent, normalised in the one documented way. Afterwards the
README's backup recipe still round-trips.

The fields come from the forms the pages use (the review page's
``editor_context``, the admin's ``get_form`` and inline formsets), so a new
field is attacked without a change here; a new endpoint fails
``test_every_post_endpoint_is_attacked`` until it has an entry below.
"""

import collections
import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.forms.models import InlineForeignKeyField
from django.test import RequestFactory
from django.urls import NoReverseMatch, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from factcheck import services, urls
from factcheck.fields import REFUSED_CHARACTERS
from factcheck.forms import (
    ArticleIntakeForm,
    ClaimIntakeForm,
    ErrorReportForm,
    HandleMessageForm,
    PersonForm,
    ReasonForm,
    RequoteForm,
    ReviewerSettingsForm,
    SendBackForm,
    SitePageForm,
    SuggestionForm,
    TextCorrectionForm,
    UnclaimedForm,
)
from factcheck.models import (
    Article,
    ArticleCorrection,
    Claim,
    ClaimCondition,
    Condition,
    ConditionSource,
    Correction,
    Person,
    Proposal,
    ReaderMessage,
    ReviewerNote,
    ReviewerProfile,
    SitePage,
    Source,
    StatusChange,
    UnclaimedSentence,
)
from factcheck.statuses import statuses_for
from factcheck.views.review import condition_context, editor_context, load_claim

from .test_backup import dump_flush_and_load, snapshot

# loaddata needs real transactions (SQLite cannot defer its foreign keys inside
# one). The examples of a test share its database: each reads what it needs first.
pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def normalised(text):
    """The one documented normalisation of form text (factcheck.fields):
    line endings become \\n, surrounding whitespace is stripped."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


# --- What goes on the wire -------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    """A value as its bytes go on the wire, and the text Django reads from them
    (None: they are not UTF-8)."""

    wire: bytes
    text: str | None


def sent(text):
    return Sent(quote(text, safe="").encode("ascii"), text)


def not_utf8(before, wire, after):
    return Sent(sent(before).wire + wire + sent(after).wire, None)


def form_body(pairs):
    return b"&".join(name.wire + b"=" + value.wire for name, value in pairs)


# --- Hostile values --------------------------------------------------------------

REFUSED = [chr(code) for code in [*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xFFFE, 0xFFFF]]
NOT_UTF8 = [
    b"%ED%A0%80",  # a lone surrogate, as the bytes a browser would never send
    b"%ED%BF%BF",
    b"%FF",
    b"%C0%AF",  # an overlong "/"
    b"%E2%82",  # cut short
    b"%80",
]
NUMBERS = ["²", "٣", "9" * 5_000, "-1", "0", "99999999999999999999", "424242", "1.5", "1e3", "0x10"]
WRONG_TYPES = ["", "on", "null", "[]", '{"id": 1}', " 1 "]
MARKUP = "<script>alert(1)</script>"
ODD_TEXT = ["x" * 10_001, "\u202e", MARKUP, " ", "\r\n", *NUMBERS]
ODD_URLS = [
    "example.org/no-scheme",
    "//elsewhere.example/path",
    "javascript:alert(1)",
    "ftp://example.org/file",
    "https://",
    "https://exa mple.org/",
    "https://example.org/\u202e",
    "x" * 10_001,
]
ODD_DATES = ["2025-02-30", "99999-01-01", "0000-00-00", "٢٠٢٥-٠١-٠١", "2025-01-01T00:00", *NUMBERS]


def odd_values(formfield, ids):
    """Odd values for a field of this kind (and any kind's wrong types)."""
    if isinstance(formfield, forms.DateField):
        odd = ODD_DATES
    elif isinstance(formfield, forms.ChoiceField):
        odd = [
            "unknown",
            "ACCURATE",
            *(f"{value} " for value in choice_values(formfield)),
            *NUMBERS,
        ]
    elif not isinstance(formfield, forms.CharField):
        odd = NUMBERS
    elif is_url(formfield):
        odd = ODD_URLS
    else:
        odd = ODD_TEXT
    limit = getattr(formfield, "max_length", None)
    if limit:
        odd = [*odd, ("https://example.org/" if is_url(formfield) else "") + "y" * limit + "y"]
    return [*odd, *WRONG_TYPES, *ids]


# Allowed, and stored as sent once normalised.
DECORATIONS = [
    "  {}\r\n",
    "{}\r\nA second line.\rA third.",
    "{} \u202egnp.exe",
    "{} \ufffd",
    "{}\twith a tab",
    "Ünïcödé {} 🦆",
    "",
]
DATES = ["2026-02-28", "2024-02-29", " 2025-01-01 ", ""]


def choice_values(formfield):
    return [str(value) for value, _ in formfield.choices if str(value) != ""]


def is_url(formfield):
    return isinstance(formfield.widget, forms.URLInput)


def one_of(options, index):
    return options[index % len(options)]


@dataclass(frozen=True)
class Change:
    """What an example does to one value. Every draw has the same shape
    whatever the database holds (indexes into the options, read against the
    page), so hypothesis can replay an example after the others changed rows."""

    kind: str  # "benign", "hostile" or "keep"
    variant: int
    position: int  # where an inserted character goes
    text: str


def benign_value(formfield, value, change):
    """A value a reviewer might type."""
    if formfield.widget.is_hidden:
        return value  # no one types in a hidden field
    if isinstance(formfield, forms.ChoiceField):
        return one_of(choice_values(formfield) or [value], change.variant)
    if isinstance(formfield, forms.DateField):
        return one_of(DATES, change.variant)
    if not isinstance(formfield, forms.CharField):
        return value
    if isinstance(formfield, forms.SlugField):
        return f" another-slug-{change.variant}\r\n"
    limit = formfield.max_length
    if is_url(formfield):
        address = value or "https://example.org/a"
        options = [f"  {address}\r\n", "HTTPS://EXAMPLE.ORG/Ünï?q=\u202e", "https://example.org/"]
        if limit:
            options.append("https://example.org/" + "a" * (limit - 20))
        return one_of(options, change.variant)
    typed = REFUSED_CHARACTERS.sub("", change.text)
    options = [*(template.format(value) for template in DECORATIONS), typed, f"{value} {typed}"]
    if limit:
        options.append("y" * limit)
    return one_of(options, change.variant)


def hostile_value(formfield, value, change, ids):
    """A value no form of ours sends."""
    position = min(change.position, len(value))
    before, after = value[:position], value[position:]
    variant, which = divmod(change.variant, 5)
    if which == 0:
        return sent(before + one_of(REFUSED, variant) + after)
    if which == 1:
        return not_utf8(before, one_of(NOT_UTF8, variant), after)
    if which == 2:
        return sent(change.text)
    return sent(one_of(odd_values(formfield, ids), variant))


def posted(formfield, value, change, ids):
    if change.kind == "keep":
        return sent(value)
    if change.kind == "benign":
        return sent(benign_value(formfield, value, change))
    return hostile_value(formfield, value, change, ids)


def changes(kinds):
    return st.builds(
        Change,
        kind=st.sampled_from(kinds),
        variant=st.integers(0, 10**6),
        position=st.integers(0, 10**4),
        text=st.text(max_size=30),
    )


KEEP = Change("keep", 0, 0, "")

# What one field carries in an example: a list of values (several: the field is
# repeated, and Django reads the last; none: it is missing).
FIELD_CHANGES = st.one_of(
    changes(["benign"]).map(lambda change: [change]),
    changes(["hostile"]).map(lambda change: [change]),
    st.just([]),
    st.lists(changes(["keep", "benign", "hostile"]), min_size=2, max_size=3),
)


# --- Pages as they are rendered ----------------------------------------------------

NOT_STORED = object()  # this outcome does not store the field (no status change, say)


@dataclass
class Part:
    """One form of a page, as rendered, and where its values are stored:
    ``stored(outcome)`` maps its fields to their stored values."""

    form: forms.BaseForm
    stored: Callable = lambda outcome: {}
    fill: dict = field(default_factory=dict)


@dataclass
class Page:
    path: str
    parts: list
    ids: dict = field(default_factory=dict)  # path segments an example may replace
    effect: Callable | None = None  # what a write must have done, for forms without fields


def page_value(bound):
    """What a browser sends back for a field as rendered (None: nothing)."""
    value = bound.value()
    if isinstance(bound.field, forms.BooleanField):
        return "on" if value else None
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def fill_value(formfield):
    """What a reviewer types in a required field the page leaves empty."""
    if isinstance(formfield, forms.ChoiceField):
        return choice_values(formfield)[0]
    if isinstance(formfield, forms.DateField):
        return "2025-01-01"
    if isinstance(formfield, forms.SlugField):
        return f"hostile-{next(SLUGS)}"
    if isinstance(formfield, forms.CharField):
        return "https://example.org/report" if is_url(formfield) else "Checked against the figures."
    return "1"


SLUGS = iter(range(1, 10**9))


def columns(form, row, **elsewhere):
    """The stored value of each field of ``form`` that is a column of ``row``,
    plus ``elsewhere``; a text field stored anywhere else must be named there."""
    values = {}
    for name, formfield in form.fields.items():
        if name in elsewhere:
            values[name] = elsewhere[name]
            continue
        try:
            column = row._meta.get_field(name) if row is not None else None
        except FieldDoesNotExist:
            column = None
        if row is not None and column is not None and column.concrete:
            if not column.primary_key and not isinstance(formfield, InlineForeignKeyField):
                values[name] = getattr(row, name)
        elif row is None:
            values[name] = NOT_STORED
        elif isinstance(formfield, forms.CharField):
            raise AssertionError(f"Say where {type(form).__name__}.{name} is stored.")
    return values


def review_context(claim):
    return editor_context(load_claim(claim.slug))


def pick(data, rows):
    rows = sorted(rows, key=lambda row: row.pk)
    return rows[data.draw(st.integers(0, 10**6), label=type(rows[0]).__name__) % len(rows)]


def status_page(world, data):
    claim = pick(data, world.claims)
    form = review_context(claim)["status_form"]

    def stored(outcome):
        row = Claim.objects.get(pk=claim.pk)
        if change := outcome.new(StatusChange).first():
            return columns(
                form,
                row,
                to_status=row.status,
                rationale=change.rationale,
                searched=change.searched,
                resolved_early_because=change.resolved_early_because,
                version=NOT_STORED,
            )
        if proposal := outcome.new(Proposal).first():
            # A final status waits for sign-off, with the claim's next review
            # date unless the reviewer gave another.
            next_review_on = proposal.next_review_on or row.next_review_on
            return columns(form, proposal, next_review_on=next_review_on, version=NOT_STORED)
        return columns(form, None)

    path = reverse("factcheck:review_claim_status", args=[claim.slug])
    return Page(path, [Part(form, stored)], ids={"slug": claim.slug})


def condition_status_page(world, data):
    condition = Condition.objects.get(pk=world.condition.pk)
    form = condition_context(condition)["resolution_form"]

    def stored(outcome):
        if not outcome.new(Condition.history.model).exists():
            return columns(form, None)
        row = Condition.objects.get(pk=condition.pk)
        return columns(form, row, to_status=row.status, version=NOT_STORED)

    path = reverse("factcheck:review_condition_status", args=[condition.slug])
    return Page(path, [Part(form, stored)], ids={"slug": condition.slug})


def condition_source_page(world, data):
    condition = world.condition
    form = condition_context(condition)["source_form"]
    part = Part(form, lambda outcome: columns(form, outcome.new(ConditionSource).first()))
    path = reverse("factcheck:review_condition_source_add", args=[condition.slug])
    return Page(path, [part], ids={"slug": condition.slug})


def unlinked_condition(world):
    """A condition the world's prediction does not depend on yet (a new one
    once examples linked it to all)."""
    prediction = Claim.objects.get(pk=world.claims[1].pk)
    free = Condition.objects.exclude(links__claim=prediction).order_by("pk").first()
    return free or Condition.objects.create(
        slug=f"hostile-condition-{next(SLUGS)}",
        statement="Permits are still issued next year.",
        resolve_by=datetime.date(2026, 6, 30),
    )


def condition_link_page(world, data):
    claim = pick(data, world.claims)
    free = unlinked_condition(world)
    form = review_context(claim)["condition_link_form"]

    def stored(outcome):
        return columns(
            form,
            outcome.new(ClaimCondition).first(),
            reason=correction_reason(outcome),
            version=NOT_STORED,
        )

    path = reverse("factcheck:review_condition_link", args=[claim.slug])
    return Page(path, [Part(form, stored, {"condition": free.slug})], ids={"slug": claim.slug})


def condition_create_page(world, data):
    claim = pick(data, world.claims)
    form = review_context(claim)["condition_create_form"]

    def stored(outcome):
        link = outcome.new(ClaimCondition).first()
        return columns(
            form,
            outcome.new(Condition).first(),
            polarity=link.polarity if link else NOT_STORED,
            reason=correction_reason(outcome),
            version=NOT_STORED,
        )

    path = reverse("factcheck:review_condition_create", args=[claim.slug])
    return Page(path, [Part(form, stored)], ids={"slug": claim.slug})


def condition_unlink_page(world, data):
    prediction = Claim.objects.get(pk=world.claims[1].pk)
    if not prediction.condition_links.exists():
        services.link_condition(
            claim=prediction,
            condition=unlinked_condition(world),
            polarity="met",
            by=world.reviewer,
            expected_version=prediction.version,
            reason="Linked again for the next example.",
        )
    link = next(link for link in review_context(prediction)["condition_links"] if link.unlink_form)
    form = link.unlink_form

    def stored(outcome):
        return {"reason": correction_reason(outcome), "version": NOT_STORED}

    path = reverse("factcheck:review_condition_unlink", args=[prediction.slug, link.pk])
    return Page(
        path,
        [Part(form, stored)],
        ids={"slug": prediction.slug, "link_id": str(link.pk)},
        effect=lambda: not ClaimCondition.objects.filter(pk=link.pk).exists(),
    )


def correction_reason(outcome):
    """Where a change's public reason went: the correction it wrote, if any."""
    correction = outcome.new(Correction).first()
    return correction.reason if correction else NOT_STORED


def fields_page(world, data):
    claim = pick(data, world.claims)
    form = review_context(claim)["fields_form"]
    part = Part(
        form,
        lambda outcome: columns(
            form,
            Claim.objects.get(pk=claim.pk),
            version=NOT_STORED,
            correction_reason=correction_reason(outcome),
        ),
    )
    path = reverse("factcheck:review_claim_fields", args=[claim.slug])
    return Page(path, [part], ids={"slug": claim.slug})


def source_add_page(world, data):
    claim = pick(data, world.claims)
    form = review_context(claim)["source_form"]
    part = Part(form, lambda outcome: columns(form, outcome.new(Source).first()))
    path = reverse("factcheck:review_source_add", args=[claim.slug])
    return Page(path, [part], ids={"slug": claim.slug})


def source_edit_page(world, data):
    claim = pick(data, world.claims)
    source = pick(data, review_context(claim)["sources"])
    form = source.edit_form
    part = Part(form, lambda outcome: columns(form, Source.objects.get(pk=source.pk)))
    path = reverse("factcheck:review_source_edit", args=[claim.slug, source.pk])
    return Page(path, [part], ids={"slug": claim.slug, "source_id": str(source.pk)})


def source_toggle_page(view_name, *, removed_before):
    """Remove or restore a source that is in the other state (set up first)."""

    def build(world, data):
        claim = pick(data, world.claims)
        source = pick(data, list(claim.sources.all()))
        if source.is_removed != removed_before:
            toggle = services.restore_source if source.is_removed else services.remove_source
            toggle(source=source, by=world.reviewer)
        path = reverse(f"factcheck:{view_name}", args=[claim.slug, source.pk])
        return Page(
            path,
            [],
            ids={"slug": claim.slug, "source_id": str(source.pk)},
            effect=lambda: Source.objects.get(pk=source.pk).is_removed != removed_before,
        )

    return build


def note_page(world, data):
    claim = pick(data, world.claims)
    form = review_context(claim)["note_form"]
    part = Part(form, lambda outcome: columns(form, outcome.new(ReviewerNote).first()))
    path = reverse("factcheck:review_note_add", args=[claim.slug])
    return Page(path, [part], ids={"slug": claim.slug})


def owner_page(view_name, *, owner_before):
    """Take or give back a claim whose owner is first set to ``owner_before``
    (a World attribute, or None)."""

    def build(world, data):
        claim = pick(data, world.claims)
        before = getattr(world, owner_before) if owner_before else None
        services.assign_claim(claim=claim, owner=before, by=world.editor)
        after = None if before else world.reviewer
        path = reverse(f"factcheck:{view_name}", args=[claim.slug])
        return Page(
            path,
            [],
            ids={"slug": claim.slug},
            effect=lambda: Claim.objects.get(pk=claim.pk).owner == after,
        )

    return build


def assign_page(world, data):
    claim = pick(data, world.claims)
    form = review_context(claim)["owner_form"]
    part = Part(form, lambda outcome: columns(form, Claim.objects.get(pk=claim.pk)))
    path = reverse("factcheck:review_claim_assign", args=[claim.slug])
    return Page(path, [part], ids={"slug": claim.slug})


def pick_sentence(data, sentences):
    return sentences[data.draw(st.integers(0, 10**6), label="sentence") % len(sentences)]


def article_new_page(world, data):
    # As an editor fills it in: the text pasted, its date given.
    form = ArticleIntakeForm(
        initial={"text": "Permits rose. Rents fell.", "published_on": "2024-05-01"}
    )
    part = Part(form, lambda outcome: columns(form, outcome.new(Article).first()))
    return Page(reverse("factcheck:intake_article_new"), [part])


def unclaimed_page(world, data):
    sentence = pick_sentence(
        data, [s for s in services.article_sentences(world.draft) if not s.claims]
    )
    form = UnclaimedForm(initial={"start": sentence.start})
    part = Part(form, lambda outcome: columns(form, outcome.new(UnclaimedSentence).first()))
    path = reverse("factcheck:intake_unclaimed", args=[world.draft.slug])
    return Page(path, [part], ids={"slug": world.draft.slug})


def claim_new_page(world, data):
    sentence = pick_sentence(data, services.article_sentences(world.draft))
    form = ClaimIntakeForm(initial={"quote": sentence.text}, article=world.draft)

    def stored(outcome):
        claim, person = outcome.new(Claim).first(), outcome.new(Person).first()
        note = outcome.new(ReviewerNote).first()
        if person:
            # The new speaker is the claim's, whatever the (empty) menu said.
            assert claim.speaker == person
        return columns(
            form,
            claim,
            **({"speaker": NOT_STORED} if person else {}),
            new_speaker=person.name if person else NOT_STORED,
            new_speaker_description=person.description if person else NOT_STORED,
            speaker_not_named=note.body.partition(": ")[2] if note else NOT_STORED,
            add_new_speaker_anyway=NOT_STORED,
        )

    path = reverse("factcheck:intake_claim_new", args=[world.draft.slug])
    return Page(path, [Part(form, stored)], ids={"slug": world.draft.slug})


def publish_page(world, data):
    article = world.ready
    path = reverse("factcheck:intake_publish", args=[article.slug])
    effect = lambda: Article.objects.get(pk=article.pk).is_public  # noqa: E731
    return Page(path, [], ids={"slug": article.slug}, effect=effect)


def unpublish_page(world, data):
    article = world.claims[0].article
    form = ReasonForm(prefix="unpublish")

    def stored(outcome):
        return {"reason": Article.objects.get(pk=article.pk).unpublished_reason}

    path = reverse("factcheck:intake_unpublish", args=[article.slug])
    return Page(path, [Part(form, stored)], ids={"slug": article.slug})


def correct_page(world, data):
    article = world.claims[0].article
    form = TextCorrectionForm(
        initial={"text": article.text + " A note added."}, prefix="correction"
    )

    def stored(outcome):
        correction = outcome.new(ArticleCorrection).first()
        if correction is None:
            return columns(form, None)
        return {"text": Article.objects.get(pk=article.pk).text, "reason": correction.reason}

    path = reverse("factcheck:intake_correct", args=[article.slug])
    return Page(path, [Part(form, stored)], ids={"slug": article.slug})


def orphaned_claim(world):
    """The world's first claim with its quote lost in a correction (made again
    after a re-quote), and a passage of the corrected text to quote afresh."""
    claim = Claim.objects.get(pk=world.claims[0].pk)
    if claim.is_anchored:
        world.rewritten = f"A rewritten passage, number {next(SLUGS)}."
        services.correct_article_text(
            article=claim.article,
            text=claim.article.text.replace(claim.quote, world.rewritten),
            reason="The publisher rewrote it.",
            by=world.editor,
        )
        claim.refresh_from_db()
    return claim


def requote_page(world, data):
    claim = orphaned_claim(world)
    # A plain edit sends what an editor would: the passage and a reason.
    initial = {"quote": world.rewritten, "reason": "The publisher rewrote the passage."}
    form = RequoteForm(initial=initial, prefix=f"requote-{claim.slug}")

    def stored(outcome):
        return {"quote": Claim.objects.get(pk=claim.pk).quote}

    path = reverse("factcheck:intake_requote", args=[claim.article.slug, claim.slug])
    return Page(path, [Part(form, stored)], ids={"slug": claim.article.slug})


def withdraw_page(world, data):
    claim = orphaned_claim(world)
    form = ReasonForm(prefix=f"withdraw-{claim.slug}")

    def stored(outcome):
        return {"reason": Claim.objects.get(pk=claim.pk).withdrawal_reason}

    path = reverse("factcheck:intake_withdraw", args=[claim.article.slug, claim.slug])
    return Page(path, [Part(form, stored)], ids={"slug": claim.article.slug})


def unmark_page(world, data):
    article = world.ready  # every sentence marked, until an example unmarks one
    mark = article.unclaimed_sentences.order_by("start").first()
    start = mark.start if mark else 0
    path = reverse("factcheck:intake_unmark", args=[article.slug, start])
    effect = lambda: not article.unclaimed_sentences.filter(start=start).exists()  # noqa: E731
    return Page(path, [], ids={"slug": article.slug}, effect=effect)


def speaker_page(world, data):
    person = Person.objects.get(pk=world.claims[1].speaker_id)
    form = PersonForm(instance=person)
    part = Part(form, lambda outcome: columns(form, Person.objects.get(pk=person.pk)))
    path = reverse("factcheck:intake_speaker", args=[person.slug])
    return Page(path, [part], ids={"slug": person.slug})


def open_proposal(world, proposer):
    """An open proposal by ``proposer`` of a verdict for the world's fact (any
    other open one withdrawn first)."""
    claim = Claim.objects.get(pk=world.claims[0].pk)
    waiting = claim.proposals.open().first()
    if waiting and waiting.proposed_by_id == proposer.pk:
        return waiting
    if waiting:
        services.withdraw_proposal(proposal=waiting, by=waiting.proposed_by)
    verdict = next(i for i in statuses_for(claim.kind) if i.rating and i.value != claim.status)
    return services.propose_status_change(
        claim=claim,
        to_status=verdict.value,
        rationale="The permit table says so.",
        by=proposer,
        expected_version=claim.version,
    )


def decision_page(decision, proposer, form_class=None):
    """The approve, send back or withdraw button of an open proposal."""

    def build(world, data):
        proposal = open_proposal(world, proposer(world))
        path = reverse(
            f"factcheck:review_proposal_{decision}", args=[proposal.claim.slug, proposal.pk]
        )
        ids = {"slug": proposal.claim.slug, "proposal_id": str(proposal.pk)}
        decided = lambda: not Proposal.objects.get(pk=proposal.pk).is_open  # noqa: E731
        if form_class is None:
            return Page(path, [], ids=ids, effect=decided)
        form = form_class()

        def stored(outcome):
            row = Proposal.objects.get(pk=proposal.pk)
            return {"note": row.decision_note} if not row.is_open else columns(form, None)

        return Page(path, [Part(form, stored)], ids=ids, effect=decided)

    return build


def settings_page(world, data):
    profile = ReviewerProfile.objects.get(user=world.reviewer)
    form = ReviewerSettingsForm(instance=profile)
    part = Part(form, lambda outcome: columns(form, ReviewerProfile.objects.get(pk=profile.pk)))
    return Page(reverse("factcheck:review_settings"), [part])


def unhandled_message(world):
    """A reader's message waiting for the desk (sent afresh once examples handled them all)."""
    message = ReaderMessage.objects.unhandled().order_by("pk").first()
    return message or services.receive_reader_message(
        message=ReaderMessage(
            kind=ReaderMessage.Kind.REPORT,
            claim=world.claims[0],
            text="The figure is wrong.",
            email="reader@example.org",
        )
    )


def message_handle_page(world, data):
    message = unhandled_message(world)
    form = HandleMessageForm(prefix=f"message-{message.pk}")
    part = Part(form, lambda outcome: columns(form, ReaderMessage.objects.get(pk=message.pk)))
    path = reverse("factcheck:review_message_handle", args=[message.pk])
    return Page(path, [part], ids={"message_id": str(message.pk)})


def about_page(world, data):
    form = SitePageForm(instance=SitePage.objects.about())
    part = Part(form, lambda outcome: columns(form, SitePage.objects.about()))
    return Page(reverse("factcheck:review_about"), [part])


def reader_message_page(form_class, view_name):
    """A reader's form on the public site: what it stores is a new message."""

    def build(world, data):
        form = form_class()
        part = Part(
            form,
            lambda outcome: columns(
                form, outcome.new(ReaderMessage).first(), leave_empty=NOT_STORED
            ),
        )
        if view_name == "report_error":
            claim = world.claims[0]
            path = reverse("factcheck:report_error", args=[claim.slug])
            return Page(path, [part], ids={"slug": claim.slug})
        return Page(reverse(f"factcheck:{view_name}"), [part])

    return build


REVIEW_ENDPOINTS = {
    "review_proposal_approve": decision_page("approve", lambda world: world.editor),
    "review_proposal_send_back": decision_page(
        "send_back", lambda world: world.editor, SendBackForm
    ),
    "review_proposal_withdraw": decision_page("withdraw", lambda world: world.reviewer),
    "review_settings": settings_page,
    "review_condition_status": condition_status_page,
    "review_condition_source_add": condition_source_page,
    "review_condition_link": condition_link_page,
    "review_condition_create": condition_create_page,
    "review_condition_unlink": condition_unlink_page,
    "review_claim_status": status_page,
    "review_claim_fields": fields_page,
    "review_source_add": source_add_page,
    "review_source_edit": source_edit_page,
    "review_source_remove": source_toggle_page("review_source_remove", removed_before=False),
    "review_source_restore": source_toggle_page("review_source_restore", removed_before=True),
    "review_note_add": note_page,
    "review_claim_take": owner_page("review_claim_take", owner_before=None),
    "review_claim_give_back": owner_page("review_claim_give_back", owner_before="reviewer"),
    "review_claim_assign": assign_page,
    "intake_article_new": article_new_page,
    "intake_unclaimed": unclaimed_page,
    "intake_claim_new": claim_new_page,
    "intake_publish": publish_page,
    "intake_unpublish": unpublish_page,
    "intake_correct": correct_page,
    "intake_requote": requote_page,
    "intake_withdraw": withdraw_page,
    "intake_speaker": speaker_page,
    "intake_unmark": unmark_page,
    "review_message_handle": message_handle_page,
    "review_about": about_page,
}
# Readers' forms: anyone may post them.
PUBLIC_ENDPOINTS = {
    "report_error": reader_message_page(ErrorReportForm, "report_error"),
    "suggest_claim": reader_message_page(SuggestionForm, "suggest_claim"),
}


def admin_page(model, *, change, fill=None, elsewhere=None):
    """The admin's add or change page of ``model``: its form and every inline
    formset, as ``changeform_view`` builds them for a GET."""
    model_admin = admin.site.get_model_admin(model)

    def build(world, data):
        request = RequestFactory().get("/")
        request.user = world.superuser
        obj = pick(data, list(model.objects.all())) if change else None
        form = model_admin.get_form(request, obj, change=change)(instance=obj)
        parent = obj or form.instance

        def main(outcome):
            row = model.objects.filter(pk=obj.pk).first() if change else outcome.new(model).first()
            return columns(form, row, **(elsewhere(row, outcome) if elsewhere and row else {}))

        parts = [Part(form, main, fill or {})]
        for formset_class, inline in model_admin.get_formsets_with_inlines(request, obj):
            if inline.has_add_permission(request, obj) and data.draw(
                st.booleans(), label=f"add a row to {inline.model.__name__}"
            ):
                formset_class = inline.get_formset(request, obj, extra=1)
            prefix = formset_class.get_default_prefix()
            formset = formset_class(
                **model_admin.get_formset_kwargs(request, parent, inline, prefix)
            )
            parts.append(Part(formset.management_form))
            for row_form in formset.forms:
                parts.append(Part(row_form, inline_stored(inline.model, formset, row_form)))
        path = reverse(
            f"admin:factcheck_{model._meta.model_name}_{'change' if change else 'add'}",
            args=[obj.pk] if change else [],
        )
        return Page(path, parts, ids={"object_id": str(obj.pk)} if change else {})

    return build


def inline_stored(model, formset, row_form):
    """An inline row is saved to the row its id names; an added row is a new
    one. With its management form or any row's id changed, which posted row is
    which is the formset's to decide: then only the checks of every accepted
    post apply."""

    def stored(outcome):
        identity = {
            formset.add_prefix("TOTAL_FORMS"): str(formset.total_form_count()),
            formset.add_prefix("INITIAL_FORMS"): str(formset.initial_form_count()),
        }
        for form in formset.forms:
            pk = form.instance.pk
            identity[form.add_prefix(model._meta.pk.name)] = "" if pk is None else str(pk)
        if any(outcome.read.get(name, "") != value for name, value in identity.items()):
            return dict.fromkeys(row_form.fields, NOT_STORED)
        if row_form.instance.pk is None:
            return columns(row_form, outcome.new(model).first())
        posted_id = outcome.read.get(row_form.add_prefix(model._meta.pk.name))
        row = model.objects.filter(pk=posted_id).first() if posted_id else None
        return columns(row_form, row)  # None too when deleted

    return stored


def source_reason(source, outcome):
    return {"reason": correction_reason(outcome)}


def claim_status_columns(claim, outcome):
    """Where the admin's status fields went: the timeline, or for a final
    status a proposal; and its owner field, to the claim."""
    names = ["status_rationale", "status_searched", "status_resolved_early_because"]
    if change := outcome.new(StatusChange).first():
        row, status = change, claim.status
    elif proposal := outcome.new(Proposal).first():
        row, status = proposal, proposal.to_status
    else:
        return {
            **dict.fromkeys(["new_status", *names], NOT_STORED),
            "new_owner": claim.owner,
            "correction_reason": correction_reason(outcome),
        }
    return {
        "new_status": status,
        **{name: getattr(row, name.removeprefix("status_")) for name in names},
        "new_owner": claim.owner,
        "correction_reason": correction_reason(outcome),
    }


ADMIN_ENDPOINTS = {
    "admin:factcheck_claim_add": admin_page(
        Claim, change=False, fill={"quote": "Critics disagree."}
    ),
    "admin:factcheck_claim_change": admin_page(Claim, change=True, elsewhere=claim_status_columns),
    "admin:factcheck_source_add": admin_page(Source, change=False, elsewhere=source_reason),
    "admin:factcheck_source_change": admin_page(Source, change=True, elsewhere=source_reason),
    "admin:factcheck_reviewernote_add": admin_page(ReviewerNote, change=False),
    "admin:factcheck_reviewernote_change": admin_page(ReviewerNote, change=True),
    "admin:factcheck_article_add": admin_page(Article, change=False),
    "admin:factcheck_article_change": admin_page(Article, change=True),
    "admin:factcheck_person_add": admin_page(Person, change=False),
    "admin:factcheck_person_change": admin_page(Person, change=True),
}
ENDPOINTS = {**REVIEW_ENDPOINTS, **PUBLIC_ENDPOINTS, **ADMIN_ENDPOINTS}
EDITOR_ENDPOINTS = {name for name in REVIEW_ENDPOINTS if name.startswith("intake_")} | {
    "review_claim_assign",
    "review_message_handle",
    "review_about",
}


# --- The database before and after ------------------------------------------------

WATCHED = [
    Claim,
    StatusChange,
    Proposal,
    ReviewerProfile,
    Source,
    ReviewerNote,
    Correction,
    Claim.history.model,
    Source.history.model,
    ReviewerNote.history.model,
    Article,
    Article.history.model,
    ArticleCorrection,
    Person,
    UnclaimedSentence,
    Condition,
    Condition.history.model,
    ConditionSource,
    ClaimCondition,
    ClaimCondition.history.model,
    LogEntry,
    ReaderMessage,
    SitePage,
    SitePage.history.model,
]


def database_state():
    return {model: list(model.objects.order_by("pk").values_list()) for model in WATCHED}


def refused_text_in(state):
    return [
        (model.__name__, value)
        for model, rows in state.items()
        for row in rows
        for value in row
        if isinstance(value, str) and REFUSED_CHARACTERS.search(value)
    ]


def form_errors(response):
    html = BeautifulSoup(response.content, "html.parser")
    found = html.select(".errorlist, .errornote, p.error, .conflict")
    return " ".join(element.get_text(" ", strip=True) for element in found)


# --- The examples ------------------------------------------------------------------


@dataclass
class World:
    claims: list
    reviewer: object
    superuser: object
    editor: object
    draft: object  # being taken in
    ready: object  # a draft with every sentence accounted for
    rewritten: str = ""  # a passage a correction put in place of a quote
    condition: object = None  # the prediction hangs on it; it has a source


@pytest.fixture
def world(fact, prediction, reviewer, editor):
    # Both may propose verdicts, which need a public name.
    for user, name in ((reviewer, "Rita Reviewer"), (editor, "Edith Editor")):
        ReviewerProfile.objects.create(user=user, public_name=name)
    for claim in (fact, prediction):
        services.add_source(
            claim=claim,
            by=reviewer,
            url=f"https://example.gov/{claim.slug}",
            title="Permit table",
            stance="supports",
        )
        services.add_note(claim=claim, by=reviewer, body="Ring the ministry.")
    superuser = get_user_model().objects.create_superuser("boss", password="correct horse")
    ReviewerProfile.objects.create(user=superuser, public_name="The Boss")
    draft, ready = (
        Article.objects.create(
            title=f"Draft {n}",
            publisher="Example Times",
            # Older than the claims' article, which the admin's pickers offer first.
            published_on=datetime.date(2020, 5, 1),
            text="Officials said permits will double by 2030. Nobody knows why.\n\nRents rose.",
            slug=f"draft-{n}",
        )
        for n in (1, 2)
    )
    for sentence in services.article_sentences(ready):
        services.mark_unclaimed(article=ready, start=sentence.start, by=editor, reason="None.")
    condition = Condition.objects.create(
        slug="permits-still-issued",
        statement="Permits are still issued.",
        resolve_by=datetime.date(2025, 6, 30),
    )
    ClaimCondition.objects.create(claim=prediction, condition=condition)
    services.add_condition_source(
        condition=condition, by=reviewer, url="https://example.gov/gazette", title="Gazette"
    )
    world = World([fact, prediction], reviewer, superuser, editor, draft, ready)
    world.condition = condition
    return world


PATH_IDS = ["-1", "0", "99999999999999999999", "424242", "%00", "abc", "٣"]


def draw_request(data, page, world, *, edit_only):
    """The page's forms as a reviewer would send them, some fields then replaced,
    repeated or dropped; a few things around the body attacked as well.
    ``edit_only``: change fields only as a reviewer would, so it should be saved."""
    fields = {}  # name -> (form field, page value or None when a browser sends none)
    for part in page.parts:
        for bound in part.form:
            value = page_value(bound)
            if value == "" and bound.field.required:
                value = part.fill.get(bound.name) or fill_value(bound.field)
            fields[bound.html_name] = (bound.field, value)
    ids = [str(claim.pk) for claim in world.claims]
    names = sorted(fields)
    touched = data.draw(
        st.lists(
            st.tuples(st.integers(0, 10**6), FIELD_CHANGES),
            min_size=1 if edit_only else 0,
            max_size=4,
        ),
        label="touched",
    )
    if edit_only:
        touched = [
            (index, [replace(change, kind="benign") for change in values] or [KEEP])
            for index, values in touched
        ]
    touched = {names[index % len(names)]: values for index, values in touched} if names else {}
    pairs = []
    for name in names:
        formfield, value = fields[name]
        if name in touched:
            values = [posted(formfield, value or "", change, ids) for change in touched[name]]
        else:
            values = [] if value is None else [sent(value)]
        pairs += [(sent(name), value) for value in values]
    # Each of these in about one example out of eight, so that some examples
    # send a valid form with only its fields changed.
    extra = data.draw(
        st.one_of(*[st.none()] * 7, st.tuples(st.integers(0, 4), changes(["hostile"]))),
        label="an extra field",
    )
    if extra and not edit_only:
        name = [*map(sent, ["version", "unknown", "_save", "csrfmiddlewaretoken"]), BAD_NAME]
        pairs.append((one_of(name, extra[0]), hostile_value(forms.CharField(), "1", extra[1], ids)))
    if data.draw(st.booleans(), label="shuffle"):
        random.Random(data.draw(st.integers(0, 2**32), label="seed")).shuffle(pairs)
    path = page.path
    for segment, real in page.ids.items():
        attack = data.draw(st.sampled_from([None] * 7 + PATH_IDS), label=f"the {segment}")
        if attack is not None and not edit_only:
            path = path.replace(f"/{real}/", f"/{quote(attack)}/", 1)
    charset = data.draw(st.sampled_from([""] * 6 + ["; charset=UTF-8", "; charset=latin-1"]))
    if edit_only:
        charset = ""
    htmx = data.draw(st.booleans(), label="htmx")
    return path, pairs, charset, htmx


BAD_NAME = not_utf8("bad", b"%FF", "name")


def post_one_example(client, endpoint, world, data, outcomes, *, edit_only):
    page = ENDPOINTS[endpoint](world, data)
    path, pairs, charset, htmx = draw_request(data, page, world, edit_only=edit_only)
    read = {}  # as request.POST reads it: the last of repeated values
    for name, value in pairs:
        read[name.text] = value.text
    body = form_body(pairs)
    # (The test client sends no Content-Type with an empty body.)
    utf8 = not body or (
        charset != "; charset=latin-1"
        and all(name.text is not None and value.text is not None for name, value in pairs)
    )

    before = database_state()
    response = client.post(
        path,
        data=body,
        content_type=f"application/x-www-form-urlencoded{charset}",
        headers={"HX-Request": "true"} if htmx else {},
    )
    after = database_state()
    written = after != before

    status = response.status_code
    assert status < 500, (status, path)
    if not utf8:
        assert status == 400
        assert b"The form was not sent as valid UTF-8." in response.content
    if any(MARKUP in (value.text or "") for _, value in pairs):
        assert MARKUP.encode() not in response.content  # never comes back live
    errors = form_errors(response) if status == 200 else ""
    if status >= 400 or errors:
        outcomes["refused"] += 1
        assert not written, f"a refusal ({status}) wrote: {diff(before, after)}"
        text = BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
        assert errors or len(text) > 20, f"a refusal ({status}) says nothing: {text!r}"
        return
    if not written:
        outcomes["unchanged"] += 1
        return
    outcomes["written"] += 1
    assert not refused_text_in(after)
    outcome = Outcome(before, read)
    if page.effect:
        assert page.effect()
    for part in page.parts:
        for name, stored in part.stored(outcome).items():
            if stored is NOT_STORED:
                continue
            formfield, sent_text = part.form.fields[name], read.get(part.form.add_prefix(name))
            if isinstance(formfield, forms.CharField):
                assert stored == normalised(sent_text or ""), short(name, stored, sent_text)
            else:
                assert stored == formfield.clean(sent_text), short(name, stored, sent_text)


class Outcome:
    """What an accepted post did: the values Django read, the rows it created."""

    def __init__(self, before, read):
        self.read = read
        self.before_pks = {model: {row[0] for row in rows} for model, rows in before.items()}

    def new(self, model):
        return model.objects.exclude(pk__in=self.before_pks[model]).order_by("pk")


def short(*values):
    return [repr(value)[:200] for value in values]


def diff(before, after):
    return {
        model.__name__: short(*[row for row in after[model] if row not in before[model]])
        for model in WATCHED
        if after[model] != before[model]
    }


@pytest.fixture
def unlimited_reader_messages(settings):
    """Readers' forms: every example is sent, none held back by the rate limit."""
    settings.FACTCHECK_READER_MESSAGES_PER_HOUR = 10**6


@pytest.mark.parametrize("endpoint", list(ENDPOINTS))
def test_hostile_input_is_refused_cleanly_or_stored_normalised(
    client, world, endpoint, tmp_path, unlimited_reader_messages
):
    if endpoint.startswith("admin:"):
        client.force_login(world.superuser)
    else:
        client.force_login(world.editor if endpoint in EDITOR_ENDPOINTS else world.reviewer)
    outcomes = collections.Counter()

    def examples(count, *, edit_only):
        @settings(HOSTILE, max_examples=count)
        @given(data=st.data())
        def post_forms(data):
            post_one_example(client, endpoint, world, data, outcomes, edit_only=edit_only)

        post_forms()

    # 50 in all: some plain edits first (so that acceptances are tested for
    # sure), then hostile ones, on whatever the edits left.
    examples(15, edit_only=True)
    examples(35, edit_only=False)
    assert outcomes["refused"] and outcomes["written"], outcomes

    # Whatever the examples left behind, the documented backup brings it back.
    before = snapshot()
    dump_flush_and_load(tmp_path / "backup.xml")
    assert snapshot() == before


# --- No endpoint escapes -------------------------------------------------------------


def sample_path(name, claim, source):
    for kwargs in (
        {},
        {"slug": claim.slug},
        {"slug": claim.slug, "source_id": source.pk},
        {"slug": claim.article.slug, "claim_slug": claim.slug},
        {"slug": claim.article.slug, "start": 0},
        {"slug": claim.slug, "proposal_id": 1},
        {"slug": claim.slug, "link_id": 1},
        {"message_id": 1},
        {"section": "claims"},
    ):
        try:
            return reverse(f"factcheck:{name}", kwargs=kwargs)
        except NoReverseMatch:
            continue
    raise AssertionError(f"Cannot build a URL for {name}: give sample_path its arguments.")


def test_every_post_endpoint_is_attacked(client, world):
    """A reviewer endpoint that takes a POST, a reader's form, or an admin add or
    change form of the app, fails here until the tables above attack it."""
    client.force_login(world.reviewer)
    claim = world.claims[0]
    source = claim.sources.first()
    accepting_posts = {
        pattern.name
        for pattern in urls.review_patterns
        if client.post(sample_path(pattern.name, claim, source)).status_code != 405
    }
    assert accepting_posts == set(REVIEW_ENDPOINTS)
    public_posts = {
        pattern.name
        for pattern in urls.public_patterns
        if client.post(sample_path(pattern.name, claim, source)).status_code != 405
    }
    assert public_posts == set(PUBLIC_ENDPOINTS)

    request = RequestFactory().get("/")
    request.user = world.superuser
    admin_forms = set()
    for model in apps.get_app_config("factcheck").get_models():
        if not admin.site.is_registered(model):
            continue
        model_admin = admin.site.get_model_admin(model)
        if model_admin.has_add_permission(request):
            admin_forms.add(f"admin:factcheck_{model._meta.model_name}_add")
        if model_admin.has_change_permission(request):
            admin_forms.add(f"admin:factcheck_{model._meta.model_name}_change")
    assert admin_forms == set(ADMIN_ENDPOINTS)
