"""Template filters of the monitoring pages: bucket and ladder codes in the page's language."""

from django import template

register = template.Library()


@register.filter
def bucket_label(code) -> str:
    """ "current" and "overdue" as words of the page's language; ranges ("1-30", "0-1m") as they are."""
    from monitoring.admin import bucket_label as label

    return label(str(code))
