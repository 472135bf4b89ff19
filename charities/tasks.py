"""Background work of the charities app."""

from __future__ import annotations

from celery import shared_task

from charities.services.cases import release_expired_claims, warn_approaching_claim_deadlines
from charities.services.covered import return_covered_requests


@shared_task(name="charities.tasks.release_expired_claims")
def release_expired_claims_task() -> int:
    """Release every claim not approved within CLAIM_DEADLINE_DAYS (Celery beat, hourly), and
    warn the holders' webhooks of the claims a day from it."""
    released = len(release_expired_claims())
    warn_approaching_claim_deadlines()
    return released


@shared_task(name="charities.tasks.return_covered_requests")
def return_covered_requests_task() -> int:
    """Return to the queue the requests whose coverage elsewhere has ended (Celery beat)."""
    return len(return_covered_requests())
