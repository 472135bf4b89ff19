"""One form renderer for every form (ours and allauth's): Bootstrap classes, accessible errors;
the hidden one-time key of the forms that must not do their work twice.

Django 5.2 already ties errors and help text to their input (``aria-describedby``,
``aria-invalid``); these templates add the visual layer.
"""

import secrets
from collections.abc import Callable, Hashable
from typing import Any

from django import forms
from django.conf import settings
from django.core.validators import RegexValidator
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import SafeString
from django.utils.translation import get_language
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


#: The markup of blank forms, by language and key (``blank_form_html``); emptied when full.
_BLANK_FORMS: dict[tuple[Hashable, ...], SafeString] = {}
BLANK_FORMS_KEPT = 512


def blank_form_html(key: tuple[Hashable, ...], build: Callable[[], forms.BaseForm]) -> SafeString:
    """The markup of the unbound form ``build()`` makes, rendered once per process for each
    language and ``key`` (issue 19).

    Each field of a form goes through the form templates, for the same markup on every request
    of a page that shows the same empty forms (the case page: up to five; with one shown, that
    was about a tenth of its template time). ``key`` names all else the markup depends on —
    which form, its ids, its initial values — so that one key always stands for one markup.
    The CSRF token is no part of it: ``{% csrf_token %}`` sits beside the form in the page,
    rendered for each request. Not for a form that carries a
    value of its own each time it is shown (``SubmissionKeyField``). In development (DEBUG)
    templates change without a restart: the form is rendered each time.
    """
    if settings.DEBUG:
        return build().render()
    cache_key = (get_language(), *key)
    html = _BLANK_FORMS.get(cache_key)
    if html is None:
        if len(_BLANK_FORMS) >= BLANK_FORMS_KEPT:
            _BLANK_FORMS.clear()
        html = _BLANK_FORMS[cache_key] = build().render()
    return html
