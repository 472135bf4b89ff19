"""The file of a finished export job, handed to whoever asked for it: the page's download and
the API's (``api.views.ministry``) are the same answer, audited the same way."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, HttpRequest

from accounts.models import User
from audit.services import client_ip
from reports import exports
from reports.models import ExportJob
from reports.services.exports import export_download_record


def export_job_response(
    request: HttpRequest, job: ExportJob, path: Path, actor: User
) -> FileResponse:
    """Record the download in the audit trail, then send the job's file as an attachment."""
    export_download_record(
        actor=actor,
        kind=job.kind,
        file_format=job.file_format,
        rows=job.row_count,
        job=job,
        ip_address=client_ip(request),
    )
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=exports.filename(job.kind, job.file_format, job.parameters),
        content_type=exports.content_type(job.file_format),
    )
