"""Template helpers for lists written in the reader's language (`config/text.py`)."""

from __future__ import annotations

from collections.abc import Iterable

from django import template

from config.text import join_list, list_separator

register = template.Library()


@register.filter
def listing(items: Iterable[object]) -> str:
    """``{{ names|listing }}``: "a, b" in English, "a، b" in Arabic."""
    return join_list(items)


@register.simple_tag
def separator() -> str:
    """``{% if not forloop.last %}{% separator %}{% endif %}`` inside a loop."""
    return list_separator()
