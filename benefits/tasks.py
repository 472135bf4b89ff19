"""Background work of the benefits app."""

from __future__ import annotations

from celery import shared_task

from benefits.agencies.base import AgencyMisconfigured
from benefits.commitments import commitments_refill
from benefits.lookup import benefits_refresh
from benefits.people import live_case_civil_ids
from benefits.uploads import benefit_upload_run


@shared_task(name="benefits.tasks.refresh_live_cases")
def refresh_live_cases() -> dict[str, int]:
    """Refresh from the agencies the benefits of everyone in a live request (Celery beat,
    nightly): each applicant and their household members.

    A misconfigured lookup fails the job (so the ministry's overview shows it); a person the
    agencies could not answer for is only counted, and asked again the next night.
    """
    result = benefits_refresh(civil_ids=live_case_civil_ids())
    if result.misconfigured:
        raise AgencyMisconfigured(
            f"benefits lookup misconfigured: {len(result.not_refreshed)} not refreshed"
        )
    return {
        "refreshed": len(result.refreshed),
        "not_refreshed": len(result.not_refreshed),
        "created": result.batch.created_count,
        "updated": result.batch.updated_count,
        "ended": result.batch.ended_count,
    }


@shared_task(name="benefits.tasks.run_upload")
def run_upload(batch_id: int, language: str) -> str:
    """Import a file a ministry administrator uploaded in the portal (a failure is recorded on
    its batch, not raised)."""
    return benefit_upload_run(batch_id=batch_id, language=language).status


@shared_task(name="benefits.tasks.refill_state_commitments")
def refill_state_commitments() -> dict[str, int]:
    """Hourly: the state takes back the days charities' cases held against its excluding
    benefits and no longer hold (``benefits.commitments.commitments_refill``). The charities'
    own steps do it at once; this catches the steps below ``benefits`` (a withdrawal, an
    appeal decided, a household member leaving)."""
    sync = commitments_refill()
    if sync is None:
        return {"reserved": 0, "released": 0, "conflicts": 0}
    return {
        "reserved": sync.reserved,
        "released": sync.released,
        "conflicts": len(sync.conflicts),
    }
