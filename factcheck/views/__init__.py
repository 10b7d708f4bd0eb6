from django.views.decorators.vary import vary_on_headers

# The request headers that choose between a fragment and a whole page.
FRAGMENT_HEADERS = ("HX-Request", "HX-History-Restore-Request")
vary_on_fragment_headers = vary_on_headers(*FRAGMENT_HEADERS)


def is_fragment_request(request):
    """htmx asking for a fragment; its history restore needs the whole page."""
    return bool(request.htmx) and not request.htmx.history_restore_request


def page_query(request):
    """The query a desk page was opened with (``?section=`` and the queue's
    filters, a search): its forms post to their URL with it, so a save without
    JavaScript comes back to the page as it was."""
    query = request.GET.urlencode()
    return f"?{query}" if query else ""
