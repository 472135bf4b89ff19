"""The export jobs a person asked for (nobody else's)."""

from __future__ import annotations

from accounts.models import User
from reports.models import ExportJob


def export_job_for_user(user: User, pk: int) -> ExportJob | None:
    """The job if ``user`` asked for it; None (→ 404) for anyone else's."""
    return ExportJob.objects.filter(pk=pk, requested_by=user).first()


#: The "My exports" page lists this many of the person's latest exports.
MY_EXPORTS = 50


def export_jobs_of(user: User) -> list[ExportJob]:
    """The latest exports ``user`` asked for (nobody else's)."""
    return list(
        ExportJob.objects.filter(requested_by=user).order_by("-created_at", "-id")[:MY_EXPORTS]
    )
