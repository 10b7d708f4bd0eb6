"""The public pages, from Django's cache framework.

A page is kept in the "pages" cache (each process its own) under the release,
the site's version, the day (overdue flags move at midnight), the headers it
varies on, the path and the query parameters its view reads: never the Host,
nor other parameters (tracking tags share the page). The version lives in the
shared "default" cache and moves once when a public write commits, so every
process shows a change at once. The ETag, a digest of the page, is also kept
apart, so a revalidation is answered without unpickling the page.
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
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

from .middleware import allow_shared_caching
from .views import FRAGMENT_HEADERS

logger = logging.getLogger(__name__)

VERSION_KEY = "site-version"
PAGE_TIMEOUT = 60 * 60  # bounds how long an edit made outside the app goes unseen
KEPT_FOR_304 = ("ETag", "Cache-Control", "Vary")
VARY_META_KEYS = ["HTTP_" + header.upper().replace("-", "_") for header in FRAGMENT_HEADERS]
# Formatting a date costs a tenth of a cached page, and Last-Modified repeats.
last_modified_header = functools.lru_cache(maxsize=64)(http_date)


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


def public_page(view, params=()):
    """``view`` from the page cache; ``params``: the query parameters it reads."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or (version := site_version()) is None:
            return view(request, *args, **kwargs)
        # The site's day: no reader has a time zone of their own.
        now = timezone.localtime(timezone=timezone.get_default_timezone())
        query = ""
        if params:  # request.GET would parse the query string
            query = urlencode(sorted((p, request.GET[p]) for p in params if p in request.GET))
        varies = [request.META.get(key) for key in VARY_META_KEYS]
        key = f"{settings.FACTCHECK_RELEASE}:{version[0]}:{now.date()}:{varies}:{request.path}?"
        key = hashlib.blake2b((key + query).encode(), digest_size=16).hexdigest()
        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        changed_at = max(version[1], midnight.timestamp())
        kept = "HTTP_IF_NONE_MATCH" in request.META and caches["pages"].get(key + ":304")
        if kept and (not_modified := conditional_response(request, changed_at, kept["ETag"])):
            for header, value in kept.items():
                not_modified[header] = value
            return not_modified
        if (response := caches["pages"].get(key)) is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
            response["ETag"] = quote_etag(digest)
            allow_shared_caching(response)
            kept = {header: response[header] for header in KEPT_FOR_304 if header in response}
            caches["pages"].set_many({key: response, key + ":304": kept}, PAGE_TIMEOUT)
        return conditional_response(request, changed_at, response["ETag"], response)

    return cached_view


def conditional_response(request, changed_at, etag, response=None):
    """``response``, or a 304 if the client's copy is current. Last-Modified is
    in whole seconds, so a date-only revalidation may be answered 304 only when
    the change is older than the second the client names: Django's check does
    that, given the end of that second."""
    answer = get_conditional_response(
        request, etag=etag, last_modified=math.floor(changed_at) + 1, response=response
    )
    if answer is not None:
        answer["Last-Modified"] = last_modified_header(shown_last_modified(changed_at, time.time()))
    return answer


def shown_last_modified(changed_at, now):
    """The end of the change's second once it is over (nothing changed up to
    then), else its start, which a date-only revalidation never matches."""
    start_of_second = math.floor(changed_at)
    return start_of_second + 1 if now >= start_of_second + 1 else start_of_second
