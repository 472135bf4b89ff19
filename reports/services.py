"""Writes of the reports app: the worker heartbeat, periodic job runs, the rollup refresh, and
export jobs.

Rollup refresh (``rollups_refresh``), the design (docs/decisions.md, "Ministry statistics"):

* The page counts whole months (Asia/Kuwait). ``MonthlyFigures`` (month × aid type ×
  governorate) and ``MonthlyOrganisationFigures`` (month × aid type × organisation) hold the
  additive event figures; ``MonthlyStatusFigures`` the requests submitted in a month by where
  they stand now; ``MonthlyDurations`` histograms of days to claim / to first payment;
  ``CoverageFigures`` the distinct people and households covered (see its docstring). A year is
  a few hundred rows per table (the organisation table: a row per organisation, aid type and
  month), whatever the size of the registry.
* Events (claims, closures, releases by the deadline, payments, duplicates prevented) never
  change once written, so an incremental run adds only the new ones: those written since the
  previous run started (minus ``REFRESH_OVERLAP``, for transactions that committed late), less
  those already applied (``AppliedEvent``, the ids seen inside that overlap). Cost: the new events.
* What does change — a request's status, its current claim — is re-counted for the cells of
  the requests that changed: one (submission month, aid type, governorate) of statuses and one
  (claim month, aid type) histogram per changed request. A person's coverage changes only by
  a reservation or a release (both events): their old months leave ``CoverageFigures``, their
  new ones enter it (``_coverage_update``). No whole month is recomputed.
* Full (``--full``, or the first run): about eight queries grouped by month over the whole
  history (one pass over each raw table), then two ordered passes over the binding
  commitments for the coverage, then ``ANALYZE`` of the rollup tables.
* One snapshot: on PostgreSQL the run is a REPEATABLE READ transaction (every query sees the
  same data), behind a session advisory lock so two runs never overlap.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Model, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone, translation

from accounts.models import Role, User
from aid_requests.models import AidRequest, Payment, RequestStatus, TimelineEntry
from audit.services import audit_record
from config.commit import after_commit
from dedup.models import BINDING, AidCommitment, PreventedDuplicate, SavedAmountAdjustment
from reports import exports
from reports.models import (
    AppliedEvent,
    CoverageFigures,
    CoverageKind,
    DurationMeasure,
    ExportFormat,
    ExportJob,
    ExportKind,
    ExportStatus,
    JobOutcome,
    MonthlyDurations,
    MonthlyFigures,
    MonthlyOrganisationFigures,
    MonthlyStatusFigures,
    PeriodicJobRun,
    RollupEvent,
    RollupState,
    WorkerHeartbeat,
    month_number,
)

logger = logging.getLogger(__name__)
S = RequestStatus

#: A write transaction that began before the last run may commit after it: its rows carry a
#: time a little before that run started. The incremental refresh looks back this much further.
REFRESH_OVERLAP = datetime.timedelta(minutes=10)
#: Rows per bulk insert, and ids per ``IN (…)`` list (SQLite allows 32,766 parameters).
BATCH = 2000
#: Key of the PostgreSQL advisory lock held by a refresh ("RPTS").
_REFRESH_LOCK = 0x52505453


def heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Remember that ``worker`` is alive now (one row per worker, updated in place)."""
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker=worker, defaults={"beat_at": timezone.now()}
    )
    return heartbeat


# --- periodic job runs ------------------------------------------------------------------
# Single-row bookkeeping written from Celery's task signals around a task (reports.signals),
# never inside a domain transaction: no audit entry, no durable block (a task applied inline
# from inside a transaction must still be recorded), one UPDATE or INSERT each.


def periodic_job_started(*, task: str) -> PeriodicJobRun:
    """Remember that the periodic ``task`` started now (its row is updated in place)."""
    now = timezone.now()
    run, created = PeriodicJobRun.objects.get_or_create(
        task=task, defaults={"started_at": now, "runs": 1}
    )
    if not created:
        run.started_at, run.finished_at, run.duration = now, None, None
        run.outcome, run.error = JobOutcome.RUNNING, ""
        run.runs += 1
        run.save(
            update_fields=["started_at", "finished_at", "duration", "outcome", "error", "runs"]
        )
    return run


def periodic_job_finished(*, task: str, error: str = "") -> PeriodicJobRun:
    """Remember how the periodic ``task`` ended: ``error`` empty means it succeeded."""
    now = timezone.now()
    run, _created = PeriodicJobRun.objects.get_or_create(
        task=task, defaults={"started_at": now, "runs": 1}
    )
    run.finished_at = now
    run.duration = now - run.started_at
    run.outcome = JobOutcome.FAILED if error else JobOutcome.SUCCEEDED
    run.error = error[:2000]
    run.save(update_fields=["finished_at", "duration", "outcome", "error"])
    return run


# --- rollups ------------------------------------------------------------------------------


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight (Asia/Kuwait) at the start of ``day``, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


def month_of(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    #: Months rebuilt (full), or cells re-counted plus events applied (incremental).
    days: int
    rows: int


@contextmanager
def _refresh_lock() -> Iterator[None]:
    """One refresh at a time. PostgreSQL: a session advisory lock taken *before* the
    transaction, so the transaction's snapshot starts after the previous run committed.
    SQLite: its IMMEDIATE transactions already run one writer at a time."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_REFRESH_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_REFRESH_LOCK])


def rollups_refresh(*, full: bool = False) -> RefreshResult:
    """Bring the rollups up to date: the changes since the last run (or everything).

    One transaction: readers see the old figures until it commits.
    """
    top_level = not connection.in_atomic_block
    with _refresh_lock(), transaction.atomic(durable=True):
        if top_level and connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # must be the transaction's first statement
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        state = _locked_state()
        started = timezone.now()
        if full or state.started_at is None:
            full = True
            cells, rows = _rebuild_everything(started)
        else:
            cells, rows = _refresh_since(state.started_at - REFRESH_OVERLAP, started)
        state.started_at = started
        state.finished_at = timezone.now()
        state.days_refreshed = cells
        state.version = state.version + 1
        state.applicants = User.objects.filter(role=Role.APPLICANT).count()
        if full:
            state.full_at = state.finished_at
        state.save()
    if full:
        _analyze()
    logger.info("rollups refreshed: full=%s cells=%s rows=%s", full, cells, rows)
    return RefreshResult(full=full, days=cells, rows=rows)


ROLLUP_MODELS: tuple[type[Model], ...] = (
    MonthlyFigures,
    MonthlyStatusFigures,
    MonthlyOrganisationFigures,
    MonthlyDurations,
    CoverageFigures,
    AppliedEvent,
)


def _analyze() -> None:
    """Fresh planner statistics after a rebuild (the old daily table was planned as if it
    held 1% of its rows: docs/benchmarks.md)."""
    tables = ", ".join(model._meta.db_table for model in ROLLUP_MODELS)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}" if connection.vendor == "postgresql" else "ANALYZE")


def _locked_state() -> RollupState:
    RollupState.objects.get_or_create(pk=1)
    return RollupState.objects.select_for_update().get(pk=1)


def _all_months() -> list[datetime.date]:
    """Every month from the first recorded event to this month (none for an empty history)."""
    firsts = [
        AidRequest.objects.aggregate(m=Min("submitted_at"))["m"],
        AidCommitment.objects.aggregate(m=Min("created_at"))["m"],
        PreventedDuplicate.objects.aggregate(m=Min("first_refused_at"))["m"],
        TimelineEntry.objects.aggregate(m=Min("at"))["m"],
    ]
    dates = [local_day(m) for m in firsts if m is not None]
    first_paid = Payment.objects.aggregate(m=Min("paid_on"))["m"]
    if first_paid is not None:
        dates.append(first_paid)
    if not dates:
        return []
    today = timezone.localdate()
    last = max(today, Payment.objects.aggregate(m=Max("paid_on"))["m"] or today)
    months, month = [], month_of(min(dates))
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _chunks(values: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# The additive figures, and the two cells each event adds to.
EVENT_FIGURES = (
    "claims",
    "closures",
    "released_by_deadline",
    "payments_count",
    "payments_amount",
    "blocked_count",
    "blocked_amount",
)
GovKey = tuple[datetime.date, int, int]  # month, aid type, governorate
OrgKey = tuple[datetime.date, int, int]  # month, aid type, organisation


class _EventSums:
    """Increments of the two monthly tables, keyed by cell."""

    def __init__(self) -> None:
        self.gov: dict[GovKey, Counter[str]] = defaultdict(Counter)
        self.org: dict[OrgKey, Counter[str]] = defaultdict(Counter)

    def add(
        self,
        month: datetime.date,
        aid_type_id: int,
        governorate_id: int,
        organisation_id: int | None,
        values: dict[str, Any],
    ) -> None:
        for name, value in values.items():
            self.gov[(month, aid_type_id, governorate_id)][name] += value or 0
            if organisation_id is not None:
                self.org[(month, aid_type_id, organisation_id)][name] += value or 0


def _deadline_releases(entries: QuerySet[TimelineEntry]) -> list[dict[str, Any]]:
    """Claims released by the deadline (claimed → open, no actor), each with the organisation
    whose claim was released: the one of the applicant's commitment most recently created
    before the release (the release clears the request's organisation)."""
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in entries.filter(
            from_status=S.CLAIMED, to_status=S.OPEN, actor__isnull=True
        ).values(
            "pk", "aid_request_id", "at", "aid_request__aid_type_id", "aid_request__governorate_id"
        )
    ]
    holders: dict[int, list[tuple[datetime.datetime, int]]] = defaultdict(list)
    for chunk in _chunks({row["aid_request_id"] for row in rows}):
        for c in AidCommitment.objects.filter(aid_request_id__in=chunk, is_applicant=True).values(
            "aid_request_id", "created_at", "organisation_id"
        ):
            holders[c["aid_request_id"]].append((c["created_at"], c["organisation_id"]))
    for row in rows:
        earlier = [h for h in holders[row["aid_request_id"]] if h[0] <= row["at"]]
        row["organisation_id"] = max(earlier)[1] if earlier else None
    return rows


Seen = dict[str, list[tuple[int, datetime.datetime]]]


def _new_events(since: datetime.datetime, skip: dict[str, set[int]]) -> tuple[_EventSums, Seen]:
    """The events written since ``since`` and not in ``skip``, one by one (an incremental run
    sees a few minutes of them): their sums, and what was seen by kind as (id, written at)."""
    sums = _EventSums()
    seen: Seen = defaultdict(list)

    def fresh(kind: str, pk: int, at: datetime.datetime) -> bool:
        if pk in skip.get(kind, ()):
            return False
        seen[kind].append((pk, at))
        return True

    for c in AidCommitment.objects.filter(created_at__gte=since).values(
        "pk",
        "created_at",
        "is_applicant",
        "aid_type_id",
        "aid_request__governorate_id",
        "organisation_id",
    ):
        if fresh(RollupEvent.COMMITTED, c["pk"], c["created_at"]) and c["is_applicant"]:
            sums.add(
                month_of(local_day(c["created_at"])),
                c["aid_type_id"],
                c["aid_request__governorate_id"],
                c["organisation_id"],
                {"claims": 1},
            )
    for pk, released_at in AidCommitment.objects.filter(released_at__gte=since).values_list(
        "pk", "released_at"
    ):
        if released_at is not None:
            fresh(RollupEvent.RELEASED_COMMITMENT, pk, released_at)
    for e in TimelineEntry.objects.filter(at__gte=since, to_status=S.CLOSED).values(
        "pk",
        "at",
        "aid_request__aid_type_id",
        "aid_request__governorate_id",
        "aid_request__claimed_by_id",
    ):
        if fresh(RollupEvent.CLOSURE, e["pk"], e["at"]):
            sums.add(
                month_of(local_day(e["at"])),
                e["aid_request__aid_type_id"],
                e["aid_request__governorate_id"],
                e["aid_request__claimed_by_id"],
                {"closures": 1},
            )
    for r in _deadline_releases(TimelineEntry.objects.filter(at__gte=since)):
        if fresh(RollupEvent.RELEASE, r["pk"], r["at"]):
            sums.add(
                month_of(local_day(r["at"])),
                r["aid_request__aid_type_id"],
                r["aid_request__governorate_id"],
                r["organisation_id"],
                {"released_by_deadline": 1},
            )
    for p in Payment.objects.filter(recorded_at__gte=since).values(
        "pk",
        "recorded_at",
        "paid_on",
        "amount",
        "aid_request__aid_type_id",
        "aid_request__governorate_id",
        "organisation_id",
    ):
        if fresh(RollupEvent.PAYMENT, p["pk"], p["recorded_at"]):
            sums.add(
                month_of(p["paid_on"]),
                p["aid_request__aid_type_id"],
                p["aid_request__governorate_id"],
                p["organisation_id"],
                {"payments_count": 1, "payments_amount": p["amount"]},
            )
    # A duplicate prevented counts once, in the month of its first refusal (not every try).
    for b in PreventedDuplicate.objects.filter(first_refused_at__gte=since).values(
        "pk",
        "first_refused_at",
        "amount_saved",
        "aid_type_id",
        "aid_request__governorate_id",
        "organisation_id",
    ):
        if fresh(RollupEvent.PREVENTED, b["pk"], b["first_refused_at"]):
            sums.add(
                month_of(local_day(b["first_refused_at"])),
                b["aid_type_id"],
                b["aid_request__governorate_id"],
                b["organisation_id"],
                {"blocked_count": 1, "blocked_amount": b["amount_saved"]},
            )
    # A duplicate's amount saved cut later (the holding case ended early): the change goes to
    # the month and cell the duplicate counts in.
    for a in SavedAmountAdjustment.objects.filter(at__gte=since).values(
        "pk",
        "at",
        "delta",
        "prevented__first_refused_at",
        "prevented__aid_type_id",
        "prevented__aid_request__governorate_id",
        "prevented__organisation_id",
    ):
        if fresh(RollupEvent.ADJUSTED, a["pk"], a["at"]):
            sums.add(
                month_of(local_day(a["prevented__first_refused_at"])),
                a["prevented__aid_type_id"],
                a["prevented__aid_request__governorate_id"],
                a["prevented__organisation_id"],
                {"blocked_amount": a["delta"]},
            )
    return sums, seen


def _as_month(value: datetime.date | datetime.datetime) -> datetime.date:
    """A ``TruncMonth`` value (an aware local midnight for a time, a date for a date)."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).date()
    return value


def _history_events() -> _EventSums:
    """Every event of the history, grouped by month and cell by the database: one pass over
    each table (a month at a time would join the whole requests table once per month)."""
    sums = _EventSums()
    grouped: tuple[tuple[QuerySet[Any], str, str, str, str, dict[str, str]], ...] = (
        (
            AidCommitment.objects.filter(is_applicant=True),
            "created_at",
            "aid_type_id",
            "aid_request__governorate_id",
            "organisation_id",
            {"claims": "n"},
        ),
        (
            TimelineEntry.objects.filter(to_status=S.CLOSED),
            "at",
            "aid_request__aid_type_id",
            "aid_request__governorate_id",
            "aid_request__claimed_by_id",
            {"closures": "n"},
        ),
        (
            Payment.objects.all(),
            "paid_on",
            "aid_request__aid_type_id",
            "aid_request__governorate_id",
            "organisation_id",
            {"payments_count": "n", "payments_amount": "amount"},
        ),
        (
            PreventedDuplicate.objects.all(),
            "first_refused_at",
            "aid_type_id",
            "aid_request__governorate_id",
            "organisation_id",
            {"blocked_count": "n", "blocked_amount": "amount_saved"},
        ),
    )
    for rows, moment, aid_type, governorate, organisation, figures in grouped:
        money = ("amount", "amount_saved")
        amounts = {column: Sum(column) for column in figures.values() if column in money}
        for row in (
            rows.annotate(month=TruncMonth(moment))
            .values("month", aid_type, governorate, organisation)
            .annotate(n=Count("pk"), **amounts)
            .order_by()
        ):
            sums.add(
                _as_month(row["month"]),
                row[aid_type],
                row[governorate],
                row[organisation],
                {name: row[column] for name, column in figures.items()},
            )
    for r in _deadline_releases(TimelineEntry.objects.all()):
        sums.add(
            month_of(local_day(r["at"])),
            r["aid_request__aid_type_id"],
            r["aid_request__governorate_id"],
            r["organisation_id"],
            {"released_by_deadline": 1},
        )
    return sums


def _history_statuses() -> list[MonthlyStatusFigures]:
    rows = (
        AidRequest.objects.annotate(month=TruncMonth("submitted_at"))
        .values("month", "aid_type_id", "governorate_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        MonthlyStatusFigures(
            month=_as_month(row["month"]),
            aid_type_id=row["aid_type_id"],
            governorate_id=row["governorate_id"],
            status=row["status"],
            count=row["n"],
        )
        for row in rows
    ]


def _status_counts(
    month: datetime.date, requests: QuerySet[AidRequest]
) -> list[MonthlyStatusFigures]:
    """Requests submitted in ``month`` by (aid type, governorate, status now)."""
    rows = (
        requests.filter(
            submitted_at__gte=day_start(month), submitted_at__lt=day_start(next_month(month))
        )
        .values("aid_type_id", "governorate_id", "status")
        .annotate(n=Count("*"))  # not COUNT(id): the index alone answers (index-only scan)
        .order_by()
    )
    return [
        MonthlyStatusFigures(
            month=month,
            aid_type_id=row["aid_type_id"],
            governorate_id=row["governorate_id"],
            status=row["status"],
            count=row["n"],
        )
        for row in rows
    ]


def _duration_counts(
    month: datetime.date | None, requests: QuerySet[AidRequest]
) -> list[MonthlyDurations]:
    """Histograms of whole local days submission → (current) claim and claim → first payment
    of the requests claimed in ``month`` (None: ever), grouped by the database by day."""
    claimed = requests.filter(claimed_at__isnull=False)
    if month is not None:
        claimed = claimed.filter(
            claimed_at__gte=day_start(month), claimed_at__lt=day_start(next_month(month))
        )
    claimed = claimed.annotate(claim_day=TruncDate("claimed_at"))
    counts: Counter[tuple[datetime.date, int, str, int]] = Counter()
    for row in (
        claimed.annotate(submit_day=TruncDate("submitted_at"))
        .values("aid_type_id", "claim_day", "submit_day")
        .annotate(n=Count("*"))
        .order_by()
    ):
        days = (row["claim_day"] - row["submit_day"]).days
        key = (month_of(row["claim_day"]), row["aid_type_id"])
        counts[(*key, DurationMeasure.TO_CLAIM.value, days)] += row["n"]
    first_paid = (
        Payment.objects.filter(aid_request=OuterRef("pk"))
        .order_by()
        .values("aid_request")
        .annotate(first=Min("paid_on"))
        .values("first")
    )
    for row in (
        claimed.annotate(first_paid=Subquery(first_paid))
        .filter(first_paid__isnull=False)
        .values("aid_type_id", "claim_day", "first_paid")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        days = (row["first_paid"] - row["claim_day"]).days
        key = (month_of(row["claim_day"]), row["aid_type_id"])
        counts[(*key, DurationMeasure.TO_PAYMENT.value, days)] += row["n"]
    return [
        MonthlyDurations(month=m, aid_type_id=aid_type_id, measure=measure, days=days, count=n)
        for (m, aid_type_id, measure, days), n in counts.items()
    ]


def _rebuild_everything(started: datetime.datetime) -> tuple[int, int]:
    """Every rollup from the raw rows; returns (months of history, rows written)."""
    for model in ROLLUP_MODELS:
        model._default_manager.all().delete()
    months = _all_months()
    rows = _add_event_sums(_history_events())
    rows += len(MonthlyStatusFigures.objects.bulk_create(_history_statuses(), BATCH))
    durations = _duration_counts(None, AidRequest.objects.all())
    rows += len(MonthlyDurations.objects.bulk_create(durations, BATCH))
    rows += _coverage_rebuild()
    # Events young enough to be seen again by the next run are marked as counted.
    _sums, seen = _new_events(started - REFRESH_OVERLAP, {})
    _remember(seen)
    return len(months), rows


def _remember(seen: Seen) -> None:
    AppliedEvent.objects.bulk_create(
        [
            AppliedEvent(kind=kind, event_id=pk, at=at)
            for kind, pairs in seen.items()
            for pk, at in pairs
        ],
        batch_size=BATCH,
    )


def _add_event_sums(sums: _EventSums) -> int:
    """Add ``sums`` to the monthly tables (creating the missing rows); returns rows touched."""
    touched = 0
    tables: tuple[tuple[Any, dict[Any, Counter[str]], str], ...] = (
        (MonthlyFigures, sums.gov, "governorate_id"),
        (MonthlyOrganisationFigures, sums.org, "organisation_id"),
    )
    for model, increments, third in tables:
        if not increments:
            continue
        existing: dict[tuple[datetime.date, int, int], Any] = {}
        by_month: dict[datetime.date, set[int]] = defaultdict(set)
        for month, _aid_type, other in increments:
            by_month[month].add(other)
        for month, others in by_month.items():
            for chunk in _chunks(others):
                for row in model.objects.filter(month=month, **{f"{third}__in": chunk}):
                    existing[(row.month, row.aid_type_id, getattr(row, third))] = row
        new: list[Any] = []
        changed: list[Any] = []
        for key, values in increments.items():
            row = existing.get(key)
            if row is None:
                month, aid_type_id, other = key
                new.append(model(month=month, aid_type_id=aid_type_id, **{third: other}, **values))
                continue
            for name, value in values.items():
                setattr(row, name, getattr(row, name) + value)
            changed.append(row)
        model.objects.bulk_create(new, batch_size=BATCH)
        model.objects.bulk_update(changed, EVENT_FIGURES, batch_size=BATCH)
        touched += len(new) + len(changed)
    return touched


def _touched_request_ids(since: datetime.datetime) -> set[int]:
    """Requests whose status, claim or first payment may have changed since ``since``: each
    source is its own indexed range query (an OR of them would scan the requests)."""
    ids: set[int] = set(
        AidRequest.objects.filter(updated_at__gte=since).values_list("pk", flat=True)
    )
    ids.update(TimelineEntry.objects.filter(at__gte=since).values_list("aid_request_id", flat=True))
    ids.update(
        Payment.objects.filter(recorded_at__gte=since).values_list("aid_request_id", flat=True)
    )
    for moment in ("created_at", "released_at"):
        ids.update(
            AidCommitment.objects.filter(**{f"{moment}__gte": since}).values_list(
                "aid_request_id", flat=True
            )
        )
    return ids


def _refresh_since(since: datetime.datetime, started: datetime.datetime) -> tuple[int, int]:
    """Apply the new events, re-count the cells of the changed requests; (cells, rows)."""
    applied: dict[str, set[int]] = defaultdict(set)
    for kind, pk in AppliedEvent.objects.values_list("kind", "event_id"):
        applied[kind].add(pk)
    sums, seen = _new_events(since, applied)
    rows = _add_event_sums(sums)
    if AidCommitment.objects.filter(shortened_at__gte=since).exists():
        # A commitment cut to what was paid (dedup.services.commitments_shorten) changed its
        # months in place, and no event says what they were: the coverage is rebuilt whole
        # (two ordered passes over the binding commitments) instead of moved.
        CoverageFigures.objects.all().delete()
        rows += _coverage_rebuild()
    else:
        rows += _coverage_update(since, applied, seen)
    _remember(seen)
    # Forget what the next run's window no longer reaches.
    AppliedEvent.objects.filter(at__lt=started - REFRESH_OVERLAP).delete()
    events = sum(len(pairs) for pairs in seen.values())

    touched = _touched_request_ids(since)
    status_cells, duration_cells = _cells_of(touched)
    rows += _recount_status(status_cells)
    rows += _recount_durations(duration_cells)
    return events + len(status_cells) + len(duration_cells), rows


def _cells_of(
    request_ids: set[int],
) -> tuple[set[GovKey], set[tuple[datetime.date, int]]]:
    """The status cells (submission month, aid type, governorate) and duration cells (claim
    month, aid type: the current claim's and every earlier claim's) of these requests."""
    status: set[GovKey] = set()
    durations: set[tuple[datetime.date, int]] = set()
    for chunk in _chunks(request_ids):
        for row in AidRequest.objects.filter(pk__in=chunk).values(
            "submitted_at", "claimed_at", "aid_type_id", "governorate_id"
        ):
            month = month_of(local_day(row["submitted_at"]))
            status.add((month, row["aid_type_id"], row["governorate_id"]))
            if row["claimed_at"] is not None:
                durations.add((month_of(local_day(row["claimed_at"])), row["aid_type_id"]))
        for created_at, aid_type_id in AidCommitment.objects.filter(
            aid_request_id__in=chunk, is_applicant=True
        ).values_list("created_at", "aid_type_id"):
            durations.add((month_of(local_day(created_at)), aid_type_id))
    return status, durations


def _recount_status(cells: set[GovKey]) -> int:
    """Re-count the statuses of the requests submitted in each cell: per month, one delete and
    one grouped count over the month's requests of the cells' aid types and governorates, an
    index-only scan (``reports_request_status_cell``), of which the cells' groups are kept."""
    by_month: dict[datetime.date, set[tuple[int, int]]] = defaultdict(set)
    for month, aid_type_id, governorate_id in cells:
        by_month[month].add((aid_type_id, governorate_id))
    rows = 0
    for month, pairs in sorted(by_month.items()):
        aid_types = sorted({aid_type_id for aid_type_id, _governorate in pairs})
        governorates = sorted({governorate for _aid_type, governorate in pairs})
        requests = AidRequest.objects.filter(
            aid_type_id__in=aid_types, governorate_id__in=governorates
        )
        counts = [
            c for c in _status_counts(month, requests) if (c.aid_type_id, c.governorate_id) in pairs
        ]
        cell = Q()
        for aid_type_id, governorate_id in pairs:
            cell |= Q(aid_type_id=aid_type_id, governorate_id=governorate_id)
        MonthlyStatusFigures.objects.filter(cell, month=month).delete()
        rows += len(MonthlyStatusFigures.objects.bulk_create(counts, BATCH))
    return rows


def _recount_durations(cells: set[tuple[datetime.date, int]]) -> int:
    """Re-count the duration histograms of each (claim month, aid type) cell: one delete and
    one grouped count per month."""
    by_month: dict[datetime.date, set[int]] = defaultdict(set)
    for month, aid_type_id in cells:
        by_month[month].add(aid_type_id)
    rows = 0
    for month, aid_types in sorted(by_month.items()):
        MonthlyDurations.objects.filter(month=month, aid_type_id__in=aid_types).delete()
        counts = _duration_counts(month, AidRequest.objects.filter(aid_type_id__in=aid_types))
        rows += len(MonthlyDurations.objects.bulk_create(counts, BATCH))
    return rows


# --- coverage: distinct people and households -----------------------------------------------

PairKey = tuple[str, int, int, int]  # kind, aid type key (0: any), month, previous (0: none)
Period_ = tuple[int, datetime.date, datetime.date]  # aid type, first day, last day
_KEY_COLUMN = {CoverageKind.PERSON: "civil_id", CoverageKind.HOUSEHOLD: "aid_request__applicant_id"}


class _Pairs:
    """Pair counts of ``CoverageFigures`` being added up, kept compact: a person covered for
    months a..b in one run adds (a, the month before the run) once and (m, m - 1) for every
    later month of the run; the latter are kept as +1 at a + 1 and -1 at b + 1 and summed
    at the end, so each run costs two operations however long it is."""

    def __init__(self) -> None:
        self.starts: Counter[PairKey] = Counter()
        self.steps: dict[tuple[str, int], Counter[int]] = defaultdict(Counter)

    def add(self, kind: str, periods: Iterable[Period_], sign: int = 1) -> None:
        """Add (or, with ``sign`` -1, take out) one person's or household's months: per aid
        type, and for any aid type."""
        by_type: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for aid_type_id, period_start, period_end in periods:
            by_type[aid_type_id].append((month_number(period_start), month_number(period_end)))
        if not by_type:
            return
        every = [interval for intervals in by_type.values() for interval in intervals]
        for aid_type_key, intervals in (*by_type.items(), (0, every)):
            steps = self.steps[(kind, aid_type_key)]
            previous = 0
            for first, last in _merged(intervals):
                self.starts[(kind, aid_type_key, first, previous)] += sign
                if last > first:
                    steps[first + 1] += sign
                    steps[last + 1] -= sign
                previous = last

    def counts(self) -> Counter[PairKey]:
        found = Counter(self.starts)
        for (kind, aid_type_key), steps in self.steps.items():
            running = 0
            marks = sorted(steps)
            if not marks:
                continue
            for number in range(marks[0], marks[-1] + 1):
                running += steps.get(number, 0)
                if running:
                    found[(kind, aid_type_key, number, number - 1)] += running
        return found


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Month intervals merged into runs of consecutive months."""
    runs: list[tuple[int, int]] = []
    for first, last in sorted(intervals):
        if runs and first <= runs[-1][1] + 1:
            if last > runs[-1][1]:
                runs[-1] = (runs[-1][0], last)
        else:
            runs.append((first, last))
    return runs


def _coverage_rebuild() -> int:
    """Two ordered passes over the binding commitments (by civil ID, by applicant), one
    person or household at a time, so memory stays flat however many there are."""
    pairs = _Pairs()
    for kind, column in _KEY_COLUMN.items():
        rows = (
            AidCommitment.objects.filter(status__in=BINDING)
            .order_by(column)
            .values_list(column, "aid_type_id", "period_start", "period_end")
            .iterator(chunk_size=20_000)
        )
        current: Any = None
        periods: list[Period_] = []
        for key, aid_type_id, period_start, period_end in rows:
            if key != current:
                pairs.add(kind, periods)
                current, periods = key, []
            periods.append((aid_type_id, period_start, period_end))
        pairs.add(kind, periods)
    counts = pairs.counts()
    CoverageFigures.objects.bulk_create(
        [
            CoverageFigures(kind=k, aid_type_key=t, month=m, previous=p, count=n)
            for (k, t, m, p), n in counts.items()
            if n
        ],
        batch_size=BATCH,
    )
    return len(counts)


def _coverage_update(since: datetime.datetime, applied: dict[str, set[int]], seen: Seen) -> int:
    """Move the people and households whose commitments were reserved or released since the
    last run from their old months to their new ones in ``CoverageFigures``.

    No copy of anyone's months is kept: a commitment only ever goes reserved → active →
    released, so a person's months *as the last run counted them* are those of the
    commitments whose reservation that run had applied and whose release it had not — all the
    events older than ``since``, and those in ``applied``. Their months now: the binding
    commitments."""
    new_ids = {
        pk
        for kind in (RollupEvent.COMMITTED, RollupEvent.RELEASED_COMMITMENT)
        for pk, _at in seen.get(kind, [])
    }
    if not new_ids:
        return 0
    reserved = applied.get(RollupEvent.COMMITTED, set())
    released = applied.get(RollupEvent.RELEASED_COMMITMENT, set())

    def counted_before(c: dict[str, Any]) -> bool:
        was_reserved = c["created_at"] < since or c["pk"] in reserved
        was_released = c["released_at"] is not None and (
            c["released_at"] < since or c["pk"] in released
        )
        return was_reserved and not was_released

    keys: dict[str, set[Any]] = {kind: set() for kind in _KEY_COLUMN}
    for chunk in _chunks(new_ids):
        for civil_id, applicant_id in AidCommitment.objects.filter(pk__in=chunk).values_list(
            "civil_id", "aid_request__applicant_id"
        ):
            keys[CoverageKind.PERSON].add(civil_id)
            keys[CoverageKind.HOUSEHOLD].add(applicant_id)
    delta = _Pairs()
    changed = 0
    for kind, column in _KEY_COLUMN.items():
        for chunk in _chunks(sorted(keys[kind])):
            commitments: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            # Only binding commitments and those released inside the window can count before
            # or now; each is an indexed read (the rule's index; the release time's index).
            mine_only = AidCommitment.objects.filter(**{f"{column}__in": chunk})
            for part in (
                mine_only.filter(status__in=BINDING),
                mine_only.filter(released_at__gte=since),
            ):
                for c in part.values(
                    "pk",
                    column,
                    "aid_type_id",
                    "period_start",
                    "period_end",
                    "status",
                    "created_at",
                    "released_at",
                ):
                    commitments[c[column]].append(c)
            for mine in commitments.values():
                before = [c for c in mine if counted_before(c)]
                now = [c for c in mine if c["status"] in BINDING]
                if [c["pk"] for c in before] == [c["pk"] for c in now]:
                    continue
                changed += 1
                delta.add(kind, [_period(c) for c in before], -1)
                delta.add(kind, [_period(c) for c in now])
    _apply_pair_delta(delta.counts())
    return changed


def _period(commitment: dict[str, Any]) -> Period_:
    return (commitment["aid_type_id"], commitment["period_start"], commitment["period_end"])


def _apply_pair_delta(delta: Counter[PairKey]) -> None:
    delta = Counter({key: n for key, n in delta.items() if n})
    if not delta:
        return
    existing: dict[PairKey, CoverageFigures] = {}
    for chunk in _chunks(sorted({key[2] for key in delta})):
        for row in CoverageFigures.objects.filter(month__in=chunk):
            existing[(row.kind, row.aid_type_key, row.month, row.previous)] = row
    new: list[CoverageFigures] = []
    changed: list[CoverageFigures] = []
    gone: list[int] = []
    for key, n in delta.items():
        found = existing.get(key)
        if found is None:
            kind, aid_type_key, month, previous = key
            new.append(
                CoverageFigures(
                    kind=kind, aid_type_key=aid_type_key, month=month, previous=previous, count=n
                )
            )
        elif found.count + n == 0:
            gone.append(found.pk)
        else:
            found.count += n
            changed.append(found)
    CoverageFigures.objects.filter(pk__in=gone).delete()
    CoverageFigures.objects.bulk_create(new, batch_size=BATCH)
    CoverageFigures.objects.bulk_update(changed, ["count"], batch_size=BATCH)


# --- exports ------------------------------------------------------------------------------

#: Larger exports than this are prepared in the background (ExportJob) instead of streamed
#: (setting ``REPORTS_EXPORT_INLINE_LIMIT``).
EXPORT_INLINE_LIMIT = 5000


def export_inline_limit() -> int:
    return int(getattr(settings, "REPORTS_EXPORT_INLINE_LIMIT", EXPORT_INLINE_LIMIT))


EXPORTS_FOLDER = "exports"


def export_job_create(
    *, actor: User, kind: str, file_format: str, parameters: dict[str, Any]
) -> ExportJob:
    """Queue a background export for ``actor``; the task starts after the commit."""
    from reports.tasks import build_export

    if kind not in ExportKind.values or file_format not in ExportFormat.values:
        raise ValueError("unknown export")
    with transaction.atomic(durable=True):
        job = ExportJob.objects.create(
            requested_by=actor,
            kind=kind,
            file_format=file_format,
            parameters=parameters,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="reports.export_requested",
            target=job,
            data={"kind": kind, "format": file_format, "parameters": parameters},
        )
        # A broker that is down leaves the job queued (shown so on its page); never a 500.
        after_commit(build_export.delay, job.pk)
    return job


def export_job_run(*, job_id: int) -> ExportJob:
    """Write the file of a queued job under MEDIA_ROOT/exports (the Celery task's body).

    Only a queued job is started (a duplicate delivery of the task does nothing); a failure is
    recorded on the job, never raised, so the person who asked sees it on the status page.
    """
    started = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, progress=0
    )
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if not started:
        return job
    folder = Path(settings.MEDIA_ROOT) / EXPORTS_FOLDER
    relative = f"{EXPORTS_FOLDER}/{job.pk}-{job.kind}.{job.file_format}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        language = job.parameters.get("language") or job.requested_by.language or "ar"
        with translation.override(language):
            table = exports.table_for(job.kind, job.parameters)

            def progress(done: int) -> None:
                percent = min(99, done * 100 // max(table.total, 1))
                ExportJob.objects.filter(pk=job.pk).update(progress=percent, row_count=done)
                logger.info(
                    "export job %s: %s of %s rows (%s%%)", job.pk, done, table.total, percent
                )

            with open(Path(settings.MEDIA_ROOT) / relative, "wb") as target:
                rows = exports.write(table, job.file_format, target, on_progress=progress)
    except Exception as error:  # noqa: BLE001 - any failure is shown to the person who asked
        logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
    else:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.DONE,
            progress=100,
            row_count=rows,
            file_path=relative,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def export_download_record(
    *,
    actor: User,
    kind: str,
    file_format: str,
    rows: int,
    job: ExportJob | None = None,
    parameters: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> None:
    """Audit one download of an export (streamed at once, or a finished job's file)."""
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="reports.export_downloaded",
            target=job,
            data={
                "kind": kind,
                "format": file_format,
                "rows": rows,
                "parameters": parameters
                if parameters is not None
                else (job.parameters if job else {}),
            },
            ip_address=ip_address,
        )
