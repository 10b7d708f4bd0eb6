"""The sitemaps: every public page, as an absolute URL on FACTCHECK_SITE_URL,
in sections that /sitemap.xml indexes.

Django's sitemap view would build the URLs on the Host the client sent (a
RequestSite, without the sites framework); the page cache would then serve
one client's Host to everyone. Each sitemap here names the site's own
protocol and domain instead.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse

from .models import Article, ArticleCorrection, Claim, Condition, Person


class SiteSitemap(Sitemap):
    """A sitemap whose URLs are on FACTCHECK_SITE_URL, read at each request."""

    @property
    def protocol(self):
        return urlsplit(settings.FACTCHECK_SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.FACTCHECK_SITE_URL).netloc


class RecordSitemap(SiteSitemap):
    """One record's pages: each changed last at the latest of ``dates``
    (fields or annotations of ``items()``)."""

    # Measured at 100,000 claims: a page of 10,000 URLs renders in about 2 s.
    limit = 10_000
    dates = ()

    def lastmod(self, record):
        return max(filter(None, (getattr(record, date) for date in self.dates)), default=None)

    def get_latest_lastmod(self):
        # For the index: one query, where Django's would load every record.
        latest = self.items().aggregate(*(Max(date) for date in self.dates))
        return max(filter(None, latest.values()), default=None)


class PageSitemap(SiteSitemap):
    """The pages that are not one record's: they change with every record."""

    def items(self):
        return ["home", "article_list", "claim_list", "person_list", "methodology"]

    def location(self, name):
        return reverse(f"factcheck:{name}")


def latest(rows, field):
    """The newest ``field`` of ``rows`` (which name an OuterRef), as a subquery:
    counting the outer rows (as the sitemap's paginator does) leaves it out."""
    return Subquery(rows.order_by(f"-{field}").values(field)[:1])


class ArticleSitemap(RecordSitemap):
    dates = ["published_at", "updated_at", "last_corrected_at", "last_claim_change_at"]

    def items(self):
        return (
            Article.objects.public()
            .only("slug", "published_at", "updated_at")
            .annotate(
                last_corrected_at=latest(
                    ArticleCorrection.objects.filter(article=OuterRef("pk")), "corrected_at"
                ),
                # The page shows each claim's status.
                last_claim_change_at=latest(
                    Claim.objects.filter(article=OuterRef("pk")), "public_updated_at"
                ),
            )
            .order_by("-published_on", "-id")
        )


class ClaimSitemap(RecordSitemap):
    dates = ["public_updated_at"]

    def items(self):
        return Claim.objects.public().only("slug", "public_updated_at").order_by("id")


class PersonSitemap(RecordSitemap):
    dates = ["updated_at", "last_claim_change_at"]

    def items(self):
        claims = Claim.objects.public().filter(speaker=OuterRef("pk"))
        return (
            Person.objects.public()
            .only("slug", "updated_at")
            .annotate(last_claim_change_at=latest(claims, "public_updated_at"))
            .order_by("name", "id")
        )


class ConditionSitemap(RecordSitemap):
    dates = ["updated_at", "last_claim_change_at"]

    def items(self):
        # The page shows each dependent claim's status.
        claims = Claim.objects.public().filter(condition_links__condition=OuterRef("pk"))
        return (
            Condition.objects.public()
            .only("slug", "updated_at")
            .annotate(last_claim_change_at=latest(claims, "public_updated_at"))
            .order_by("id")
        )


SITEMAPS = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "claims": ClaimSitemap,
    "speakers": PersonSitemap,
    "conditions": ConditionSitemap,
}
