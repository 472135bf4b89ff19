"""The statistics page: every figure of a range of whole months, from the monthly rollups
(``reports.models``), in a fixed number of small grouped queries whatever the size of the
registry."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet, Sum
from django.utils.dateformat import format as date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from aid_requests.models import AidType, RequestStatus
from applicants.models import Governorate
from charities.models import Organisation
from config.dates import month_number
from reports.events import EVENT_BASIS, EVENT_FIGURES, MONEY_FIGURES, Basis
from reports.models import (
    CoverageFigures,
    CoverageKind,
    DurationMeasure,
    MonthlyDurations,
    MonthlyFigures,
    MonthlyOrganisationFigures,
    MonthlyStatusFigures,
    RollupState,
)
from reports.selectors.filters import HELD, Period, name_of, names_of, rollup_state

S = RequestStatus

#: The additive figures, in the order the tables and exports show them: the requests submitted
#: (``MonthlyStatusFigures``), then the events' (``reports.events``).
FIGURES = ("submitted", *EVENT_FIGURES)
#: An organisation submits nothing (requests are submitted by applicants).
ORG_FIGURES = EVENT_FIGURES
#: Which list is behind each figure.
FIGURE_BASIS = {"submitted": Basis.SUBMITTED, **EVENT_BASIS}
#: Where the request figures place a request's current status.
STATUS_GROUPS = {
    "open_now": (S.OPEN,),
    "held_now": HELD,
    "closed_now": (S.CLOSED,),
    "ineligible_now": (S.INELIGIBLE,),
}


def zero_figures(names: Iterable[str] = FIGURES) -> dict[str, Any]:
    return {n: Decimal("0.000") if n in MONEY_FIGURES else 0 for n in names}


def add_figures(target: dict[str, Any], row: dict[str, Any], names: Iterable[str]) -> None:
    for name in names:
        value = row.get(name)
        if value:
            target[name] += value


def quantized(figures: dict[str, Any]) -> dict[str, Any]:
    return {
        n: v.quantize(Decimal("0.001")) if n in MONEY_FIGURES else v for n, v in figures.items()
    }


FIGURE_LABELS: dict[str, Promise] = {
    "submitted": _("Requests submitted"),
    "claims": _("Claims"),
    "closures": _("Closed"),
    "payments_count": _("Payments"),
    "payments_amount": _("Amount paid (KWD)"),
    "blocked_count": _("Duplicates prevented"),
    "blocked_amount": _("Amount prevented (KWD)"),
    "released_by_deadline": _("Released by the deadline"),
}


@dataclass(frozen=True)
class BreakdownRow:
    key: int | datetime.date | None
    label: str
    figures: dict[str, Any]
    #: Query string of the list behind each figure of this row.
    drills: dict[str, str] = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[str, Any, str, bool]]:
        """(figure, value, query string of its list, is money), in the table's order."""
        return [
            (name, value, self.drills.get(name, ""), name in MONEY_FIGURES)
            for name, value in self.figures.items()
        ]


@dataclass(frozen=True)
class Breakdown:
    rows: list[BreakdownRow]
    #: Rows before the page's cut (organisations: the page shows the first ORG_ROWS).
    total_rows: int = 0
    figures: tuple[str, ...] = FIGURES

    @property
    def columns(self) -> list[tuple[str, Promise]]:
        return [(name, FIGURE_LABELS[name]) for name in self.figures]


@dataclass(frozen=True)
class Headline:
    beneficiaries: int
    households: int
    amount_paid: Decimal
    payments: int
    submitted: int
    open_now: int
    held_now: int
    closed_now: int
    ineligible_now: int
    claims: int
    closures: int
    blocked_count: int
    blocked_amount: Decimal
    released_by_deadline: int
    median_days_to_claim: Decimal | None
    median_days_to_payment: Decimal | None


@dataclass(frozen=True)
class Statistics:
    period: Period
    headline: Headline
    by_aid_type: Breakdown
    by_organisation: Breakdown
    by_governorate: Breakdown
    by_month: Breakdown
    state: RollupState | None = field(default=None)


#: The page lists the organisations with the most paid first, this many of them.
ORG_ROWS = 50


def in_range(rows: Any, period: Period) -> QuerySet[Any]:
    """A rollup table's (manager or queryset) rows of the range and aid type."""
    rows = rows.filter(month__range=(period.start, period.end))
    if period.aid_type_id:
        rows = rows.filter(aid_type_id=period.aid_type_id)
    return rows


def histogram_median(histogram: Sequence[tuple[int, int]]) -> Decimal | None:
    """The median of values given as sorted (value, how many) pairs; None when empty."""
    total = sum(count for _value, count in histogram)
    if total == 0:
        return None
    wanted = {(total - 1) // 2, total // 2}
    found: list[int] = []
    seen = 0
    for value, count in histogram:
        for position in sorted(wanted):
            if seen <= position < seen + count:
                found.append(value)
        seen += count
    return (Decimal(sum(found)) / len(found)).quantize(Decimal("0.1"))


def medians(period: Period) -> dict[str, Decimal | None]:
    """Median whole days submission → claim and claim → first payment (one query)."""
    histograms: dict[str, list[tuple[int, int]]] = {m.value: [] for m in DurationMeasure}
    rows = (
        in_range(MonthlyDurations.objects, period)
        .values("measure", "days")
        .annotate(n=Sum("count"))
        .order_by("measure", "days")
    )
    for row in rows:
        histograms[row["measure"]].append((row["days"], int(row["n"])))
    return {measure: histogram_median(pairs) for measure, pairs in histograms.items()}


def distinct_covered(period: Period) -> tuple[int, int]:
    """(distinct civil IDs, distinct applicant households) with a binding commitment covering
    some day of the range: one query over ``CoverageFigures`` (see there why it is exact)."""
    first, last = month_number(period.start), month_number(period.end)
    rows = (
        CoverageFigures.objects.filter(
            aid_type_key=period.aid_type_id or 0,
            month__gte=first,
            month__lte=last,
            previous__lt=first,
        )
        .values_list("kind")
        .annotate(n=Sum("count"))
        .order_by()
    )
    found = {kind: int(n or 0) for kind, n in rows}
    return found.get(CoverageKind.PERSON, 0), found.get(CoverageKind.HOUSEHOLD, 0)


def _drills(period: Period, names: Iterable[str], **filters: Any) -> dict[str, str]:
    base = period.query(**filters)
    return {name: f"{base}&basis={FIGURE_BASIS[name]}" for name in names}


@dataclass(frozen=True)
class Figures:
    """The numbers of the statistics page for one period, without any name (the same in every
    language): what ``figures_of`` keeps in the cache."""

    totals: dict[str, Any]
    now: dict[str, int]
    #: Figures by aid type id, by governorate id and by month.
    groups: dict[str, dict[Any, dict[str, Any]]]
    people: int
    households: int
    middle: dict[str, Decimal | None]
    #: Every organisation's summed figures, most paid first (then most claims).
    organisations: list[dict[str, Any]]
    state: RollupState | None


#: How long one refresh's figures are kept at most (a refresh changes the key before that).
FIGURES_TIMEOUT = 60 * 60


def _figures_key(period: Period, state: RollupState | None) -> str | None:
    """Figures are keyed by the refresh that wrote the rollups they are sums of: a refresh
    commits its rows and its new ``version`` together, so a key names one set of rollups."""
    if state is None or state.finished_at is None:
        return None
    return (
        f"statistics:{state.version}:{state.finished_at.timestamp()}:"
        f"{period.start}:{period.end}:{period.aid_type_id or 0}"
    )


def figures_of(period: Period) -> Figures:
    """The period's figures, summed from the rollups once per refresh (issue 19: the sums were
    three quarters of the page). The rollups change only when a refresh commits, and each
    refresh bumps ``RollupState.version`` in the same transaction; the figures are kept only
    when the version read after summing is the one read before, so no refresh committed in
    between and the figures are those of that version."""
    state = rollup_state()
    key = _figures_key(period, state)
    if key is not None:
        kept = cache.get(key)
        if isinstance(kept, Figures):
            return kept
    figures = _summed(period)
    if key is not None and _figures_key(period, figures.state) == key:
        cache.set(key, figures, FIGURES_TIMEOUT)
    return figures


def _summed(period: Period) -> Figures:
    """Every figure of the period from the rollups: a fixed number of small queries."""
    # One fetch of the range's (month, aid type, governorate) cells of events and one of
    # statuses (summed per cell): headline, aid types, governorates and months are all sums
    # of these few hundred rows, added up here.
    cells: list[dict[str, Any]] = list(
        in_range(MonthlyFigures.objects, period).values(
            "month", "aid_type_id", "governorate_id", *EVENT_FIGURES
        )
    )
    cells += list(
        in_range(MonthlyStatusFigures.objects, period)
        .values("month", "aid_type_id", "governorate_id")
        .annotate(
            submitted=Sum("count"),
            **{
                name: Sum("count", filter=Q(status__in=members))
                for name, members in STATUS_GROUPS.items()
            },
        )
        .order_by()
    )
    totals = zero_figures((*FIGURES, *STATUS_GROUPS))
    groups: dict[str, dict[Any, dict[str, Any]]] = {
        "aid_type_id": defaultdict(zero_figures),
        "governorate_id": defaultdict(zero_figures),
        "month": defaultdict(zero_figures),
    }
    for row in cells:
        add_figures(totals, row, (*FIGURES, *STATUS_GROUPS))
        for key, group in groups.items():
            add_figures(group[row[key]], row, FIGURES)
    now = {name: totals.pop(name) for name in STATUS_GROUPS}
    people, households = distinct_covered(period)
    organisations = list(
        in_range(MonthlyOrganisationFigures.objects, period)
        .values("organisation_id")
        .annotate(**{name: Sum(name) for name in ORG_FIGURES})
        .order_by("-payments_amount", "-claims", "organisation_id")
    )
    return Figures(
        totals=quantized(totals),
        now=now,
        groups={
            name: {key: quantized(figures) for key, figures in group.items()}
            for name, group in groups.items()
        },
        people=people,
        households=households,
        middle=medians(period),
        organisations=organisations,
        state=rollup_state(),
    )


def statistics(period: Period) -> Statistics:
    """Everything the statistics page shows: the period's figures (``figures_of``) with the
    names of aid types, governorates and the organisations shown, in the current language."""
    figures = figures_of(period)
    aid_types, governorates = names_of(AidType), names_of(Governorate)
    totals, groups, middle = figures.totals, figures.groups, figures.middle
    headline = Headline(
        beneficiaries=figures.people,
        households=figures.households,
        amount_paid=totals["payments_amount"],
        payments=totals["payments_count"],
        submitted=totals["submitted"],
        claims=totals["claims"],
        closures=totals["closures"],
        blocked_count=totals["blocked_count"],
        blocked_amount=totals["blocked_amount"],
        released_by_deadline=totals["released_by_deadline"],
        median_days_to_claim=middle[DurationMeasure.TO_CLAIM],
        median_days_to_payment=middle[DurationMeasure.TO_PAYMENT],
        **figures.now,
    )
    by_type = Breakdown(
        rows=[
            BreakdownRow(
                key=pk,
                label=aid_types.get(pk, ""),
                figures=dict(row),
                drills=_drills(replace(period, aid_type_id=pk), FIGURES),
            )
            for pk, row in sorted(groups["aid_type_id"].items())
        ]
    )
    by_gov = Breakdown(
        rows=[
            BreakdownRow(
                key=pk,
                label=governorates.get(pk, ""),
                figures=dict(row),
                drills=_drills(period, FIGURES, governorate=pk),
            )
            for pk, row in sorted(groups["governorate_id"].items())
        ]
    )
    months = groups["month"]
    by_month = Breakdown(
        rows=[
            BreakdownRow(
                key=month,
                label=date_format(month, "F Y"),
                figures=dict(months.get(month) or zero_figures()),
                drills=_drills(Period.month(month, period.aid_type_id), FIGURES),
            )
            for month in period.months
        ]
    )
    return Statistics(
        period=period,
        headline=headline,
        by_aid_type=by_type,
        by_organisation=_organisation_rows(period, figures, limit=ORG_ROWS),
        by_governorate=by_gov,
        by_month=by_month,
        state=figures.state,
    )


def by_aid_type(period: Period) -> Breakdown:
    return statistics(period).by_aid_type


def by_governorate(period: Period) -> Breakdown:
    return statistics(period).by_governorate


def by_month(period: Period) -> Breakdown:
    """Every month of the range, empty months included (the line chart needs them)."""
    return statistics(period).by_month


def by_organisation(period: Period, *, limit: int | None = None) -> Breakdown:
    """What each organisation did in the range; most paid first (then most claims)."""
    return _organisation_rows(period, figures_of(period), limit=limit)


def _organisation_rows(period: Period, figures: Figures, *, limit: int | None) -> Breakdown:
    rows = figures.organisations
    shown = rows if limit is None else rows[:limit]
    wanted = [row["organisation_id"] for row in shown]
    names = {o.pk: name_of(o) for o in Organisation.objects.filter(pk__in=wanted)}
    out = []
    for row in shown:
        summed = zero_figures(ORG_FIGURES)
        add_figures(summed, row, ORG_FIGURES)
        pk = row["organisation_id"]
        out.append(
            BreakdownRow(
                key=pk,
                label=names.get(pk, ""),
                figures=quantized(summed),
                drills=_drills(period, ORG_FIGURES, organisation=pk),
            )
        )
    return Breakdown(rows=out, total_rows=len(rows), figures=ORG_FIGURES)


BREAKDOWNS: dict[str, Callable[[Period], Breakdown]] = {
    "aid_types": by_aid_type,
    "governorates": by_governorate,
    "organisations": by_organisation,
    "months": by_month,
}
