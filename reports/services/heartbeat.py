"""Writes of the workers' bookkeeping: the worker heartbeat and the runs of the periodic jobs
(both read by the ministry overview, ``reports.selectors.overview``)."""

from __future__ import annotations

from django.utils import timezone

from reports.models import JobOutcome, PeriodicJobRun, WorkerHeartbeat


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
