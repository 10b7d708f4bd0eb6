"""The public pages, from Django's cache framework.

A page is kept in the "pages" cache (each process its own) under the release,
the site's version (shared: the "default" cache), the site's day (overdue flags
move at midnight), the headers it varies on, the path and the query parameters
its view reads: never the Host, nor other parameters (tracking tags share the
page). Its ETag is kept apart too, so a 304 does not unpickle the page.
"""

import datetime
import functools
import hashlib
import math
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import caches
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.http import http_date, quote_etag

from .middleware import allow_shared_caching
from .site_version import site_version
from .views import FRAGMENT_HEADERS

PAGE_TIMEOUT = 60 * 60  # bounds how long an edit made outside the app goes unseen
KEPT_FOR_304 = ("ETag", "Cache-Control", "Vary")
VARY_META_KEYS = ["HTTP_" + header.upper().replace("-", "_") for header in FRAGMENT_HEADERS]
last_modified_header = functools.lru_cache(maxsize=64)(http_date)  # measured: it repeats


def public_page(view, params=()):
    """``view`` from the page cache; ``params``: the query parameters it reads."""

    @functools.wraps(view)
    def cached_view(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD") or (version := site_version()) is None:
            return view(request, *args, **kwargs)
        # The site's day (no reader has a time zone of their own) and the parameters read.
        now = timezone.localtime(timezone=timezone.get_default_timezone())
        midnight = start_of_day(now.date(), now.tzinfo)
        query = ""
        if params and request.META.get("QUERY_STRING"):  # request.GET parses even ""
            query = urlencode(sorted((p, request.GET[p]) for p in params if p in request.GET))
        varies = [request.META.get(key) for key in VARY_META_KEYS]
        key = (
            f"{settings.FACTCHECK_RELEASE}:{version[0]}:{midnight}:{varies}:{request.path}?{query}"
        )
        key = hashlib.blake2b(key.encode(), digest_size=16).hexdigest()
        changed_at = max(version[1], midnight)
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


@functools.lru_cache(maxsize=8)
def start_of_day(day, tzinfo):
    """The timestamp of ``day``'s midnight (measured: computed anew, 1% of a 304)."""
    return int(datetime.datetime.combine(day, datetime.time(), tzinfo).timestamp())


def conditional_response(request, changed_at, etag, response=None):
    """``response``, or a 304 if the client's copy is current. Last-Modified
    has whole seconds: Django's check, given the end of the change's second,
    answers a date-only revalidation 304 only once that second is over."""
    answer = get_conditional_response(
        request, etag=etag, last_modified=math.floor(changed_at) + 1, response=response
    )
    if answer is not None:
        answer["Last-Modified"] = last_modified_header(shown_last_modified(changed_at, time.time()))
    return answer


def shown_last_modified(changed_at, now):
    """The end of the change's second once it is over, else its start."""
    return min(math.floor(changed_at) + 1, math.floor(now))
