"""``manage.py benefits_import FILE [--dry-run] [--report PATH] [--batch-size N]``.

Loads an agency's file of benefit records (CSV or XLSX with the columns ``civil_id, agency,
benefit, monthly_amount, start_date, end_date, reference``, in any order). Every bad row goes
to the report (CSV: line, civil ID masked to its last four digits, reason; by default
``FILE.report.csv`` next to the file) and the good rows load.

- A record is identified by (agency, reference): a new one is *created*; the same values are
  *unchanged*; a changed benefit, amount, start or end is *updated*, or *ended* when the change
  shortens the benefit (an end date where there was none, or an earlier one).
- Dates: ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (day first), or date cells in XLSX.
- Rows load in batches (``--batch-size``, default 5,000), each in its own transaction. A run
  that is interrupted resumes where it stopped when the same file is run again.
- ``--dry-run`` checks and counts, writes the report, and loads nothing.

Progress goes to stderr after each batch; stdout gets exactly one line:
``N created, N updated, N unchanged, N ended, N errors``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from benefits.exceptions import BenefitsError
from benefits.services import DEFAULT_BATCH_SIZE, benefit_file_import


class Command(BaseCommand):
    help = (
        "Import state benefit records from a CSV or XLSX file; bad rows go to a report and "
        "the good rows load. Running the same file again resumes an interrupted import."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="the CSV or XLSX file")
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count only; load nothing"
        )
        parser.add_argument(
            "--report", type=Path, default=None, help="where to write the report of bad rows"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"rows per transaction (default {DEFAULT_BATCH_SIZE:,})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")

        def progress(done: int, total: int) -> None:
            self.stderr.write(f"{done:,} / {total:,} rows")

        try:
            outcome = benefit_file_import(
                path=options["file"],
                started_by=None,
                dry_run=options["dry_run"],
                report_path=options["report"],
                batch_size=options["batch_size"],
                progress=progress,
            )
        except BenefitsError as error:
            raise CommandError(str(error.message)) from None
        batch = outcome.batch
        if outcome.resumed_from:
            self.stderr.write(f"resumed an interrupted import after {outcome.resumed_from:,} rows")
        earlier = outcome.earlier
        if earlier is not None:
            when = timezone.localtime(earlier.started_at)
            self.stderr.write(
                f"this file was already imported on {when:%Y-%m-%d %H:%M} "
                f"(import batch {earlier.pk}): its rows are unchanged"
            )
        if batch.dry_run:
            self.stderr.write("dry run: nothing was loaded")
        self.stderr.write(f"report: {batch.report_path}")
        self.stdout.write(batch.summary_line())
