"""Writes of the export jobs: queue one, write its file (the Celery task's body), and audit
every download. The tables themselves are ``reports.exports``."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from accounts.models import User
from audit.services import audit_record
from config.commit import after_commit
from config.replica import primary_wal_lsn, replica_reads
from reports import exports
from reports.models import ExportFormat, ExportJob, ExportKind, ExportStatus

logger = logging.getLogger(__name__)


#: Larger exports than this are prepared in the background (ExportJob) instead of streamed
#: (setting ``REPORTS_EXPORT_INLINE_LIMIT``).
EXPORT_INLINE_LIMIT = 5000


def export_inline_limit() -> int:
    return int(getattr(settings, "REPORTS_EXPORT_INLINE_LIMIT", EXPORT_INLINE_LIMIT))


EXPORTS_FOLDER = "exports"


def export_job_create(
    *, actor: User, kind: str, file_format: str, parameters: dict[str, Any]
) -> ExportJob:
    """Queue a background export for ``actor``; the task starts after the commit."""
    if kind not in ExportKind.values or file_format not in ExportFormat.values:
        raise ValueError("unknown export")
    with transaction.atomic(durable=True):
        job = ExportJob.objects.create(
            requested_by=actor,
            kind=kind,
            file_format=file_format,
            parameters=parameters,
            created_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="reports.export_requested",
            target=job,
            data={"kind": kind, "format": file_format, "parameters": parameters},
        )
        # A broker that is down leaves the job queued (shown so on its page); never a 500.
        after_commit(_queue, job.pk)
    return job


def export_file(job: ExportJob) -> Path | None:
    """The file of a finished job, if it is there and inside MEDIA_ROOT/exports; else None."""
    if job.status != ExportStatus.DONE or not job.file_path:
        return None
    folder = (Path(settings.MEDIA_ROOT) / EXPORTS_FOLDER).resolve()
    path = (Path(settings.MEDIA_ROOT) / job.file_path).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path


def _queue(job_id: int) -> None:
    """Send the job to a worker with the primary's WAL position now, after the commit: the
    export (read from the replica) then has everything committed before it was asked for,
    the asker's own latest changes included."""
    from reports.tasks import build_export

    build_export.delay(job_id, primary_wal_lsn())


def export_job_run(*, job_id: int, after_lsn: str | None = None) -> ExportJob:
    """Write the file of a queued job under MEDIA_ROOT/exports (the Celery task's body).

    Only a queued job is started (a duplicate delivery of the task does nothing); a failure is
    recorded on the job, never raised, so the person who asked sees it on the status page.
    The rows are read from the replica once it has replayed the primary up to ``after_lsn``
    (config/replica.py); the job's own rows are always written to, and read from, the primary.
    """
    started = ExportJob.objects.filter(pk=job_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING, progress=0
    )
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if not started:
        return job
    folder = Path(settings.MEDIA_ROOT) / EXPORTS_FOLDER
    relative = f"{EXPORTS_FOLDER}/{job.pk}-{job.kind}.{job.file_format}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        language = job.parameters.get("language") or job.requested_by.language or "ar"
        with translation.override(language), replica_reads(after_lsn=after_lsn):
            table = exports.table_for(job.kind, job.parameters)

            def progress(done: int) -> None:
                percent = min(99, done * 100 // max(table.total, 1))
                ExportJob.objects.filter(pk=job.pk).update(progress=percent, row_count=done)
                logger.info(
                    "export job %s: %s of %s rows (%s%%)", job.pk, done, table.total, percent
                )

            with open(Path(settings.MEDIA_ROOT) / relative, "wb") as target:
                rows = exports.write(table, job.file_format, target, on_progress=progress)
    except Exception as error:  # noqa: BLE001 - any failure is shown to the person who asked
        logger.exception("export job %s failed", job.pk)
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.FAILED, error=str(error)[:500], finished_at=timezone.now()
        )
    else:
        ExportJob.objects.filter(pk=job.pk).update(
            status=ExportStatus.DONE,
            progress=100,
            row_count=rows,
            file_path=relative,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job


def export_download_record(
    *,
    actor: User,
    kind: str,
    file_format: str,
    rows: int,
    job: ExportJob | None = None,
    parameters: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> None:
    """Audit one download of an export (streamed at once, or a finished job's file)."""
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="reports.export_downloaded",
            target=job,
            data={
                "kind": kind,
                "format": file_format,
                "rows": rows,
                "parameters": parameters
                if parameters is not None
                else (job.parameters if job else {}),
            },
            ip_address=ip_address,
        )
