"""Atom feeds of status changes: across the site, of a speaker's claims, of
an article's claims, and of one claim (with its corrections).

Every link is absolute on FACTCHECK_SITE_URL (syndication would otherwise
build them on the client's Host), and the reviewers' text goes out as HTML
built from escaped text: a feed reader shows markup typed into a rationale as
the text it is, never runs it.
"""

import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks

from .models import Article, Claim, Person, StatusChange
from .publishing import (
    absolute_url,
    corrections_log,
    latest_changes,
    log_entries,
    public_timeline,
)


def as_html(text):
    """Plain text as the HTML of an Atom summary: escaped, line breaks kept."""
    return linebreaks(text, autoescape=True)


# Entries in a feed of status changes: the newest.
FEED_LENGTH = 50


class AtomFeed(Atom1Feed):
    # Django dates a feed with no entries at the moment it is rendered, so each
    # app-server process would serve its own copy (and ETag) of the same feed.
    NO_ENTRIES_DATE = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)

    def latest_post_date(self):
        return super().latest_post_date() if self.items else self.NO_ENTRIES_DATE


class SiteFeed(Feed):
    """What every feed of the site shares: Atom, by the organisation."""

    feed_type = AtomFeed

    def author_name(self):
        return settings.FACTCHECK_ORGANISATION


class StatusChangesFeed(SiteFeed):
    """A feed of status changes, an entry each, newest first: ``changes``
    picks them (of the public claims only)."""

    def changes(self, **claims):
        return StatusChange.objects.public().filter(**claims).newest_first()[:FEED_LENGTH]

    def item_title(self, change):
        return f"{change.to_info.label}: {change.claim.statement}"

    def item_description(self, change):
        return as_html(f"{change.from_info.label} → {change.to_info.label}. {change.rationale}")

    def item_link(self, change):
        return absolute_url(f"{change.claim.get_absolute_url()}#change-{change.pk}")

    def item_pubdate(self, change):
        return change.changed_at

    def item_updateddate(self, change):
        return change.changed_at


class EntriesFeed(SiteFeed):
    """A feed of timeline entries (publishing.TimelineEntry): status changes,
    corrections, article text corrections, each as readers see it. Each
    entry's link, an anchor on its page, is its id too."""

    def item_title(self, entry):
        if entry.change:
            return f"{entry.change.to_info.label}: {entry.change.claim.statement}"
        if entry.correction:
            return f"Correction: {entry.correction.claim.statement}"
        return f"Text corrected: {entry.article_correction.article.title}"

    def item_description(self, entry):
        if entry.change:
            change = entry.change
            return as_html(f"{change.from_info.label} → {change.to_info.label}. {change.rationale}")
        if entry.correction:
            return as_html(correction_text(entry.correction))
        return as_html(f"The publisher corrected the article's text: {entry.row.reason}")

    def item_link(self, entry):
        return absolute_url(entry.url)

    def item_pubdate(self, entry):
        return entry.at

    def item_updateddate(self, entry):
        return entry.at


def correction_text(correction):
    """A correction in words: what changed, before and after, and why."""
    lines = [correction.description]
    if correction.earlier or correction.later:
        lines += [
            f"Before: {correction.earlier or '(blank)'}",
            f"After: {correction.later or '(blank)'}",
        ]
    if correction.reason:
        lines.append(f"Why: {correction.reason}")
    return "\n\n".join(lines)


class LatestStatusChangesFeed(EntriesFeed):
    title = "Latest changes"
    subtitle = (
        "Every change of a claim's status, every correction and every change to what "
        "defines a claim, newest first."
    )

    def link(self):
        return absolute_url(reverse("factcheck:claim_list"))

    def feed_url(self):
        return absolute_url(reverse("factcheck:status_changes_feed"))

    def items(self):
        return latest_changes(FEED_LENGTH)


class CorrectionsFeed(EntriesFeed):
    title = "Corrections"
    subtitle = (
        "Every correction of a published verdict, change to what defines a claim, and "
        "correction of an article's text, newest first."
    )

    def link(self):
        return absolute_url(reverse("factcheck:corrections"))

    def feed_url(self):
        return absolute_url(reverse("factcheck:corrections_feed"))

    def items(self):
        return log_entries(corrections_log(FEED_LENGTH))


class RecordChangesFeed(StatusChangesFeed):
    """The status changes of one record's public claims: ``records()`` are the
    ones readers may see (any other slug is a 404), ``claims_of`` the claim's
    field that names the record, ``url_name`` the feed's own."""

    claims_of = None
    url_name = None

    def records(self):
        raise NotImplementedError

    def get_object(self, request, slug):
        return get_object_or_404(self.records(), slug=slug)

    def link(self, record):
        return absolute_url(record.get_absolute_url())

    def feed_url(self, record):
        return absolute_url(reverse(self.url_name, kwargs={"slug": record.slug}))

    def items(self, record):
        return self.changes(**{self.claims_of: record})


class PersonChangesFeed(RecordChangesFeed):
    claims_of = "claim__speaker"
    url_name = "factcheck:person_feed"

    def records(self):
        return Person.objects.public()

    def title(self, person):
        return f"Status changes: {person.name}"

    def subtitle(self, person):
        return (
            f"Every change of the status of a claim or prediction by {person.name}, newest first."
        )


class ArticleChangesFeed(RecordChangesFeed):
    claims_of = "claim__article"
    url_name = "factcheck:article_feed"

    def records(self):
        # A draft or a taken-down article has no feed, as its claims have none.
        return Article.objects.public().defer("text")

    def title(self, article):
        return f"Status changes: {article.title}"

    def subtitle(self, article):
        return (
            f"Every change of the status of a claim or prediction in “{article.title}” "
            f"({article.publisher}), newest first."
        )


class ClaimChangesFeed(EntriesFeed):
    """A claim's timeline: its status changes and corrections."""

    def get_object(self, request, slug):
        return get_object_or_404(Claim.objects.public().with_public_detail(), slug=slug)

    def title(self, claim):
        return f"Changes to: {claim.statement}"

    def link(self, claim):
        return absolute_url(claim.get_absolute_url())

    def feed_url(self, claim):
        return absolute_url(reverse("factcheck:claim_feed", kwargs={"slug": claim.slug}))

    def items(self, claim):
        return list(reversed(public_timeline(claim)))

    def item_title(self, entry):
        if entry.change:
            return f"Status: {entry.change.from_info.label} → {entry.change.to_info.label}"
        return "Correction"

    def item_description(self, entry):
        if entry.change:
            return as_html(entry.change.rationale)
        return super().item_description(entry)
