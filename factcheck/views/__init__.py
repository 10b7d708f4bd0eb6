from django.views.decorators.vary import vary_on_headers

# The request headers that choose between a fragment and a whole page.
FRAGMENT_HEADERS = ("HX-Request", "HX-History-Restore-Request")
vary_on_fragment_headers = vary_on_headers(*FRAGMENT_HEADERS)


def is_fragment_request(request):
    """htmx asking for a fragment; its history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request
