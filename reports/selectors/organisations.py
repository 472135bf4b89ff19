"""One organisation's page: its activity in a range (rollups) and its cases as they stand."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Min, Sum
from django.utils import timezone

from aid_requests.models import AidRequest, Payment
from charities.models import Organisation
from dedup.models import PreventedDuplicate
from reports.models import DurationMeasure, MonthlyOrganisationFigures, RollupState
from reports.selectors.drilldown import annotate_overdue, blocked_in, overdue_condition, payments_in
from reports.selectors.filters import HELD, Period, rollup_state
from reports.selectors.statistics import (
    ORG_FIGURES,
    add_figures,
    histogram_median,
    in_range,
    quantized,
    zero_figures,
)

#: The organisation page lists this many of each kind of row (the rest through the lists).
ORGANISATION_ROWS = 10


@dataclass(frozen=True)
class OrganisationReport:
    organisation: Organisation
    period: Period
    figures: dict[str, Any]
    medians: dict[str, Decimal | None]
    open_claims: int
    overdue_claims: int
    overdue: list[AidRequest]
    payments: list[Payment]
    payments_total: int
    blocked: list[PreventedDuplicate]
    blocked_total: int
    state: RollupState | None


def organisation_medians(organisation: Organisation, period: Period) -> dict[str, Decimal | None]:
    """The organisation's medians, from its own requests claimed in the range (an indexed read
    of one organisation's claims: a few hundred to a few thousand rows)."""
    requests = AidRequest.objects.filter(
        claimed_by=organisation, claimed_at__gte=period.start_at, claimed_at__lt=period.end_before
    )
    if period.aid_type_id:
        requests = requests.filter(aid_type_id=period.aid_type_id)
    to_claim: dict[int, int] = defaultdict(int)
    to_payment: dict[int, int] = defaultdict(int)
    for row in (
        requests.annotate(first_paid=Min("payments__paid_on"))
        .values("submitted_at", "claimed_at", "first_paid")
        .order_by()
    ):
        claim_day = timezone.localdate(row["claimed_at"])
        to_claim[(claim_day - timezone.localdate(row["submitted_at"])).days] += 1
        if row["first_paid"] is not None:
            to_payment[(row["first_paid"] - claim_day).days] += 1
    return {
        DurationMeasure.TO_CLAIM.value: histogram_median(sorted(to_claim.items())),
        DurationMeasure.TO_PAYMENT.value: histogram_median(sorted(to_payment.items())),
    }


def organisation_report(organisation: Organisation, period: Period) -> OrganisationReport:
    """An organisation's activity in the range (rollups) and its cases as they stand now."""
    figures = zero_figures(ORG_FIGURES)
    add_figures(
        figures,
        in_range(MonthlyOrganisationFigures.objects, period)
        .filter(organisation=organisation)
        .aggregate(**{name: Sum(name) for name in ORG_FIGURES}),
        ORG_FIGURES,
    )
    figures = quantized(figures)
    held = AidRequest.objects.filter(claimed_by=organisation, status__in=HELD)
    if period.aid_type_id:
        held = held.filter(aid_type_id=period.aid_type_id)
    overdue = annotate_overdue(held).filter(overdue_condition())
    payments = payments_in(period, organisation.pk)
    blocked = blocked_in(period, organisation.pk)
    return OrganisationReport(
        organisation=organisation,
        period=period,
        figures=figures,
        medians=organisation_medians(organisation, period),
        open_claims=held.count(),
        overdue_claims=overdue.count(),
        overdue=list(
            overdue.select_related("aid_type", "governorate").order_by("claimed_at", "pk")[
                :ORGANISATION_ROWS
            ]
        ),
        payments=list(
            payments.select_related("aid_request__aid_type").order_by("-paid_on", "-pk")[
                :ORGANISATION_ROWS
            ]
        ),
        payments_total=figures["payments_count"],
        blocked=list(
            blocked.select_related("aid_type").order_by("-first_refused_at", "-pk")[
                :ORGANISATION_ROWS
            ]
        ),
        blocked_total=figures["blocked_count"],
        state=rollup_state(),
    )
