"""One form renderer for every form (ours and allauth's): Bootstrap classes, accessible errors;
the hidden one-time key of the forms that must not do their work twice.

Django 5.2 already ties errors and help text to their input (``aria-describedby``,
``aria-invalid``); these templates add the visual layer.
"""

import secrets
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _


class FormRenderer(TemplatesSetting):
    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


#: What a person sees when a form's hidden key is missing or altered.
OUT_OF_DATE = _("This form is out of date: reload the page and send it again.")


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class SubmissionKeyField(forms.CharField):
    """A form's hidden one-time key: the service behind the form does its work once per key,
    so a double click, a resent POST or two tabs sending the same form at once do it once. The
    form gives it a new value each time it is shown (``new_submission_key`` in its
    ``initial``)."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            min_length=16,
            max_length=64,
            validators=[RegexValidator(r"^[A-Za-z0-9_-]+$")],
            error_messages=dict.fromkeys(
                ("required", "min_length", "max_length", "invalid"), OUT_OF_DATE
            ),
            **kwargs,
        )
