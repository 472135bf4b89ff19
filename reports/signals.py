"""Record every run of a periodic task, whoever runs it.

Celery sends ``task_prerun`` and ``task_postrun`` around every task it executes: in a worker
(production: Celery beat sends the task, a worker runs it) and in-process for ``task.apply()``
(``manage.py run_periodic``, the embedded default). The receivers below record the runs of the
tasks named in ``CELERY_BEAT_SCHEDULE`` (``PeriodicJobRun``), so the ministry overview shows
when each periodic job last ran in both modes. This is bookkeeping, not a domain step: a
failure to record is logged and never fails the task.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import states
from celery.signals import task_postrun, task_prerun
from django.conf import settings

from reports.services.heartbeat import periodic_job_finished, periodic_job_started

logger = logging.getLogger(__name__)


def periodic_task_names() -> set[str]:
    """The task names of the entries of ``CELERY_BEAT_SCHEDULE``."""
    return {str(entry["task"]) for entry in settings.CELERY_BEAT_SCHEDULE.values()}


def _name(task: Any) -> str | None:
    name = getattr(task, "name", None)
    return name if name in periodic_task_names() else None


@task_prerun.connect(dispatch_uid="reports.periodic_job_started")
def _job_started(sender: Any = None, task: Any = None, **_kwargs: Any) -> None:
    name = _name(task or sender)
    if name is None:
        return
    try:
        periodic_job_started(task=name)
    except Exception:
        logger.exception("could not record the start of periodic task %s", name)


@task_postrun.connect(dispatch_uid="reports.periodic_job_finished")
def _job_finished(
    sender: Any = None, task: Any = None, retval: Any = None, state: str | None = None, **_: Any
) -> None:
    name = _name(task or sender)
    if name is None:
        return
    error = "" if state == states.SUCCESS else f"{state}: {retval!r}"
    try:
        periodic_job_finished(task=name, error=error)
    except Exception:
        logger.exception("could not record the end of periodic task %s", name)
