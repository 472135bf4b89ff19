"""Filters of the ministry pages (all GET forms, always valid: bad input falls back)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from aid_requests.models import AidType
from applicants.models import Governorate
from charities.models import Organisation
from reports.models import ExportFormat, ExportKind
from reports.selectors import STATES, Basis, Period, RequestFilters

#: Longer ranges are refused (they would only make the page slower, not more useful).
MAX_RANGE_DAYS = 366 * 10


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Until"), required=False, widget=DateInput())
    aid_type = forms.ModelChoiceField(
        label=_("Aid type"),
        queryset=AidType.objects.order_by("id"),
        required=False,
        empty_label=_("All aid types"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        default = Period.this_year()
        start = cleaned.get("start") or default.start
        end = cleaned.get("end") or default.end
        if end < start:
            self.add_error("end", _("The end of the range is before its start."))
        elif (end - start).days > MAX_RANGE_DAYS:
            self.add_error("end", _("Choose a range of at most ten years."))
        cleaned["start"], cleaned["end"] = start, end
        return cleaned

    def period(self) -> Period:
        """The chosen period; this calendar year when the form is empty or invalid."""
        if not self.is_valid():
            return Period.this_year()
        aid_type = self.cleaned_data.get("aid_type")
        return Period(
            start=self.cleaned_data["start"],
            end=self.cleaned_data["end"],
            aid_type_id=aid_type.pk if aid_type else None,
        )


class RequestFilterForm(PeriodForm):
    governorate = forms.ModelChoiceField(
        label=_("Governorate"),
        queryset=Governorate.objects.order_by("id"),
        required=False,
        empty_label=_("All governorates"),
    )
    organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("id"),
        required=False,
        empty_label=_("All organisations"),
    )
    basis = forms.ChoiceField(
        label=_("Requests"),
        required=False,
        choices=[
            (Basis.SUBMITTED, _("submitted in the range")),
            (Basis.CLAIMED, _("claimed in the range")),
            (Basis.CLOSED, _("closed in the range")),
            (Basis.PAID, _("paid in the range")),
            (Basis.BLOCKED, _("refused as duplicates in the range")),
            (Basis.RELEASED, _("released by the deadline in the range")),
            (Basis.CURRENT, _("as they stand now (any date)")),
        ],
    )
    state = forms.ChoiceField(
        label=_("Status now"),
        required=False,
        choices=[
            ("", _("Any")),
            ("open", _("Open")),
            ("held", _("Claimed, approved or paying")),
            ("claimed", _("Claimed, not yet approved")),
            ("closed", _("Closed")),
            ("ineligible", _("Ineligible")),
        ],
    )
    overdue = forms.BooleanField(label=_("Only claims past the deadline"), required=False)

    def filters(self) -> RequestFilters:
        period = self.period()
        if not self.is_valid():
            return RequestFilters(period=period)
        data = self.cleaned_data
        return RequestFilters(
            period=period,
            basis=data.get("basis") or Basis.SUBMITTED,
            governorate_id=data["governorate"].pk if data.get("governorate") else None,
            organisation_id=data["organisation"].pk if data.get("organisation") else None,
            state=data.get("state") if data.get("state") in STATES else None,
            overdue=bool(data.get("overdue")),
        )


class ExportForm(RequestFilterForm):
    kind = forms.ChoiceField(choices=ExportKind.choices)
    file_format = forms.ChoiceField(choices=ExportFormat.choices)

    def parameters(self) -> dict[str, Any]:
        """The filters as JSON-safe values (what an ExportJob stores)."""
        params = self.filters().as_params()
        if self.cleaned_data["kind"] != ExportKind.REQUESTS:
            params.pop("basis", None)
        return params
