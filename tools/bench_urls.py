"""The benchmark's URLconf (tools/bench_settings.py): the site's own, behind
the bare view and the public views without their page cache."""

import inspect

from django.http import HttpResponse
from django.urls import URLPattern, include, path

from factcheck.urls import public_patterns
from factcheck.urls import urlpatterns as site_urlpatterns


def bare(request):
    """The ceiling: the cheapest response Django can give through the same middleware."""
    return HttpResponse("ok")


# The same public views without the page cache (and their other decorators):
# what a cache miss costs. Benchmark only; unnamed, so nothing links here.
uncached_patterns = [
    URLPattern(pattern.pattern, inspect.unwrap(pattern.callback), pattern.default_args)
    for pattern in public_patterns
]


# The bare view first (nothing may resolve faster), then the uncached copies:
# behind the site's own patterns, each would pay for trying every one of them
# first, which the page it stands for does not. The site's patterns resolve
# as in production, after two quick misses on "bench/".
urlpatterns = [
    path("bench/ok/", bare),
    path("bench/uncached/", include(uncached_patterns)),
    *site_urlpatterns,
]
