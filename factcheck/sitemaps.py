"""The sitemap: every public page, as an absolute URL on FACTCHECK_SITE_URL.

Django's sitemap view would build the URLs on the Host the client sent (a
RequestSite, without the sites framework); the page cache would then serve
one client's Host to everyone. Each sitemap here names the site's own
protocol and domain instead.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import OuterRef, Subquery
from django.urls import reverse

from .models import Article, ArticleCorrection, Claim, Condition, Person


class SiteSitemap(Sitemap):
    """A sitemap whose URLs are on FACTCHECK_SITE_URL, read at each request."""

    @property
    def protocol(self):
        return urlsplit(settings.FACTCHECK_SITE_URL).scheme

    def get_domain(self, site=None):
        return urlsplit(settings.FACTCHECK_SITE_URL).netloc


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


class ArticleSitemap(SiteSitemap):
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

    def lastmod(self, article):
        dates = [
            article.published_at,
            article.updated_at,
            article.last_corrected_at,
            article.last_claim_change_at,
        ]
        return max(date for date in dates if date)


class ClaimSitemap(SiteSitemap):
    def items(self):
        return Claim.objects.public().only("slug", "public_updated_at").order_by("id")

    def lastmod(self, claim):
        return claim.public_updated_at


class PersonSitemap(SiteSitemap):
    def items(self):
        claims = Claim.objects.public().filter(speaker=OuterRef("pk"))
        return (
            Person.objects.public()
            .only("slug", "updated_at")
            .annotate(last_claim_change_at=latest(claims, "public_updated_at"))
            .order_by("name", "id")
        )

    def lastmod(self, person):
        return max(person.updated_at, person.last_claim_change_at)


class ConditionSitemap(SiteSitemap):
    def items(self):
        # The page shows each dependent claim's status.
        claims = Claim.objects.public().filter(condition_links__condition=OuterRef("pk"))
        return (
            Condition.objects.public()
            .only("slug", "updated_at")
            .annotate(last_claim_change_at=latest(claims, "public_updated_at"))
            .order_by("id")
        )

    def lastmod(self, condition):
        return max(condition.updated_at, condition.last_claim_change_at)


SITEMAPS = {
    "pages": PageSitemap,
    "articles": ArticleSitemap,
    "claims": ClaimSitemap,
    "speakers": PersonSitemap,
    "conditions": ConditionSitemap,
}
