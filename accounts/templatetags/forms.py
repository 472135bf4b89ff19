"""Template filters used by the shared form templates (templates/forms/)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms, template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def is_checkbox(field: forms.BoundField) -> bool:
    return isinstance(field.field.widget, forms.CheckboxInput)


@register.filter
def with_classes(field: forms.BoundField, classes: str) -> SafeString:
    """Render the widget with Bootstrap classes; Django adds aria-invalid/aria-describedby."""
    widget = field.field.widget
    if isinstance(widget, forms.Select) and classes == "form-control":
        classes = "form-select"
    if field.errors:
        classes += " is-invalid"
    existing = widget.attrs.get("class", "")
    return field.as_widget(attrs={"class": f"{existing} {classes}".strip()})


@register.filter
def money(value: object) -> str:
    """KWD with three decimals, a dot and Western digits in every language ("1,250.500").

    Django's localised formats write an Arabic decimal comma, which makes 600.000 read as six
    hundred thousand; amounts are always shown this way, inside ``dir="ltr"``.
    """
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.3f}"
    except (InvalidOperation, ValueError):
        return str(value)
