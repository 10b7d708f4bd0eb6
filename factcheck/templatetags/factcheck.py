from django import template

register = template.Library()


@register.filter
def resolve_by_state(claim, today):
    """ "due" or "overdue" for an unresolved prediction whose date has come."""
    return claim.resolve_by_state(today)
