"""Background work of paid volunteering."""

from __future__ import annotations

from celery import shared_task

from volunteering.services.opportunities import certificates_announce


@shared_task(name="volunteering.tasks.announce_certificates")
def announce_certificates_task() -> int:
    """Tell volunteers whose placement ended that their certificate is ready (daily)."""
    return len(certificates_announce())
