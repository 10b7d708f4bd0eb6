"""The public pages, from Django's cache framework.

A page is kept in the "pages" cache (each process its own) under the release,
the site's version, the day (overdue flags move at midnight), fragment or whole
page, the path and the query parameters the view reads: never the Host, nor
other parameters (tracking tags share the page). The version lives in the
shared "default" cache and moves once each time a write the public can see
commits, so every process shows a change at once, while a hit runs no query.
The ETag is a digest of the page, so a page rendered again after another
claim changed keeps it, and readers' revalidations still get a 304.
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

from .views import is_fragment_request

logger = logging.getLogger(__name__)

VERSION_KEY = "site-version"
PAGE_TIMEOUT = 60 * 60  # bounds how long an edit made outside the app goes unseen


def public_changed():
    """Call inside the transaction of any write the public can see."""
    transaction.on_commit(_move_version)


def _new_version():
    return secrets.token_hex(8), time.time()


def _move_version():
    try:
        cache.set(VERSION_KEY, _new_version(), None)
    except Exception:
        logger.exception("Shared cache unavailable; the site version did not move")


def site_version():
    """(token, when it last moved), or None when the shared cache is down."""
    try:
        return cache.get_or_set(VERSION_KEY, _new_version, None)
    except Exception:
        logger.exception("Shared cache unavailable; serving pages uncached")
        return None


def public_page(view, params=()):
    """``view`` from the page cache, answering revalidations with 304.
    ``params``: the query parameters the view reads."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        version = site_version()
        if request.method not in ("GET", "HEAD") or version is None:
            return view(request, *args, **kwargs)
        query = urlencode(sorted((p, request.GET[p]) for p in params if p in request.GET))
        page = f"{is_fragment_request(request)}:{request.path}?{query}"
        key = f"{settings.FACTCHECK_RELEASE}:{version[0]}:{timezone.localdate()}:{page}"
        key = hashlib.sha256(key.encode()).hexdigest()
        response = caches["pages"].get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            response["ETag"] = quote_etag(
                hashlib.md5(response.content, usedforsecurity=False).hexdigest()
            )
            allow_shared_caching(response)
            caches["pages"].set(key, response, PAGE_TIMEOUT)
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        changed_at = max(version[1], midnight.timestamp())
        response["Last-Modified"] = http_date(shown_last_modified(changed_at, time.time()))
        # Last-Modified has one-second resolution, so a date-only revalidation
        # may only be answered 304 when the change is older than the second the
        # client names: Django's check does that, given the end of that second.
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=math.floor(changed_at) + 1,
            response=response,
        )

    return cached_view


def allow_shared_caching(response):
    """Browsers revalidate; a shared cache (nginx, a CDN) may keep the response
    FACTCHECK_SHARED_CACHE_SECONDS."""
    if seconds := settings.FACTCHECK_SHARED_CACHE_SECONDS:
        patch_cache_control(response, public=True, max_age=0, s_maxage=seconds)
    else:
        patch_cache_control(response, public=True, no_cache=True)


def shown_last_modified(changed_at, now):
    """Last-Modified in whole seconds: the end of the second of the last change
    once it is over (nothing changed up to then), else its start, which a
    date-only revalidation never matches."""
    start_of_second = math.floor(changed_at)
    return start_of_second + 1 if now >= start_of_second + 1 else start_of_second
