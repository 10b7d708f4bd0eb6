import functools

from django import template
from django.urls import get_script_prefix, reverse
from django.utils.html import format_html

register = template.Library()


@register.filter
def resolve_by_state(claim, today):
    """ "due" or "overdue" for an unresolved prediction whose date has come."""
    return claim.resolve_by_state(today)


@register.filter
def machine_datetime(value):
    """A datetime for a <time datetime> attribute (HTML allows at most milliseconds)."""
    return value.isoformat(timespec="seconds") if value else ""


@register.filter
def status_badge(info):
    """A status label coloured by its tone (a filter: cheaper than an include per row)."""
    return format_html('<span class="status tone-{}">{}</span>', info.tone, info.label)


@register.simple_tag
def site_url(name):
    """``{% url name %}`` for the site's fixed links (navigation, footer), which
    every page repeats: reversed once per process instead of on every page."""
    return _reverse_once(name, get_script_prefix())


@functools.cache
def _reverse_once(name, script_prefix):
    return reverse(name)
