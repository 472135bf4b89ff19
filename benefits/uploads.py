"""A small agency file uploaded by a ministry administrator in the portal, imported in the
background (``benefits.tasks.run_upload``) by the same ``benefit_file_import`` as the command.

``benefit_upload_start`` stores the file under ``MEDIA_ROOT/benefit_imports/<form key>/`` (a
folder never served as it is: the report goes out through a permission-checked view), checks
that it reads as an import (format, encoding, header, at least one row), opens its
``ImportBatch`` (so its page shows it at once) and audits the upload; the task starts after
the commit. Bad input raises ``ImportFileError`` and leaves nothing: no folder, no batch.

One import per form: the form carries a random key (``submission_key``) that names the
folder. The same form sent twice (a double click, a resent POST) waits on the first sending's
lock of the user's row and then finds its batch, whose report lies in that folder; nothing
else is started.

``benefit_upload_run`` is the task's body: it runs the import on the stored file into that
batch and records a failure on the batch (failed, with its audit entry) instead of raising, so
the person who uploaded sees it on the batch's page.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from accounts.models import User
from audit.services import audit_record
from benefits.exceptions import ImportConflict, ImportFileError
from benefits.importing import ImportFile, file_sha256
from benefits.models import ImportBatch, ImportSource, ImportStatus
from benefits.services import benefit_file_import
from config.commit import after_commit
from config.forms import OUT_OF_DATE

logger = logging.getLogger(__name__)

UPLOADS_FOLDER = "benefit_imports"
#: Rows per transaction for an upload: small, so that its page shows the progress.
UPLOAD_BATCH_SIZE = 200
#: The file types an upload may be (the import reads them by extension).
UPLOAD_EXTENSIONS = (".csv", ".xlsx")


def uploads_root() -> Path:
    return Path(settings.MEDIA_ROOT) / UPLOADS_FOLDER


@dataclass(frozen=True)
class UploadStarted:
    batch: ImportBatch
    #: The form had already been sent: this is the batch of its first sending.
    repeated: bool


def benefit_upload_start(
    *,
    actor: User,
    upload: UploadedFile,
    dry_run: bool,
    submission_key: str,
    language: str,
) -> UploadStarted:
    """Store and check one uploaded file and queue its import (see the module docstring).

    ``submission_key``: the form's random key (letters, digits, ``-`` and ``_`` only: it names
    a folder). ``language``: the language of the report's reasons.
    """
    from benefits.tasks import run_upload  # the task calls this module

    if not submission_key or not submission_key.replace("-", "").replace("_", "").isalnum():
        raise ValueError("a submission key is letters, digits, - and _")
    folder = uploads_root() / submission_key
    with transaction.atomic(durable=True):
        # Sendings of one form by one person run one after the other from here.
        User.objects.select_for_update().filter(pk=actor.pk).values_list("pk").first()
        sent = upload_of_form(submission_key=submission_key)
        if sent is not None and sent.started_by_id == actor.pk:
            return UploadStarted(batch=sent, repeated=True)
        if sent is not None:  # another person's form: never touch its folder
            raise ImportFileError(str(OUT_OF_DATE))
        try:
            batch = _store_and_open(actor=actor, upload=upload, dry_run=dry_run, folder=folder)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        audit_record(
            actor=actor,
            action="benefits.uploaded",
            target=batch,
            data={
                "file_name": batch.file_name,
                "sha256": batch.sha256,
                "bytes": upload.size,
                "rows": batch.rows_total,
                "dry_run": dry_run,
            },
        )
        # A broker that is down leaves the batch running with nothing done (its page says
        # so); never a 500 after the commit.
        after_commit(run_upload.delay, batch.pk, language)
    return UploadStarted(batch=batch, repeated=False)


def _store_and_open(
    *, actor: User, upload: UploadedFile, dry_run: bool, folder: Path
) -> ImportBatch:
    name = get_valid_filename(Path(upload.name or "").name)
    if Path(name).suffix.lower() not in UPLOAD_EXTENSIONS:
        raise ImportFileError(_("Only CSV and XLSX files can be imported."))
    shutil.rmtree(folder, ignore_errors=True)  # what an earlier, refused sending left
    folder.mkdir(parents=True)
    path = folder / name
    with path.open("wb") as target:
        for chunk in upload.chunks():
            target.write(chunk)
    source = ImportFile(path)  # raises ImportFileError for a file that is not an import
    if source.total == 0:
        raise ImportFileError(_("The file has a header but no rows."))
    try:
        with transaction.atomic():
            return ImportBatch.objects.create(
                file_name=name,
                sha256=file_sha256(path),
                source=ImportSource.FILE,
                started_at=timezone.now(),
                rows_total=source.total,
                dry_run=dry_run,
                started_by=actor,
                report_path=str(folder / f"{name}.report.csv"),
            )
    except IntegrityError:
        # import_batch_one_running_per_file: the same file is being imported right now.
        raise ImportConflict from None


def upload_of_form(*, submission_key: str) -> ImportBatch | None:
    """The batch that the form with this key started, if it was sent before."""
    folder = str(uploads_root() / submission_key)
    return ImportBatch.objects.filter(report_path__startswith=folder + "/").order_by("pk").first()


def upload_file_path(batch: ImportBatch) -> Path | None:
    """The stored file of an upload (None for a batch that is no upload)."""
    report = upload_report_path(batch)
    return None if report is None else report.parent / batch.file_name


def upload_report_path(batch: ImportBatch) -> Path | None:
    """The report of an upload, when it lies inside the uploads' folder (a command-line
    import's report stays wherever the operator wrote it: never served)."""
    if not batch.report_path or batch.source != ImportSource.FILE:
        return None
    root = uploads_root().resolve()
    path = Path(batch.report_path).resolve()
    return path if root in path.parents else None


def benefit_upload_run(*, batch_id: int, language: str) -> ImportBatch:
    """Import the stored file of an upload into its batch (the task's body; see above)."""
    batch = ImportBatch.objects.select_related("started_by").get(pk=batch_id)
    path = upload_file_path(batch)
    if batch.status != ImportStatus.RUNNING or path is None:
        return batch  # a second delivery of a finished task does nothing

    def progress(done: int, total: int) -> None:
        # A real run advances rows_done with each batch of rows; a dry run loads nothing, so
        # its page learns the progress from here.
        ImportBatch.objects.filter(pk=batch_id, dry_run=True, status=ImportStatus.RUNNING).update(
            rows_done=min(done, total)
        )

    try:
        with translation.override(language):
            outcome = benefit_file_import(
                path=path,
                started_by=batch.started_by,
                dry_run=batch.dry_run,
                report_path=Path(batch.report_path),
                batch_size=UPLOAD_BATCH_SIZE,
                progress=progress,
                batch_id=batch.pk,
            )
    except ImportConflict:
        batch.refresh_from_db()  # another delivery of the task goes on with the batch
        return batch
    except Exception as error:  # noqa: BLE001 - shown on the batch's page, never raised
        logger.exception("benefits upload %s failed", batch_id)
        return _upload_failed(batch_id, error=error)
    return outcome.batch


def _upload_failed(batch_id: int, *, error: Exception) -> ImportBatch:
    """Mark the batch failed (the import does too, if the database answered) and audit it."""
    with transaction.atomic(durable=True):
        # Only the batch's row is locked (PostgreSQL locks no row of an outer join's
        # nullable side).
        batch = (
            ImportBatch.objects.select_for_update(of=("self",))
            .select_related("started_by")
            .get(pk=batch_id)
        )
        if batch.status == ImportStatus.RUNNING:
            batch.status = ImportStatus.FAILED
            batch.finished_at = timezone.now()
            batch.save(update_fields=["status", "finished_at"])
        audit_record(
            actor=batch.started_by,
            action="benefits.import_failed",
            target=batch,
            data={
                "file_name": batch.file_name,
                "dry_run": batch.dry_run,
                "rows_done": batch.rows_done,
                "rows": batch.rows_total,
                "error": type(error).__name__,
            },
        )
    return batch


def benefit_report_download_record(
    *, actor: User, batch: ImportBatch, ip_address: str | None
) -> None:
    """Audit one download of an upload's report of bad rows (it holds civil IDs, masked)."""
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="benefits.report_downloaded",
            target=batch,
            data={"file_name": batch.file_name, "errors": batch.error_count},
            ip_address=ip_address,
        )
