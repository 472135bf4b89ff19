"""The interval of a ``CELERY_BEAT_SCHEDULE`` entry (no model, no service: both the
runner and the overview read it)."""

from __future__ import annotations

import datetime
from typing import Any

from celery.schedules import schedule as celery_schedule


def schedule_interval(every: Any) -> datetime.timedelta | None:
    """The fixed interval of a beat schedule entry (None for crontab-like schedules)."""
    if isinstance(every, int | float):
        return datetime.timedelta(seconds=every)
    if isinstance(every, datetime.timedelta):
        return every
    if isinstance(every, celery_schedule) and type(every) is celery_schedule:
        return every.run_every
    return None
