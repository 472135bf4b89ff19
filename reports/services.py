"""Writes of the reports app: the worker heartbeat, the rollup refresh, and export jobs.

Rollup refresh (``rollups_refresh``), the design:

* ``DailyFigures`` — one row per (Kuwait day, aid type, organisation, governorate) with additive
  counts and sums; ``DurationFigures`` — per claim day, histograms of whole days
  submission → claim and claim → first payment, so medians over any range are exact.
* Incremental: the requests touched since the previous run started (minus ``REFRESH_OVERLAP``)
  are those with a newer ``updated_at``, timeline entry (``at``), payment (``recorded_at``),
  commitment (``created_at``/``released_at``) or blocked attempt (``attempted_at``). Every day
  such a request contributes to (its submission and claim days, its timeline, payment,
  commitment and blocked-attempt days) is deleted and recomputed from the raw rows, a run of
  contiguous days at a time (about eight indexed range queries per run). Cost: proportional to
  the activity of the touched days, not to the registry — a five-minute window touches a few
  days, i.e. the few thousand rows of those days.
* Full (``--full``, or the first run): every day from the first event to today, in runs of 31
  days: about 8 queries per month of history plus one bulk insert, each reading one month of
  rows (≈ 40 runs and a few million rows read once for three years at the design scale).
* Distinct beneficiaries and households are not additive: see
  ``reports.selectors.distinct_beneficiaries``.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone, translation

from accounts.models import User
from aid_requests.models import AidRequest, Payment, RequestStatus, TimelineEntry
from audit.services import audit_record
from dedup.models import AidCommitment, BlockedAttempt
from reports import exports
from reports.models import (
    DailyFigures,
    DurationFigures,
    DurationMeasure,
    ExportFormat,
    ExportJob,
    ExportKind,
    ExportStatus,
    RollupState,
    WorkerHeartbeat,
)

logger = logging.getLogger(__name__)
S = RequestStatus

#: Where the request figures place a request's current status.
OPEN_STATUSES = (S.OPEN,)
HELD_NOW_STATUSES = (S.CLAIMED, S.APPROVED, S.PAYING)
#: A write transaction that began before the last run may commit after it: its rows carry a
#: time a little before that run started. The incremental refresh looks back this much further.
REFRESH_OVERLAP = datetime.timedelta(minutes=10)
#: A full refresh works through the history this many days at a time.
FULL_REFRESH_CHUNK_DAYS = 31


def heartbeat_record(*, worker: str) -> WorkerHeartbeat:
    """Remember that ``worker`` is alive now (one row per worker, updated in place)."""
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        worker=worker, defaults={"beat_at": timezone.now()}
    )
    return heartbeat


# --- rollups ------------------------------------------------------------------------------


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight (Asia/Kuwait) at the start of ``day``, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


@dataclass(frozen=True)
class RefreshResult:
    full: bool
    days: int
    rows: int


def rollups_refresh(*, full: bool = False) -> RefreshResult:
    """Rebuild the rollup rows of every day touched since the last run (or of every day).

    One transaction: readers see the old figures until it commits. The state row is locked
    first, so a second refresh (beat and the command at once) waits and then finds little to do.
    """
    with transaction.atomic(durable=True):
        state = _locked_state()
        started = timezone.now()
        if full or state.started_at is None:
            full = True
            days = _all_days()
            DailyFigures.objects.all().delete()
            DurationFigures.objects.all().delete()
        else:
            days = _touched_days(state.started_at - REFRESH_OVERLAP)
        rows = 0
        for first, last in _runs(sorted(days)):
            rows += _rebuild(first, last)
        state.started_at = started
        state.finished_at = timezone.now()
        state.days_refreshed = len(days)
        state.version = state.version + 1
        if full:
            state.full_at = state.finished_at
        state.save()
    logger.info("rollups refreshed: full=%s days=%s rows=%s", full, len(days), rows)
    return RefreshResult(full=full, days=len(days), rows=rows)


def _locked_state() -> RollupState:
    RollupState.objects.get_or_create(pk=1)
    return RollupState.objects.select_for_update().get(pk=1)


def _all_days() -> set[datetime.date]:
    """Every day from the first recorded event to today (an empty history has no days)."""
    firsts = [
        AidRequest.objects.aggregate(m=Min("submitted_at"))["m"],
        AidCommitment.objects.aggregate(m=Min("created_at"))["m"],
        BlockedAttempt.objects.aggregate(m=Min("attempted_at"))["m"],
        TimelineEntry.objects.aggregate(m=Min("at"))["m"],
    ]
    dates = [local_day(m) for m in firsts if m is not None]
    first_paid = Payment.objects.aggregate(m=Min("paid_on"))["m"]
    if first_paid is not None:
        dates.append(first_paid)
    if not dates:
        return set()
    first, today = min(dates), timezone.localdate()
    last = max(today, Payment.objects.aggregate(m=Max("paid_on"))["m"] or today)
    return {first + datetime.timedelta(days=n) for n in range((last - first).days + 1)}


def _touched_requests(since: datetime.datetime) -> QuerySet[AidRequest]:
    """Requests whose figures may have changed since ``since``: changed themselves, or with a
    new timeline entry, payment, commitment (claim or release) or blocked attempt."""
    return AidRequest.objects.filter(
        Q(updated_at__gte=since)
        | Q(pk__in=TimelineEntry.objects.filter(at__gte=since).values("aid_request_id"))
        | Q(pk__in=Payment.objects.filter(recorded_at__gte=since).values("aid_request_id"))
        | Q(
            pk__in=AidCommitment.objects.filter(
                Q(created_at__gte=since) | Q(released_at__gte=since)
            ).values("aid_request_id")
        )
        | Q(pk__in=BlockedAttempt.objects.filter(attempted_at__gte=since).values("aid_request_id"))
    )


def _touched_days(since: datetime.datetime) -> set[datetime.date]:
    """Every day whose figures a touched request contributes to (a handful of queries)."""
    touched = _touched_requests(since).values("pk")
    tz = timezone.get_current_timezone()
    days: set[datetime.date] = set()
    for moment in AidRequest.objects.filter(pk__in=touched).datetimes(
        "submitted_at", "day", tzinfo=tz
    ):
        days.add(moment.date())
    for moment in AidRequest.objects.filter(pk__in=touched, claimed_at__isnull=False).datetimes(
        "claimed_at", "day", tzinfo=tz
    ):
        days.add(moment.date())
    for moment in TimelineEntry.objects.filter(aid_request__in=touched).datetimes(
        "at", "day", tzinfo=tz
    ):
        days.add(moment.date())
    for moment in AidCommitment.objects.filter(
        aid_request__in=touched, is_applicant=True
    ).datetimes("created_at", "day", tzinfo=tz):
        days.add(moment.date())
    for moment in BlockedAttempt.objects.filter(aid_request__in=touched).datetimes(
        "attempted_at", "day", tzinfo=tz
    ):
        days.add(moment.date())
    days.update(Payment.objects.filter(aid_request__in=touched).dates("paid_on", "day"))
    return days


def _runs(days: list[datetime.date]) -> Iterable[tuple[datetime.date, datetime.date]]:
    """Contiguous runs of days (at most a chunk long), so each run is a few range queries."""
    run: list[datetime.date] = []
    for day in days:
        contiguous = run and day == run[-1] + datetime.timedelta(days=1)
        if run and (not contiguous or len(run) >= FULL_REFRESH_CHUNK_DAYS):
            yield run[0], run[-1]
            run = []
        run.append(day)
    if run:
        yield run[0], run[-1]


Key = tuple[datetime.date, int, int | None, int]


def _rebuild(first: datetime.date, last: datetime.date) -> int:
    """Delete and recompute the rollup rows of ``first``..``last`` (local days, inclusive)."""
    DailyFigures.objects.filter(day__range=(first, last)).delete()
    DurationFigures.objects.filter(day__range=(first, last)).delete()
    start, end = day_start(first), day_start(last + datetime.timedelta(days=1))
    figures: dict[Key, dict[str, Any]] = defaultdict(dict)

    def add(key: Key, values: dict[str, Any]) -> None:
        row = figures[key]
        for name, value in values.items():
            row[name] = row.get(name, 0) + (value or 0)

    submitted = (
        AidRequest.objects.filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(day=TruncDate("submitted_at"))
        .values("day", "aid_type_id", "governorate_id")
        .annotate(
            submitted=Count("id"),
            open_now=Count("id", filter=Q(status__in=OPEN_STATUSES)),
            held_now=Count("id", filter=Q(status__in=HELD_NOW_STATUSES)),
            closed_now=Count("id", filter=Q(status=S.CLOSED)),
            ineligible_now=Count("id", filter=Q(status=S.INELIGIBLE)),
        )
        .order_by()
    )
    for row in submitted:
        request_key: Key = (row.pop("day"), row.pop("aid_type_id"), None, row.pop("governorate_id"))
        add(request_key, row)

    claims = (
        AidCommitment.objects.filter(is_applicant=True, created_at__gte=start, created_at__lt=end)
        .annotate(day=TruncDate("created_at"), governorate_id=F("aid_request__governorate_id"))
        .values("day", "aid_type_id", "organisation_id", "governorate_id")
        .annotate(claims=Count("id"))
        .order_by()
    )
    for row in claims:
        key = (row["day"], row["aid_type_id"], row["organisation_id"], row["governorate_id"])
        add(key, {"claims": row["claims"]})

    closures = (
        TimelineEntry.objects.filter(to_status=S.CLOSED, at__gte=start, at__lt=end)
        .annotate(
            day=TruncDate("at"),
            aid_type_id=F("aid_request__aid_type_id"),
            organisation_id=F("aid_request__claimed_by_id"),
            governorate_id=F("aid_request__governorate_id"),
        )
        .values("day", "aid_type_id", "organisation_id", "governorate_id")
        .annotate(closures=Count("id"))
        .order_by()
    )
    for row in closures:
        key = (row["day"], row["aid_type_id"], row["organisation_id"], row["governorate_id"])
        add(key, {"closures": row["closures"]})

    for released in _deadline_releases(start, end):
        add(released, {"released_by_deadline": 1})

    payments = (
        Payment.objects.filter(paid_on__range=(first, last))
        .annotate(
            aid_type_id=F("aid_request__aid_type_id"),
            governorate_id=F("aid_request__governorate_id"),
        )
        .values("paid_on", "aid_type_id", "organisation_id", "governorate_id")
        .annotate(payments_count=Count("id"), payments_amount=Sum("amount"))
        .order_by()
    )
    for row in payments:
        key = (row["paid_on"], row["aid_type_id"], row["organisation_id"], row["governorate_id"])
        add(
            key,
            {"payments_count": row["payments_count"], "payments_amount": row["payments_amount"]},
        )

    blocked = (
        BlockedAttempt.objects.filter(attempted_at__gte=start, attempted_at__lt=end)
        .annotate(day=TruncDate("attempted_at"), governorate_id=F("aid_request__governorate_id"))
        .values("day", "aid_type_id", "organisation_id", "governorate_id")
        .annotate(blocked_count=Count("id"), blocked_amount=Sum("amount"))
        .order_by()
    )
    for row in blocked:
        key = (row["day"], row["aid_type_id"], row["organisation_id"], row["governorate_id"])
        add(key, {"blocked_count": row["blocked_count"], "blocked_amount": row["blocked_amount"]})

    daily = [
        DailyFigures(
            day=day,
            aid_type_id=aid_type_id,
            organisation_id=organisation_id,
            governorate_id=governorate_id,
            **values,
        )
        for (day, aid_type_id, organisation_id, governorate_id), values in figures.items()
    ]
    DailyFigures.objects.bulk_create(daily, batch_size=1000)
    durations = _durations(start, end)
    DurationFigures.objects.bulk_create(durations, batch_size=1000)
    return len(daily) + len(durations)


def _deadline_releases(start: datetime.datetime, end: datetime.datetime) -> list[Key]:
    """One key per claim released by the deadline (claimed → open, no actor) in the range.

    The release clears the request's organisation; the organisation that held the claim is the
    one of the applicant's commitment most recently created before the release.
    """
    entries = list(
        TimelineEntry.objects.filter(
            from_status=S.CLAIMED,
            to_status=S.OPEN,
            actor__isnull=True,
            at__gte=start,
            at__lt=end,
        ).values("aid_request_id", "at", "aid_request__aid_type_id", "aid_request__governorate_id")
    )
    if not entries:
        return []
    holders: dict[int, list[tuple[datetime.datetime, int]]] = defaultdict(list)
    for row in AidCommitment.objects.filter(
        aid_request_id__in={e["aid_request_id"] for e in entries}, is_applicant=True
    ).values("aid_request_id", "created_at", "organisation_id"):
        holders[row["aid_request_id"]].append((row["created_at"], row["organisation_id"]))
    keys: list[Key] = []
    for entry in entries:
        earlier = [c for c in holders[entry["aid_request_id"]] if c[0] <= entry["at"]]
        organisation_id = max(earlier)[1] if earlier else None
        keys.append(
            (
                local_day(entry["at"]),
                entry["aid_request__aid_type_id"],
                organisation_id,
                entry["aid_request__governorate_id"],
            )
        )
    return keys


def _durations(start: datetime.datetime, end: datetime.datetime) -> list[DurationFigures]:
    """Histograms of whole days submission → claim and claim → first payment, for the requests
    whose (current) claim falls in the range."""
    counts: Counter[tuple[datetime.date, int, int | None, str, int]] = Counter()
    claimed = (
        AidRequest.objects.filter(claimed_at__gte=start, claimed_at__lt=end)
        .annotate(first_paid=Min("payments__paid_on"))
        .values("aid_type_id", "claimed_by_id", "submitted_at", "claimed_at", "first_paid")
        .order_by()
    )
    for row in claimed:
        claim_day = local_day(row["claimed_at"])
        key = (claim_day, row["aid_type_id"], row["claimed_by_id"])
        to_claim = (claim_day - local_day(row["submitted_at"])).days
        counts[(*key, DurationMeasure.TO_CLAIM.value, to_claim)] += 1
        if row["first_paid"] is not None:
            to_payment = (row["first_paid"] - claim_day).days
            counts[(*key, DurationMeasure.TO_PAYMENT.value, to_payment)] += 1
    return [
        DurationFigures(
            day=day,
            aid_type_id=aid_type_id,
            organisation_id=organisation_id,
            measure=measure,
            days=days,
            count=count,
        )
        for (day, aid_type_id, organisation_id, measure, days), count in counts.items()
    ]


# --- exports ------------------------------------------------------------------------------

#: Larger exports than this are prepared in the background (ExportJob) instead of streamed.
EXPORT_INLINE_LIMIT = 5000
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
        transaction.on_commit(lambda: build_export.delay(job.pk))
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
