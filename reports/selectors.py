"""Reads for ministry pages. Every caller has already been checked for VIEW_STATISTICS.

Sums come from the rollup tables (``DailyFigures``, ``DurationFigures``), a fixed number of
grouped queries whatever the size of the registry. Distinct beneficiaries and households are
not additive over days: they are one indexed ``COUNT(DISTINCT …)`` over the binding
commitments that overlap the range, cached until the next rollup refresh.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import Promise
from django.utils.translation import get_language

from accounts.models import Role, User
from aid_requests.models import (
    AidRequest,
    AidScope,
    AidType,
    Payment,
    RequestStatus,
    TimelineEntry,
)
from charities.models import Organisation, OrganisationStatus
from dedup.models import BINDING, AidCommitment, BlockedAttempt
from reports.models import (
    DailyFigures,
    DurationFigures,
    DurationMeasure,
    ExportJob,
    RollupState,
    WorkerHeartbeat,
)

S = RequestStatus


# --- the ministry overview (unchanged) -----------------------------------------------------


@dataclass(frozen=True)
class Overview:
    applicants: int
    requests_total: int
    by_status: Sequence[tuple[str | Promise, int]]
    by_aid_type: list[tuple[AidType, int]]
    organisations: Sequence[tuple[str | Promise, int]]
    last_heartbeat: WorkerHeartbeat | None


def ministry_overview() -> Overview:
    """Headline counts across the whole registry (a fixed number of aggregate queries)."""
    status_counts = dict(
        AidRequest.objects.values_list("status").annotate(n=Count("id")).order_by()
    )
    by_status = [(label, status_counts.get(value, 0)) for value, label in RequestStatus.choices]
    aid_types = AidType.objects.annotate(n=Count("requests")).order_by("id")
    org_counts = dict(Organisation.objects.values_list("status").annotate(n=Count("id")).order_by())
    organisations = [
        (label, org_counts.get(value, 0)) for value, label in OrganisationStatus.choices
    ]
    return Overview(
        applicants=User.objects.filter(role=Role.APPLICANT).count(),
        requests_total=sum(status_counts.values()),
        by_status=by_status,
        by_aid_type=[(aid_type, aid_type.n) for aid_type in aid_types],
        organisations=organisations,
        last_heartbeat=WorkerHeartbeat.objects.order_by("-beat_at").first(),
    )


# --- filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """A range of local days (both included) and an optional aid type."""

    start: datetime.date
    end: datetime.date
    aid_type_id: int | None = None

    @classmethod
    def this_year(cls) -> Period:
        today = timezone.localdate()
        return cls(start=datetime.date(today.year, 1, 1), end=datetime.date(today.year, 12, 31))

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"start": self.start.isoformat(), "end": self.end.isoformat()}
        if self.aid_type_id:
            params["aid_type"] = self.aid_type_id
        return params

    def query(self, **extra: Any) -> str:
        """The query string of this period plus ``extra`` (None values left out)."""
        params = {**self.as_params(), **{k: v for k, v in extra.items() if v is not None}}
        return urlencode(params)

    @property
    def start_at(self) -> datetime.datetime:
        return _day_start(self.start)

    @property
    def end_before(self) -> datetime.datetime:
        return _day_start(self.end + datetime.timedelta(days=1))


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _name(row: dict[str, Any], prefix: str) -> str:
    return str(row[f"{prefix}__name_en"] if get_language() == "en" else row[f"{prefix}__name_ar"])


# --- statistics ---------------------------------------------------------------------------

#: The additive figures of DailyFigures, in the order the tables and exports show them.
FIGURES = (
    "submitted",
    "claims",
    "closures",
    "payments_count",
    "payments_amount",
    "blocked_count",
    "blocked_amount",
    "released_by_deadline",
)
REQUEST_FIGURES = ("open_now", "held_now", "closed_now", "ineligible_now")
MONEY_FIGURES = frozenset({"payments_amount", "blocked_amount"})


def _sums(names: Iterable[str] = FIGURES) -> dict[str, Sum]:
    return {name: Sum(name) for name in names}


def _clean(row: dict[str, Any], names: Iterable[str] = FIGURES) -> dict[str, Any]:
    """Missing sums are zero; money is a Decimal with three places."""
    out: dict[str, Any] = {}
    for name in names:
        value = row.get(name)
        if name in MONEY_FIGURES:
            out[name] = Decimal(value or 0).quantize(Decimal("0.001"))
        else:
            out[name] = int(value or 0)
    return out


@dataclass(frozen=True)
class BreakdownRow:
    key: int | datetime.date | None
    label: str
    figures: dict[str, Any]
    #: Query string of the drill-down list behind this row.
    drill: str = ""


@dataclass(frozen=True)
class Breakdown:
    rows: list[BreakdownRow]
    #: Rows before the page's cut (organisations: the page shows the first ORG_ROWS).
    total_rows: int = 0


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


def _daily(period: Period) -> QuerySet[DailyFigures]:
    rows = DailyFigures.objects.filter(day__range=(period.start, period.end))
    if period.aid_type_id:
        rows = rows.filter(aid_type_id=period.aid_type_id)
    return rows


def _durations(period: Period, organisation_id: int | None = None) -> QuerySet[DurationFigures]:
    rows = DurationFigures.objects.filter(day__range=(period.start, period.end))
    if period.aid_type_id:
        rows = rows.filter(aid_type_id=period.aid_type_id)
    if organisation_id:
        rows = rows.filter(organisation_id=organisation_id)
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


def medians(period: Period, organisation_id: int | None = None) -> dict[str, Decimal | None]:
    """Median whole days submission → claim and claim → first payment (one query)."""
    histograms: dict[str, list[tuple[int, int]]] = {m.value: [] for m in DurationMeasure}
    rows = (
        _durations(period, organisation_id)
        .values("measure", "days")
        .annotate(n=Sum("count"))
        .order_by("measure", "days")
    )
    for row in rows:
        histograms[row["measure"]].append((row["days"], int(row["n"])))
    return {measure: histogram_median(pairs) for measure, pairs in histograms.items()}


def distinct_beneficiaries(period: Period) -> tuple[int, int]:
    """(distinct civil IDs, distinct household-aid requests) with a binding commitment whose
    period overlaps the range. One indexed query, cached until the next rollup refresh."""
    version = RollupState.objects.values_list("version", flat=True).first() or 0
    key = f"reports:distinct:{version}:{period.start}:{period.end}:{period.aid_type_id or 0}"
    cached = cache.get(key)
    if cached is not None:
        return int(cached[0]), int(cached[1])
    commitments = AidCommitment.objects.filter(
        status__in=BINDING, period_start__lte=period.end, period_end__gte=period.start
    )
    if period.aid_type_id:
        commitments = commitments.filter(aid_type_id=period.aid_type_id)
    household_types = AidType.objects.filter(scope=AidScope.HOUSEHOLD).values("pk")
    result = commitments.aggregate(
        people=Count("civil_id", distinct=True),
        households=Count(
            "aid_request_id", distinct=True, filter=Q(aid_type_id__in=household_types)
        ),
    )
    value = (int(result["people"] or 0), int(result["households"] or 0))
    cache.set(key, value, timeout=3600)
    return value


def statistics(period: Period) -> Statistics:
    """Everything the statistics page shows, in a fixed number of queries."""
    state = RollupState.objects.filter(pk=1).first()
    daily = _daily(period)
    totals = _clean(
        daily.aggregate(**_sums((*FIGURES, *REQUEST_FIGURES))), (*FIGURES, *REQUEST_FIGURES)
    )
    people, households = distinct_beneficiaries(period)
    middle = medians(period)
    headline = Headline(
        beneficiaries=people,
        households=households,
        amount_paid=totals["payments_amount"],
        payments=totals["payments_count"],
        submitted=totals["submitted"],
        open_now=totals["open_now"],
        held_now=totals["held_now"],
        closed_now=totals["closed_now"],
        ineligible_now=totals["ineligible_now"],
        claims=totals["claims"],
        closures=totals["closures"],
        blocked_count=totals["blocked_count"],
        blocked_amount=totals["blocked_amount"],
        released_by_deadline=totals["released_by_deadline"],
        median_days_to_claim=middle[DurationMeasure.TO_CLAIM],
        median_days_to_payment=middle[DurationMeasure.TO_PAYMENT],
    )
    return Statistics(
        period=period,
        headline=headline,
        by_aid_type=by_aid_type(period),
        by_organisation=by_organisation(period, limit=ORG_ROWS),
        by_governorate=by_governorate(period),
        by_month=by_month(period),
        state=state,
    )


def by_aid_type(period: Period) -> Breakdown:
    rows = (
        _daily(period)
        .values("aid_type_id", "aid_type__name_ar", "aid_type__name_en")
        .annotate(**_sums())
        .order_by("aid_type_id")
    )
    return Breakdown(
        rows=[
            BreakdownRow(
                key=row["aid_type_id"],
                label=_name(row, "aid_type"),
                figures=_clean(row),
                drill=replace(period, aid_type_id=row["aid_type_id"]).query(basis="submitted"),
            )
            for row in rows
        ]
    )


def by_governorate(period: Period) -> Breakdown:
    rows = (
        _daily(period)
        .values("governorate_id", "governorate__name_ar", "governorate__name_en")
        .annotate(**_sums())
        .order_by("governorate_id")
    )
    return Breakdown(
        rows=[
            BreakdownRow(
                key=row["governorate_id"],
                label=_name(row, "governorate"),
                figures=_clean(row),
                drill=period.query(governorate=row["governorate_id"], basis="submitted"),
            )
            for row in rows
        ]
    )


def by_organisation(period: Period, *, limit: int | None = None) -> Breakdown:
    """What each organisation did in the range; most paid first (then most claims)."""
    rows = list(
        _daily(period)
        .filter(organisation__isnull=False)
        .values("organisation_id", "organisation__name_ar", "organisation__name_en")
        .annotate(**_sums())
        .order_by("-payments_amount", "-claims", "organisation_id")
    )
    shown = rows if limit is None else rows[:limit]
    return Breakdown(
        rows=[
            BreakdownRow(
                key=row["organisation_id"],
                label=_name(row, "organisation"),
                figures=_clean(row),
                drill=period.query(organisation=row["organisation_id"], basis="claimed"),
            )
            for row in shown
        ],
        total_rows=len(rows),
    )


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def by_month(period: Period) -> Breakdown:
    """Every month of the range, empty months included (the line chart needs them)."""
    found = {
        row["month"]: row
        for row in _daily(period)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(**_sums())
        .order_by("month")
    }
    rows = []
    for month in months_between(period.start, period.end):
        last_day = (month + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
        inside = Period(
            start=max(month, period.start),
            end=min(last_day, period.end),
            aid_type_id=period.aid_type_id,
        )
        rows.append(
            BreakdownRow(
                key=month,
                label=date_format(month, "F Y"),
                figures=_clean(found.get(month, {})),
                drill=inside.query(basis="submitted"),
            )
        )
    return Breakdown(rows=rows)


BREAKDOWNS: dict[str, Callable[[Period], Breakdown]] = {
    "aid_types": by_aid_type,
    "governorates": by_governorate,
    "organisations": by_organisation,
    "months": by_month,
}


# --- the requests behind a figure ---------------------------------------------------------

REQUESTS_PAGE_SIZE = 50


class Basis:
    """Which requests a figure counts (the drill-down list's ``basis``)."""

    SUBMITTED = "submitted"  # submitted in the range
    CLAIMED = "claimed"  # claimed in the range (claims released later included)
    CLOSED = "closed"  # closed in the range
    PAID = "paid"  # with a payment dated in the range
    BLOCKED = "blocked"  # with a claim refused by the rule in the range
    RELEASED = "released"  # a claim released by the deadline in the range
    CURRENT = "current"  # no date: as they stand now (open and overdue claims)
    ALL = (SUBMITTED, CLAIMED, CLOSED, PAID, BLOCKED, RELEASED, CURRENT)


#: ``state`` filter of the list: where the request stands now.
STATES: dict[str, Q] = {
    "open": Q(status__in=(S.OPEN,)),
    "held": Q(status__in=(S.CLAIMED, S.APPROVED, S.PAYING)),
    "closed": Q(status=S.CLOSED),
    "ineligible": Q(status=S.INELIGIBLE),
    "claimed": Q(status=S.CLAIMED),
}


@dataclass(frozen=True)
class RequestFilters:
    period: Period
    basis: str = Basis.SUBMITTED
    governorate_id: int | None = None
    organisation_id: int | None = None
    state: str | None = None
    overdue: bool = False

    def as_params(self) -> dict[str, Any]:
        params = {**self.period.as_params(), "basis": self.basis}
        for name, value in (
            ("governorate", self.governorate_id),
            ("organisation", self.organisation_id),
            ("state", self.state),
        ):
            if value:
                params[name] = value
        if self.overdue:
            params["overdue"] = "1"
        return params

    def query(self) -> str:
        return urlencode(self.as_params())


def overdue_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Claims made at or before this moment are past the claim deadline."""
    return (now or timezone.now()) - datetime.timedelta(days=settings.CLAIM_DEADLINE_DAYS)


def requests_behind(filters: RequestFilters) -> QuerySet[AidRequest]:
    """The requests a figure counts, read-only (no names or civil IDs are selected)."""
    period, org = filters.period, filters.organisation_id
    start, end = period.start_at, period.end_before
    requests = AidRequest.objects.all()
    if filters.basis == Basis.SUBMITTED:
        requests = requests.filter(submitted_at__gte=start, submitted_at__lt=end)
        if org:
            requests = requests.filter(claimed_by_id=org)
    elif filters.basis == Basis.CURRENT:
        if org:
            requests = requests.filter(claimed_by_id=org)
    else:
        # The organisation is the one that claimed, paid or was refused; for closures the
        # one holding the case; for releases the one whose claim was released.
        related: QuerySet[Any]
        if filters.basis == Basis.CLAIMED:
            related = AidCommitment.objects.filter(
                is_applicant=True, created_at__gte=start, created_at__lt=end
            )
            if org:
                related = related.filter(organisation_id=org)
        elif filters.basis == Basis.PAID:
            related = Payment.objects.filter(paid_on__range=(period.start, period.end))
            if org:
                related = related.filter(organisation_id=org)
        elif filters.basis == Basis.BLOCKED:
            related = BlockedAttempt.objects.filter(attempted_at__gte=start, attempted_at__lt=end)
            if org:
                related = related.filter(organisation_id=org)
        elif filters.basis == Basis.CLOSED:
            related = TimelineEntry.objects.filter(to_status=S.CLOSED, at__gte=start, at__lt=end)
            if org:
                requests = requests.filter(claimed_by_id=org)
        else:  # released by the deadline
            related = TimelineEntry.objects.filter(
                from_status=S.CLAIMED,
                to_status=S.OPEN,
                actor__isnull=True,
                at__gte=start,
                at__lt=end,
            )
            if org:
                requests = requests.filter(
                    Exists(
                        AidCommitment.objects.filter(
                            aid_request=OuterRef("pk"), organisation_id=org, is_applicant=True
                        )
                    )
                )
        requests = requests.filter(Exists(related.filter(aid_request=OuterRef("pk"))))
    if period.aid_type_id:
        requests = requests.filter(aid_type_id=period.aid_type_id)
    if filters.governorate_id:
        requests = requests.filter(governorate_id=filters.governorate_id)
    if filters.state in STATES:
        requests = requests.filter(STATES[filters.state])
    if filters.overdue:
        requests = requests.filter(status=S.CLAIMED, claimed_at__lte=overdue_cutoff())
    return requests


@dataclass(frozen=True)
class RequestPage:
    rows: list[AidRequest]
    next_cursor: int | None


def requests_page(
    filters: RequestFilters, *, after: int | None = None, limit: int = REQUESTS_PAGE_SIZE
) -> RequestPage:
    """One keyset page, newest request first: a deep page costs the same as the first."""
    query = (
        requests_behind(filters)
        .select_related("aid_type", "governorate", "claimed_by")
        .only(
            "pk",
            "status",
            "amount_requested",
            "approved_amount",
            "submitted_at",
            "claimed_at",
            "aid_type__name_ar",
            "aid_type__name_en",
            "governorate__name_ar",
            "governorate__name_en",
            "claimed_by__name_ar",
            "claimed_by__name_en",
        )
        .order_by("-pk")
    )
    if after:
        query = query.filter(pk__lt=after)
    rows = list(query[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = rows[-1].pk
    return RequestPage(rows=rows, next_cursor=next_cursor)


def payments_in(period: Period, organisation_id: int | None = None) -> QuerySet[Payment]:
    payments = Payment.objects.filter(paid_on__range=(period.start, period.end))
    if period.aid_type_id:
        payments = payments.filter(aid_request__aid_type_id=period.aid_type_id)
    if organisation_id:
        payments = payments.filter(organisation_id=organisation_id)
    return payments


def blocked_in(period: Period, organisation_id: int | None = None) -> QuerySet[BlockedAttempt]:
    blocked = BlockedAttempt.objects.filter(
        attempted_at__gte=period.start_at, attempted_at__lt=period.end_before
    )
    if period.aid_type_id:
        blocked = blocked.filter(aid_type_id=period.aid_type_id)
    if organisation_id:
        blocked = blocked.filter(organisation_id=organisation_id)
    return blocked


# --- one organisation ---------------------------------------------------------------------

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
    blocked: list[BlockedAttempt]
    blocked_total: int
    state: RollupState | None


def organisation_report(organisation: Organisation, period: Period) -> OrganisationReport:
    """An organisation's activity in the range (rollups) and its claims as they stand now."""
    figures = _clean(_daily(period).filter(organisation=organisation).aggregate(**_sums()))
    held = AidRequest.objects.filter(claimed_by=organisation, status=S.CLAIMED)
    if period.aid_type_id:
        held = held.filter(aid_type_id=period.aid_type_id)
    cutoff = overdue_cutoff()
    claims = held.aggregate(open=Count("id"), overdue=Count("id", filter=Q(claimed_at__lte=cutoff)))
    payments = payments_in(period, organisation.pk)
    blocked = blocked_in(period, organisation.pk)
    return OrganisationReport(
        organisation=organisation,
        period=period,
        figures=figures,
        medians=medians(period, organisation.pk),
        open_claims=int(claims["open"] or 0),
        overdue_claims=int(claims["overdue"] or 0),
        overdue=list(
            held.filter(claimed_at__lte=cutoff)
            .select_related("aid_type", "governorate")
            .order_by("claimed_at", "pk")[:ORGANISATION_ROWS]
        ),
        payments=list(
            payments.select_related("aid_request__aid_type").order_by("-paid_on", "-pk")[
                :ORGANISATION_ROWS
            ]
        ),
        payments_total=payments.count(),
        blocked=list(
            blocked.select_related("aid_type").order_by("-attempted_at", "-pk")[:ORGANISATION_ROWS]
        ),
        blocked_total=blocked.count(),
        state=RollupState.objects.filter(pk=1).first(),
    )


# --- export jobs --------------------------------------------------------------------------


def export_job_for_user(user: User, pk: int) -> ExportJob | None:
    """The job if ``user`` asked for it; None (→ 404) for anyone else's."""
    return ExportJob.objects.filter(pk=pk, requested_by=user).first()


def export_jobs_of(user: User) -> QuerySet[ExportJob]:
    return ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-id")
