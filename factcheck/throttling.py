"""How many messages readers may send the desk: FACTCHECK_READER_MESSAGES_PER_HOUR
from one client address, counted in the shared "default" cache (a file on one
machine, shared by its app-server processes; Redis across machines).

The address is django-axes' (the login throttling's), so it honours
DJANGO_TRUSTED_PROXY_COUNT the same way; an IPv6 client is counted by its /64,
which one household or one host usually holds whole.

The count is a fixed hour from an address's first message, taken with
``cache.add`` then ``cache.incr``: atomic on Redis; the file cache reads and
writes in two steps, so processes racing may each let one message past the limit.
"""

import ipaddress
import logging

from axes.helpers import get_client_ip_address
from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

WINDOW = 60 * 60


def client_network(request):
    """The client's address as counted: IPv4 whole, IPv6 by its /64."""
    address = get_client_ip_address(request) or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network((ip, 64), strict=False))
    return str(ip)


def reader_message_allowed(request):
    """Count one message from the request's client; False once over the hour's
    limit. With the shared cache down, messages are let through (logged): a
    reader's report is worth more than a spammer's silence."""
    key = f"reader-messages:{client_network(request)}"
    try:
        cache.add(key, 0, WINDOW)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between the two (or a dummy cache): a new hour
            cache.add(key, 1, WINDOW)
            count = 1
    except Exception:
        logger.exception("Shared cache unavailable; reader messages are not rate-limited")
        return True
    return count <= settings.FACTCHECK_READER_MESSAGES_PER_HOUR
