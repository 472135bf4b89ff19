"""Filters of the ministry pages (all GET forms, always valid: bad input falls back).

The ranges are whole months (decided in docs/decisions.md): a ministry official reads months
and years, and whole months let every figure come from the monthly rollups.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.fields import CivilIdField
from aid_requests.models import AidType
from applicants.models import Governorate
from charities.models import Organisation
from config.dates import month_end, month_number, month_start
from reports.events import Basis
from reports.models import ExportFormat, ExportKind
from reports.selectors.filters import STATES, Period, RequestFilters

#: Longer ranges are refused (they would only make the page slower, not more useful).
MAX_RANGE_MONTHS = 12 * 10

#: The months a range may name: none before the registry's oldest possible data, none more than
#: a few years ahead (coverage periods reach into the future, 9999-12 does not).
FIRST_MONTH = datetime.date(2000, 1, 1)
YEARS_AHEAD = 5


def last_month() -> datetime.date:
    """The last month a range may name: December, ``YEARS_AHEAD`` years from now."""
    return datetime.date(timezone.localdate().year + YEARS_AHEAD, 12, 1)


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs={"placeholder": "YYYY-MM", **(attrs or {})}, format="%Y-%m")


class MonthField(forms.DateField):
    """A month typed as ``YYYY-MM`` (what ``<input type="month">`` sends); a full date
    ``YYYY-MM-DD`` is accepted too and stands for its month. The value is the month's first
    day."""

    widget = MonthInput
    input_formats = ["%Y-%m", "%Y-%m-%d"]
    default_error_messages = {"invalid": _("Enter a month as YYYY-MM.")}

    def to_python(self, value: Any) -> datetime.date | None:
        day = super().to_python(value)
        return month_start(day) if day else None

    def validate(self, value: Any) -> None:
        super().validate(value)
        if value is not None and not FIRST_MONTH <= value <= last_month():
            raise forms.ValidationError(
                _("Choose a month from %(first)s to %(last)s."),
                code="out_of_range",
                params={"first": f"{FIRST_MONTH:%Y-%m}", "last": f"{last_month():%Y-%m}"},
            )


class PeriodForm(forms.Form):
    start = MonthField(label=_("From (month)"), required=False)
    end = MonthField(label=_("Until (month, included)"), required=False)
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
        end = cleaned.get("end") or default.end.replace(day=1)
        months = month_number(end) - month_number(start)
        if end < start:
            self.add_error("end", _("The end of the range is before its start."))
        elif months >= MAX_RANGE_MONTHS:
            self.add_error("end", _("Choose a range of at most ten years."))
        cleaned["start"], cleaned["end"] = start, month_end(end)
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
        label=_("Rows"),
        required=False,
        choices=[
            (Basis.SUBMITTED, _("requests submitted in the range")),
            (Basis.CLAIMED, _("claims made in the range")),
            (Basis.CLOSED, _("closures in the range")),
            (Basis.PAID, _("payments in the range")),
            (Basis.BLOCKED, _("duplicates prevented in the range (once each)")),
            (Basis.RELEASED, _("claims released by the deadline in the range")),
            (Basis.CURRENT, _("requests as they stand now (any date)")),
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
    overdue = forms.BooleanField(
        label=_("Only cases that are due or overdue (claims near the deadline, late payments)"),
        required=False,
    )

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


class BeneficiaryLookupForm(forms.Form):
    """The civil ID whose picture a ministry official opens (sent by POST, never in a URL)."""

    civil_id = CivilIdField(label=_("Civil ID (applicant or household member)"))


class SourcesMonthForm(forms.Form):
    """The month of the figures by source (this month when empty or invalid)."""

    month = MonthField(label=_("Month"), required=False)

    def chosen_month(self) -> datetime.date:
        if self.is_valid() and self.cleaned_data.get("month"):
            return self.cleaned_data["month"]  # type: ignore[no-any-return]
        return month_start(timezone.localdate())
