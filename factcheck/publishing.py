"""What the public sees of claims, in forms other than a page: the article text
with its highlights, per-status summaries, the merged timeline, ClaimReview
JSON-LD and export records. Nothing here reads reviewer notes."""

import json
import re
from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from .as_of import dated_url
from .models import ArticleCorrection, Correction, Stance, StatusChange
from .statuses import STATUS_TABLE, Kind


@dataclass(frozen=True)
class StatusCount:
    info: object
    count: int
    # Position and width of its bar segment, in percent of the chart's width.
    offset: float
    width: float


def status_breakdown(counts):
    """Turn {status: count} into chart segments, in the table's order.

    Facts and predictions share "unreviewed", which is drawn once.
    """
    total = sum(counts.values())
    segments, offset, seen = [], 0.0, set()
    for (_, value), info in STATUS_TABLE.items():
        count = counts.get(value, 0)
        if not count or value in seen:
            continue
        seen.add(value)
        width = 100 * count / total
        segments.append(StatusCount(info, count, round(offset, 3), round(width, 3)))
        offset += width
    return segments


# A paragraph runs from its first visible character to a blank line
# (models.PARAGRAPH_BREAK, which no quote crosses). A paragraph of one short
# line that does not end as a sentence does (nor in a closing quote or
# bracket) is a subheading.
PARAGRAPH = re.compile(r"\S(?:[^\n]|\n(?![ \t]*\n))*")
SUBHEADING_MAX_LENGTH = 100
CLOSING_PUNCTUATION = ".!?…:;,\"'”’)]"


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    tag: str  # "p", or "h2" for a subheading


def text_blocks(text):
    """The paragraphs and subheadings of ``text``, as offsets into it."""
    blocks = []
    for match in PARAGRAPH.finditer(text):
        paragraph = match.group().rstrip()
        subheading = (
            "\n" not in paragraph
            and len(paragraph) <= SUBHEADING_MAX_LENGTH
            and paragraph[-1] not in CLOSING_PUNCTUATION
        )
        end = match.start() + len(paragraph)
        blocks.append(Block(match.start(), end, "h2" if subheading else "p"))
    return blocks


def highlighted_text(text, claims, today, *, on_day=None):
    """The article text as HTML paragraphs and subheadings, each claim's quote
    highlighted once at its offsets, with exactly one link to the claim (its
    page as of ``on_day``, if given), and a prediction that falls due
    ``today`` or is overdue flagged so.

    A quote that lies inside another is nested within it; a quote that only
    partly overlaps an earlier one, or runs across paragraphs, cannot be nested
    and is left to the claim list.
    """
    ordered = sorted(claims, key=lambda claim: (claim.quote_start, -claim.quote_end))
    parts = []
    for block in text_blocks(text):
        inside = [c for c in ordered if block.start <= c.quote_start and c.quote_end <= block.end]
        body = _highlight(text, inside, block.start, block.end, today, on_day)
        parts.append(format_html("<{tag}>{}</{tag}>", mark_safe(body), tag=block.tag))
    return mark_safe("\n".join(parts))


def _plain(text):
    # Line breaks inside a paragraph are the text's own.
    return format_html("{}", text).replace("\n", "<br>\n")


def _highlight(text, claims, start, end, today, on_day):
    parts, position, index = [], start, 0
    while index < len(claims):
        claim = claims[index]
        inner, index = [], index + 1
        while index < len(claims) and claims[index].quote_start < claim.quote_end:
            if claims[index].quote_end <= claim.quote_end:
                inner.append(claims[index])
            index += 1
        parts.append(_plain(text[position : claim.quote_start]))
        body = mark_safe(_highlight(text, inner, claim.quote_start, claim.quote_end, today, on_day))
        info, url = claim.status_info, dated_url(claim.get_absolute_url(), on_day)
        flag = due_flag(claim, today)
        if inner:
            # A link cannot hold another: the inner quotes keep theirs, and this
            # claim's one link is its status tag, named with its statement.
            body = format_html(
                '{} <a class="status-tag tone-{}" href="{}">{}'
                '<span class="visually-hidden">: {}</span></a>{}',
                body,
                info.tone,
                url,
                info.label,
                claim.statement,
                flag,
            )
        else:
            body = format_html(
                '<a href="{}">{} <span class="status-tag tone-{}">{}</span></a>{}',
                url,
                body,
                info.tone,
                info.label,
                flag,
            )
        parts.append(
            format_html(
                '<mark class="claim-highlight tone-{}" id="quote-{}">{}</mark>',
                info.tone,
                claim.slug,
                body,
            )
        )
        position = claim.quote_end
    parts.append(_plain(text[position:end]))
    return "".join(parts)


def due_flag(claim, today):
    """A space and the flag of a prediction that falls due ``today`` or is
    overdue (``Claim.resolve_by_state``), as lists and highlights show it; or ""."""
    if state := claim.resolve_by_state(today):
        return format_html(' <span class="due-flag">{}</span>', state)
    return ""


def paragraph_around(text, start, end):
    """The paragraph holding text[start:end], as (before, quote, after)."""
    paragraph_start = text.rfind("\n", 0, start) + 1
    paragraph_end = text.find("\n", end)
    if paragraph_end == -1:
        paragraph_end = len(text)
    return text[paragraph_start:start], text[start:end], text[end:paragraph_end]


@dataclass(frozen=True)
class TimelineEntry:
    at: object
    change: object = None  # a StatusChange
    correction: object = None  # a Correction
    article_correction: object = None  # an ArticleCorrection (site-wide logs only)

    @property
    def row(self):
        return self.change or self.correction or self.article_correction

    @property
    def day(self):
        """The site's day it happened on (in TIME_ZONE)."""
        return timezone.localtime(self.at, timezone.get_default_timezone()).date()

    @property
    def url(self):
        """Where the entry stands on its public page."""
        if self.article_correction:
            article = self.article_correction.article
            return f"{article.get_absolute_url()}#text-correction-{self.article_correction.pk}"
        anchor = f"change-{self.change.pk}" if self.change else f"correction-{self.correction.pk}"
        return f"{self.row.claim.get_absolute_url()}#{anchor}"


def absolute_url(path):
    """A site path as an absolute URL, on FACTCHECK_SITE_URL: never on the Host
    the client sent, which is the client's to choose."""
    return settings.FACTCHECK_SITE_URL + path


def public_timeline(claim):
    """Status changes and corrections, oldest first (from the rows that
    ``with_public_detail`` fetched)."""
    entries = [TimelineEntry(c.changed_at, change=c) for c in claim.public_changes]
    entries += [TimelineEntry(c.made_at, correction=c) for c in claim.public_corrections]
    # One sort, whatever order the rows came in: on a tie, a change before a
    # correction, then the older row first.
    return sorted(entries, key=lambda e: (e.at, e.correction is not None, e.row.pk))


def in_order(rows, date_field):
    """A claim's related rows oldest first, however they were fetched."""
    return sorted(rows, key=lambda row: (getattr(row, date_field), row.pk))


def verdict_dates(claim):
    """When the claim's review was first published and last changed (or None)."""
    changes = in_order(claim.public_changes, "changed_at")
    verdicts = [c for c in changes if STATUS_TABLE[(claim.kind, c.to_status)].has_verdict]
    if not verdicts:
        return None, None
    modified = max([changes[-1].changed_at, *(c.made_at for c in claim.public_corrections)])
    return verdicts[0].changed_at, modified


def claim_review(claim):
    """schema.org ClaimReview for a claim with a verdict, else None."""
    info = claim.status_info
    if not info.has_verdict:
        return None
    published, modified = verdict_dates(claim)
    article = claim.article
    if claim.speaker:
        author = {"@type": "Person", "name": claim.speaker.name}
        if claim.speaker.description:
            author["description"] = claim.speaker.description
        author["url"] = absolute_url(claim.speaker.get_absolute_url())
    else:
        author = {"@type": "Organization", "name": article.publisher}
    return {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": absolute_url(claim.get_absolute_url()),
        "claimReviewed": claim.statement,
        "datePublished": published.date().isoformat(),
        "dateModified": modified.isoformat(),
        "author": {
            "@type": "Organization",
            "name": settings.FACTCHECK_ORGANISATION,
            "url": absolute_url(reverse("factcheck:home")),
        },
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": info.rating,
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": info.label,
        },
        "itemReviewed": {
            "@type": "Claim",
            "author": author,
            "datePublished": article.published_on.isoformat(),
            "appearance": {
                "@type": "NewsArticle" if article.url else "CreativeWork",
                "url": article.url or absolute_url(article.get_absolute_url()),
                "headline": article.title,
                "datePublished": article.published_on.isoformat(),
                "publisher": {"@type": "Organization", "name": article.publisher},
            },
        },
    }


def json_ld_script(data):
    """A <script type="application/ld+json"> block; data, not code, so the CSP allows it."""
    payload = inert_json(json.dumps(data, ensure_ascii=False, sort_keys=False))
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(payload))


def inert_json(text):
    """JSON text with <, > and & escaped, as Django's json_script does: the same
    values to any JSON reader, but nothing that HTML (a </script>, a tag) could
    read as markup."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def condition_links_in_order(claim):
    """The claim's tracked conditions (from the rows ``with_public_detail``
    fetched), soonest to resolve first."""
    return sorted(
        claim.public_condition_links, key=lambda link: (link.condition.resolve_by, link.pk)
    )


def claim_record(claim):
    """The export record of one claim (its timeline and current sources included)."""
    info = claim.status_info
    record = {
        "url": absolute_url(claim.get_absolute_url()),
        "slug": claim.slug,
        "kind": claim.kind,
        "statement": claim.statement,
        "quote": claim.quote,
        "quote_start": claim.quote_start,
        "quote_end": claim.quote_end,
        "speaker": claim.speaker.name if claim.speaker else None,
        "article": {
            "title": claim.article.title,
            "publisher": claim.article.publisher,
            "published_on": claim.article.published_on.isoformat(),
            "url": claim.article.url or absolute_url(claim.article.get_absolute_url()),
        },
        "status": claim.status,
        "status_label": info.label,
        "is_final": info.is_final,
        "summary": claim.summary,
        "updated_at": claim.public_updated_at.isoformat(),
    }
    if claim.kind == Kind.PREDICTION:
        record.update(
            certainty=claim.certainty,
            condition=claim.condition,
            resolution_criteria=claim.resolution_criteria,
            resolve_by=claim.resolve_by.isoformat() if claim.resolve_by else None,
            conditions=[
                {
                    "url": absolute_url(link.condition.get_absolute_url()),
                    "statement": link.condition.statement,
                    "holds_if": link.polarity,
                    "status": link.condition.status,
                    "resolved_at": link.condition.resolved_at.isoformat()
                    if link.condition.resolved_at
                    else None,
                }
                for link in condition_links_in_order(claim)
            ],
        )
    record["timeline"] = [_timeline_record(claim, entry) for entry in public_timeline(claim)]
    record["sources"] = [
        {
            "url": source.url,
            "archived_url": source.archived_url,
            "title": source.title,
            "publisher": source.publisher,
            "published_on": source.published_on.isoformat() if source.published_on else None,
            "stance": source.stance,
            "note": source.note,
        }
        for source in in_order(claim.public_sources, "added_at")
        if not source.is_removed
    ]
    review = claim_review(claim)
    if review:
        record["claim_review"] = review
    return record


def _timeline_record(claim, entry):
    if entry.change:
        return {
            "type": "status_change",
            "at": entry.at.isoformat(),
            "from": entry.change.from_status,
            "to": entry.change.to_status,
            "rationale": entry.change.rationale,
        }
    return {
        "type": "correction",
        "at": entry.at.isoformat(),
        "description": entry.correction.description,
    }


def sources_by_stance(sources):
    """Current sources grouped as [(Stance, [sources])], in the stance order."""
    groups = {stance: [] for stance in Stance}
    for source in sources:
        if not source.is_removed:
            groups[Stance(source.stance)].append(source)
    return [(stance, items) for stance, items in groups.items() if items]


def corrections_log(limit=None):
    """Every public correction site-wide (or the newest ``limit``), newest
    first, as (date, kind, pk): the claims' corrections and changes of what
    defines them, and the articles' text corrections. Light rows, so a page
    of them is loaded with ``log_entries``."""
    claims = Correction.objects.public().order_by("-made_at", "-pk")
    articles = ArticleCorrection.objects.public().order_by("-corrected_at", "-pk")
    rows = [(at, "correction", pk) for at, pk in claims.values_list("made_at", "pk")[:limit]]
    rows += [
        (at, "article_correction", pk)
        for at, pk in articles.values_list("corrected_at", "pk")[:limit]
    ]
    return sorted(rows, reverse=True)[:limit]


def log_entries(rows):
    """TimelineEntry objects for ``rows`` of corrections_log, in their order."""
    wanted = {"correction": [], "article_correction": []}
    for _, kind, pk in rows:
        wanted[kind].append(pk)
    found = {
        ("correction", row.pk): row
        for row in Correction.objects.select_related("claim").filter(pk__in=wanted["correction"])
    }
    found |= {
        ("article_correction", row.pk): row
        for row in ArticleCorrection.objects.select_related("article")
        .defer("earlier_text", "article__text")
        .filter(pk__in=wanted["article_correction"])
    }
    return [TimelineEntry(at, **{kind: found[(kind, pk)]}) for at, kind, pk in rows]


def latest_changes(limit):
    """The site's latest public changes of every kind, newest first: status
    changes, corrections, article text corrections."""
    changes = StatusChange.objects.public().newest_first()[:limit]
    entries = [TimelineEntry(change.changed_at, change=change) for change in changes]
    entries += log_entries(corrections_log(limit))
    return sorted(entries, key=lambda entry: entry.at, reverse=True)[:limit]
