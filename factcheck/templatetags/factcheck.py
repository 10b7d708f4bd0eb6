from django import template

register = template.Library()


@register.filter
def resolve_by_state(claim, today):
    """ "due" or "overdue" for an unresolved prediction whose date has come."""
    return claim.resolve_by_state(today)


@register.filter
def machine_datetime(value):
    """A datetime for a <time datetime> attribute (HTML allows at most milliseconds)."""
    return value.isoformat(timespec="seconds") if value else ""
