"""Reads for ministry pages. Every caller has already been checked for VIEW_STATISTICS.

Every figure comes from the monthly rollups (``reports.models``): a fixed number of small
grouped queries whatever the size of the registry, over ranges of whole months. The lists
behind a figure read the raw rows, one keyset page at a time.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from aid_requests.models import (
    AidRequest,
    AidType,
    Payment,
    RequestStatus,
    TimelineEntry,
    request_reference,
)
from applicants.models import Governorate
from charities.models import Organisation, OrganisationStatus
from dedup.models import AidCommitment, PreventedDuplicate
from reports.models import (
    CoverageFigures,
    CoverageKind,
    DurationMeasure,
    ExportJob,
    JobOutcome,
    MonthlyDurations,
    MonthlyFigures,
    MonthlyOrganisationFigures,
    MonthlyStatusFigures,
    PeriodicJobRun,
    RollupState,
    WorkerHeartbeat,
    month_number,
)
from reports.schedule import schedule_interval

S = RequestStatus
HELD = (S.CLAIMED, S.APPROVED, S.PAYING)


def _name(obj: Any) -> str:
    if obj is None:
        return ""
    return str(obj.name_en if get_language() == "en" else obj.name_ar)


def names_of(model: type[AidType] | type[Governorate] | type[Organisation]) -> dict[int, str]:
    """Names in the current language by id (aid types, governorates: a handful of rows;
    organisations: about 1,200)."""
    return {row.pk: _name(row) for row in model.objects.only("pk", "name_ar", "name_en")}


def rollup_state() -> RollupState | None:
    return RollupState.objects.filter(pk=1).first()


# --- the ministry overview ------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    applicants: int
    requests_total: int
    by_status: Sequence[tuple[str, str | Promise, int]]
    by_aid_type: list[tuple[int, str, int]]
    organisations: Sequence[tuple[str, str | Promise, int]]
    last_heartbeat: WorkerHeartbeat | None
    state: RollupState | None
    jobs: list[PeriodicJobStatus]


def ministry_overview() -> Overview:
    """Headline counts across the whole registry, from the rollups: requests by status and
    aid type are sums over ``MonthlyStatusFigures`` (a few thousand rows), the applicants are
    counted by each refresh; only the ~1,200 organisations are counted live."""
    state = rollup_state()
    status_counts: dict[str, int] = defaultdict(int)
    type_counts: dict[int, int] = defaultdict(int)
    for status, aid_type_id, n in (
        MonthlyStatusFigures.objects.values_list("status", "aid_type_id")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        status_counts[status] += int(n)
        type_counts[aid_type_id] += int(n)
    by_status = [
        (value, label, status_counts.get(value, 0)) for value, label in RequestStatus.choices
    ]
    aid_types = AidType.objects.order_by("id").only("pk", "name_ar", "name_en")
    org_counts = dict(Organisation.objects.values_list("status").annotate(n=Count("id")).order_by())
    organisations = [
        (value, label, org_counts.get(value, 0)) for value, label in OrganisationStatus.choices
    ]
    return Overview(
        applicants=state.applicants if state else 0,
        requests_total=sum(status_counts.values()),
        by_status=by_status,
        by_aid_type=[(t.pk, _name(t), type_counts.get(t.pk, 0)) for t in aid_types],
        organisations=organisations,
        last_heartbeat=WorkerHeartbeat.objects.order_by("-beat_at").first(),
        state=state,
        jobs=periodic_jobs(),
    )


#: What each periodic job does, for the overview (an entry missing here shows its key).
JOB_LABELS: dict[str, str | Promise] = {
    "worker-heartbeat": _("Worker heartbeat"),
    "release-expired-claims": _("Release claims past their deadline"),
    "refresh-report-rollups": _("Refresh the statistics"),
    "resend-pending-notifications": _("Send notifications left pending"),
    "identity-expire-stale-attempts": _("Expire stale identity checks"),
    "return-covered-requests": _("Return requests whose other aid has ended to the queue"),
}


@dataclass(frozen=True)
class PeriodicJobStatus:
    """One entry of ``CELERY_BEAT_SCHEDULE`` and its last recorded run."""

    name: str
    label: str | Promise
    task: str
    interval: datetime.timedelta | None
    last: PeriodicJobRun | None
    overdue: bool

    @property
    def failed(self) -> bool:
        return self.last is not None and self.last.outcome == JobOutcome.FAILED

    @property
    def every(self) -> str:
        if self.interval is None:
            return gettext("on a calendar schedule")
        seconds = int(self.interval.total_seconds())
        if seconds % 3600 == 0:
            hours = seconds // 3600
            return ngettext("every hour", "every %(n)d hours", hours) % {"n": hours}
        if seconds % 60 == 0:
            minutes = seconds // 60
            return ngettext("every minute", "every %(n)d minutes", minutes) % {"n": minutes}
        return ngettext("every second", "every %(n)d seconds", seconds) % {"n": seconds}


def periodic_jobs(now: datetime.datetime | None = None) -> list[PeriodicJobStatus]:
    """Every periodic job with its last run; overdue when it has not started for more than
    twice its interval (or never ran). One query."""
    now = now or timezone.now()
    runs = {run.task: run for run in PeriodicJobRun.objects.all()}
    jobs = []
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        task = str(entry["task"])
        interval = schedule_interval(entry["schedule"])
        last = runs.get(task)
        if last is None:
            overdue = True
        elif interval is None:
            overdue = False
        else:
            overdue = now - last.started_at > 2 * interval
        jobs.append(
            PeriodicJobStatus(
                name=name,
                label=JOB_LABELS.get(name, name),
                task=task,
                interval=interval,
                last=last,
                overdue=overdue,
            )
        )
    return jobs


# --- filters ------------------------------------------------------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(
        days=1
    )


@dataclass(frozen=True)
class Period:
    """A range of whole local months (``start`` the first day of the first month, ``end`` the
    last day of the last one) and an optional aid type."""

    start: datetime.date
    end: datetime.date
    aid_type_id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", month_start(self.start))
        object.__setattr__(self, "end", month_end(self.end))

    @classmethod
    def this_year(cls) -> Period:
        today = timezone.localdate()
        return cls(start=datetime.date(today.year, 1, 1), end=datetime.date(today.year, 12, 31))

    @classmethod
    def month(cls, month: datetime.date, aid_type_id: int | None = None) -> Period:
        return cls(start=month, end=month, aid_type_id=aid_type_id)

    def as_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"start": f"{self.start:%Y-%m}", "end": f"{self.end:%Y-%m}"}
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

    @property
    def months(self) -> list[datetime.date]:
        return months_between(self.start, self.end)


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    month = start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


# --- statistics ---------------------------------------------------------------------------

#: The additive figures, in the order the tables and exports show them.
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
#: An organisation submits nothing (requests are submitted by applicants).
ORG_FIGURES = tuple(name for name in FIGURES if name != "submitted")
EVENT_FIGURES = ORG_FIGURES
MONEY_FIGURES = frozenset({"payments_amount", "blocked_amount"})
#: Which list is behind each figure.
FIGURE_BASIS = {
    "submitted": "submitted",
    "claims": "claimed",
    "closures": "closed",
    "payments_count": "paid",
    "payments_amount": "paid",
    "blocked_count": "blocked",
    "blocked_amount": "blocked",
    "released_by_deadline": "released",
}
#: Where the request figures place a request's current status.
STATUS_GROUPS = {
    "open_now": (S.OPEN,),
    "held_now": HELD,
    "closed_now": (S.CLOSED,),
    "ineligible_now": (S.INELIGIBLE,),
}


def _zero(names: Iterable[str] = FIGURES) -> dict[str, Any]:
    return {n: Decimal("0.000") if n in MONEY_FIGURES else 0 for n in names}


def _add(target: dict[str, Any], row: dict[str, Any], names: Iterable[str]) -> None:
    for name in names:
        value = row.get(name)
        if value:
            target[name] += value


def _quantized(figures: dict[str, Any]) -> dict[str, Any]:
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


def _in_range(rows: Any, period: Period) -> QuerySet[Any]:
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
        _in_range(MonthlyDurations.objects, period)
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


def statistics(period: Period) -> Statistics:
    """Everything the statistics page shows: nine small queries over the rollups (and the
    names of aid types, governorates and the organisations shown), whatever the data size."""
    aid_types, governorates = names_of(AidType), names_of(Governorate)
    # One fetch of the range's (month, aid type, governorate) cells of events and one of
    # statuses (summed per cell): headline, aid types, governorates and months are all sums
    # of these few hundred rows, added up here.
    cells: list[dict[str, Any]] = list(
        _in_range(MonthlyFigures.objects, period).values(
            "month", "aid_type_id", "governorate_id", *EVENT_FIGURES
        )
    )
    cells += list(
        _in_range(MonthlyStatusFigures.objects, period)
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
    totals = _zero((*FIGURES, *STATUS_GROUPS))
    groups: dict[str, dict[Any, dict[str, Any]]] = {
        "aid_type_id": defaultdict(_zero),
        "governorate_id": defaultdict(_zero),
        "month": defaultdict(_zero),
    }
    for row in cells:
        _add(totals, row, (*FIGURES, *STATUS_GROUPS))
        for key, group in groups.items():
            _add(group[row[key]], row, FIGURES)
    now = {name: totals.pop(name) for name in STATUS_GROUPS}
    totals = _quantized(totals)
    people, households = distinct_covered(period)
    middle = medians(period)
    headline = Headline(
        beneficiaries=people,
        households=households,
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
        **now,
    )
    by_type = Breakdown(
        rows=[
            BreakdownRow(
                key=pk,
                label=aid_types.get(pk, ""),
                figures=_quantized(figures),
                drills=_drills(replace(period, aid_type_id=pk), FIGURES),
            )
            for pk, figures in sorted(groups["aid_type_id"].items())
        ]
    )
    by_gov = Breakdown(
        rows=[
            BreakdownRow(
                key=pk,
                label=governorates.get(pk, ""),
                figures=_quantized(figures),
                drills=_drills(period, FIGURES, governorate=pk),
            )
            for pk, figures in sorted(groups["governorate_id"].items())
        ]
    )
    months = groups["month"]
    by_month = Breakdown(
        rows=[
            BreakdownRow(
                key=month,
                label=date_format(month, "F Y"),
                figures=_quantized(months.get(month) or _zero()),
                drills=_drills(Period.month(month, period.aid_type_id), FIGURES),
            )
            for month in period.months
        ]
    )
    return Statistics(
        period=period,
        headline=headline,
        by_aid_type=by_type,
        by_organisation=by_organisation(period, limit=ORG_ROWS),
        by_governorate=by_gov,
        by_month=by_month,
        state=rollup_state(),
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
    rows = list(
        _in_range(MonthlyOrganisationFigures.objects, period)
        .values("organisation_id")
        .annotate(**{name: Sum(name) for name in ORG_FIGURES})
        .order_by("-payments_amount", "-claims", "organisation_id")
    )
    shown = rows if limit is None else rows[:limit]
    wanted = [row["organisation_id"] for row in shown]
    names = {o.pk: _name(o) for o in Organisation.objects.filter(pk__in=wanted)}
    out = []
    for row in shown:
        figures = _zero(ORG_FIGURES)
        _add(figures, row, ORG_FIGURES)
        pk = row["organisation_id"]
        out.append(
            BreakdownRow(
                key=pk,
                label=names.get(pk, ""),
                figures=_quantized(figures),
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


# --- the rows behind a figure -------------------------------------------------------------

REQUESTS_PAGE_SIZE = 50
#: A claim is "due soon" this many days before the claim deadline releases it.
CLAIM_WARNING_DAYS = 3


class Basis:
    """Which rows a figure counts (the drill-down list's ``basis``): one row per event, so the
    list has exactly as many rows as the figure says."""

    SUBMITTED = "submitted"  # requests submitted in the range
    CLAIMED = "claimed"  # claims made in the range (one per claim, released ones included)
    CLOSED = "closed"  # closures in the range
    PAID = "paid"  # payments dated in the range
    BLOCKED = "blocked"  # duplicates prevented, first refused in the range (once each)
    RELEASED = "released"  # claims released by the deadline in the range
    CURRENT = "current"  # no date: requests as they stand now
    ALL = (SUBMITTED, CLAIMED, CLOSED, PAID, BLOCKED, RELEASED, CURRENT)


#: ``state`` filter of the list: where the request stands now (statuses).
STATES: dict[str, tuple[str, ...]] = {
    "open": (S.OPEN,),
    "held": HELD,
    "closed": (S.CLOSED,),
    "ineligible": (S.INELIGIBLE,),
    "claimed": (S.CLAIMED,),
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


def claim_warning_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Claims made at or before this moment are due soon or overdue: within
    ``CLAIM_WARNING_DAYS`` of the claim deadline, or past it."""
    days = max(settings.CLAIM_DEADLINE_DAYS - CLAIM_WARNING_DAYS, 0)
    return (now or timezone.now()) - datetime.timedelta(days=days)


def overdue_condition(today: datetime.date | None = None) -> Q:
    """Held cases that need the organisation now (``annotate_overdue`` first):

    * a claim not yet approved, made ``CLAIM_DEADLINE_DAYS - CLAIM_WARNING_DAYS`` days ago or
      more (due soon, or overdue and about to be released);
    * an approved or paying case whose next payment's month of coverage is over without that
      payment (period N pays month N of the coverage: ``charities.services.payments.period_start``).
    """
    today = today or timezone.localdate()
    cutoff = claim_warning_cutoff(_day_start(today + datetime.timedelta(days=1)))
    claims_due = Q(status=S.CLAIMED, claimed_at__lt=cutoff)
    payment_due = Q(
        status__in=(S.APPROVED, S.PAYING),
        paid_periods__lt=Coalesce(F("approved_payments"), 0),
        months_elapsed__gte=F("paid_periods") + 1,
    )
    return claims_due | payment_due


def annotate_overdue(requests: QuerySet[AidRequest], today: datetime.date | None = None) -> Any:
    """Add ``paid_periods`` (payments recorded) and ``months_elapsed`` (whole months from the
    start of coverage to ``today``) for ``overdue_condition``."""
    today = today or timezone.localdate()
    paid = (
        Payment.objects.filter(aid_request=OuterRef("pk"))
        .order_by()
        .values("aid_request")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return requests.annotate(
        paid_periods=Coalesce(Subquery(paid, output_field=IntegerField()), 0),
        months_elapsed=Value(today.year * 12 + today.month)
        - ExtractYear("coverage_start") * 12
        - ExtractMonth("coverage_start")
        - Case(When(coverage_start__day__gt=today.day, then=1), default=0),
    )


@dataclass(frozen=True)
class DrillRow:
    """One row of a list behind a figure: the event and its request (no personal data)."""

    key: int
    when: datetime.datetime | datetime.date
    request_id: int
    status: str
    aid_type: str
    governorate: str
    organisation: str
    amount: Decimal | None

    @property
    def reference(self) -> str:
        return request_reference(self.request_id)

    @property
    def status_label(self) -> str:
        return str(RequestStatus(self.status).label) if self.status in S.values else self.status


@dataclass(frozen=True)
class _Source:
    """How one basis reads its events: the model's rows, the path to their request, the
    event's time, organisation and amount."""

    rows: Callable[[Period], QuerySet[Any]]
    request: str  # "" (the row is the request) or "aid_request__"
    when: str
    organisation: str
    amount: str


def _released_holder() -> Subquery:
    """The organisation whose claim a deadline release ended (as the rollups attribute it)."""
    return Subquery(
        AidCommitment.objects.filter(
            aid_request=OuterRef("aid_request"),
            is_applicant=True,
            created_at__lte=OuterRef("at"),
        )
        .order_by("-created_at", "-organisation_id")
        .values("organisation_id")[:1]
    )


SOURCES: dict[str, _Source] = {
    Basis.SUBMITTED: _Source(
        lambda p: AidRequest.objects.filter(
            submitted_at__gte=p.start_at, submitted_at__lt=p.end_before
        ),
        "",
        "submitted_at",
        "claimed_by_id",
        "amount_requested",
    ),
    Basis.CURRENT: _Source(
        lambda p: AidRequest.objects.all(), "", "submitted_at", "claimed_by_id", "amount_requested"
    ),
    Basis.CLAIMED: _Source(
        lambda p: AidCommitment.objects.filter(
            is_applicant=True, created_at__gte=p.start_at, created_at__lt=p.end_before
        ),
        "aid_request__",
        "created_at",
        "organisation_id",
        "aid_request__amount_requested",
    ),
    Basis.CLOSED: _Source(
        lambda p: TimelineEntry.objects.filter(
            to_status=S.CLOSED, at__gte=p.start_at, at__lt=p.end_before
        ),
        "aid_request__",
        "at",
        "aid_request__claimed_by_id",
        "aid_request__approved_amount",
    ),
    Basis.PAID: _Source(
        lambda p: Payment.objects.filter(paid_on__range=(p.start, p.end)),
        "aid_request__",
        "paid_on",
        "organisation_id",
        "amount",
    ),
    Basis.BLOCKED: _Source(
        lambda p: PreventedDuplicate.objects.filter(
            first_refused_at__gte=p.start_at, first_refused_at__lt=p.end_before
        ),
        "aid_request__",
        "first_refused_at",
        "organisation_id",
        "amount_saved",
    ),
    Basis.RELEASED: _Source(
        lambda p: TimelineEntry.objects.filter(
            from_status=S.CLAIMED,
            to_status=S.OPEN,
            actor__isnull=True,
            at__gte=p.start_at,
            at__lt=p.end_before,
        ).annotate(holder=_released_holder()),
        "aid_request__",
        "at",
        "holder",
        "aid_request__amount_requested",
    ),
}


def rows_behind(filters: RequestFilters) -> QuerySet[Any]:
    """The events a figure counts, newest first, as ``values()`` rows."""
    source = SOURCES.get(filters.basis, SOURCES[Basis.SUBMITTED])
    r, period = source.request, filters.period
    rows = source.rows(period)
    if period.aid_type_id:
        rows = rows.filter(**{f"{r}aid_type_id": period.aid_type_id})
    if filters.governorate_id:
        rows = rows.filter(**{f"{r}governorate_id": filters.governorate_id})
    if filters.organisation_id:
        rows = rows.filter(**{source.organisation: filters.organisation_id})
    if filters.state in STATES:
        rows = rows.filter(**{f"{r}status__in": STATES[filters.state]})
    if filters.overdue:
        overdue = annotate_overdue(AidRequest.objects.all()).filter(overdue_condition())
        rows = rows.filter(**{f"{r}pk__in" if r else "pk__in": overdue.values("pk")})
    return rows.order_by("-pk").values(
        "pk",
        source.when,
        "aid_request_id" if r else "pk",
        f"{r}status",
        f"{r}aid_type_id",
        f"{r}governorate_id",
        source.organisation,
        source.amount,
    )


@dataclass(frozen=True)
class Names:
    aid_types: dict[int, str]
    governorates: dict[int, str]
    organisations: dict[int, str]

    @classmethod
    def load(cls) -> Names:
        return cls(names_of(AidType), names_of(Governorate), names_of(Organisation))


def drill_rows(
    filters: RequestFilters, rows: Iterable[dict[str, Any]], names: Names
) -> Iterator[DrillRow]:
    source = SOURCES.get(filters.basis, SOURCES[Basis.SUBMITTED])
    r = source.request
    for row in rows:
        organisation = row[source.organisation]
        yield DrillRow(
            key=row["pk"],
            when=row[source.when],
            request_id=row["aid_request_id" if r else "pk"],
            status=row[f"{r}status"],
            aid_type=names.aid_types.get(row[f"{r}aid_type_id"], ""),
            governorate=names.governorates.get(row[f"{r}governorate_id"], ""),
            organisation=names.organisations.get(organisation, "") if organisation else "",
            amount=row[source.amount],
        )


@dataclass(frozen=True)
class RequestPage:
    rows: list[DrillRow]
    next_cursor: int | None


def requests_page(
    filters: RequestFilters, *, after: int | None = None, limit: int | None = None
) -> RequestPage:
    """One keyset page, newest event first: a deep page costs the same as the first."""
    limit = limit or REQUESTS_PAGE_SIZE
    query = rows_behind(filters)
    if after:
        query = query.filter(pk__lt=after)
    found = list(query[: limit + 1])
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        next_cursor = found[-1]["pk"]
    used = {row[SOURCES.get(filters.basis, SOURCES[Basis.SUBMITTED]).organisation] for row in found}
    names = Names(
        names_of(AidType),
        names_of(Governorate),
        {o.pk: _name(o) for o in Organisation.objects.filter(pk__in=[u for u in used if u])},
    )
    return RequestPage(rows=list(drill_rows(filters, found, names)), next_cursor=next_cursor)


def payments_in(period: Period, organisation_id: int | None = None) -> QuerySet[Payment]:
    payments = Payment.objects.filter(paid_on__range=(period.start, period.end))
    if period.aid_type_id:
        payments = payments.filter(aid_request__aid_type_id=period.aid_type_id)
    if organisation_id:
        payments = payments.filter(organisation_id=organisation_id)
    return payments


def blocked_in(period: Period, organisation_id: int | None = None) -> QuerySet[PreventedDuplicate]:
    """The duplicates prevented in the range: first refused in it, each once (an organisation's:
    those whose first refusal was its claim)."""
    blocked = PreventedDuplicate.objects.filter(
        first_refused_at__gte=period.start_at, first_refused_at__lt=period.end_before
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
    figures = _zero(ORG_FIGURES)
    _add(
        figures,
        _in_range(MonthlyOrganisationFigures.objects, period)
        .filter(organisation=organisation)
        .aggregate(**{name: Sum(name) for name in ORG_FIGURES}),
        ORG_FIGURES,
    )
    figures = _quantized(figures)
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


# --- export jobs --------------------------------------------------------------------------


def export_job_for_user(user: User, pk: int) -> ExportJob | None:
    """The job if ``user`` asked for it; None (→ 404) for anyone else's."""
    return ExportJob.objects.filter(pk=pk, requested_by=user).first()


#: The "My exports" page lists this many of the person's latest exports.
MY_EXPORTS = 50


def export_jobs_of(user: User) -> list[ExportJob]:
    """The latest exports ``user`` asked for (nobody else's)."""
    return list(
        ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-id")[:MY_EXPORTS]
    )
