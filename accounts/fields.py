"""Form fields shared by every page where a civil ID is typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import normalise_digits, parse_civil_id


class CivilIdField(forms.CharField):
    """A civil ID under the configured scheme; accepts Arabic-Indic digits and spaces."""

    default_error_messages = {"required": _("Enter the civil ID.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Civil ID"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "dir": "ltr"})

    def to_python(self, value: Any) -> str:
        return normalise_digits(super().to_python(value) or "")

    def validate(self, value: str) -> None:
        super().validate(value)
        if value:
            parse_civil_id(value)
