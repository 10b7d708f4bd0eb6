"""The site's version: one token, shared by every process and machine (the
"default" cache), that moves once when a write the public can see commits.
The page cache keys hold it, so every process shows a change at once."""

import logging
import secrets
import time

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)

VERSION_KEY = "site-version"


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
