"""Run the periodic tasks of ``CELERY_BEAT_SCHEDULE`` in-process (``manage.py run_periodic``).

In production Celery beat sends these tasks to a worker. The embedded default has no broker
(``CELERY_TASK_ALWAYS_EAGER``), so nothing would release overdue claims, return requests to
the queue or refresh the rollups; ``make run`` starts ``run_periodic`` next to the server for
that. The runner knows the tasks only by name, through the Celery app, so it imports no
domain app. Each due task is applied in this process (``task.apply()``); a failing task is
logged and recorded and never stops the loop. The runs are recorded by the same Celery
signals as a worker's (``reports.signals``).
"""

from __future__ import annotations

import datetime
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from celery import Celery
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone

from reports.schedule import schedule_interval
from reports.services.heartbeat import periodic_job_finished

logger = logging.getLogger(__name__)


@dataclass
class PeriodicJob:
    """One entry of ``CELERY_BEAT_SCHEDULE`` and when this runner last started it."""

    name: str
    task: str
    every: Any  # seconds, a timedelta or a Celery schedule (crontab, …)
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    last_run_at: datetime.datetime | None = None

    @property
    def interval(self) -> datetime.timedelta | None:
        return schedule_interval(self.every)

    def seconds_until_due(self, now: datetime.datetime) -> float:
        """0 when due now (never run by this runner: due at once)."""
        if self.last_run_at is None:
            return 0.0
        interval = self.interval
        if interval is not None:
            return max(0.0, (self.last_run_at + interval - now).total_seconds())
        due, next_check = self.every.is_due(self.last_run_at)  # crontab and the like
        return 0.0 if due else float(next_check)


def jobs_from(beat_schedule: Mapping[str, Mapping[str, Any]]) -> list[PeriodicJob]:
    return [
        PeriodicJob(
            name=name,
            task=entry["task"],
            every=entry["schedule"],
            args=tuple(entry.get("args", ())),
            kwargs=dict(entry.get("kwargs", {})),
        )
        for name, entry in beat_schedule.items()
    ]


class PeriodicRunner:
    """Runs each job of the beat schedule when it is due, one after the other."""

    def __init__(self, app: Celery, beat_schedule: Mapping[str, Mapping[str, Any]] | None = None):
        self.app = app
        # What a worker does at start: import every app's tasks module (autodiscover_tasks).
        app.loader.import_default_modules()
        self.jobs = jobs_from(
            settings.CELERY_BEAT_SCHEDULE if beat_schedule is None else beat_schedule
        )

    def run_pending(self, stop: threading.Event | None = None) -> float:
        """Run every job that is due now; return the seconds until the next one is due."""
        for job in self.jobs:
            if stop is not None and stop.is_set():
                break
            if job.seconds_until_due(timezone.now()) <= 0:
                job.last_run_at = timezone.now()
                self.run(job)
        now = timezone.now()
        return min((job.seconds_until_due(now) for job in self.jobs), default=60.0)

    def run(self, job: PeriodicJob) -> bool:
        """Apply one job in this process; True when it succeeded. Never raises."""
        logger.info("periodic job %s (%s) starting", job.name, job.task)
        try:
            task = self.app.tasks[job.task]
        except KeyError:
            logger.error("periodic job %s: no task named %s is registered", job.name, job.task)
            self._record_failure(job, f"task {job.task} is not registered")
            return False
        try:
            # throw=False: the task's exception is kept on the result (and recorded by the
            # task_postrun receiver), not raised here.
            result = task.apply(args=job.args, kwargs=job.kwargs, throw=False)
        except Exception as error:  # the machinery around the task itself failed
            logger.exception("periodic job %s could not be run", job.name)
            self._record_failure(job, repr(error))
            return False
        finally:
            # Like a worker between tasks: drop a connection that broke or outlived
            # CONN_MAX_AGE (never inside a transaction, e.g. a test's).
            if not connection.in_atomic_block:
                close_old_connections()
        if result.failed():
            logger.error(
                "periodic job %s failed: %r\n%s", job.name, result.result, result.traceback
            )
            return False
        logger.info("periodic job %s done", job.name)
        return True

    def _record_failure(self, job: PeriodicJob, error: str) -> None:
        try:
            periodic_job_finished(task=job.task, error=error)
        except Exception:
            logger.exception("could not record the failure of periodic job %s", job.name)
