import datetime
import functools

from django import template
from django.conf import settings
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .. import as_of, publishing
from ..models import public_name

register = template.Library()


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
def due_flag(claim, today):
    """The "due" or "overdue" flag of a prediction in a list, or nothing."""
    return publishing.due_flag(claim, today)


@register.filter
def on_day(url, day):
    """``url`` as of ``day`` (an as_of.AsOf, a date or a datetime): the page
    itself for today, a later day or no day."""
    return as_of.dated_url(url, day.day if isinstance(day, as_of.AsOf) else day)


@register.filter
def machine_datetime(value):
    """A datetime for a <time datetime> attribute (HTML allows at most milliseconds)."""
    return value.isoformat(timespec="seconds") if value else ""


@register.filter(expects_localtime=True)
def date_text(value, style="long"):
    """A date or datetime in the site's words: "20 October 2022", "20 Oct 2022"
    with style "short", "20 Oct 2022, 14:05" with style "minute". (Django's
    date filter would parse its format string on every call.)"""
    if not value:
        return ""
    month = MONTHS[value.month - 1]
    if style == "long":
        return f"{value.day} {month} {value.year}"
    text = f"{value.day} {month[:3]} {value.year}"
    return f"{text}, {value:%H:%M}" if style == "minute" else text


@register.filter(expects_localtime=True)
def time_tag(value, style="long"):
    """``date_text`` as a <time> element, machine-readable in its attribute (a
    datetime to the second)."""
    if not value:
        return ""
    is_datetime = isinstance(value, datetime.datetime)
    machine = machine_datetime(value) if is_datetime else value.isoformat()
    # Digits, month names and ISO dates only: nothing here needs escaping.
    return mark_safe(f'<time datetime="{machine}">{date_text(value, style)}</time>')


@register.filter
def status_badge(info):
    """A status label coloured by its tone (a filter: cheaper than an include per row)."""
    return _badge(info)


@register.simple_tag
def status_chart(breakdown, chart_id):
    """The status chart of publishing.status_breakdown's segments: a bar with a
    legend. A tag, not an include: home draws twenty, and the include's
    lookups of each segment's fields took a third of the page (measured)."""
    if not breakdown:
        return mark_safe(
            '<figure class="status-chart"><figcaption>No claims recorded yet.</figcaption></figure>'
        )
    return format_html(
        '<figure class="status-chart">'
        '<svg class="status-bar" viewBox="0 0 100 4" preserveAspectRatio="none" role="img"'
        ' aria-labelledby="{id}-title" focusable="false">'
        '<title id="{id}-title">Claims by status: {title}</title>{bars}</svg>'
        '<figcaption><ul class="legend">{legend}</ul></figcaption></figure>',
        id=chart_id,
        title=", ".join(f"{segment.info.label} {segment.count}" for segment in breakdown),
        bars=format_html_join(
            "",
            '<rect class="tone-{}" x="{}" y="0" width="{}" height="4"></rect>',
            ((segment.info.tone, segment.offset, segment.width) for segment in breakdown),
        ),
        legend=format_html_join(
            "",
            '<li><span class="swatch tone-{}"></span>{}: {}</li>',
            ((segment.info.tone, segment.info.label, segment.count) for segment in breakdown),
        ),
    )


@functools.cache
def _badge(info):
    # A handful of statuses, each drawn many times: built once per process.
    return format_html('<span class="status tone-{}">{}</span>', info.tone, info.label)


@register.filter
def credit(change):
    """Who a public timeline credits with a status change: the reviewer who
    rated it and, under sign-off, the one who approved it."""
    if change.approved_by_id is None:
        return f"By {public_name(change.changed_by)}"
    if not settings.FACTCHECK_PUBLIC_NAMES:
        return "Rated by one of the desk's reviewers, approved by another"
    return (
        f"Rated by {public_name(change.changed_by)}, approved by {public_name(change.approved_by)}"
    )
