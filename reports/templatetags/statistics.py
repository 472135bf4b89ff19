"""Numbers on the ministry pages: Western digits and grouping in every language.

Django's Arabic formats group thousands with a dot ("1.250"), which reads as a decimal next to
our amounts ("1,250.500", see ``accounts.templatetags.forms.money``); counts are written the
same way as amounts.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def count(value: object) -> str:
    """A whole number with comma grouping: ``12,345``."""
    if value is None or value == "":
        return ""
    try:
        return f"{int(str(value)):,}"
    except ValueError:
        return str(value)


@register.filter
def days(value: object) -> str:
    """A median number of days with one decimal (``3.5``); an em dash when there is none."""
    if value is None or value == "":
        return "—"
    try:
        return f"{Decimal(str(value)):,.1f}"
    except (InvalidOperation, ValueError):
        return str(value)
