"""Paid volunteering in the ministry's figures: volunteers, confirmed hours and stipends paid,
by organisation, by governorate (where the work is) and by month; and how many applicants said
they prefer paid volunteering to direct aid. Counted in SQL; no person is named.

* A volunteer: a person accepted on a placement (its stipend aid exists), whether or not they
  later left it. By month: a person with confirmed hours in a week starting that month.
* Hours: confirmed weeks only, in the month their week starts (as they are paid).
* Stipends: the payments of the paid-volunteering aid type, in the month they are dated —
  the same payments the statistics page counts as aid.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from aid_requests.models import Payment
from applicants.models import Governorate
from charities.models import Organisation
from volunteering.models import Application, HourLog, HoursStatus, Preference
from volunteering.programme import CODE

ZERO = Decimal("0.000")


@dataclass
class VolunteeringRow:
    label: str
    volunteers: int = 0
    hours: Decimal = Decimal(0)
    stipends: Decimal = ZERO


@dataclass(frozen=True)
class VolunteeringFigures:
    totals: VolunteeringRow
    chose_volunteering: int
    by_organisation: list[VolunteeringRow]
    by_governorate: list[VolunteeringRow]
    by_month: list[VolunteeringRow]


def _placed():
    return Application.objects.filter(aid_request__isnull=False)


def _confirmed():
    return HourLog.objects.filter(status=HoursStatus.CONFIRMED)


def _stipends():
    return Payment.objects.filter(aid_request__aid_type__code=CODE)


def _grouped(volunteers: dict, hours: dict, stipends: dict, labels: dict) -> list[VolunteeringRow]:
    keys = sorted(set(volunteers) | set(hours) | set(stipends), key=lambda k: (k is None, k))
    return [
        VolunteeringRow(
            label=labels.get(key, "—"),
            volunteers=volunteers.get(key, 0),
            hours=hours.get(key) or Decimal(0),
            stipends=stipends.get(key) or ZERO,
        )
        for key in keys
    ]


def _by(path_application: str, path_payment: str, labels: dict) -> list[VolunteeringRow]:
    volunteers = dict(
        _placed()
        .values_list(path_application)
        .annotate(n=Count("applicant", distinct=True))
        .values_list(path_application, "n")
    )
    hours = dict(
        _confirmed()
        .values_list(f"application__{path_application}")
        .annotate(total=Sum("hours"))
        .values_list(f"application__{path_application}", "total")
    )
    stipends = dict(
        _stipends()
        .values_list(path_payment)
        .annotate(total=Sum("amount"))
        .values_list(path_payment, "total")
    )
    return _grouped(volunteers, hours, stipends, labels)


def volunteering_figures() -> VolunteeringFigures:
    organisations = {
        o.pk: str(o) for o in Organisation.objects.filter(opportunities__isnull=False).distinct()
    }
    governorates = {g.pk: str(g) for g in Governorate.objects.all()}
    by_month_volunteers = dict(
        _confirmed()
        .annotate(month=TruncMonth("week_starts_on"))
        .values_list("month")
        .annotate(n=Count("application__applicant", distinct=True))
        .values_list("month", "n")
    )
    by_month_hours = dict(
        _confirmed()
        .annotate(month=TruncMonth("week_starts_on"))
        .values_list("month")
        .annotate(total=Sum("hours"))
        .values_list("month", "total")
    )
    by_month_stipends = dict(
        _stipends()
        .annotate(month=TruncMonth("paid_on"))
        .values_list("month")
        .annotate(total=Sum("amount"))
        .values_list("month", "total")
    )
    months = set(by_month_volunteers) | set(by_month_hours) | set(by_month_stipends)
    month_labels = {m: _month_label(m) for m in months}
    return VolunteeringFigures(
        totals=VolunteeringRow(
            label="",
            volunteers=_placed().values("applicant").distinct().count(),
            hours=_confirmed().aggregate(total=Sum("hours"))["total"] or Decimal(0),
            stipends=_stipends().aggregate(total=Sum("amount"))["total"] or ZERO,
        ),
        chose_volunteering=Preference.objects.filter(prefers_volunteering=True).count(),
        by_organisation=_by("opportunity__organisation", "organisation", organisations),
        by_governorate=_by(
            "opportunity__governorate",
            "aid_request__placement__opportunity__governorate",
            governorates,
        ),
        by_month=_grouped(by_month_volunteers, by_month_hours, by_month_stipends, month_labels),
    )


def _month_label(month: datetime.date | datetime.datetime | None) -> str:
    if month is None:
        return "—"
    return f"{month:%Y-%m}"
