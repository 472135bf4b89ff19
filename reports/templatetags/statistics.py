"""Numbers on the ministry pages: Western digits and grouping in every language.

Django's Arabic formats group thousands with a dot ("1.250"), which reads as a decimal next to
our amounts ("1,250.500", see ``accounts.templatetags.forms.money``); counts are written the
same way as amounts.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from accounts.templatetags.forms import money

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


@register.simple_tag
def breakdown_rows(
    breakdown: Any, kind: str, requests_url: str, organisations_url: str, period_query: str
) -> SafeString:
    """The ``<tr>`` of a statistics table (``reports/partials/breakdown.html``), made in Python:
    four tables of up to 25 rows × 7 figures, each a link to the list behind it, were ~1,000
    template nodes a page, two thirds of its time (issue 19). Every value is escaped; the
    markup is the loop's it replaced (tests/reports compares them)."""
    months = kind == "months"
    requests = escape(requests_url)
    testid = f"{escape(kind)}-row"
    header = ' class="fw-normal text-nowrap"' if months else ' class="fw-normal"'
    rows = []
    for row in breakdown.rows:
        key = str(row.key) if not months else row.key.strftime("%Y-%m") if row.key else ""
        label = escape(str(row.label))
        if kind == "organisations":
            label = (
                f'<a href="{escape(organisations_url)}{escape(key)}/?{escape(period_query)}">'
                f"{label}</a>"
            )
        cells = "".join(
            f'<td class="text-end{" nowrap" if is_money else ""}" dir="ltr">'
            f'<a href="{requests}?{escape(drill)}" data-figure="{escape(name)}">'
            f"{escape(money(value) if is_money else count(value))}</a></td>"
            for name, value, drill, is_money in row.cells
        )
        rows.append(
            f'<tr data-testid="{testid}" data-key="{escape(key)}">'
            f'<th scope="row"{header}>{label}</th>{cells}</tr>'
        )
    return mark_safe("\n".join(rows))  # noqa: S308 - every value is escaped above
