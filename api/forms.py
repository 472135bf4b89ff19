from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from api.models import Scope


class ApiClientForm(forms.Form):
    name = forms.CharField(label=_("Name of the software"), max_length=100)
    scopes = forms.MultipleChoiceField(
        label=_("Scopes"), choices=Scope.choices, widget=forms.CheckboxSelectMultiple
    )
    rate_limit = forms.IntegerField(
        label=_("Calls a minute"), min_value=1, max_value=6000, initial=120
    )
