from django.conf import settings


def site(request):
    """Site-wide values for the public templates; nothing here depends on the visitor."""
    return {
        "organisation": settings.FACTCHECK_ORGANISATION,
        "canonical_url": request.build_absolute_uri(request.path),
    }
