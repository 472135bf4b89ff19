"""Background work of accounts: expired sessions leave the database (Celery beat, nightly)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from accounts.models import Session


@shared_task(name="accounts.tasks.clear_expired_sessions")
def clear_expired_sessions() -> int:
    """Delete the sessions past their expiry date, as ``manage.py clearsessions`` does.

    Sessions are rows in PostgreSQL, so that every web machine reads the same ones
    (docs/scaling.md); without this job a session nobody signed out of would stay for ever,
    and at national scale the table would grow by every visit.
    """
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
