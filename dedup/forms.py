"""The ministry's decisions on coverage conflicts and possible duplicates."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from dedup.models import ConflictResolution
from dedup.services.adjudication import DUPLICATE_DECISIONS


class ConflictResolveForm(forms.Form):
    resolution = forms.ChoiceField(label=_("Decision"), choices=ConflictResolution.choices)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea({"rows": 2}))


class DuplicateDecideForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=list(DUPLICATE_DECISIONS.items()))
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea({"rows": 2}))
