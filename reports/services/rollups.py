"""The rollup refresh (``rollups_refresh``), the design (docs/decisions.md, "Ministry
statistics"):

* The page counts whole months (Asia/Kuwait). ``MonthlyFigures`` (month × aid type ×
  governorate) and ``MonthlyOrganisationFigures`` (month × aid type × organisation) hold the
  additive event figures; ``MonthlyStatusFigures`` the requests submitted in a month by where
  they stand now; ``MonthlyDurations`` histograms of days to claim / to first payment;
  ``CoverageFigures`` the distinct people and households covered (see its docstring). A year is
  a few hundred rows per table (the organisation table: a row per organisation, aid type and
  month), whatever the size of the registry.
* Events (claims, closures, releases by the deadline, payments, duplicates prevented: the one
  table of them is ``reports.events.EVENTS``) never change once written, so an incremental
  run adds only the new ones: those written since the previous run started (minus
  ``REFRESH_OVERLAP``, for transactions that committed late), less those already applied
  (``AppliedEvent``, the ids seen inside that overlap). Cost: the new events.
* What does change — a request's status, its current claim — is re-counted for the cells of
  the requests that changed: one (submission month, aid type, governorate) of statuses and one
  (claim month, aid type) histogram per changed request. A person's coverage changes only by
  a reservation or a release (both events): their old months leave ``CoverageFigures``, their
  new ones enter it (``coverage.coverage_update``). No whole month is recomputed.
* Full (``--full``, or the first run): about eight queries grouped by month over the whole
  history (one pass over each raw table), then two ordered passes over the binding
  commitments for the coverage, then ``ANALYZE`` of the rollup tables.
* One snapshot: on PostgreSQL the run is a REPEATABLE READ transaction (every query sees the
  same data), behind a session advisory lock so two runs never overlap.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Min, Model
from django.utils import timezone

from accounts.models import Role, User
from aid_requests.models import AidRequest, Payment, TimelineEntry
from config.dates import months_between
from dedup.models import AidCommitment, PreventedDuplicate
from reports.models import (
    AppliedEvent,
    CoverageFigures,
    MonthlyDurations,
    MonthlyFigures,
    MonthlyOrganisationFigures,
    MonthlyStatusFigures,
    RollupState,
)
from reports.services.coverage import coverage_rebuild, coverage_update
from reports.services.rollup_events import BATCH, Seen, add_event_sums, history_events, new_events
from reports.services.rollup_statuses import (
    cells_of,
    duration_counts,
    history_statuses,
    recount_durations,
    recount_status,
    touched_request_ids,
)

logger = logging.getLogger(__name__)


#: A write transaction that began before the last run may commit after it: its rows carry a
#: time a little before that run started. The incremental refresh looks back this much further.
REFRESH_OVERLAP = datetime.timedelta(minutes=10)
#: Key of the PostgreSQL advisory lock held by a refresh ("RPTS").
_REFRESH_LOCK = 0x52505453


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
    dates = [timezone.localdate(m) for m in firsts if m is not None]
    first_paid = Payment.objects.aggregate(m=Min("paid_on"))["m"]
    if first_paid is not None:
        dates.append(first_paid)
    if not dates:
        return []
    today = timezone.localdate()
    last = max(today, Payment.objects.aggregate(m=Max("paid_on"))["m"] or today)
    return months_between(min(dates), last)


def _rebuild_everything(started: datetime.datetime) -> tuple[int, int]:
    """Every rollup from the raw rows; returns (months of history, rows written)."""
    for model in ROLLUP_MODELS:
        model._default_manager.all().delete()
    months = _all_months()
    rows = add_event_sums(history_events())
    rows += len(MonthlyStatusFigures.objects.bulk_create(history_statuses(), BATCH))
    durations = duration_counts(None, AidRequest.objects.all())
    rows += len(MonthlyDurations.objects.bulk_create(durations, BATCH))
    rows += coverage_rebuild()
    # Events young enough to be seen again by the next run are marked as counted.
    _sums, seen = new_events(started - REFRESH_OVERLAP, {})
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


def _refresh_since(since: datetime.datetime, started: datetime.datetime) -> tuple[int, int]:
    """Apply the new events, re-count the cells of the changed requests; (cells, rows)."""
    applied: dict[str, set[int]] = defaultdict(set)
    for kind, pk in AppliedEvent.objects.values_list("kind", "event_id"):
        applied[kind].add(pk)
    sums, seen = new_events(since, applied)
    rows = add_event_sums(sums)
    if AidCommitment.objects.filter(shortened_at__gte=since).exists():
        # A commitment cut to what was paid (dedup.services.commitments_shorten) changed its
        # months in place, and no event says what they were: the coverage is rebuilt whole
        # (two ordered passes over the binding commitments) instead of moved.
        CoverageFigures.objects.all().delete()
        rows += coverage_rebuild()
    else:
        rows += coverage_update(since, applied, seen)
    _remember(seen)
    # Forget what the next run's window no longer reaches.
    AppliedEvent.objects.filter(at__lt=started - REFRESH_OVERLAP).delete()
    events = sum(len(pairs) for pairs in seen.values())

    touched = touched_request_ids(since)
    status_cells, duration_cells = cells_of(touched)
    rows += recount_status(status_cells)
    rows += recount_durations(duration_cells)
    return events + len(status_cells) + len(duration_cells), rows
