from django.conf import settings

from .publishing import absolute_url


def site(request):
    """Site-wide values for the public templates; nothing here depends on the visitor."""
    return {
        "organisation": settings.FACTCHECK_ORGANISATION,
        "canonical_url": absolute_url(request.path),
    }
