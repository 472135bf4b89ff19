"""The identity simulator's forms (the phone page of the fake national-ID app)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.fields import CivilIdField


class SimulatorLookupForm(forms.Form):
    """The simulator's phone page: whose phone is this?"""

    civil_id = CivilIdField()


class SimulatorAnswerForm(forms.Form):
    """Approve or Reject on the simulated phone."""

    civil_id = CivilIdField(widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))], widget=forms.HiddenInput
    )
