"""The site's URLs, reversed once per process for the pages built most often.

Django's ``reverse`` works a pattern out afresh on every call (about 10 µs
here); a claim page needs five or six URLs and a claim list page twenty or
more. The fixed links are the same for every page, and a slug URL only places
the slug into a fixed frame, so both are reversed once per script prefix.
tests/test_links.py checks them against ``reverse``.
"""

import functools
import re

from django.conf import settings
from django.urls import get_script_prefix, reverse

# What a <slug:...> path converter accepts, which reverse leaves as it is.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
PLACEHOLDER = "slug-placeholder"


def absolute_url(path):
    """A site path as an absolute URL, on FACTCHECK_SITE_URL: never on the Host
    the client sent, which is the client's to choose."""
    return settings.FACTCHECK_SITE_URL + path


def fixed_url(name):
    """``reverse(name)`` for a URL without arguments."""
    return _fixed(name, get_script_prefix())


def slug_url(name, slug):
    """``reverse(name, kwargs={"slug": slug})``."""
    if not SLUG.fullmatch(slug):
        return reverse(name, kwargs={"slug": slug})  # let reverse refuse or quote it
    before, after = _slug_frame(name, get_script_prefix())
    return f"{before}{slug}{after}"


@functools.cache
def _fixed(name, script_prefix):
    return reverse(name)


@functools.cache
def _slug_frame(name, script_prefix):
    before, after = reverse(name, kwargs={"slug": PLACEHOLDER}).split(PLACEHOLDER)
    return before, after
