"""The public record as it stood at the end of a past day: ``?as_of=YYYY-MM-DD``
on the claim, article and speaker pages and the claim list.

A claim's status then is read from its public timeline (approved changes only:
a proposal never touches it); everything else a page shows is read from the
audit trail (django-simple-history) of the claim, its sources, its article and
its speaker, which holds every write, where the timeline's corrections hold
only the changes made once the article was public, as text. A day ends at
midnight in TIME_ZONE, the site's day.
"""

import datetime
import functools
import re
from collections import defaultdict
from dataclasses import dataclass

from django.http import HttpResponseRedirect
from django.utils import timezone

from .models import Article, Claim, ClaimCondition, Condition, Person, Source, StatusChange
from .views.errors import bad_request

PARAMETER = "as_of"
# Exactly as the links write it: date.fromisoformat alone would also take 20240531.
DAY_FORMAT = re.compile(r"\d{4}-\d{2}-\d{2}")


def site_today():
    return timezone.localdate(timezone=timezone.get_default_timezone())


def end_of(day):
    """The first moment after ``day``, in TIME_ZONE: what happened before it is the day's record."""
    midnight = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time())
    return timezone.make_aware(midnight, timezone.get_default_timezone())


def dated_url(url, day):
    """``url`` as of ``day`` (a date, or a datetime read in TIME_ZONE): the page
    itself for today or later, or when ``day`` is empty."""
    if not day:
        return url
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day, timezone.get_default_timezone()).date()
    return url if day >= site_today() else f"{url}?{PARAMETER}={day.isoformat()}"


@dataclass(frozen=True)
class AsOf:
    """A past day a page shows the record of, and where that page is today."""

    day: datetime.date
    today_url: str

    @property
    def cutoff(self):
        return end_of(self.day)


def reads_as_of(view):
    """``view`` called with ``as_of``: None for today's page, or the AsOf of the
    past day asked for. A date that is not YYYY-MM-DD is refused (400); today,
    a later day or an empty value redirect to the page without it, the other
    parameters kept. (Views take ``as_of=None`` by default: called bare, as
    the benchmark's uncached paths call them, they serve today's page.)"""

    @functools.wraps(view)
    def with_as_of(request, *args, **kwargs):
        value = request.GET.get(PARAMETER)
        if value is None:
            return view(request, *args, as_of=None, **kwargs)
        try:
            if value and not DAY_FORMAT.fullmatch(value):
                raise ValueError(value)
            day = datetime.date.fromisoformat(value) if value else None
        except ValueError:
            return bad_request(
                request, "The date to show the record as of is written YYYY-MM-DD, as 2024-05-31."
            )
        query = request.GET.copy()
        del query[PARAMETER]
        today_url = request.path + (f"?{query.urlencode()}" if query else "")
        if day is None or day >= site_today():
            return HttpResponseRedirect(today_url)
        return view(request, *args, as_of=AsOf(day, today_url), **kwargs)

    return with_as_of


# --- The pages' subjects on a day ----------------------------------------------

# After a moment: what was written in that moment's transaction is in.
JUST_AFTER = datetime.timedelta(microseconds=1)


def claim_on(claim, as_of):
    """(``claim`` as its page of ``as_of`` shows it, None), or, for a day
    before it was public, (the claim as it was when tracking began, when that
    was): its page then shows only what was said. ``claim`` has had
    ``fetch_public_detail``."""
    since = tracked_since(claim)
    if since >= as_of.cutoff:
        return claim_as_it_stood(claim, since + JUST_AFTER), since
    return claim_as_it_stood(claim, as_of.cutoff), None


def article_on(article, as_of):
    """(``article``, its claims, its text corrections, None) as they stood
    at the end of ``as_of``'s day; or, for a day before it was published,
    (the article as first published, no claims, no corrections, when)."""
    published = first_published(article)
    if published >= as_of.cutoff:
        return as_it_stood(article, published + JUST_AFTER), [], [], published
    claims = claims_as_they_stood(article.claims.values("pk"), as_of.cutoff).values()
    return (
        as_it_stood(article, as_of.cutoff),
        sorted(claims, key=lambda claim: (claim.quote_start, claim.pk)),
        article.corrections.filter(corrected_at__lt=as_of.cutoff),
        None,
    )


def person_on(person, as_of):
    """(``person``, their claims, None) as they stood at the end of
    ``as_of``'s day; the third is when their first claim was public, for a
    day before it."""
    claims = person_claims_as_they_stood(person, as_of.cutoff)
    since = None
    if not claims:
        public = person.claims.public().select_related("article")
        first = min(tracked_since(claim) for claim in public)
        since = first if first >= as_of.cutoff else None
    return as_it_stood(person, as_of.cutoff), claims, since


# --- Rows as they stood ----------------------------------------------------------


def latest_rows(history, cutoff):
    """The latest row of each object in ``history`` written before ``cutoff``,
    as model instances (objects deleted by then left out)."""
    rows = {}
    for row in history.filter(history_date__lt=cutoff).order_by("history_date", "history_id"):
        rows[row.id] = row
    return [row.instance for row in rows.values() if row.history_type != "-"]


def rows_as_they_stood(model, ids, cutoff):
    """{id: the row of ``model`` as it stood at ``cutoff``} for ``ids``; as it
    is now for one with no history by then."""
    now = model.objects.in_bulk(ids)
    for then in latest_rows(model.history.filter(id__in=ids), cutoff):
        if then.pk in now:
            then.slug = now[then.pk].slug  # its page's address is today's
            now[then.pk] = then
    return now


def as_it_stood(obj, cutoff):
    """``obj`` (with a history) as it stood at ``cutoff``; as first recorded
    when it came later; ``obj`` itself when it has no history."""
    row = obj.history.filter(history_date__lt=cutoff).first() or obj.history.last()
    if row is None:
        return obj
    then = row.instance
    then.slug = obj.slug  # its page's address is today's
    return then


@dataclass(frozen=True)
class Replaced:
    """A value a field held, and when it was replaced."""

    value: str
    at: datetime.datetime

    @property
    def last_day(self):
        """The last day that ended with it, in TIME_ZONE."""
        day = timezone.localtime(self.at, timezone.get_default_timezone()).date()
        return day - datetime.timedelta(days=1)


def earlier_values(obj, field, cutoff=None):
    """The values ``field`` of ``obj`` held before the one it holds now (or
    at ``cutoff``), oldest first, from its history: an article's earlier
    titles, a speaker's earlier names."""
    rows = obj.history.order_by("history_date", "history_id")
    if cutoff:
        rows = rows.filter(history_date__lt=cutoff)
    earlier, previous = [], None
    for value, at in rows.values_list(field, "history_date"):
        if previous is not None and value != previous:
            earlier.append(Replaced(previous, at))
        previous = value
    return earlier


def first_published(article):
    """When readers could first see ``article`` (a later take-down and
    republication leave it), or None for a draft."""
    published = article.history.filter(published_at__isnull=False).order_by("published_at")
    return published.values_list("published_at", flat=True).first() or article.published_at


def tracked_since(claim):
    """When the claim was first public: its article's publication, or its own
    taking-in on an article already published."""
    published = first_published(claim.article)
    return max(published, claim.created_at) if published else None


def status_at(status, changes, cutoff):
    """The status a claim held at ``cutoff``, from its timeline ``changes``
    (oldest first); ``status``, its own, when it has none."""
    before = [change for change in changes if change.changed_at < cutoff]
    if before:
        return before[-1].to_status
    return changes[0].from_status if changes else status


def claims_as_they_stood(claim_ids, cutoff):
    """{claim id: the claim as it stood at ``cutoff``, with its status, article
    and speaker then} of the claims in ``claim_ids`` that existed by then."""
    claims = latest_rows(Claim.history.filter(id__in=claim_ids), cutoff)
    changes = defaultdict(list)
    for change in StatusChange.objects.filter(claim_id__in=[c.pk for c in claims]):
        changes[change.claim_id].append(change)
    articles = rows_as_they_stood(Article, {claim.article_id for claim in claims}, cutoff)
    people = rows_as_they_stood(Person, {claim.speaker_id for claim in claims} - {None}, cutoff)
    for claim in claims:
        claim.status = status_at(claim.status, changes[claim.pk], cutoff)
        claim.article = articles[claim.article_id]
        claim.speaker = people.get(claim.speaker_id)
    return {claim.pk: claim for claim in claims}


def claim_as_it_stood(claim, cutoff):
    """``claim`` (with ``fetch_public_detail`` done) as it stood at ``cutoff``:
    its fields, status, article and speaker then, and its public timeline and
    sources up to then (a source added later is absent; one removed since is
    shown as it was)."""
    then = as_it_stood(claim, cutoff)
    changes = sorted(claim.public_changes, key=lambda c: (c.changed_at, c.pk))
    then.status = status_at(then.status, changes, cutoff)
    then.article = as_it_stood(claim.article, cutoff)
    speaker = Person.objects.filter(pk=then.speaker_id).first()
    then.speaker = as_it_stood(speaker, cutoff) if speaker else None
    then.public_changes = [c for c in changes if c.changed_at < cutoff]
    then.public_corrections = [c for c in claim.public_corrections if c.made_at < cutoff]
    then.public_sources = latest_rows(Source.history.filter(claim_id=claim.pk), cutoff)
    # What it depended on then: the links made by then, each condition as it stood.
    links = latest_rows(ClaimCondition.history.filter(claim_id=claim.pk), cutoff)
    conditions = rows_as_they_stood(Condition, [link.condition_id for link in links], cutoff)
    for link in links:
        link.condition = conditions[link.condition_id]
    then.public_condition_links = links
    return then


def person_claims_as_they_stood(person, cutoff):
    """The public claims that ``person`` was the speaker of at ``cutoff``, and
    whose article had been published by then, newest article first."""
    published = Article.history.filter(history_date__lt=cutoff, published_at__isnull=False)
    ever_theirs = Claim.history.filter(speaker_id=person.pk, history_date__lt=cutoff)
    candidates = Claim.objects.public().filter(
        pk__in=ever_theirs.values("id"), article__in=published.values("id")
    )
    claims = claims_as_they_stood(candidates.values("pk"), cutoff).values()
    theirs = [claim for claim in claims if claim.speaker_id == person.pk]
    return sorted(theirs, key=lambda c: (-c.article.published_on.toordinal(), c.quote_start))
