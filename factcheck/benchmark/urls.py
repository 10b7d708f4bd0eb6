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


def below_generation(view):
    # Down to a cached_by_revision level where there is one: what a page costs
    # once the site's generation has moved on because another record changed.
    return inspect.unwrap(view, stop=lambda f: getattr(f, "cached_by_revision", None) is f)


revision_patterns = [
    URLPattern(pattern.pattern, below_generation(pattern.callback), pattern.default_args)
    for pattern in public_patterns
]

# The bare view first (nothing may resolve faster), then the uncached copies:
# behind the site's own patterns, each would pay for trying every one of them
# first, which the page it stands for does not. The site's patterns resolve
# as in production, after two quick misses on "bench/".
urlpatterns = [
    path("bench/ok/", bare),
    path("bench/uncached/", include(uncached_patterns)),
    path("bench/other-changed/", include(revision_patterns)),
    *site_urlpatterns,
]
