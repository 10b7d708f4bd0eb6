"""The public pages, from Django's cache framework.

A page is kept in the "pages" cache (each process its own) under the release,
the site's version, the day (overdue flags move at midnight), fragment or whole
page, the path and the query parameters the view reads: never the Host, never
other parameters (tracking tags share the page). The version lives in the
shared "default" cache and moves once each time a write the public can see
commits, so every process and machine shows a change at once, while a hit
renders nothing and runs no query.

The ETag is a digest of the page itself: a page rendered again after another
claim changed keeps its ETag, so readers' revalidations still get a 304.
"""

import functools
import hashlib
import logging
import math
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import http_date, quote_etag
from django.views.decorators.vary import vary_on_headers

logger = logging.getLogger(__name__)

VERSION_KEY = "site-version"
# Bounds how long a page rendered from an edit made outside the app is served.
PAGE_TIMEOUT = 60 * 60

# The request headers that choose between a fragment and a whole page.
vary_on_fragment_headers = vary_on_headers("HX-Request", "HX-History-Restore-Request")


def is_fragment_request(request):
    """htmx asking for a fragment; its history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def public_changed():
    """Call inside the transaction of any write the public can see."""
    transaction.on_commit(_move_version)


def _move_version():
    try:
        cache.set(VERSION_KEY, (secrets.token_hex(8), time.time()), None)
    except Exception:
        # The write stands; other processes may serve older pages for PAGE_TIMEOUT.
        logger.exception("Shared cache unavailable; the site version did not move")


def site_version():
    """(token, when it last moved), or None when the shared cache is down."""
    try:
        if (version := cache.get(VERSION_KEY)) is None:
            cache.add(VERSION_KEY, (secrets.token_hex(8), time.time()), None)
            version = cache.get(VERSION_KEY)
        return version
    except Exception:
        logger.exception("Shared cache unavailable; serving pages uncached")
        return None


def public_page(view, params=()):
    """``view`` served from the page cache, with an ETag and Last-Modified,
    answering conditional requests with 304. ``params``: the query parameters
    the view reads."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        version = site_version()
        if request.method not in ("GET", "HEAD") or version is None:
            return view(request, *args, **kwargs)
        token, moved_at = version
        changed_at = max(moved_at, _midnight())
        key = _page_key(request, token, params)
        response = caches["pages"].get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            _add_validators(response)
            caches["pages"].set(key, response, PAGE_TIMEOUT)
        response["Last-Modified"] = http_date(shown_last_modified(changed_at, time.time()))
        # Last-Modified has one-second resolution, so a date-only revalidation
        # may only be answered 304 when the change is older than the second the
        # client names: Django's check does that given the end of that second.
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=math.floor(changed_at) + 1,
            response=response,
        )

    return cached_view


def _page_key(request, token, params):
    query = urlencode(sorted((name, request.GET[name]) for name in params if name in request.GET))
    variant = "fragment" if is_fragment_request(request) else "page"
    page = f"{settings.FACTCHECK_RELEASE}:{token}:{timezone.localdate()}:{variant}:{request.path}"
    return "page:" + hashlib.sha256(f"{page}?{query}".encode()).hexdigest()


def _midnight():
    return timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0).timestamp()


def _add_validators(response):
    digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
    response["ETag"] = quote_etag(digest)
    seconds = settings.FACTCHECK_SHARED_CACHE_SECONDS
    if seconds:
        patch_cache_control(response, public=True, max_age=0, s_maxage=seconds)
    else:
        patch_cache_control(response, public=True, no_cache=True)


def shown_last_modified(changed_at, now):
    """Last-Modified in whole seconds. Once the second of the last change is
    over, nothing changed up to its end, so say that: a date-only
    revalidation with it can then be answered 304. Within that second, say
    its start, which such a revalidation never matches."""
    start_of_second = math.floor(changed_at)
    return start_of_second + 1 if now >= start_of_second + 1 else start_of_second
