"""The import's semantics through ``benefit_file_import``: counts, records, report, audit."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.db import IntegrityError, transaction

from audit.models import AuditEntry
from benefits.exceptions import ImportFileError
from benefits.models import Agency, BenefitKind, BenefitRecord, ImportBatch, ImportStatus
from benefits.services import benefit_file_import
from tests.benefits.conftest import benefit_row, read_report
from tests.factories import civil_id_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def run(path: Path, **kwargs):
    kwargs.setdefault("started_by", None)
    return benefit_file_import(path=path, **kwargs)


def snapshot() -> list[tuple]:
    """Every record as the database holds it, ids and times included."""
    return list(
        BenefitRecord.objects.order_by("pk").values_list(
            "pk",
            "civil_id",
            "agency__code",
            "kind__code",
            "monthly_amount",
            "start_date",
            "end_date",
            "reference",
            "batch_id",
            "updated_at",
        )
    )


def counts(batch: ImportBatch) -> tuple[int, int, int, int, int]:
    return (
        batch.created_count,
        batch.updated_count,
        batch.unchanged_count,
        batch.ended_count,
        batch.error_count,
    )


def test_the_migration_creates_the_two_agencies_and_their_benefits():
    assert set(Agency.objects.values_list("code", flat=True)) >= {
        "social_security",
        "social_welfare",
    }
    assert BenefitKind.objects.filter(
        agency__code="social_welfare", code="monthly_assistance"
    ).exists()


def test_a_good_file_creates_every_record(write_csv):
    path = write_csv(
        [
            benefit_row(1),
            benefit_row(2, end_date="2025-06-30", monthly_amount="80"),
            benefit_row(3, agency="social_welfare", benefit="housing_allowance", reference="SW-3"),
        ]
    )

    outcome = run(path)

    batch = outcome.batch
    assert counts(batch) == (3, 0, 0, 0, 0)
    assert (batch.status, batch.rows_done, batch.rows_total) == (ImportStatus.DONE, 3, 3)
    assert outcome.resumed_from == 0
    record = BenefitRecord.objects.get(reference="SS-2")
    assert record.civil_id == civil_id_for(2)
    assert record.kind.code == "retirement_pension"
    assert record.monthly_amount == Decimal("80.000")
    assert record.start_date == datetime.date(2024, 1, 1)
    assert record.end_date == datetime.date(2025, 6, 30)
    assert record.batch == batch
    assert BenefitRecord.objects.get(reference="SW-3").agency.code == "social_welfare"
    assert BenefitRecord.objects.get(reference="SS-1").end_date is None
    assert read_report(Path(batch.report_path)) == []
    assert batch.report_path == str(path) + ".report.csv"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"civil_id": civil_id_for(9)[:-1] + "0"}, "check digit does not match"),
        ({"civil_id": "12345"}, "exactly 12 digits"),
        ({"agency": "ministry_of_magic"}, "Unknown agency: ministry_of_magic"),
        (
            {"agency": "social_welfare", "benefit": "retirement_pension"},
            "The agency social_welfare has no benefit retirement_pension",
        ),
        ({"monthly_amount": "-5"}, "The monthly amount is negative"),
        ({"monthly_amount": "10.1234"}, "more than 3 decimals"),
        ({"monthly_amount": "ten"}, "not a number"),
        ({"start_date": "2024-02-30"}, "The start date is not a date"),
        ({"end_date": "01-02-2024"}, "The end date is not a date"),
        ({"start_date": ""}, "The start date is empty"),
        ({"start_date": "2024-05-01", "end_date": "2024-04-30"}, "end date is before the start"),
        ({"reference": ""}, "The reference is empty"),
        ({"reference": "SS-1"}, "The reference SS-1 was already given on line 2"),
    ],
)
def test_a_bad_row_is_reported_with_its_line_and_reason_and_the_good_rows_load(
    write_csv, overrides, reason
):
    path = write_csv([benefit_row(1), benefit_row(9, **overrides), benefit_row(3)])

    batch = run(path).batch

    assert counts(batch) == (2, 0, 0, 0, 1)
    assert set(BenefitRecord.objects.values_list("reference", flat=True)) == {"SS-1", "SS-3"}
    [bad] = read_report(Path(batch.report_path))
    assert bad["line"] == "3"
    assert reason in bad["reason"]
    civil_id = overrides.get("civil_id", civil_id_for(9))
    assert bad["civil_id"] == "…" + civil_id[-4:]


def test_every_reason_of_a_row_is_reported(write_csv):
    path = write_csv([benefit_row(1, civil_id="1", monthly_amount="-1", reference="")])

    [bad] = read_report(Path(run(path).batch.report_path))

    assert bad["civil_id"] == "…"  # too short to show any of it
    assert "12 digits" in bad["reason"]
    assert "negative" in bad["reason"]
    assert "reference is empty" in bad["reason"]


def test_a_missing_column_loads_nothing(write_csv):
    columns = ("civil_id", "agency", "benefit", "start_date", "end_date", "reference")
    path = write_csv([benefit_row(1)], columns=columns)

    with pytest.raises(ImportFileError, match="lacks these columns: monthly_amount"):
        run(path)

    assert not BenefitRecord.objects.exists()
    assert not ImportBatch.objects.exists()


def test_columns_in_any_order_a_byte_order_mark_and_day_first_dates(write_csv):
    columns = ("reference", "end_date", "start_date", "monthly_amount", "benefit", "agency")
    path = write_csv(
        [benefit_row(1, start_date="01/02/2024", end_date="٣١/١٢/٢٠٢٤")],
        columns=(*columns, "civil_id", "notes"),
        encoding="utf-8-sig",
    )

    assert counts(run(path).batch) == (1, 0, 0, 0, 0)

    record = BenefitRecord.objects.get()
    assert (record.start_date, record.end_date) == (
        datetime.date(2024, 2, 1),
        datetime.date(2024, 12, 31),
    )


def test_the_same_file_twice_changes_nothing(write_csv):
    path = write_csv([benefit_row(n) for n in range(1, 6)] + [benefit_row(7, reference="")])
    first = run(path)
    before = snapshot()

    second = run(path)

    assert counts(second.batch) == (0, 0, 5, 0, 1)
    assert snapshot() == before
    assert second.earlier == first.batch


def test_a_newer_file_updates_amounts_and_ends_benefits(write_csv, tmp_path):
    run(
        write_csv(
            [benefit_row(1), benefit_row(2), benefit_row(3, end_date="2026-12-31"), benefit_row(4)],
            name="january.csv",
        )
    )
    first_batch = ImportBatch.objects.get()

    newer = write_csv(
        [
            benefit_row(1, monthly_amount="300"),  # updated
            benefit_row(2, end_date="2025-03-31"),  # an open benefit now ends: ended
            benefit_row(3, end_date="2025-06-30"),  # ends earlier than stored: ended
            benefit_row(4),  # unchanged
            benefit_row(5),  # created
        ],
        name="february.csv",
    )
    batch = run(newer).batch

    assert counts(batch) == (1, 1, 1, 2, 0)
    records = {record.reference: record for record in BenefitRecord.objects.all()}
    assert records["SS-1"].monthly_amount == Decimal("300")
    assert records["SS-2"].end_date == datetime.date(2025, 3, 31)
    assert records["SS-3"].end_date == datetime.date(2025, 6, 30)
    assert {ref: r.batch for ref, r in records.items()} == {
        "SS-1": batch,
        "SS-2": batch,
        "SS-3": batch,
        "SS-4": first_batch,
        "SS-5": batch,
    }


def test_a_later_end_date_or_a_reopened_benefit_is_an_update(write_csv):
    run(write_csv([benefit_row(1, end_date="2025-01-31"), benefit_row(2, end_date="2025-01-31")]))

    batch = run(
        write_csv(
            [benefit_row(1, end_date="2025-12-31"), benefit_row(2, end_date="")], name="later.csv"
        )
    ).batch

    assert counts(batch) == (0, 2, 0, 0, 0)
    assert BenefitRecord.objects.get(reference="SS-2").end_date is None


def test_a_reference_never_moves_to_another_person(write_csv):
    run(write_csv([benefit_row(1)]))

    batch = run(write_csv([benefit_row(2, reference="SS-1")], name="moved.csv")).batch

    assert counts(batch) == (0, 0, 0, 0, 1)
    [bad] = read_report(Path(batch.report_path))
    assert "belongs to another civil ID" in bad["reason"]
    assert BenefitRecord.objects.get().civil_id == civil_id_for(1)


class Interrupted(Exception):
    pass


def stop_after(batches: int):
    """A progress callback that stops the import after ``batches`` batches, as a kill would."""
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if len(seen) == batches:
            raise Interrupted

    return progress


def test_an_interrupted_import_resumes_where_it_stopped(write_csv):
    rows = [benefit_row(n) for n in range(1, 8)]
    rows[4] = benefit_row(5, monthly_amount="-1")  # one bad row, in the second batch
    path = write_csv(rows)

    with pytest.raises(Interrupted):
        run(path, batch_size=3, progress=stop_after(1))

    stopped = ImportBatch.objects.get()
    assert (stopped.status, stopped.rows_done) == (ImportStatus.FAILED, 3)
    assert BenefitRecord.objects.count() == 3
    assert not AuditEntry.objects.filter(action="benefits.imported").exists()

    done: list[int] = []
    outcome = run(path, batch_size=3, progress=lambda d, t: done.append(d))

    assert outcome.batch == stopped
    assert outcome.resumed_from == 3
    assert done == [3, 6, 7]
    assert counts(outcome.batch) == (6, 0, 0, 0, 1)  # not counted twice
    assert (outcome.batch.status, outcome.batch.rows_done) == (ImportStatus.DONE, 7)
    assert [row["line"] for row in read_report(Path(outcome.batch.report_path))] == ["6"]
    resumed = snapshot()
    assert AuditEntry.objects.filter(action="benefits.imported").count() == 1

    # The same state as one run without the interruption.
    BenefitRecord.objects.all().delete()
    ImportBatch.objects.all().delete()
    whole = run(path, batch_size=3).batch
    assert counts(whole) == counts(outcome.batch)

    def values(rows: list[tuple]) -> list[tuple]:
        return [row[1:8] for row in rows]

    assert values(snapshot()) == values(resumed)


def test_an_interrupted_dry_run_ends_as_failed(write_csv):
    path = write_csv([benefit_row(n) for n in range(1, 8)])
    with pytest.raises(Interrupted):
        run(path, batch_size=3, dry_run=True, progress=stop_after(1))
    stopped = ImportBatch.objects.get()
    assert (stopped.dry_run, stopped.status) == (True, ImportStatus.FAILED)
    assert stopped.finished_at is not None
    assert not BenefitRecord.objects.exists()


def test_a_killed_import_left_running_is_resumed_with_another_batch_size(write_csv):
    path = write_csv([benefit_row(n) for n in range(1, 11)])
    with pytest.raises(Interrupted):
        run(path, batch_size=4, progress=stop_after(1))
    # A kill leaves the batch running: nothing could mark it.
    ImportBatch.objects.update(status=ImportStatus.RUNNING, finished_at=None)

    outcome = run(path, batch_size=3)

    assert outcome.resumed_from == 4
    assert counts(outcome.batch) == (10, 0, 0, 0, 0)
    assert BenefitRecord.objects.count() == 10
    assert ImportBatch.objects.count() == 1


def test_an_xlsx_file_with_number_and_date_cells(tmp_path):
    path = tmp_path / "agency.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["agency", "benefit", "civil_id", "monthly_amount", "start_date", "end_date",
                  "reference"])  # fmt: skip
    sheet.append(["social_security", "family_allowance", int(civil_id_for(1)), 120.5,
                  datetime.date(2024, 3, 1), None, "SS-1"])  # fmt: skip
    sheet.append(["social_welfare", "monthly_assistance", civil_id_for(2), "75.250",
                  "2024-04-01", "2024-12-31", 4567])  # fmt: skip
    sheet.append([None] * 7)  # an empty row is skipped
    sheet.append(["social_welfare", "monthly_assistance", civil_id_for(3), -3,
                  "2024-04-01", None, "SW-3"])  # fmt: skip
    workbook.save(path)

    batch = run(path).batch

    assert counts(batch) == (2, 0, 0, 0, 1)
    first = BenefitRecord.objects.get(reference="SS-1")
    assert first.civil_id == civil_id_for(1)
    assert first.monthly_amount == Decimal("120.5")
    assert first.start_date == datetime.date(2024, 3, 1)
    assert BenefitRecord.objects.get(reference="4567").end_date == datetime.date(2024, 12, 31)
    [bad] = read_report(Path(batch.report_path))
    assert bad["line"] == "5"
    assert "negative" in bad["reason"]


def test_a_file_that_is_not_csv_or_xlsx_is_refused(tmp_path):
    path = tmp_path / "benefits.txt"
    path.write_text("civil_id\n")
    with pytest.raises(ImportFileError, match="Only CSV and XLSX"):
        run(path)


def test_a_dry_run_counts_and_reports_but_loads_nothing(write_csv, tmp_path):
    run(write_csv([benefit_row(1)], name="first.csv"))
    before = snapshot()
    path = write_csv(
        [benefit_row(1, monthly_amount="1"), benefit_row(2), benefit_row(3, reference="")]
    )
    report = tmp_path / "elsewhere.csv"

    outcome = run(path, dry_run=True, report_path=report)

    assert counts(outcome.batch) == (1, 1, 0, 0, 1)
    assert outcome.batch.dry_run
    assert snapshot() == before
    assert [row["line"] for row in read_report(report)] == ["4"]
    assert not Path(str(path) + ".report.csv").exists()
    # A dry run is never resumed, nor is it the import of the file.
    assert counts(run(path).batch) == (1, 1, 0, 0, 1)


def test_each_import_writes_one_audit_entry_with_its_counts(write_csv):
    path = write_csv([benefit_row(1), benefit_row(2, agency="nowhere")])

    batch = run(path, batch_size=1).batch

    [entry] = AuditEntry.objects.filter(action="benefits.imported")
    assert entry.actor is None
    assert (entry.object_type, entry.object_id) == ("benefits.importbatch", str(batch.pk))
    assert entry.data == {
        "file_name": "benefits.csv",
        "sha256": batch.sha256,
        "dry_run": False,
        "rows": 2,
        "resumed_from": 0,
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "ended": 0,
        "errors": 1,
    }


def test_the_database_refuses_a_negative_amount_and_a_reversed_period(write_csv):
    run(write_csv([benefit_row(1)]))
    record = BenefitRecord.objects.get()
    for field, value in (
        ("monthly_amount", Decimal("-1")),
        ("end_date", datetime.date(2023, 1, 1)),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            BenefitRecord.objects.filter(pk=record.pk).update(**{field: value})
