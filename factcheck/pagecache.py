"""One cache of the public pages, shared by every app-server process.

Pages are stored under the site's current *generation*: a token replaced by
every write a reader could see (model save/delete signals, and the services'
conditional UPDATEs, which send none). So a change is visible at once, while a
hit, or a conditional request answered 304, runs no query and renders nothing:
it costs a read of the generation, then the page (its ETag beside it) from
this process's memory, or failing that from the shared cache.

Django's cache middleware cannot do this: its keys have no generation, so a
change would wait for the timeout, and it would rewrite our Cache-Control.
"""

import functools
import hashlib
import logging
import math
import secrets
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urlencode

import django
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpResponse, HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.views.decorators.vary import vary_on_headers

logger = logging.getLogger(__name__)

GENERATION_KEY = "pages:generation"
# Old generations' pages are never read again; they go when they expire or are
# culled. An hour also bounds how long an edit made outside Django stays unseen.
PAGE_TIMEOUT = 60 * 60


# What a 304 repeats from the page (as django.utils.cache does).
NOT_MODIFIED_HEADERS = ("Cache-Control", "ETag", "Last-Modified", "Vary")

# Pages each process also keeps in memory (at most some tens of kilobytes each).
PAGES_IN_MEMORY = 256


class Generation(NamedTuple):
    token: str
    started_at: float  # a Unix time: nothing shown has changed since


class CachedPage(NamedTuple):
    etag: str
    last_modified: float  # exact; Last-Modified shows it to the second
    content: bytes
    headers: dict  # as the view set them, plus ETag, Last-Modified, Cache-Control


class RecentPages:
    """The pages this process served last. Their keys hold the generation, so a
    copy here is never stale, only unused; it saves reading and unpickling."""

    def __init__(self, size):
        self.size = size
        self.pages = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key, page):
        with self.lock:
            self.pages[key] = page
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self):
        with self.lock:
            self.pages.clear()


recent_pages = RecentPages(PAGES_IN_MEMORY)


def current_generation():
    """The site's generation, or None when the cache cannot be reached."""
    try:
        found = cache.get(GENERATION_KEY)
        if found is None:
            # First request after a start or a cache clear; add() lets one process win.
            cache.add(GENERATION_KEY, _new_generation(), None)
            found = cache.get(GENERATION_KEY) or _new_generation()
        return found
    except Exception:
        # Readers still get pages, rendered each time, while the cache is down.
        logger.exception("Page cache unavailable; serving pages uncached")
        return None


def _new_generation():
    return Generation(secrets.token_hex(8), timezone.now().timestamp())


def _start_generation():
    try:
        cache.set(GENERATION_KEY, _new_generation(), None)
    except Exception:
        # The write itself stands; pages cached before it may be served until
        # they expire (PAGE_TIMEOUT) if the cache comes back with them.
        logger.exception("Page cache unavailable; could not drop the cached pages")


def pages_changed():
    """Call after any write the public can see: every cached page is dropped."""
    _start_generation()
    # A reader between now and the commit may store the old page under the new
    # generation; starting another once the data is committed drops it again.
    transaction.on_commit(_start_generation)


# The request headers that decide between a fragment and a whole page: every
# response chosen by is_fragment_request names them in Vary.
FRAGMENT_HEADERS = ("HX-Request", "HX-History-Restore-Request")
vary_on_fragment_headers = vary_on_headers(*FRAGMENT_HEADERS)


def is_fragment_request(request):
    """htmx asking for a fragment; its history restore (on a cache miss) needs
    the whole page back. (The headers django-htmx reads, read directly: this is
    on every cached request's path.)"""
    return (
        request.META.get("HTTP_HX_REQUEST") == "true"
        and request.META.get("HTTP_HX_HISTORY_RESTORE_REQUEST") != "true"
    )


def public_page(*, params=()):
    """Serve the decorated view from the shared cache, with an ETag and
    Last-Modified, answering conditional requests with 304.

    ``params`` are the query parameters the view reads; any others (tracking
    tags, junk) share the same cached page instead of making new ones. The key
    also holds today's date (pages flag predictions that fall due) and whether
    htmx asked for a fragment. Only 200 responses are stored. Browsers are told
    to revalidate each time, which costs them a 304.
    """

    def decorator(view):
        @functools.wraps(view)
        def cached_view(request, *args, **kwargs):
            generation = current_generation()
            if generation is None:
                return view(request, *args, **kwargs)
            key = _page_key(request, f"{generation.token}:{_query(request, params)}")
            page = _cached(key)
            if page is None:
                response = view(request, *args, **kwargs)
                # A page from cached_by_revision keeps its ETag: unchanged content,
                # unchanged ETag, even though the generation moved on.
                page = getattr(response, "cached_page", None) or _to_cache(
                    response, key, generation
                )
                if page is None:
                    return response
                _store(key, page)
            recent_pages.put(key, page)
            return _respond(request, page)

        return cached_view

    return decorator


def cached_by_revision(revision):
    """A second level under ``public_page`` for pages about one record, for when
    the generation has moved on because *something else* changed.

    ``revision(request, **kwargs)`` is one small query returning what the page's
    content depends on (say the claim's version and its article's last edit),
    or None when there is no such record, which is a 404. The
    page is stored under that revision, so it is rendered again only when its
    own record changes.
    """

    def decorator(view):
        @functools.wraps(view)
        def revision_cached_view(request, *args, **kwargs):
            found = revision(request, *args, **kwargs)
            if found is None:
                raise Http404
            key = _page_key(request, f"revision:{found}")
            page = _cached(key)
            if page is None:
                response = view(request, *args, **kwargs)
                generation = current_generation()
                page = _to_cache(response, key, generation) if generation else None
                if page is None:
                    return response
                _store(key, page)
            recent_pages.put(key, page)
            response = _respond(request, page)
            response.cached_page = page
            return response

        # Itself, since functools.wraps copies attributes onto outer wrappers.
        revision_cached_view.cached_by_revision = revision_cached_view
        return revision_cached_view

    return decorator


def _cached(key):
    page = recent_pages.get(key)
    if page is None:
        try:
            page = cache.get(key)
        except Exception:
            logger.exception("Page cache unavailable; rendering the page")
    return page


def _store(key, page):
    try:
        cache.set(key, page, PAGE_TIMEOUT)
    except Exception:
        logger.exception("Page cache unavailable; page not stored")


def _query(request, params):
    return urlencode(sorted((name, request.GET[name]) for name in params if name in request.GET))


def _page_key(request, state):
    variant = "fragment" if is_fragment_request(request) else "page"
    day = timezone.localdate().isoformat()
    # No host or scheme: absolute links come from FACTCHECK_SITE_URL, so a page
    # is the same whatever Host the client sent (and a client cannot fill the
    # cache with copies of it under made-up ones).
    what = f"{release()}:{state}:{day}:{variant}:{request.path}"
    # Short keys are quicker to check and to file; the ETag is the same digest.
    return "page:" + hashlib.sha256(what.encode()).hexdigest()[:32]


@functools.cache
def release():
    """A digest of the code, templates and static manifest this process serves
    (and the site's name), so pages rendered before a deploy (old markup, old
    asset names) are not served after it. The same on every machine running
    the same release."""
    digest = hashlib.sha256(f"{django.get_version()}:{settings.FACTCHECK_ORGANISATION}".encode())
    base = Path(settings.BASE_DIR)
    files = [
        *sorted((base / "factcheck").rglob("*.py")),
        *sorted((base / "templates").rglob("*.html")),
        Path(settings.STATIC_ROOT) / "staticfiles.json",
    ]
    for path in files:
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _to_cache(response, key, generation):
    """The page to store, or None for a response that must not be shared."""
    if response.status_code != 200 or response.streaming or response.cookies:
        return None
    etag = quote_etag(key.removeprefix("page:"))
    # Whether a prediction is overdue changes at midnight even if nothing is saved.
    midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    last_modified = max(generation.started_at, midnight.timestamp())
    response["ETag"] = etag
    response["Last-Modified"] = http_date(shown_last_modified(last_modified, time.time()))
    patch_cache_control(response, no_cache=True)
    return CachedPage(etag, last_modified, response.content, dict(response.headers))


def shown_last_modified(changed_at, now):
    """Last-Modified in whole seconds. Once the second of the last change is
    over, nothing changed up to its end, so say that: a date-only
    revalidation with it can then be answered 304. Within that second, say
    its start, which such a revalidation never matches (see _respond)."""
    start_of_second = math.floor(changed_at)
    return start_of_second + 1 if now >= start_of_second + 1 else start_of_second


def _respond(request, page):
    if_none_match = request.META.get("HTTP_IF_NONE_MATCH")
    if if_none_match == page.etag:  # the usual revalidation: answer it at once
        return _not_modified(page)
    response = HttpResponse(page.content, headers=page.headers)
    if_modified_since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    if if_modified_since is not None and not if_none_match:
        # Last-Modified is to the second: a copy from that second may predate
        # a change made later in it, so only a change older than the whole
        # second means the client's copy is current. (Django's check, which
        # truncates the change's time too, would answer 304.)
        return _not_modified(page) if page.last_modified < if_modified_since else response
    return get_conditional_response(
        request, etag=page.etag, last_modified=page.last_modified, response=response
    )


def _not_modified(page):
    response = HttpResponseNotModified()
    for name in NOT_MODIFIED_HEADERS:
        if name in page.headers:
            response[name] = page.headers[name]
    return response


def _saved_or_deleted(sender, **kwargs):
    pages_changed()


def connect_signals():
    """Every model shown on a public page drops the cache when saved or deleted."""
    from .models import Article, Claim, Correction, Person, Source, StatusChange

    for model in (Article, Person, Claim, StatusChange, Source, Correction):
        uid = f"pagecache-{model._meta.label}"
        post_save.connect(_saved_or_deleted, sender=model, dispatch_uid=uid + "-save")
        post_delete.connect(_saved_or_deleted, sender=model, dispatch_uid=uid + "-delete")
