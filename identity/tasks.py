"""Background work of the identity app."""

from __future__ import annotations

from celery import shared_task

from identity.services import attempts_expire_stale


@shared_task(name="identity.tasks.expire_stale_attempts")
def expire_stale_attempts() -> int:
    """End attempts nobody answered within their lifetime (Celery beat, every minute).

    The verification page also expires its own attempt when it polls, so this only matters for
    people who closed the page.
    """
    return attempts_expire_stale()
