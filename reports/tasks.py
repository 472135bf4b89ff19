"""Background work of the reports app."""

from __future__ import annotations

import datetime
import logging
import socket

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from reports.selectors.filters import rollup_state
from reports.services.exports import export_job_run
from reports.services.heartbeat import heartbeat_record
from reports.services.rollups import rollups_refresh

logger = logging.getLogger(__name__)


# The one task whose result is kept (CELERY_TASK_IGNORE_RESULT is on): beat sends it, never a
# request, and its result (the worker's name) is how a probe learns which worker answered.
@shared_task(name="reports.tasks.worker_heartbeat", ignore_result=False)
def worker_heartbeat() -> str:
    """Record that a worker ran a task just now (scheduled by Celery beat every minute)."""
    worker = socket.gethostname()
    heartbeat_record(worker=worker)
    return worker


@shared_task(name="reports.tasks.refresh_rollups")
def refresh_rollups(full: bool = False) -> dict[str, int | bool]:
    """Bring the statistics rollups up to date (Celery beat, every five minutes)."""
    result = rollups_refresh(full=full)
    return {"full": result.full, "days": result.days, "rows": result.rows}


@shared_task(name="reports.tasks.build_export")
def build_export(job_id: int, after_lsn: str | None = None) -> str:
    """Write the file of one export job (a failure is recorded on the job, not raised).

    ``after_lsn``: the primary's WAL position when the job was queued; the rows are read from
    the replica once it has replayed that far (config/replica.py), else from the primary.
    """
    return export_job_run(job_id=job_id, after_lsn=after_lsn).status


#: With tasks run inline (no broker, so no Celery beat: the embedded default of ``make run``)
#: nothing refreshes the rollups on a schedule; the ministry's pages (and the statistics of the
#: API) refresh them themselves when the last refresh is older than this (the incremental
#: refresh of a small registry costs a few milliseconds).
INLINE_REFRESH_AFTER = datetime.timedelta(minutes=1)


def refreshes_inline() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


def rollups_current() -> None:
    """Without Celery beat, bring stale rollups up to date before a page reads them."""
    if not refreshes_inline():
        return
    state = rollup_state()
    if state and state.finished_at and state.finished_at > timezone.now() - INLINE_REFRESH_AFTER:
        return
    try:
        refresh_rollups.delay()
    except DatabaseError:  # busy (another refresh holds the database): show what there is
        logger.warning(
            "inline rollup refresh failed; showing the figures as they are", exc_info=True
        )
