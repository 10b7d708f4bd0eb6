import datetime
import re
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, models, transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce, Length
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from . import fields, search
from .anchors import surroundings
from .statuses import (
    ALL_STATUS_CHOICES,
    STATUS_TABLE,
    UNREVIEWED,
    Certainty,
    FactStatus,
    Kind,
    PredictionStatus,
    status_info,
    statuses_for,
)

validate_http_url = URLValidator(
    schemes=["http", "https"],
    message="Enter a web address that starts with http:// or https://.",
    # Its own code, so form fields keep this message instead of their generic one.
    code="not_http_url",
)


def http_url_constraint(field, name, *, allow_blank=False):
    condition = Q(**{f"{field}__istartswith": "http://"}) | Q(
        **{f"{field}__istartswith": "https://"}
    )
    if allow_blank:
        condition |= Q(**{field: ""})
    return models.CheckConstraint(condition=condition, name=name)


class ArticleQuerySet(models.QuerySet):
    def public(self):
        """Published and not taken down: the articles readers may see."""
        return self.filter(published_at__isnull=False, unpublished_at__isnull=True)


class Article(models.Model):
    title = fields.CharField(max_length=300)
    publisher = fields.CharField(max_length=200)
    url = fields.URLField("URL", max_length=2000, blank=True, validators=[validate_http_url])
    published_on = models.DateField()
    text = fields.TextField(help_text="The full text. Claims point into it by character offsets.")
    slug = models.SlugField(max_length=120, unique=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Unset while a draft: an editor is taking it in, and readers see nothing of it.
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Set when an editor takes a published article down; its pages then say why.
    unpublished_at = models.DateTimeField(null=True, blank=True, editable=False)
    unpublished_reason = fields.TextField(blank=True, editable=False)

    history = HistoricalRecords()

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_on", "title"]
        # The home page lists the newest articles.
        indexes = [models.Index(fields=["-published_on", "title"], name="article_newest_idx")]
        constraints = [http_url_constraint("url", "article_url_is_http", allow_blank=True)]

    def __str__(self):
        return f"{self.title} ({self.publisher}, {self.published_on:%Y-%m-%d})"

    def get_absolute_url(self):
        return reverse("factcheck:article_detail", kwargs={"slug": self.slug})

    @property
    def is_draft(self):
        return self.published_at is None and self.unpublished_at is None

    @property
    def is_public(self):
        return self.published_at is not None and self.unpublished_at is None

    def locate(self, quote):
        """Return the (start, end) offsets of ``quote`` in the text.

        The quote must occur exactly once, verbatim; otherwise ValueError says why.
        """
        if not quote:
            raise ValueError("is empty")
        start = self.text.find(quote)
        if start == -1:
            raise ValueError("is not found verbatim in the article text")
        if self.text.find(quote, start + 1) != -1:
            count = self.text.count(quote)
            raise ValueError(
                f"occurs {count} times in the article text; quote more of it so it is unique"
            )
        return start, start + len(quote)


class PersonQuerySet(models.QuerySet):
    def public(self):
        """People quoted in an article readers may see."""
        return self.filter(
            models.Exists(Claim.objects.public().filter(speaker=models.OuterRef("pk")))
        )

    def with_claim_count(self):
        """Each with ``claim_count``: how many of their claims readers may see."""
        claims = (
            Claim.objects.public()
            .filter(speaker=OuterRef("pk"))
            .order_by()
            .values("speaker")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        # A subquery, not a join: counting the people (as a paginator does) leaves it out.
        return self.annotate(claim_count=Subquery(claims))


class Person(models.Model):
    name = fields.CharField(max_length=200)
    description = fields.TextField(
        blank=True, help_text="Who they are, as the article describes them."
    )
    slug = models.SlugField(max_length=120, unique=True)
    updated_at = models.DateTimeField(auto_now=True)

    # What a page as of a past day shows of them: their name and description then.
    history = HistoricalRecords()

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "people"

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("factcheck:person_detail", kwargs={"slug": self.slug})


# How the audit trail's reason for a change of owner begins ("Owner: — → rita").
OWNER_CHANGE = "Owner: "

# What a claim is found by, each read through the claim (search.search_text).
SEARCHED_FIELDS = ("quote", "statement", "speaker__name", "article__title")
# The claim's own fields among them: a save() of any of them derives it anew.
SEARCHED_OWN_FIELDS = {path.split("__")[0] for path in SEARCHED_FIELDS}


class ClaimQuerySet(models.QuerySet):
    def public(self):
        return self.filter(article_is_public=True)

    def public_count(self):
        """``self.public().count()``, counted as all of these less the others:
        SQLite counts a whole table from its b-tree, but walks an index entry
        by entry to count the public claims (measured: 36 M instructions at
        100,000 claims). Faster only where ``self`` is every claim."""
        return self.count() - self.filter(article_is_public=False).count()

    def search(self, text):
        """Claims holding every word of ``text`` (as a word or its beginning,
        without regard to case or accents), each with ``search_rank``: lower
        matches better. See factcheck.search."""
        return search.matching(self, text)

    def refresh_search_text(self):
        """Store these claims' search text anew, where it changed: after a write
        that save() does not see (an UPDATE of a claim, a new name for its
        speaker or a new title for its article)."""
        stale = [
            Claim(pk=pk, search_text=text)
            for pk, stored, *parts in self.order_by().values_list(
                "pk", "search_text", *SEARCHED_FIELDS
            )
            if (text := search.search_text(*parts)) != stored
        ]
        Claim.objects.bulk_update(stale, ["search_text"], batch_size=500)

    def with_public_detail(self, *, sources=True):
        """Claims with everything their public record shows, in a fixed number of
        queries: the related rows land in the attributes named in PUBLIC_DETAIL
        (``sources=False`` leaves the sources to the caller). They come
        unordered: building ORDER BY costs more than sorting a claim's few rows
        (``publishing`` sorts them)."""
        return self.select_related("article", "speaker").prefetch_related(
            *(
                Prefetch(
                    relation,
                    with_related(Claim._meta.get_field(relation).related_model.objects, related),
                    to_attr=attribute,
                )
                for relation, attribute, related in PUBLIC_DETAIL
                if sources or relation != "sources"
            )
        )

    def awaiting_first_review(self):
        return self.filter(status=UNREVIEWED)

    def awaiting_resolution(self, status="status"):
        """Predictions without a final status, whether or not their resolve-by
        date has come. ``status``: the field that holds the status
        (``status_then`` after ``as_it_stood``)."""
        open_statuses = [i.value for i in statuses_for(Kind.PREDICTION) if not i.is_final]
        return self.filter(kind=Kind.PREDICTION, **{f"{status}__in": open_statuses})

    def overdue(self, today, status="status", resolve_by="resolve_by"):
        """Predictions whose resolve-by date has passed without a final status."""
        return self.awaiting_resolution(status).filter(**{f"{resolve_by}__lt": today})

    def as_it_stood(self, cutoff):
        """Those readers could see before ``cutoff`` (taken in by then, on an
        article published by then), each with ``status_then``, from its public
        timeline, and ``resolve_by_then``, from the audit trail, as at cutoff."""
        changes = StatusChange.objects.filter(claim=OuterRef("pk"))
        latest = changes.filter(changed_at__lt=cutoff).order_by("-changed_at", "-id")
        first = changes.order_by("changed_at", "id")
        rows = Claim.history.filter(id=OuterRef("pk"), history_date__lt=cutoff)
        published = Article.history.filter(history_date__lt=cutoff, published_at__isnull=False)
        return self.filter(created_at__lt=cutoff, article__in=published.values("id")).annotate(
            # Before its first change, a claim held that change's starting status.
            status_then=Coalesce(
                Subquery(latest.values("to_status")[:1]),
                Subquery(first.values("from_status")[:1]),
                F("status"),
            ),
            resolve_by_then=Subquery(
                rows.order_by("-history_date", "-history_id").values("resolve_by")[:1]
            ),
        )

    def status_counts_by_article(self, articles):
        """{article id: {status: claims}} for ``articles``, in one query."""
        counts = {}
        rows = (
            self.filter(article__in=[article.pk for article in articles])
            .order_by()
            .values_list("article_id", "status")
            .annotate(n=models.Count("id"))
        )
        for article_id, status, n in rows:
            counts.setdefault(article_id, {})[status] = n
        return counts

    def due_for_review(self, today):
        return self.filter(next_review_on__lte=today)

    def changed_by_others(self, user, since):
        """Claims that someone other than ``user`` edited, or whose sources or notes
        they changed, since ``since`` (read from the audit trail). A claim
        changing hands is not a change to it."""
        edits = _edited_by_others(Claim, "id", user, since).exclude(
            history_change_reason__startswith=OWNER_CHANGE
        )
        by_others = Q(pk__in=edits)
        by_others |= Q(pk__in=_edited_by_others(Source, "claim_id", user, since))
        by_others |= Q(pk__in=_edited_by_others(ReviewerNote, "claim_id", user, since))
        return self.filter(by_others)


def _edited_by_others(model, claim_field, user, since):
    return (
        model.history.filter(history_date__gte=since, history_user__isnull=False)
        .exclude(history_user=user)
        .values(claim_field)
    )


# What separates the paragraphs of an article's text (publishing.text_blocks):
# a blank line, perhaps holding spaces.
PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


def partly_overlap(a, b):
    """Whether spans a and b overlap without one holding the other. Highlights
    can nest, but cannot cross."""
    (a_start, a_end), (b_start, b_end) = a, b
    overlap = a_start < b_end and b_start < a_end
    nested = (a_start <= b_start and b_end <= a_end) or (b_start <= a_start and a_end <= b_end)
    return overlap and not nested


# What a reviewer may edit on an existing claim, in the order forms show them.
# The quote, its offsets, the article and the kind are fixed once a claim
# exists; the status has its own service.
CLAIM_EDITABLE_FIELDS = (
    "speaker",
    "statement",
    "summary",
    "certainty",
    "condition",
    "resolution_criteria",
    "resolve_by",
    "next_review_on",
)
# Only predictions have these; a fact holds them empty: NULL for a date
# (PREDICTION_DATE_FIELDS), "" for text.
PREDICTION_FIELDS = ("certainty", "condition", "resolution_criteria", "resolve_by")
PREDICTION_DATE_FIELDS = ("resolve_by",)
# Of the editable fields, the one the public does not see: the desk's own.
DESK_ONLY_FIELDS = ("next_review_on",)
# What a claim says and how it is judged: once its article is public, every
# change to one of these is on its public timeline, old and new, with a reason
# (no moving the goalposts unseen).
DEFINING_FIELDS = ("statement", "condition", "resolution_criteria", "resolve_by")


def resolve_by_error(resolve_by, published_on):
    """Why a prediction made on ``published_on`` may not be due on
    ``resolve_by``, or ""."""
    if resolve_by and published_on and resolve_by < published_on:
        return (
            f"The article is of {published_on:%Y-%m-%d}; a prediction "
            "cannot be due before it was made."
        )
    return ""


def holds_no_prediction_fields():
    """The condition that every one of PREDICTION_FIELDS is empty."""
    empty = {name: "" for name in PREDICTION_FIELDS if name not in PREDICTION_DATE_FIELDS}
    empty |= {f"{name}__isnull": True for name in PREDICTION_DATE_FIELDS}
    return Q(**empty)


class Claim(models.Model):
    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="claims")
    speaker = models.ForeignKey(
        Person,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claims",
        help_text="Leave blank when the claim is the article's own.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    quote = fields.TextField(help_text="Verbatim from the article text.")
    quote_start = models.PositiveIntegerField(editable=False)
    quote_end = models.PositiveIntegerField(editable=False)
    # Set when a correction of the text left the quote nowhere, or in several
    # places none clearly its own: the offsets then point into that
    # correction's earlier text, until an editor quotes the claim afresh.
    orphaned_by = models.ForeignKey(
        "ArticleCorrection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="orphaned_claims",
    )
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawal_reason = fields.TextField(blank=True, editable=False)
    statement = fields.TextField(help_text="A short, checkable statement in plain words.")
    status = models.CharField(
        max_length=32, choices=ALL_STATUS_CHOICES, default=UNREVIEWED, editable=False
    )
    certainty = fields.CharField(
        "stated certainty",
        max_length=20,
        choices=Certainty.choices,
        blank=True,
        help_text="For a prediction: how sure the speaker said they were, in their own word.",
    )
    summary = fields.TextField(blank=True, help_text="The public summary of the current verdict.")
    condition = fields.TextField(
        blank=True, help_text="For a conditional prediction: what must happen first."
    )
    resolution_criteria = fields.TextField(
        blank=True, help_text="For a prediction: what will count as it coming true."
    )
    resolve_by = models.DateField(
        null=True, blank=True, help_text="For a prediction: when it should be resolved."
    )
    next_review_on = models.DateField(null=True, blank=True)
    # The reviewer working on it: the desk's own business, never public. Set
    # only through the services, which keep it to active reviewers; PROTECT,
    # since a user is deactivated (which releases their claims, audited and
    # told to the desk), not deleted.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="owned_claims",
    )
    slug = models.SlugField(max_length=120, unique=True)
    # Optimistic lock over the whole row: every edit checks and bumps it (see services).
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # Whether readers may see its article (Article.is_public), copied here so
    # the public lists and their counts read one table, through its indexes;
    # kept in step by save() and the publishing services.
    article_is_public = models.BooleanField(default=False, editable=False)
    # When anything the public sees of this claim last changed, sources included
    # (which leave the version alone): the basis of its pages' ETags.
    public_updated_at = models.DateTimeField(default=timezone.now, editable=False)
    # SEARCHED_FIELDS as words, derived (search.search_text): by save() for the
    # claim's own fields, by refresh_search_text() after any other write.
    search_text = fields.TextField(blank=True, default="", editable=False)

    # The search text is derived, not edited: the audit trail leaves it out.
    history = HistoricalRecords(excluded_fields=["search_text"])

    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["article_id", "quote_start", "id"]
        indexes = [
            # The claim list (public claims only), filtered by status or by
            # kind, in its default order; its counts read these alone. (Not
            # partial indexes: SQLite would not match Django's "= True" to them.)
            models.Index(
                fields=["article_is_public", "status", "-public_updated_at", "-id"],
                name="claim_status_recent_idx",
            ),
            models.Index(
                fields=["article_is_public", "kind", "-public_updated_at", "-id"],
                name="claim_kind_recent_idx",
            ),
            models.Index(fields=["kind", "status"], name="claim_kind_status_idx"),
            models.Index(fields=["resolve_by"], name="claim_resolve_by_idx"),
            models.Index(fields=["next_review_on"], name="claim_next_review_idx"),
            models.Index(fields=["-updated_at"], name="claim_updated_idx"),
            # The claim list's default order.
            models.Index(
                fields=["article_is_public", "-public_updated_at", "-id"],
                name="claim_public_updated_idx",
            ),
            models.Index(fields=["article", "quote_start"], name="claim_article_position_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind=Kind.FACT, status__in=FactStatus.values)
                    | Q(kind=Kind.PREDICTION, status__in=PredictionStatus.values)
                ),
                name="claim_status_matches_kind",
            ),
            models.CheckConstraint(
                condition=Q(quote_end=F("quote_start") + Length("quote")) & ~Q(quote=""),
                name="claim_offsets_span_quote",
            ),
            models.CheckConstraint(
                condition=Q(kind=Kind.PREDICTION) | holds_no_prediction_fields(),
                name="claim_prediction_fields_only_on_predictions",
            ),
            models.CheckConstraint(
                condition=Q(certainty__in=["", *Certainty.values]),
                name="claim_certainty_is_known",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="claim_version_positive"),
        ]

    def __str__(self):
        return self.statement

    def save(self, *args, update_fields=None, **kwargs):
        if self._state.adding:
            self.article_is_public = self.article.is_public
        if update_fields is None or SEARCHED_OWN_FIELDS & set(update_fields):
            self.search_text = self.current_search_text()
            if update_fields is not None:
                update_fields = {*update_fields, "search_text"}
        super().save(*args, update_fields=update_fields, **kwargs)

    def get_absolute_url(self):
        return reverse("factcheck:claim_detail", kwargs={"slug": self.slug})

    def current_search_text(self):
        """Its search text as its fields stand now (SEARCHED_FIELDS)."""
        return search.search_text(*(self.value_at(path) for path in SEARCHED_FIELDS))

    def value_at(self, path):
        """The value at a lookup path ("speaker__name"); None past a missing relation."""
        value = self
        for name in path.split("__"):
            value = getattr(value, name) if value is not None else None
        return value

    @property
    def speaker_label(self):
        """Who says it, as lists show it: a claim without a speaker is the
        article's own, and no person's."""
        return self.speaker.name if self.speaker_id else f"the article ({self.article.publisher})"

    @classmethod
    def from_db(cls, *args, **kwargs):
        claim = super().from_db(*args, **kwargs)
        # The next-review date as stored: only a new one must not be past.
        claim.stored_next_review_on = claim.__dict__.get("next_review_on")
        return claim

    def next_review_error(self, next_review_on):
        """Why ``next_review_on`` may not be set, or "": a date set or changed
        is today or later (one already stored never blocks another edit)."""
        stored = getattr(self, "stored_next_review_on", None)
        if next_review_on and next_review_on != stored and next_review_on < timezone.localdate():
            return "The next review cannot be in the past: choose today or a later date."
        return ""

    def fetch_public_detail(self):
        """Fill the attributes of PUBLIC_DETAIL for this claim alone, unordered as
        ``with_public_detail`` leaves them: for one claim, a query through each
        related manager costs less than prefetch_related's matching of rows to
        claims."""
        for relation, attribute, related in PUBLIC_DETAIL:
            setattr(self, attribute, list(with_related(getattr(self, relation), related)))

    @property
    def is_anchored(self):
        return self.orphaned_by_id is None

    @property
    def quoted_text(self):
        """The text the quote's offsets point into: the article's, or for an
        orphaned claim the earlier text it was taken from."""
        return self.orphaned_by.earlier_text if self.orphaned_by_id else self.article.text

    @property
    def surroundings(self):
        """The CONTEXT characters before and after the quote in that text (a
        W3C TextQuoteSelector's prefix and suffix), which find it again after
        a correction. Derived, never stored: always those of its offsets."""
        return surroundings(self.quoted_text, self.quote_start, self.quote_end)

    @property
    def is_prediction(self):
        return self.kind == Kind.PREDICTION

    @property
    def status_info(self):
        return status_info(self.kind, self.status)

    @property
    def has_verdict(self):
        return self.status_info.has_verdict

    def resolve_by_state(self, today):
        """ "overdue" or "due" for an unresolved prediction whose date has come, else ""."""
        if not self.is_prediction or not self.resolve_by or self.status_info.is_final:
            return ""
        if self.resolve_by < today:
            return "overdue"
        return "due" if self.resolve_by == today else ""

    def clean(self):
        errors = {}
        if self.kind and (self.kind, self.status) not in STATUS_TABLE:
            errors["kind"] = (
                f"A {self.get_kind_display().lower()} cannot hold the status "
                f"“{self.status}”; change the status first."
            )
        if self.kind == Kind.FACT:
            for field in PREDICTION_FIELDS:
                if getattr(self, field):
                    errors[field] = "Only predictions have this field."
        if self.kind == Kind.PREDICTION:
            for field in ("resolution_criteria", "resolve_by"):
                if not getattr(self, field):
                    errors[field] = "Every prediction needs this: how and when it is judged."
            published_on = self.article.published_on if self.article_id else None
            if problem := resolve_by_error(self.resolve_by, published_on):
                errors["resolve_by"] = problem
        if problem := self.next_review_error(self.next_review_on):
            errors["next_review_on"] = problem
        if self.quote and PARAGRAPH_BREAK.search(self.quote):
            # Its highlight could not be one element within the article's paragraphs.
            errors["quote"] = "A quote may not cross a paragraph break: quote one paragraph."
        elif self.article_id and self.quote and self.quote_start is not None and self.is_anchored:
            text = self.article.text
            span = (self.quote_start, self.quote_end)
            if text[self.quote_start : self.quote_end] != self.quote:
                errors["quote"] = "The quote does not match the article text at its offsets."
            else:
                others = self.article.claims.exclude(pk=self.pk)
                crossing = [
                    other.slug
                    for other in others.only("slug", "quote_start", "quote_end")
                    if partly_overlap(span, (other.quote_start, other.quote_end))
                ]
                if crossing:
                    errors["quote"] = (
                        f"The quote partly overlaps the quote of “{crossing[0]}”; quotes may "
                        "contain one another but not cross. Quote more or less of the text."
                    )
        if errors:
            raise ValidationError(errors)


class UnclaimedSentence(models.Model):
    """A sentence of an article that holds nothing checkable, and why: with the
    claims' quotes, what accounts for every sentence before it is published."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="unclaimed_sentences"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    reason = fields.TextField()
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    marked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["article", "start"]
        constraints = [
            models.UniqueConstraint(fields=["article", "start"], name="one_mark_per_sentence")
        ]

    def __str__(self):
        return f"{self.article.text[self.start : self.end]} ({self.reason})"


class OfClaimQuerySet(models.QuerySet):
    """Rows that belong to a claim (``claim``)."""

    def public(self):
        """Those of claims readers may see. An EXISTS, not a join: joined,
        SQLite starts from the public claims (almost all of them) and sorts
        all their rows to find the latest few; with EXISTS it reads the
        newest-first index and stops (measured: 276 ms against under 1 ms at
        100,000 claims)."""
        claims = Claim.objects.public().filter(pk=OuterRef("claim_id"))
        return self.filter(Exists(claims))


class StatusChangeQuerySet(OfClaimQuerySet):
    def newest_first(self):
        return self.select_related("claim").order_by("-changed_at", "-id")


class StatusChange(models.Model):
    """One step of a claim's public timeline. Append-only: written by
    services.change_claim_status and never edited."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(max_length=32, choices=ALL_STATUS_CHOICES)
    to_status = models.CharField(max_length=32, choices=ALL_STATUS_CHOICES)
    rationale = fields.TextField(help_text="Public: why the status changed.")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    # The claim's version after this change; one change per version.
    claim_version = models.PositiveIntegerField()
    # Set when the change was a proposal (see Proposal): who signed it off;
    # changed_by is then the proposer.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    searched = fields.TextField(
        "what was searched",
        blank=True,
        help_text="Needed for “Unverifiable” and “Unresolvable”; shown with the verdict.",
    )
    resolved_early_because = fields.TextField(
        "why resolve it early",
        blank=True,
        help_text="Needed to resolve a prediction before its resolve-by date; shown publicly.",
    )

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["changed_at", "id"]
        get_latest_by = ["changed_at", "id"]
        indexes = [
            models.Index(fields=["claim", "changed_at"], name="statuschange_claim_idx"),
            models.Index(fields=["-changed_at", "-id"], name="statuschange_newest_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "claim_version"], name="statuschange_one_per_claim_version"
            ),
            models.CheckConstraint(
                condition=~Q(from_status=F("to_status")), name="statuschange_changes_status"
            ),
        ]

    def __str__(self):
        return f"{self.claim.slug}: {self.from_status} → {self.to_status}"

    @property
    def from_info(self):
        return status_info(self.claim.kind, self.from_status)

    @property
    def to_info(self):
        return status_info(self.claim.kind, self.to_status)


class SourceQuerySet(models.QuerySet):
    def current(self):
        return self.filter(removed_at__isnull=True)


class Stance(models.TextChoices):
    SUPPORTS = "supports", "Supports the claim"
    REFUTES = "refutes", "Refutes the claim"
    CONTEXT = "context", "Context"


# What a reviewer records, and may later correct, of a source.
SOURCE_EDITABLE_FIELDS = (
    "url",
    "archived_url",
    "title",
    "publisher",
    "published_on",
    "stance",
    "note",
)


class Source(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="sources")
    url = fields.URLField("URL", max_length=2000, validators=[validate_http_url])
    archived_url = fields.URLField(
        "archived copy URL", max_length=2000, blank=True, validators=[validate_http_url]
    )
    title = fields.CharField(max_length=300)
    publisher = fields.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    stance = models.CharField(max_length=20, choices=Stance.choices)
    note = fields.TextField(blank=True, help_text="Public: what this source shows.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)
    # Removal is recorded, not a delete, so a removed source can be restored.
    removed_at = models.DateTimeField(null=True, blank=True, editable=False)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    history = HistoricalRecords()

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["claim_id", "added_at", "id"]
        indexes = [models.Index(fields=["claim", "stance"], name="source_claim_stance_idx")]
        constraints = [
            http_url_constraint("url", "source_url_is_http"),
            http_url_constraint("archived_url", "source_archived_url_is_http", allow_blank=True),
        ]

    def __str__(self):
        return self.title

    @property
    def is_removed(self):
        return self.removed_at is not None


class ConditionQuerySet(models.QuerySet):
    def public(self):
        """Conditions a prediction readers may see depends on."""
        return self.filter(Exists(ClaimCondition.objects.public().filter(condition=OuterRef("pk"))))

    def open(self):
        return self.filter(status=Condition.Status.OPEN)

    def due(self, today):
        """Open conditions whose resolve-by date has come: the queue lists them."""
        return self.open().filter(resolve_by__lte=today)


class ConditionStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    NOT_MET = "not_met", "Not met"


@dataclass(frozen=True)
class Badge:
    """A label and a tone, as a status badge draws them."""

    label: str
    tone: str


# A resolution is not a verdict of truth: drawn as a final status without one.
CONDITION_BADGES = {
    status: Badge(status.label, "in-progress" if status == ConditionStatus.OPEN else "no-verdict")
    for status in ConditionStatus
}


class Condition(models.Model):
    """Something that must (or must not) happen for predictions to apply,
    tracked as a record of its own: a reviewer resolves it, dated and
    explained, and each prediction linked to it (ClaimCondition) is then
    judged, through sign-off."""

    Status = ConditionStatus

    slug = models.SlugField(max_length=120, unique=True)
    statement = fields.TextField(help_text="What must happen, as a checkable statement.")
    resolve_by = models.DateField(help_text="When it is to be resolved.")
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.OPEN, editable=False
    )
    rationale = fields.TextField(
        blank=True, editable=False, help_text="Public: why it was resolved so."
    )
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    # Optimistic lock, as a claim's: every resolution checks and bumps it.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = ConditionQuerySet.as_manager()

    class Meta:
        ordering = ["resolve_by", "slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ConditionStatus.values),
                name="condition_status_is_known",
            ),
            models.CheckConstraint(
                condition=Q(status=ConditionStatus.OPEN, resolved_at__isnull=True)
                | (~Q(status=ConditionStatus.OPEN) & Q(resolved_at__isnull=False)),
                name="condition_resolved_with_a_date",
            ),
        ]

    def __str__(self):
        return self.statement

    def get_absolute_url(self):
        return reverse("factcheck:condition_detail", kwargs={"slug": self.slug})

    @property
    def is_resolved(self):
        return self.status != self.Status.OPEN

    @property
    def status_info(self):
        return CONDITION_BADGES[self.status]


class ClaimConditionQuerySet(OfClaimQuerySet):
    def failed(self):
        """Links whose condition resolved the other way: the prediction can
        then only be "condition not met"."""
        return self.filter(
            Q(polarity=Polarity.IF_MET, condition__status=Condition.Status.NOT_MET)
            | Q(polarity=Polarity.IF_NOT_MET, condition__status=Condition.Status.MET)
        )


class Polarity(models.TextChoices):
    """Which resolution of a condition a prediction applies under."""

    # The values are the condition's statuses they apply under.
    IF_MET = ConditionStatus.MET.value, "if met"
    IF_NOT_MET = ConditionStatus.NOT_MET.value, "if not met"


class ClaimCondition(models.Model):
    """A prediction's dependence on a tracked condition (predictions only:
    checked by its only writers, the claims-file loader and the services'
    link_condition and unlink_condition; the admin shows links read-only)."""

    Polarity = Polarity

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="condition_links")
    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="links")
    polarity = models.CharField(max_length=10, choices=Polarity.choices, default=Polarity.IF_MET)

    history = HistoricalRecords()

    objects = ClaimConditionQuerySet.as_manager()

    class Meta:
        ordering = ["claim_id", "condition__resolve_by", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim", "condition"], name="claimcondition_one_link_per_pair"
            ),
            models.CheckConstraint(
                condition=Q(polarity__in=Polarity.values), name="claimcondition_polarity_known"
            ),
        ]

    def __str__(self):
        return f"{self.claim.slug} {self.get_polarity_display()} {self.condition.slug}"

    @property
    def has_failed(self):
        """Whether the condition resolved the other way."""
        resolved = self.condition.status
        return resolved != Condition.Status.OPEN and resolved != self.polarity


# What a reviewer records of a condition's source.
CONDITION_SOURCE_FIELDS = ("url", "title", "publisher", "published_on", "note")


class ConditionSource(models.Model):
    """Evidence of how a condition resolved: shown on its public page."""

    condition = models.ForeignKey(Condition, on_delete=models.PROTECT, related_name="sources")
    url = fields.URLField("URL", max_length=2000, validators=[validate_http_url])
    title = fields.CharField(max_length=300)
    publisher = fields.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    note = fields.TextField(blank=True, help_text="Public: what this source shows.")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["condition_id", "added_at", "id"]
        constraints = [http_url_constraint("url", "conditionsource_url_is_http")]

    def __str__(self):
        return self.title


class Correction(models.Model):
    """A dated, public change to a claim other than its status: to what defines
    it (DEFINING_FIELDS) once its article is public, to its published verdict
    (the summary, a source), or its quote taken afresh after a correction of
    the article. Written by the services, with the reason the reviewer gave;
    shown on the claim's timeline and on /corrections/."""

    class Kind(models.TextChoices):
        DEFINITION = "definition", "What the claim says or is judged by"
        VERDICT = "verdict", "The published verdict"
        REQUOTE = "requote", "The quote"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="corrections")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.VERDICT)
    description = fields.TextField(help_text="Public: what changed.")
    # The text before and after, for a change to one field (blank otherwise).
    earlier = fields.TextField(blank=True)
    later = fields.TextField(blank=True)
    reason = fields.TextField(blank=True, help_text="Public: why it changed.")
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    made_at = models.DateTimeField(default=timezone.now)

    objects = OfClaimQuerySet.as_manager()

    class Meta:
        ordering = ["made_at", "id"]
        indexes = [
            models.Index(fields=["claim", "made_at"], name="correction_claim_idx"),
            models.Index(fields=["-made_at", "-id"], name="correction_newest_idx"),
        ]

    def __str__(self):
        return f"{self.claim.slug}: {self.description}"


class ArticleCorrectionQuerySet(models.QuerySet):
    def public(self):
        return self.filter(article__in=Article.objects.public())


class ArticleCorrection(models.Model):
    """An article's earlier text, replaced by an editor's correction: kept with
    when and why, and said on the public article page."""

    article = models.ForeignKey(Article, on_delete=models.PROTECT, related_name="corrections")
    earlier_text = fields.TextField()
    reason = fields.TextField(help_text="Public: what the publisher corrected.")
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    corrected_at = models.DateTimeField(default=timezone.now)

    objects = ArticleCorrectionQuerySet.as_manager()

    class Meta:
        ordering = ["corrected_at", "id"]

    def __str__(self):
        return f"{self.article.slug}, {self.corrected_at:%Y-%m-%d}: {self.reason}"


class ProposalQuerySet(models.QuerySet):
    def open(self):
        return self.filter(decided_at__isnull=True)

    def awaiting_signoff_by(self, user):
        """Open proposals ``user`` may approve: everyone's but their own."""
        return self.open().exclude(proposed_by=user)

    def sent_back_to(self, user):
        """``user``'s proposals that were sent back, where no proposal for the
        claim has been made since (the claim still waits for them)."""
        later = Proposal.objects.filter(claim=OuterRef("claim"), pk__gt=OuterRef("pk"))
        return self.filter(proposed_by=user, decision=Proposal.Decision.SENT_BACK).exclude(
            Exists(later)
        )


class Proposal(models.Model):
    """A final status (a verdict, a resolution) that one reviewer proposes and
    another approves or sends back. Until approved it is the desk's alone: the
    claim, its timeline and its audit trail stay as they were."""

    class Decision(models.TextChoices):
        APPROVED = "approved", "Approved"
        SENT_BACK = "sent_back", "Sent back"
        WITHDRAWN = "withdrawn", "Withdrawn"

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="proposals")
    to_status = models.CharField(max_length=32, choices=ALL_STATUS_CHOICES)
    rationale = fields.TextField()
    summary = fields.TextField(blank=True)
    searched = fields.TextField(blank=True)
    resolved_early_because = fields.TextField(blank=True)
    next_review_on = models.DateField(null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    proposed_at = models.DateTimeField(default=timezone.now)
    # The claim's version the proposal was made at: once it moves, the
    # proposal no longer says what the approver would publish.
    claim_version = models.PositiveIntegerField()
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = fields.TextField(blank=True)
    status_change = models.OneToOneField(
        StatusChange, on_delete=models.PROTECT, null=True, blank=True, related_name="proposal"
    )

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["proposed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["claim"],
                condition=Q(decided_at__isnull=True),
                name="proposal_one_open_per_claim",
            ),
            models.CheckConstraint(
                condition=Q(decided_at__isnull=True, decision="")
                | (Q(decided_at__isnull=False) & ~Q(decision="")),
                name="proposal_decided_with_decision",
            ),
        ]

    def __str__(self):
        return f"{self.claim.slug}: {self.to_status} proposed by {self.proposed_by}"

    @property
    def to_info(self):
        return status_info(self.claim.kind, self.to_status)

    @property
    def is_open(self):
        return self.decided_at is None

    def stale_reason(self):
        """Why this proposal can no longer be approved as made, or "": the claim
        or its sources changed since it was made."""
        if self.claim.version != self.claim_version:
            return "The claim changed after this was proposed."
        changed_sources = Source.history.filter(
            claim_id=self.claim_id, history_date__gt=self.proposed_at
        )
        if changed_sources.exists():
            return "Its sources changed after this was proposed."
        changed_conditions = Condition.history.filter(
            id__in=self.claim.condition_links.values("condition_id"),
            history_date__gt=self.proposed_at,
        )
        if changed_conditions.exists():
            return "A condition it depends on changed after this was proposed."
        return ""


class ReviewerProfile(models.Model):
    """What the desk knows of a reviewer beyond their account."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reviewer_profile",
    )
    public_name = fields.CharField(
        max_length=100,
        blank=True,
        help_text="How public pages credit you for the verdicts you rate or approve.",
    )
    sends_reminders = models.BooleanField(
        "email me reminders",
        default=True,
        help_text="A daily digest of your claims that need you; off sends them to the desk.",
    )

    def __str__(self):
        return self.public_name or str(self.user)


def public_name(user):
    """How public pages credit ``user`` (None: nobody): their chosen public
    name, never the username; "the desk" without one or when the desk keeps its
    reviewers' names private."""
    if user is None:
        return None
    if not settings.FACTCHECK_PUBLIC_NAMES:
        return "the desk"
    profile = getattr(user, "reviewer_profile", None)
    return profile.public_name if profile and profile.public_name else "the desk"


def gets_reminders(user):
    """Whether mail for ``user`` goes to them: they have an address, and have
    not turned reminders off on their settings page (no profile yet: on)."""
    profile = getattr(user, "reviewer_profile", None)
    return bool(user.email) and (profile is None or profile.sends_reminders)


def with_related(rows, related):
    """``rows`` unordered, with the related rows named in ``related`` joined."""
    rows = rows.order_by()
    return rows.select_related(*related) if related else rows


# The people a public timeline credits with a change.
CREDITED = ("changed_by__reviewer_profile", "approved_by__reviewer_profile")

# What a claim's public record shows beside the claim: (relation, the
# attribute that holds its rows, unordered; the rows' related rows it shows).
PUBLIC_DETAIL = [
    ("status_changes", "public_changes", CREDITED),
    ("corrections", "public_corrections", ()),
    ("sources", "public_sources", ()),
    ("condition_links", "public_condition_links", ("condition",)),
]


class ReviewerNote(models.Model):
    """Internal working notes. Never shown on a public page or in an export."""

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = fields.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["claim", "created_at"], name="note_claim_idx")]

    def __str__(self):
        return f"Note by {self.author} on {self.created_at:%Y-%m-%d}"


# How long a digest leaves out what it mailed to the same address.
REMINDER_REPEATS_AFTER = datetime.timedelta(days=7)


class ReminderQuerySet(models.QuerySet):
    def this_week(self, today):
        """Reminders mailed in the 7 days up to ``today``: what a digest does
        not repeat (one mailed 7 days ago comes back)."""
        return self.filter(sent_on__gt=today - REMINDER_REPEATS_AFTER)


class ReminderReason(models.TextChoices):
    """Why a claim was in a digest, in the order a digest lists a claim's reasons."""

    AWAITS_SIGNOFF = "awaits_signoff", "Awaits sign-off"
    SENT_BACK = "sent_back", "Proposal sent back"
    OVERDUE = "overdue", "Past its resolve-by date"
    REVIEW_DUE = "review_due", "Next review due"
    CORRECTED = "corrected", "Published verdict corrected"


# The reasons that are about one proposal of the claim.
PROPOSAL_REASONS = [ReminderReason.AWAITS_SIGNOFF, ReminderReason.SENT_BACK]


class Reminder(models.Model):
    """One item of a reminder digest that the mail server took: which claim,
    why it was due, and to which address. Written by
    ``reminders.send_digests``; read back so an item reaches an address at
    most once a week."""

    Reason = ReminderReason

    # The owner's, the reviewer's or the desk's address as it was mailed.
    recipient = fields.CharField(max_length=254)
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="reminders")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    # For a proposal's reasons, which proposal: a new one is a new item.
    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # For a correction of a published verdict, which one (told to each editor once).
    correction = models.ForeignKey(
        "Correction", on_delete=models.CASCADE, null=True, blank=True, related_name="reminders"
    )
    # The digest's day, in TIME_ZONE.
    sent_on = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    objects = ReminderQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "recipient", "id"]
        # this_week(): every run reads the last 7 days' rows.
        indexes = [models.Index(fields=["sent_on", "recipient"], name="reminder_sent_on_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=PROPOSAL_REASONS, proposal__isnull=False)
                | (~Q(reason__in=PROPOSAL_REASONS) & Q(proposal__isnull=True)),
                name="reminder_proposal_with_its_reasons",
            ),
            models.CheckConstraint(
                condition=Q(reason=ReminderReason.CORRECTED, correction__isnull=False)
                | (~Q(reason=ReminderReason.CORRECTED) & Q(correction__isnull=True)),
                name="reminder_correction_with_its_reason",
            ),
        ]

    def __str__(self):
        return f"{self.claim.slug} to {self.recipient} on {self.sent_on:%Y-%m-%d}: {self.reason}"


class JobLeaseManager(models.Manager):
    @contextmanager
    def hold(self, name, *, stale_after):
        """True while this run holds job ``name``'s lease; False if another run
        holds it. A lease taken ``stale_after`` ago or more is a run that died:
        it is taken over."""
        started_at = timezone.now()
        try:
            with transaction.atomic():
                self.create(name=name, started_at=started_at)
            held = True
        except IntegrityError:
            # One conditional UPDATE: of two runs taking over, one matches.
            stale = self.filter(name=name, started_at__lte=started_at - stale_after)
            held = stale.update(started_at=started_at) == 1
        if not held:
            yield False
            return
        try:
            yield True
        finally:
            self.filter(name=name, started_at=started_at).delete()


class JobLease(models.Model):
    """A daily job now running (each app server may start the daily jobs):
    while its row is here, another run of it does nothing, unless the row is
    so old that the run holding it must have died (see ``hold``)."""

    name = fields.CharField(max_length=100, primary_key=True)
    started_at = models.DateTimeField()

    objects = JobLeaseManager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return f"{self.name}, since {self.started_at:%Y-%m-%d %H:%M}"


# --- What readers send the desk ---------------------------------------------------

# A reader's address is kept this long after their message is handled
# (purge_reader_addresses blanks it then): long enough to answer a follow-up.
READER_ADDRESS_KEPT_FOR = datetime.timedelta(days=90)
# Unambiguous letters and digits (no 0/O, 1/I/L) for a reference read aloud or retyped.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_LENGTH = 8


def new_reference():
    """A random reference such as R-7KQ2M9XA: it says nothing of how many
    messages came before, and cannot be guessed from another."""
    code = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))
    return f"R-{code}"


class ReaderMessageKind(models.TextChoices):
    REPORT = "report", "Error report"
    SUGGESTION = "suggestion", "Claim suggestion"


class ReaderMessageQuerySet(models.QuerySet):
    def unhandled(self):
        return self.filter(handled_at__isnull=True)

    def handled(self):
        return self.filter(handled_at__isnull=False)

    def matching(self, query):
        """Messages whose reference is ``query`` (in any case, "R-" optional), or
        whose text, reader's address or outcome holds each of its words, in any
        case (on SQLite, of ASCII letters only; accents always count)."""
        reference = "R-" + query.strip().upper().removeprefix("R-")
        every_word = Q()
        for word in query.split():
            every_word &= (
                Q(text__icontains=word) | Q(email__icontains=word) | Q(outcome__icontains=word)
            )
        return self.filter(Q(reference=reference) | every_word)

    def addresses_to_purge(self, now):
        """Messages handled over READER_ADDRESS_KEPT_FOR ago that still hold an address."""
        return self.filter(handled_at__lte=now - READER_ADDRESS_KEPT_FOR).exclude(email="")


class ReaderMessage(models.Model):
    """What a reader sent the desk: an error reported on a claim, or a claim
    suggested. The desk's business alone: never on a public page, feed or
    export."""

    Kind = ReaderMessageKind

    kind = models.CharField(max_length=20, choices=Kind.choices)
    # A report is about one claim; a suggestion about none yet.
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="reader_messages"
    )
    text = fields.TextField()
    # Where the suggested claim was made (suggestions only, optional).
    source_url = fields.URLField(
        "where it was said", max_length=2000, blank=True, validators=[validate_http_url]
    )
    # Optional, to answer the reader; blanked READER_ADDRESS_KEPT_FOR after handling.
    email = fields.EmailField("email address", blank=True)
    reference = fields.CharField(max_length=20, unique=True, default=new_reference)
    created_at = models.DateTimeField(default=timezone.now)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # What the desk did about it (required when handled).
    outcome = fields.TextField(blank=True)

    objects = ReaderMessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["handled_at", "created_at"], name="reader_message_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=ReaderMessageKind.REPORT, claim__isnull=False)
                | Q(kind=ReaderMessageKind.SUGGESTION, claim__isnull=True),
                name="reader_message_claim_with_its_kind",
            ),
            models.CheckConstraint(
                condition=Q(handled_at__isnull=True, handled_by__isnull=True, outcome="")
                | (Q(handled_at__isnull=False, handled_by__isnull=False) & ~Q(outcome="")),
                name="reader_message_handled_with_outcome",
            ),
            http_url_constraint("source_url", "reader_message_url_is_http", allow_blank=True),
        ]

    def __str__(self):
        return f"{self.reference}: {self.get_kind_display()}"

    @property
    def is_handled(self):
        return self.handled_at is not None


ABOUT = "about"
# Until an editor writes the about page, readers see this, saying so.
DEFAULT_ABOUT_TITLE = "About us"
DEFAULT_ABOUT_BODY = "\n\n".join(
    [
        "[To be edited: an editor replaces this text at /review/about/.]",
        "Who we are: the desk's editors and reviewers, named here, with what each does.",
        "Who funds us: every funder and the share of our budget they give, and that no "
        "funder has a say in what we check or how we rate it.",
        "How to reach us: report an error from any claim's page (“Report an error”), "
        "suggest a claim to check (“Suggest a claim”, at the foot of every page), "
        "or write to the desk's address, given here.",
    ]
)


class SitePageQuerySet(models.QuerySet):
    def about(self):
        """The about page; until an editor saves one, the default text (unsaved)."""
        return self.filter(slug=ABOUT).first() or SitePage(
            slug=ABOUT, title=DEFAULT_ABOUT_TITLE, body=DEFAULT_ABOUT_BODY
        )


class SitePage(models.Model):
    """A public page of plain text that editors write without a deploy (the
    about page): paragraphs split by blank lines, web addresses linked."""

    slug = models.SlugField(max_length=50, unique=True)
    title = fields.CharField(max_length=200)
    body = fields.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    objects = SitePageQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(f"factcheck:{self.slug}")
