import datetime
import functools

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_htmx.jinja import htmx_script

from ..links import fixed_url

register = template.Library()

# time_tag, status_badge, asset and htmx_script_once stand in for Django's
# general date filter, format_html, static and htmx_script on pages rendered
# often, with far less work per call; each was found by profiling the claim page.

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@register.filter
def resolve_by_state(claim, today):
    """ "due" or "overdue" for an unresolved prediction whose date has come."""
    return claim.resolve_by_state(today)


@register.filter
def machine_datetime(value):
    """A datetime for a <time datetime> attribute (HTML allows at most milliseconds)."""
    return value.isoformat(timespec="seconds") if value else ""


@register.filter(expects_localtime=True)
def time_tag(value, style="long"):
    """A date or datetime as a <time> element: "20 October 2022" ("20 Oct 2022"
    with style "short"), machine-readable in its attribute (a datetime to the
    second). Django's date filter would parse its format string on every call."""
    if not value:
        return ""
    is_datetime = isinstance(value, datetime.datetime)
    machine = machine_datetime(value) if is_datetime else value.isoformat()
    month = MONTHS[value.month - 1]
    if style == "short":
        month = month[:3]
    # Digits, month names and ISO dates only: nothing here needs escaping.
    return mark_safe(f'<time datetime="{machine}">{value.day} {month} {value.year}</time>')


@register.filter
def status_badge(info):
    """A status label coloured by its tone (a filter: cheaper than an include per row)."""
    return _badge(info)


@functools.cache
def _badge(info):
    # A handful of statuses, each drawn many times: built once per process.
    return format_html('<span class="status tone-{}">{}</span>', info.tone, info.label)


@register.simple_tag
def site_url(name):
    """``{% url name %}`` for the site's fixed links (navigation, footer), which
    every page repeats: reversed once per process instead of on every page."""
    return fixed_url(name)


@register.simple_tag
def asset(path):
    """``{% static path %}`` for the files every page links: the manifest does
    not change while a process runs, so each is looked up once."""
    return _static_once(path)


@functools.cache
def _static_once(path):
    return static(path)


@register.simple_tag
def htmx_script_once():
    """django-htmx's ``{% htmx_script %}`` (htmx, and in debug its error display),
    built once per process: no page here uses a CSP nonce, so it never varies."""
    return _htmx_script(settings.DEBUG)


@functools.cache
def _htmx_script(debug):
    # Keyed on DEBUG, which decides whether django-htmx adds its debug script.
    return htmx_script()
