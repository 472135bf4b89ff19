from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from webhooks.models import Event


class EndpointForm(forms.Form):
    url = forms.URLField(label=_("Address (https)"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=Event.choices, widget=forms.CheckboxSelectMultiple
    )
