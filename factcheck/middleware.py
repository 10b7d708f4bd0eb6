from django.contrib.messages import get_messages
from django.template.loader import render_to_string


def htmx_messages(get_response):
    """Append pending Django messages to the reviewer pages' htmx responses as an
    out-of-band #messages fragment, so a swapped panel can still say what happened.
    (Public fragments are shared by everyone and have no #messages to fill.)"""

    def middleware(request):
        response = get_response(request)
        match = request.resolver_match
        if (
            not getattr(request, "htmx", False)
            or match is None
            or not match.view_name.startswith("factcheck:review_")
            or response.streaming
            or response.status_code in (204, 304)
            or not response.get("Content-Type", "").startswith("text/html")
            or "HX-Redirect" in response
        ):
            return response
        messages = list(get_messages(request))
        if messages:
            response.content += render_to_string(
                "review/_messages.html", {"messages": messages, "oob": True}, request
            ).encode()
        return response

    return middleware
