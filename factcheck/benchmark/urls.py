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

urlpatterns = [
    path("bench/ok/", bare),
    path("bench/uncached/", include(uncached_patterns)),
    *site_urlpatterns,
]
