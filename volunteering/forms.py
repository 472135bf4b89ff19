"""Forms of paid volunteering: the opportunity, applying, deciding, hours and the stipend."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from aid_requests.models import PaymentMethod
from applicants.models import Governorate
from volunteering.models import Opportunity, WorkKind
from volunteering.services.opportunities import FIELDS

_DATE = {"type": "date"}


class OpportunityForm(forms.ModelForm):
    class Meta:
        model = Opportunity
        fields = FIELDS
        widgets = {
            "starts_on": forms.DateInput(attrs=_DATE),
            "ends_on": forms.DateInput(attrs=_DATE),
            "closes_on": forms.DateInput(attrs=_DATE),
            "description_ar": forms.Textarea(attrs={"rows": 3, "dir": "rtl"}),
            "description_en": forms.Textarea(attrs={"rows": 3, "dir": "ltr", "lang": "en"}),
            "title_en": forms.TextInput(attrs={"dir": "ltr", "lang": "en"}),
            "skills": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self) -> dict:
        data = super().clean() or {}
        starts, ends, closes = data.get("starts_on"), data.get("ends_on"), data.get("closes_on")
        if starts and ends and ends < starts:
            self.add_error("ends_on", _("The opportunity ends before it starts."))
        if closes and ends and closes > ends:
            self.add_error("closes_on", _("Applications must close before the work ends."))
        return data


class FilterForm(forms.Form):
    governorate = forms.ModelChoiceField(
        label=_("Governorate"),
        queryset=Governorate.objects.order_by("id"),
        required=False,
        empty_label=_("All governorates"),
    )
    kind = forms.ChoiceField(
        label=_("Kind of work"), choices=[("", _("All kinds")), *WorkKind.choices], required=False
    )
    starts_from = forms.DateField(
        label=_("Starting from"), required=False, widget=forms.DateInput(attrs=_DATE)
    )
    starts_until = forms.DateField(
        label=_("Starting until"), required=False, widget=forms.DateInput(attrs=_DATE)
    )


class ApplyForm(forms.Form):
    note = forms.CharField(
        label=_("A short note to the organisation"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )


class HoursForm(forms.Form):
    week = forms.TypedChoiceField(label=_("Week"), coerce=int)
    hours = forms.DecimalField(
        label=_("Hours"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=Decimal("168"),
    )

    def __init__(self, *args: Any, weeks: list[tuple[int, datetime.date]], **kwargs: Any) -> None:
        """``weeks``: (number, first day) of the placement's weeks begun so far."""
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["week"])
        field.choices = [
            (
                n,
                _("Week %(n)s, from %(date)s")
                % {"n": n, "date": date_format(day, "SHORT_DATE_FORMAT")},
            )
            for n, day in weeks
        ]


class StipendForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs=_DATE))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)

    def clean_paid_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["paid_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A payment cannot be dated in the future."))
        return day
