"""Writes of the benefits app: loading an agency's file of benefit records.

``benefit_file_import`` reads the file (``benefits.importing``), checks every row and loads the
good ones in batches. The semantics, also in docs/decisions.md:

- A record's identity is (agency, reference). A new key is **created**. An existing record
  with the same civil ID, benefit, amount, start and end is **unchanged** (nothing written). One
  whose benefit, amount, start or end differs is **updated**, or counted as **ended** when the
  change shortens it: the file gives an end date and the stored record had none, or an earlier
  one. (This does not depend on the day of the run, so a file always gives the same counts.)
  A key whose stored civil ID differs is an error: an agency's reference never moves between
  people. A record missing from a later file is left as it is: files may be partial.
- Loading runs in batches of ``batch_size`` rows, each in its own transaction with
  ``bulk_create``/``bulk_update``, and the batch's ``rows_done`` and counts advance in that same
  transaction. A run that stops (killed, failed) leaves its ``ImportBatch`` unfinished; running
  the same file (same SHA-256) again resumes it after ``rows_done``: the rows before are checked
  again (for the report and the in-file duplicates) but not loaded again, and the counts are
  not counted twice. A file already imported in full is simply imported again: every row is
  unchanged and nothing is written but the new batch and its audit entry.
- A dry run checks and counts against the database and writes the report, but loads nothing:
  its ``ImportBatch`` (``dry_run``) and audit entry are all it leaves.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.civil_id import masked_civil_id
from audit.services import audit_record
from benefits.commitments import commitments_follow_records
from benefits.exceptions import ImportConflict
from benefits.importing import BadRow, GoodRow, ImportFile, RawRow, RowChecker, file_sha256
from benefits.models import BenefitRecord, ImportBatch, ImportSource, ImportStatus
from config.statements import unprepared

if TYPE_CHECKING:
    from accounts.models import User

DEFAULT_BATCH_SIZE = 5000
#: Rows per INSERT / UPDATE statement and references per lookup inside one batch.
STATEMENT_ROWS = 1000
COUNT_FIELDS = ["created_count", "updated_count", "unchanged_count", "ended_count", "error_count"]
UPDATED_FIELDS = ["kind", "monthly_amount", "start_date", "end_date", "batch", "updated_at"]

#: Called after each batch with (rows done, rows in the file).
Progress = Callable[[int, int], None]


@dataclass
class Plan:
    """What one batch of good rows does to the database."""

    create: list[BenefitRecord] = field(default_factory=list)
    update: list[BenefitRecord] = field(default_factory=list)
    updated: int = 0
    ended: int = 0
    unchanged: int = 0
    bad: list[BadRow] = field(default_factory=list)


@dataclass
class Counts:
    """A dry run's counts, kept in memory (a real run keeps them on its batch)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    ended: int = 0
    errors: int = 0

    def add(self, plan: Plan, *, errors: int) -> None:
        self.created += len(plan.create)
        self.updated += plan.updated
        self.unchanged += plan.unchanged
        self.ended += plan.ended
        self.errors += errors + len(plan.bad)


@dataclass(frozen=True)
class ImportOutcome:
    batch: ImportBatch
    #: Rows already loaded by an earlier run of the same file that stopped (0: a fresh run).
    resumed_from: int
    #: The last finished import of the same file, if there is one.
    earlier: ImportBatch | None


def default_report_path(path: Path) -> Path:
    return path.with_name(path.name + ".report.csv")


@unprepared()  # it reads the table it fills (config/statements.py)
def benefit_file_import(
    *,
    path: Path,
    started_by: User | None,
    dry_run: bool = False,
    report_path: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
    batch_id: int | None = None,
) -> ImportOutcome:
    """Import one agency file; raise ``ImportFileError`` (nothing loaded) when it cannot be read.

    ``started_by`` is the ministry user, or None from the command line. ``batch_id``: the batch
    an upload from the portal opened for this file beforehand (``benefits.uploads``).
    """
    source = ImportFile(path)  # the format, the encoding and the header, before anything else
    sha256 = file_sha256(path)
    report_path = report_path or default_report_path(path)
    checker = RowChecker()
    batch, resumed_from = _batch_open(
        path=path,
        sha256=sha256,
        total=source.total,
        dry_run=dry_run,
        started_by=started_by,
        report_path=report_path,
        batch_id=batch_id,
    )
    earlier = (
        ImportBatch.objects.filter(sha256=sha256, dry_run=False, status=ImportStatus.DONE)
        .exclude(pk=batch.pk)
        .order_by("-pk")
        .first()
    )
    dry_counts = Counts()
    try:
        with report_path.open("w", encoding="utf-8-sig", newline="") as report:
            writer = csv.writer(report)
            writer.writerow(["line", "civil_id", "reason"])
            for start, chunk in _chunks(source.rows(), batch_size, boundary=resumed_from):
                checked = [checker.check(row) for row in chunk if row is not None]
                good = [row for row in checked if isinstance(row, GoodRow)]
                bad = [row for row in checked if isinstance(row, BadRow)]
                end = start + len(chunk)
                if end <= resumed_from or dry_run:
                    # Loaded by the run that stopped (its counts are in the batch), or a dry
                    # run: compare only, for the report and the dry run's counts.
                    plan = plan_upsert(good, batch=batch, lock=False)
                    if dry_run:
                        dry_counts.add(plan, errors=len(bad))
                else:
                    plan = _batch_load(batch.pk, start=start, end=end, good=good, errors=len(bad))
                _report(writer, [*bad, *plan.bad])
                if progress is not None:
                    progress(end, source.total)
    except ImportConflict:
        raise  # the other run goes on with the batch
    except BaseException:
        # Killed or failed: the batch stays resumable; mark it, if the database still answers
        # (a dry run too: it must not stay "running" for ever).
        _batch_failed(batch.pk)
        raise
    batch = _batch_finish(
        batch.pk,
        dry_counts=dry_counts if dry_run else None,
        started_by=started_by,
        resumed_from=resumed_from,
    )
    return ImportOutcome(batch=batch, resumed_from=resumed_from, earlier=earlier)


def _chunks(
    rows: Iterable[RawRow | None], size: int, *, boundary: int
) -> Iterator[tuple[int, list[RawRow | None]]]:
    """(index of the first row, rows) in chunks of ``size``; a chunk also ends at ``boundary``
    (where a resumed run starts loading), whatever the size of the run that stopped."""
    chunk: list[RawRow | None] = []
    start = 0
    for index, row in enumerate(rows):
        chunk.append(row)
        if len(chunk) == size or index + 1 == boundary:
            yield start, chunk
            start, chunk = index + 1, []
    if chunk:
        yield start, chunk


def _existing(good: list[GoodRow], *, lock: bool) -> dict[tuple[int, str], BenefitRecord]:
    """The stored records of these rows' keys, one query per agency and 1,000 references."""
    references: dict[int, list[str]] = defaultdict(list)
    for row in good:
        references[row.agency_id].append(row.reference)
    found: dict[tuple[int, str], BenefitRecord] = {}
    # Locks are taken agency by agency in code order, and in primary-key order within one.
    for agency_id in sorted(references):
        names = references[agency_id]
        for offset in range(0, len(names), STATEMENT_ROWS):
            query = BenefitRecord.objects.filter(
                agency_id=agency_id, reference__in=names[offset : offset + STATEMENT_ROWS]
            ).order_by("pk")
            if lock:
                query = query.select_for_update()
            found.update({(record.agency_id, record.reference): record for record in query})
    return found


def plan_upsert(good: list[GoodRow], *, batch: ImportBatch, lock: bool) -> Plan:
    """Compare each good row with the stored record of its key (see the module docstring).

    Shared by the file import and the live lookup (``benefits.lookup``); ``lock``: lock the
    stored records (``select_for_update``) for ``plan_apply`` in the same transaction."""
    plan = Plan()
    existing = _existing(good, lock=lock)
    now = timezone.now()
    for row in good:
        record = existing.get(row.key)
        if record is None:
            plan.create.append(
                BenefitRecord(
                    civil_id=row.civil_id,
                    agency_id=row.agency_id,
                    kind_id=row.kind_id,
                    monthly_amount=row.monthly_amount,
                    start_date=row.start_date,
                    end_date=row.end_date,
                    reference=row.reference,
                    batch=batch,
                )
            )
            continue
        if record.civil_id != row.civil_id:
            plan.bad.append(
                BadRow(
                    line=row.line,
                    civil_id=row.civil_id,
                    reason=_(
                        "The agency's reference %(reference)s belongs to another civil ID "
                        "in the records."
                    )
                    % {"reference": row.reference},
                )
            )
            continue
        new = (row.kind_id, row.monthly_amount, row.start_date, row.end_date)
        if new == (record.kind_id, record.monthly_amount, record.start_date, record.end_date):
            plan.unchanged += 1
            continue
        shortened = row.end_date is not None and (
            record.end_date is None or row.end_date < record.end_date
        )
        if shortened:
            plan.ended += 1
        else:
            plan.updated += 1
        record.kind_id, record.monthly_amount, record.start_date, record.end_date = new
        record.batch = batch
        record.updated_at = now  # bulk_update does not apply auto_now
        plan.update.append(record)
    return plan


def plan_apply(plan: Plan, *, actor: User | None = None) -> None:
    """Write a plan's new and changed records (inside the transaction that planned it); the
    state commitments of their excluding benefits follow in the same transaction
    (``benefits.commitments``: one pass per batch, none when no rule excludes). ``actor``: who
    started the import, named on a coverage conflict it opens."""
    BenefitRecord.objects.bulk_create(plan.create, batch_size=STATEMENT_ROWS)
    BenefitRecord.objects.bulk_update(plan.update, UPDATED_FIELDS, batch_size=STATEMENT_ROWS)
    commitments_follow_records(plan.create, changed=plan.update, actor=actor)


def _report(writer: Any, rows: list[BadRow]) -> None:
    """Append these bad rows to the report (``writer``: a ``csv.writer``), in line order."""
    for row in sorted(rows, key=lambda bad: bad.line):
        writer.writerow([row.line, masked_civil_id(row.civil_id), row.reason])


def _batch_open(
    *,
    path: Path,
    sha256: str,
    total: int,
    dry_run: bool,
    started_by: User | None,
    report_path: Path,
    batch_id: int | None = None,
) -> tuple[ImportBatch, int]:
    """The batch to load into: the one opened for it (``batch_id``), the unfinished one of the
    same file, or a new one."""
    try:
        return _batch_open_once(
            path=path,
            sha256=sha256,
            total=total,
            dry_run=dry_run,
            started_by=started_by,
            report_path=report_path,
            batch_id=batch_id,
        )
    except IntegrityError:
        # Another run of this file opened its batch at the same moment (at most one runs per
        # file: import_batch_one_running_per_file). Join it: each chunk is then loaded by
        # whichever run gets to it first, and the other stops with ImportConflict.
        return _batch_open_once(
            path=path,
            sha256=sha256,
            total=total,
            dry_run=dry_run,
            started_by=started_by,
            report_path=report_path,
            batch_id=batch_id,
        )


def _batch_open_once(
    *,
    path: Path,
    sha256: str,
    total: int,
    dry_run: bool,
    started_by: User | None,
    report_path: Path,
    batch_id: int | None,
) -> tuple[ImportBatch, int]:
    with transaction.atomic(durable=True):
        if batch_id is not None:
            # Opened by the upload, so its page shows it at once. A second delivery of the
            # task resumes it (a dry run loads nothing, so it starts again).
            opened = ImportBatch.objects.select_for_update().get(pk=batch_id, sha256=sha256)
            return opened, 0 if opened.dry_run else opened.rows_done
        if not dry_run:
            unfinished = (
                ImportBatch.objects.select_for_update()
                .filter(
                    sha256=sha256,
                    dry_run=False,
                    status__in=[ImportStatus.RUNNING, ImportStatus.FAILED],
                )
                .order_by("-pk")
                .first()
            )
            if unfinished is not None:
                unfinished.status = ImportStatus.RUNNING
                unfinished.finished_at = None
                unfinished.report_path = str(report_path)
                unfinished.save(update_fields=["status", "finished_at", "report_path"])
                return unfinished, unfinished.rows_done
        batch = ImportBatch.objects.create(
            file_name=path.name,
            sha256=sha256,
            source=ImportSource.FILE,
            started_at=timezone.now(),
            rows_total=total,
            dry_run=dry_run,
            started_by=started_by,
            report_path=str(report_path),
        )
        return batch, 0


def _batch_load(pk: int, *, start: int, end: int, good: list[GoodRow], errors: int) -> Plan:
    """Load one batch of rows and advance the batch past them, in one transaction."""
    with transaction.atomic(durable=True):
        batch = ImportBatch.objects.select_for_update().get(pk=pk)
        if batch.rows_done != start:
            # Another run of the same file loaded these rows meanwhile.
            raise ImportConflict
        plan = plan_upsert(good, batch=batch, lock=True)
        plan_apply(plan, actor=batch.started_by if batch.started_by_id else None)
        batch.rows_done = end
        batch.created_count += len(plan.create)
        batch.updated_count += plan.updated
        batch.ended_count += plan.ended
        batch.unchanged_count += plan.unchanged
        batch.error_count += errors + len(plan.bad)
        batch.save(update_fields=[*COUNT_FIELDS, "rows_done"])
    return plan


def _batch_failed(pk: int) -> None:
    try:
        with transaction.atomic(durable=True):
            ImportBatch.objects.filter(pk=pk, status=ImportStatus.RUNNING).update(
                status=ImportStatus.FAILED, finished_at=timezone.now()
            )
    except Exception:  # noqa: S110  # the original error is the one to show
        pass


def _batch_finish(
    pk: int,
    *,
    dry_counts: Counts | None,
    started_by: User | None,
    resumed_from: int,
) -> ImportBatch:
    """Mark the batch done and write the import's one audit entry."""
    with transaction.atomic(durable=True):
        batch = ImportBatch.objects.select_for_update().get(pk=pk)
        if dry_counts is not None:
            batch.created_count = dry_counts.created
            batch.updated_count = dry_counts.updated
            batch.ended_count = dry_counts.ended
            batch.unchanged_count = dry_counts.unchanged
            batch.error_count = dry_counts.errors
        batch.rows_done = batch.rows_total
        batch.status = ImportStatus.DONE
        batch.finished_at = timezone.now()
        batch.save(update_fields=[*COUNT_FIELDS, "rows_done", "status", "finished_at"])
        audit_record(
            actor=started_by,
            action="benefits.imported",
            target=batch,
            data={
                "file_name": batch.file_name,
                "sha256": batch.sha256,
                "dry_run": batch.dry_run,
                "rows": batch.rows_total,
                "resumed_from": resumed_from,
                "created": batch.created_count,
                "updated": batch.updated_count,
                "unchanged": batch.unchanged_count,
                "ended": batch.ended_count,
                "errors": batch.error_count,
            },
        )
    return batch
