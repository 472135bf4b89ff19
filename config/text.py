"""Words shared by every language-aware text: the separator of a list."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext


def list_separator() -> str:
    """ ", " in English, "، " (the Arabic comma) in Arabic: the active language's own comma."""
    return pgettext("list separator", ", ")


def join_list(items: Iterable[object]) -> str:
    return list_separator().join(str(item) for item in items)


def request_reference(pk: int) -> str:
    """The one way an aid request is named to people, e.g. ``MSA-0000042`` (never ``#42``)."""
    return f"MSA-{pk:07d}"
