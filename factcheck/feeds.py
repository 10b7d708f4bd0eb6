"""Atom feeds of status changes: across the site, and for one claim.

Every link is absolute on FACTCHECK_SITE_URL (syndication would otherwise
build them on the client's Host), and the reviewers' text goes out as HTML
built from escaped text: a feed reader shows markup typed into a rationale as
the text it is, never runs it.
"""

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks

from .models import Claim, StatusChange
from .publishing import absolute_url, public_timeline


def as_html(text):
    """Plain text as the HTML of an Atom summary: escaped, line breaks kept."""
    return linebreaks(text, autoescape=True)


class LatestStatusChangesFeed(Feed):
    feed_type = Atom1Feed
    title = "Latest status changes"
    subtitle = "Every change of a claim's or a prediction's status, newest first."

    def link(self):
        return absolute_url(reverse("factcheck:claim_list"))

    def feed_url(self):
        return absolute_url(reverse("factcheck:status_changes_feed"))

    def author_name(self):
        return settings.FACTCHECK_ORGANISATION

    def items(self):
        return StatusChange.objects.public().newest_first()[:50]

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


class ClaimChangesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return get_object_or_404(Claim.objects.public().with_public_detail(), slug=slug)

    def title(self, claim):
        return f"Changes to: {claim.statement}"

    def link(self, claim):
        return absolute_url(claim.get_absolute_url())

    def feed_url(self, claim):
        return absolute_url(reverse("factcheck:claim_feed", kwargs={"slug": claim.slug}))

    def author_name(self):
        return settings.FACTCHECK_ORGANISATION

    def items(self, claim):
        return list(reversed(public_timeline(claim)))

    def item_title(self, entry):
        if entry.change:
            return f"Status: {entry.change.from_info.label} → {entry.change.to_info.label}"
        return "Correction"

    def item_description(self, entry):
        return as_html(entry.change.rationale if entry.change else entry.correction.description)

    def item_link(self, entry):
        anchor = (
            f"change-{entry.change.pk}" if entry.change else f"correction-{entry.correction.pk}"
        )
        return absolute_url(f"{entry.row.claim.get_absolute_url()}#{anchor}")

    def item_guid(self, entry):
        return self.item_link(entry)

    def item_pubdate(self, entry):
        return entry.at

    def item_updateddate(self, entry):
        return entry.at
