"""Pages anyone can read. They carry nothing specific to the visitor (no CSRF
token, no user menu), so one cached copy (``caching.public_page``, applied in
the URLconf) serves everyone, and conditional requests get a 304 without a
query."""

import csv
import json
import re
from collections import Counter
from itertools import batched

from django.contrib.sitemaps import views as sitemaps_views
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views.decorators.http import require_safe

from ..as_of import (
    PARAMETER,
    article_on,
    claim_on,
    claims_as_they_stood,
    earlier_values,
    person_on,
    reads_as_of,
)
from ..forms import ClaimFilterForm
from ..middleware import allow_shared_caching
from ..models import (
    PREDICTION_FIELDS,
    PUBLIC_DETAIL,
    Article,
    Claim,
    Condition,
    Person,
    SitePage,
    StatusChange,
)
from ..publishing import (
    absolute_url,
    claim_record,
    claim_review,
    condition_links_in_order,
    corrections_log,
    highlighted_text,
    in_order,
    inert_json,
    json_ld_script,
    log_entries,
    paragraph_around,
    public_timeline,
    sources_by_stance,
    status_breakdown,
)
from ..sitemaps import SITEMAPS
from ..statuses import Certainty, Kind, record_rows, statuses_for
from . import is_fragment_request, vary_on_fragment_headers

CLAIMS_PER_PAGE = 20
HOME_ARTICLES = 20  # the newest; the others are in the archive
ARTICLES_PER_PAGE = 20
PEOPLE_PER_PAGE = 100
SITEMAP_PAGE = re.compile(r"[1-9][0-9]{0,5}")


def unpublished_response(request, article, claim=None):
    """None for an article readers may see. A draft is not there yet (404);
    one an editor took down is gone (410), and its pages say when and why."""
    if article.is_draft:
        raise Http404("No such page.")
    if article.is_public:
        return None
    context = {"article": article, "claim": claim}
    return render(request, "factcheck/unpublished.html", context, status=410)


# --- Home -----------------------------------------------------------------------


@require_safe
def home(request):
    articles = Article.objects.public().defer("text").order_by("-published_on", "title")
    latest_changes = StatusChange.objects.public().newest_first()[:10]
    return render(
        request,
        "factcheck/home.html",
        {
            "articles": with_breakdowns(list(articles[:HOME_ARTICLES])),
            "latest_changes": latest_changes,
            "today": timezone.localdate(),
        },
    )


def with_breakdowns(articles):
    """``articles``, each with its claim_count and the segments of its status
    chart (breakdown), counted in one query."""
    counts = Claim.objects.status_counts_by_article(articles)
    for article in articles:
        article.breakdown = status_breakdown(counts.get(article.pk, {}))
        article.claim_count = sum(counts.get(article.pk, {}).values())
    return articles


# --- Articles -------------------------------------------------------------------


@require_safe
def article_list(request):
    articles = Article.objects.public().defer("text").order_by("-published_on", "-id")
    page = Paginator(articles, ARTICLES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_breakdowns(list(page.object_list))
    return render(request, "factcheck/article_list.html", {"page": page})


@require_safe
@reads_as_of
def article_detail(request, slug, as_of=None):
    article = get_object_or_404(Article, slug=slug)
    if unavailable := unpublished_response(request, article):
        return unavailable
    if as_of is None:
        return render_article(request, article)
    then, claims, corrections, since = article_on(article, as_of)
    return render_article(
        request, then, claims=claims, corrections=corrections, as_of=as_of, tracked_since=since
    )


def render_article(request, article, *, claims=None, corrections=None, as_of=None, **context):
    """The article page (also the editors' preview of a draft); with ``as_of``,
    the page of a past day, from ``claims`` and ``corrections`` as they stood."""
    if claims is None:
        claims = list(article.claims.select_related("speaker"))
    today = as_of.day if as_of else timezone.localdate()
    return render(
        request,
        "factcheck/article_detail.html",
        {
            "article": article,
            "claims": claims,
            # A quote lost in a correction points into an earlier text.
            "highlighted_text": highlighted_text(
                article.text,
                [c for c in claims if c.is_anchored],
                today,
                on_day=as_of and as_of.day,
            ),
            "corrections": article.corrections.all() if corrections is None else corrections,
            "breakdown": status_breakdown(Counter(claim.status for claim in claims)),
            "earlier_titles": earlier_values(article, "title", as_of and as_of.cutoff),
            "today": today,
            "as_of": as_of,
            **context,
        },
    )


# --- Claim list -----------------------------------------------------------------


@require_safe
@vary_on_fragment_headers
@reads_as_of
def claim_list(request, as_of=None):
    form = ClaimFilterForm(request.GET, today=timezone.localdate(), as_of=as_of)
    form.is_valid()
    # The article's full text is not shown in a list: leave it out of every row.
    claims = form.filter(
        Claim.objects.public().select_related("article", "speaker").defer("article__text")
    )
    paginator = Paginator(claims, CLAIMS_PER_PAGE)
    if form.leaves_out_nothing():
        paginator.count = Claim.objects.public_count()  # the same number, counted faster
    page = paginator.get_page(request.GET.get("page"))
    # Only the filters go into the page links: the cached page is shared by
    # everyone whose filters match, whatever else their URL carried.
    query = form.query_string()
    if as_of:
        # The search matched today's text; each claim is shown as it stood.
        then = claims_as_they_stood([claim.pk for claim in page.object_list], as_of.cutoff)
        for claim in page.object_list:
            claim.status = claim.status_then
        page.object_list = [then.get(claim.pk, claim) for claim in page.object_list]
        query = "&".join(filter(None, [query, f"{PARAMETER}={as_of.day.isoformat()}"]))
    today = form.today
    template = "factcheck/claim_list.html"
    if is_fragment_request(request):
        template += "#claim-results"
    return render(
        request,
        template,
        {"form": form, "page": page, "query": query, "today": today, "as_of": as_of},
    )


# --- Claim page -----------------------------------------------------------------


@require_safe
@reads_as_of
def claim_detail(request, slug, as_of=None):
    claim = get_object_or_404(Claim.objects.select_related("article", "speaker"), slug=slug)
    if unavailable := unpublished_response(request, claim.article, claim):
        return unavailable
    claim.fetch_public_detail()
    today, since = timezone.localdate(), None
    if as_of:
        claim, since = claim_on(claim, as_of)
        today = as_of.day
    # An orphaned quote is shown in the text it was taken from.
    before, quote, after = paragraph_around(claim.quoted_text, claim.quote_start, claim.quote_end)
    timeline = public_timeline(claim)
    # ClaimReview is today's verdict, for search engines: never a past day's.
    review = None if as_of else claim_review(claim)
    changes = [entry.change for entry in timeline if entry.change]
    last_change = changes[-1] if changes else None
    previous_final = None
    if not claim.status_info.is_final:
        previous_final = next((c for c in reversed(changes) if c.to_info.is_final), None)
    return render(
        request,
        "factcheck/claim_detail.html",
        {
            "claim": claim,
            # For the page's title and its og:title: truncated once.
            "headline": Truncator(claim.statement).chars(80),
            "paragraph": {"before": before, "quote": quote, "after": after},
            "timeline": timeline,
            "last_change": last_change,
            "previous_final": previous_final,
            # Proposals are the desk's until approved: a past day's page shows none.
            "under_review": not as_of and claim.proposals.open().exists(),
            "source_groups": sources_by_stance(in_order(claim.public_sources, "added_at")),
            "resolve_by_state": claim.resolve_by_state(today),
            # The page's day: the timeline links each earlier day's entries to that day's page.
            "today": today,
            "json_ld": json_ld_script(review) if review else "",
            "as_of": as_of,
            # A day before it was public: its page shows only what was said.
            "tracked_since": since,
            "condition_links": condition_links_in_order(claim),
        },
    )


# --- Conditions -----------------------------------------------------------------


@require_safe
def condition_detail(request, slug):
    """A tracked condition: its status, why, its sources, and the predictions
    that hang on it. Not there (404) until a claim readers may see links it."""
    condition = get_object_or_404(Condition.objects.public(), slug=slug)
    links = condition.links.public().select_related("claim__article", "claim__speaker")
    return render(
        request,
        "factcheck/condition_detail.html",
        {
            "condition": condition,
            "links": links.order_by("claim__article__published_on", "claim__quote_start"),
            "sources": condition.sources.all(),
            "today": timezone.localdate(),
            "as_of": None,  # today's page, so its claims link to theirs
        },
    )


# --- Speakers -------------------------------------------------------------------


@require_safe
def person_list(request):
    people = Person.objects.public().with_claim_count().order_by("name", "id")
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "factcheck/person_list.html", {"page": page})


@require_safe
@reads_as_of
def person_detail(request, slug, as_of=None):
    person = get_object_or_404(Person.objects.public(), slug=slug)
    today, since = timezone.localdate(), None
    earlier_names = earlier_values(person, "name", as_of and as_of.cutoff)
    if as_of:
        (person, claims, since), today = person_on(person, as_of), as_of.day
    else:
        claims = list(
            person.claims.public()
            .select_related("article")
            .order_by("-article__published_on", "quote_start")
        )
    return render(
        request,
        "factcheck/person_detail.html",
        {
            "person": person,
            "claims": claims,
            "fact_record": track_record(claims, Kind.FACT),
            "prediction_record": track_record(claims, Kind.PREDICTION),
            "has_facts": any(c.kind == Kind.FACT for c in claims),
            "has_predictions": any(c.kind == Kind.PREDICTION for c in claims),
            "today": today,
            "earlier_names": earlier_names,
            "as_of": as_of,
            "tracked_since": since,
        },
    )


def track_record(claims, kind):
    """[(row, claims it counts)] of ``claims`` of ``kind``: every final row,
    zeros too (a record shows its misses), and the open statuses some hold."""
    counts = Counter(claim.status for claim in claims if claim.kind == kind)
    rows = [(row, sum(counts[status] for status in row.statuses)) for row in record_rows(kind)]
    return [(row, count) for row, count in rows if count or row.is_final]


# --- Methodology ----------------------------------------------------------------


CORRECTIONS_PER_PAGE = 50


@require_safe
def corrections(request):
    """Every public correction site-wide, newest first: of verdicts, of what
    defines a claim, of articles' texts."""
    page = Paginator(corrections_log(), CORRECTIONS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = log_entries(page.object_list)
    return render(request, "factcheck/corrections.html", {"page": page})


@require_safe
def methodology(request):
    return render(
        request,
        "factcheck/methodology.html",
        {
            "fact_statuses": statuses_for(Kind.FACT),
            "prediction_statuses": statuses_for(Kind.PREDICTION),
            "certainties": Certainty,
        },
    )


@require_safe
def about(request):
    """Who the desk is, who funds it, how to reach it: as an editor wrote it."""
    return render(request, "factcheck/site_page.html", {"page": SitePage.objects.about()})


# --- For crawlers and browsers --------------------------------------------------


@require_safe
@sitemaps_views.x_robots_tag
def sitemap_index(request):
    """Each section's sitemap, and each further page of one past its limit,
    as Django's index view lists them, but on the site's own address (that
    view names the Host the client sent)."""
    entries = []
    for section, sitemap_class in SITEMAPS.items():
        sitemap = sitemap_class()
        location = absolute_url(reverse("factcheck:sitemap_section", args=[section]))
        lastmod = sitemap.get_latest_lastmod()
        pages = [location, *(f"{location}?p={n}" for n in sitemap.paginator.page_range[1:])]
        entries += [sitemaps_views.SitemapIndexItem(page, lastmod) for page in pages]
    return render(
        request, "sitemap_index.xml", {"sitemaps": entries}, content_type="application/xml"
    )


@require_safe
def sitemap_section(request, section):
    # Pages as the index writes them: "01" or "+1" would each be a page of
    # 10,000 URLs rendered and kept in the page cache again.
    if not SITEMAP_PAGE.fullmatch(request.GET.get("p", "1")):
        raise Http404("No such page of this sitemap.")
    # Rendered here, so the page cache can keep it like any page.
    return sitemaps_views.sitemap(request, SITEMAPS, section).render()


# Never crawled: the desk's pages, the site as it stood on a day (once there),
# and the exports: the whole record, once for every filter the list links to.
ROBOTS_DISALLOWED = ["/review/", "/admin/", "/accounts/", "/*?as_of=", "/*&as_of=", "/exports/"]


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        *(f"Disallow: {path}" for path in ROBOTS_DISALLOWED),
        "Allow: /",
        "",
        f"Sitemap: {absolute_url(reverse('factcheck:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@require_safe
def favicon(request):
    """Browsers and crawlers ask for /favicon.ico whatever the pages' <link rel="icon"> say."""
    response = redirect(static("factcheck/favicon.ico"))
    # The same for everyone: a shared cache may keep it as it keeps pages.
    allow_shared_caching(response)
    return response


# --- Exports --------------------------------------------------------------------
# Streamed, a chunk of claims at a time, and never through the page cache: the
# whole export at 100,000 claims is hundreds of megabytes.

# Claims per query (and per piece of the body): few queries, flat memory.
EXPORT_CHUNK = 500


def exported_claims(request):
    """The claims the list shows for the same filters, in its order, in chunks."""
    form = ClaimFilterForm(request.GET)
    # The article's text is not in the export, and would be read once per claim.
    claims = form.filter(Claim.objects.public().with_public_detail().defer("article__text"))
    # iterator() prefetches the related rows of each chunk_size claims in turn.
    for chunk in batched(claims.iterator(chunk_size=EXPORT_CHUNK), EXPORT_CHUNK):
        yield chunk
        # Each prefetched row points back at its claim. Unlinked, a chunk is freed
        # at once, not at the garbage collector's next full pass, tens of MB later.
        for claim in chunk:
            for _, attribute, _ in PUBLIC_DETAIL:
                delattr(claim, attribute)


def export_response(request, body, *, content_type, disposition):
    # The server would run a HEAD's body only to drop it.
    response = StreamingHttpResponse(
        () if request.method == "HEAD" else body, content_type=content_type
    )
    response["Content-Disposition"] = disposition
    # Too large for the page cache, but a shared cache in front may keep it.
    allow_shared_caching(response)
    return response


def json_document(chunks):
    """{"generated_at": …, "claims": […]} as json.dumps(indent=1) writes it, a
    chunk of claims at a time."""
    generated_at = json.dumps(timezone.now().isoformat())
    head = f'{{\n "generated_at": {generated_at},\n "claims": ['
    separator = "\n"
    for chunk in chunks:
        records = separator + ",\n".join(
            json.dumps(claim_record(claim), ensure_ascii=False, indent=1) for claim in chunk
        )
        # Two levels down in the document. A JSON string holds no raw newline,
        # so this indents lines and changes no value.
        yield head + inert_json(records.replace("\n", "\n  "))
        head, separator = "", ",\n"
    yield head + ("]\n}" if head else "\n ]\n}")


@require_safe
def export_json(request):
    return export_response(
        request,
        json_document(exported_claims(request)),
        content_type="application/json",
        disposition='inline; filename="claims.json"',
    )


CSV_COLUMNS = [
    "url",
    "slug",
    "kind",
    "statement",
    "quote",
    "speaker",
    "article_title",
    "article_publisher",
    "article_published_on",
    "status",
    "status_label",
    "summary",
    *PREDICTION_FIELDS,
    "sources",
    "source_urls",
    "status_changes",
    "last_status_change_at",
    "last_changed_at",
]


def spreadsheet_safe(value):
    """Text that a spreadsheet would run as a formula is quoted to stay text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_row(claim):
    record = claim_record(claim)
    changes = [entry["at"] for entry in record["timeline"] if entry["type"] == "status_change"]
    return {
        **{name: spreadsheet_safe(record.get(name, "")) for name in CSV_COLUMNS},
        "speaker": spreadsheet_safe(record["speaker"] or ""),
        "article_title": spreadsheet_safe(record["article"]["title"]),
        "article_publisher": spreadsheet_safe(record["article"]["publisher"]),
        "article_published_on": record["article"]["published_on"],
        "resolve_by": record.get("resolve_by") or "",
        "sources": len(record["sources"]),
        # A URL holds no space, and a space keeps each claim on one line.
        "source_urls": spreadsheet_safe(" ".join(source["url"] for source in record["sources"])),
        "status_changes": len(changes),
        "last_status_change_at": changes[-1] if changes else "",
        "last_changed_at": record["updated_at"],
    }


class LineWriter:
    """A file for csv.writer whose write() hands the line back, to be streamed."""

    def write(self, line):
        return line


def csv_document(chunks):
    writer = csv.DictWriter(LineWriter(), fieldnames=CSV_COLUMNS)
    head = writer.writeheader()
    for chunk in chunks:
        yield head + "".join(writer.writerow(csv_row(claim)) for claim in chunk)
        head = ""
    if head:  # no claim matched
        yield head


@require_safe
def export_csv(request):
    return export_response(
        request,
        csv_document(exported_claims(request)),
        content_type="text/csv; charset=utf-8",
        disposition='attachment; filename="claims.csv"',
    )
