from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.utils.cache import patch_cache_control

from .views.errors import bad_request

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def strict_utf8_forms(get_response):
    """Refuse (400) a form body that is not valid UTF-8. Django's parsers
    decode with replacement characters, so once ``request.POST`` is read a
    view cannot tell "ok\ufffdbad" typed from bytes that were never text.
    Must come before anything that reads ``request.POST`` (CSRF does)."""

    def middleware(request):
        if request.method == "POST" and request.content_type in FORM_TYPES:
            charset = request.content_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8") or not _is_utf8_form(request):
                return bad_request(request, "The form was not sent as valid UTF-8.")
        return get_response(request)

    return middleware


def _is_utf8_form(request):
    # Reading the body keeps it for request.POST; an oversized one raises
    # RequestDataTooBig, which Django answers with a 400 as it would anyway.
    body = request.body
    if request.content_type == "multipart/form-data":
        return _multipart_text_is_utf8(request, body)
    try:
        for pair in body.split(b"&"):
            for part in pair.split(b"=", 1):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _multipart_text_is_utf8(request, body):
    """The headers and text parts of a multipart body (files are not text)."""
    boundary = request.content_params.get("boundary", "").encode("latin-1")
    if not boundary:
        return True  # Django's parser refuses it with a 400 itself
    try:
        for part in body.split(b"--" + boundary)[1:]:
            headers, _, content = part.partition(b"\r\n\r\n")
            headers.decode("utf-8")
            if b"filename=" not in headers.lower():
                content.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def private_unless_public(get_response):
    """Only a public page may be kept by a shared cache (nginx, a CDN), and
    only when it sets no cookie: everything else (the reviewer's pages, the
    login page, errors) is ``private, no-store``."""

    def middleware(request):
        response = get_response(request)
        if response.cookies or not has_cache_control(response, "public"):
            response.headers["Cache-Control"] = "private, no-store"
        return response

    return middleware


def allow_shared_caching(response):
    """Browsers revalidate; a shared cache (nginx, a CDN) may keep the response
    FACTCHECK_SHARED_CACHE_SECONDS."""
    if seconds := settings.FACTCHECK_SHARED_CACHE_SECONDS:
        patch_cache_control(response, public=True, max_age=0, s_maxage=seconds)
    else:
        patch_cache_control(response, public=True, no_cache=True)


def has_cache_control(response, directive):
    directives = response.get("Cache-Control", "").split(",")
    return directive in (d.strip().split("=")[0].lower() for d in directives)
