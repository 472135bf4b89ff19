from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import MINISTRY_SCOPES, ORGANISATION_SCOPES, Scope


class ApiClientForm(forms.Form):
    """A new client: of an organisation (its scopes), or with ``ministry`` the ministry's."""

    name = forms.CharField(label=_("Name of the software"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    rate_limit = forms.IntegerField(
        label=_("Calls a minute"), min_value=1, max_value=6000, initial=120
    )

    def __init__(self, *args: Any, ministry: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        side = MINISTRY_SCOPES if ministry else ORGANISATION_SCOPES
        field = cast(forms.MultipleChoiceField, self.fields["scopes"])
        field.choices = [(scope.value, scope.label) for scope in side]
