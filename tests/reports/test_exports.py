"""Exports: CSV and XLSX of every table, streamed when small, a Celery job when big."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from audit.models import AuditEntry
from reports import services
from reports.models import ExportJob, ExportStatus
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db
YEAR = {"start": "2025-01-01", "end": "2025-12-31"}
URL = "/ministry/statistics/export/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def read_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content), read_only=True).active


def test_aid_type_table_as_csv(client, world, official):
    services.rollups_refresh(full=True)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    response = client.post(URL, {**YEAR, "kind": "aid_types", "file_format": "csv"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="musaada-aid_types-20250101-20251231.csv"'
    )
    rows = read_csv(response)
    assert rows[0][:2] == ["Aid type", "Requests submitted"]
    by_type = {row[0]: row for row in rows[1:]}
    # needy: F, W, R, I submitted; F and R claimed; F closed; 2 payments of 150; W blocked.
    assert by_type["Needy families"] == [
        "Needy families",
        "4",
        "2",
        "1",
        "2",
        "300.000",
        "1",
        "600.000",
        "0",
    ]
    assert by_type["Student aid"] == [
        "Student aid",
        "1",
        "3",
        "0",
        "1",
        "200.000",
        "0",
        "0.000",
        "1",
    ]
    assert (
        AuditEntry.objects.filter(actor=official, action="reports.export_downloaded").count() == 1
    )


def test_month_table_as_xlsx(client, world, official):
    services.rollups_refresh(full=True)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    response = client.post(URL, {**YEAR, "kind": "months", "file_format": "xlsx"})
    assert response.status_code == 200
    sheet = read_xlsx(response.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Month"
    assert len(rows) == 13  # a header and every month of the year
    february = rows[2]
    assert february[0] == "2025-02"
    assert february[1:4] == (2, 1, 0)  # F and W submitted, F claimed, nothing closed
    assert Decimal(str(february[5])) == Decimal("150")
    march = rows[3]
    assert march[3] == 1
    assert Decimal(str(march[5])) == Decimal("150")
    assert march[8] == 1


def test_organisation_table_in_arabic_is_right_to_left(client, world, official):
    services.rollups_refresh(full=True)
    client.force_login(official)
    response = client.post(URL, {**YEAR, "kind": "organisations", "file_format": "xlsx"})
    workbook = load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    assert sheet.sheet_view.rightToLeft is True
    assert len(next(sheet.iter_rows(values_only=True))) == 9
    assert sheet["F2"].number_format == "#,##0.000"
    names = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert names == [world.alnoor.name_ar, world.alkhair.name_ar]  # most paid first


def test_requests_and_payments_and_blocked_lists_export(client, world, official):
    client.force_login(official)
    client.cookies["django_language"] = "en"
    rows = read_csv(
        client.post(URL, {**YEAR, "kind": "requests", "basis": "paid", "file_format": "csv"})
    )
    assert rows[0][0] == "Reference"
    assert {r[0] for r in rows[1:]} == {
        world.requests["F"].reference,
        world.requests["S"].reference,
    }
    payments = read_csv(client.post(URL, {**YEAR, "kind": "payments", "file_format": "csv"}))
    assert [r[6] for r in payments[1:]] == ["150.000", "150.000", "200.000"]
    response = client.post(
        URL,
        {**YEAR, "kind": "blocked", "file_format": "xlsx", "organisation": world.alkhair.pk},
    )
    sheet = read_xlsx(response.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == world.requests["W"].reference
    assert Decimal(str(rows[1][5])) == Decimal("600")


def test_an_unknown_export_is_a_400(client, official):
    client.force_login(official)
    assert client.post(URL, {"kind": "passwords", "file_format": "csv"}).status_code == 400


def test_big_export_runs_as_a_job_with_status_and_download(
    client, world, official, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "EXPORT_INLINE_LIMIT", 2)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {**YEAR, "kind": "payments", "file_format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ministry/statistics/exports/{job.pk}/"
    assert (job.status, job.row_count, job.progress) == (ExportStatus.DONE, 3, 100)
    assert job.file_path == f"exports/{job.pk}-payments.xlsx"
    assert job.parameters["start"] == "2025-01-01"

    status = client.get(response["Location"], headers={"HX-Request": "true"})
    html = status.content.decode()
    assert 'data-status="done"' in html
    assert "hx-trigger" not in html  # polling stops once the file is ready

    download = client.get(f"/ministry/statistics/exports/{job.pk}/download/")
    assert download.status_code == 200
    sheet = read_xlsx(b"".join(download.streaming_content))
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Paid on"
    assert len(rows) == 4
    audit = AuditEntry.objects.filter(action="reports.export_downloaded", actor=official)
    assert audit.count() == 1
    assert audit.get().object_id == str(job.pk)


def test_a_queued_job_page_polls_every_two_seconds(client, official):
    from django.utils import timezone

    job = ExportJob.objects.create(
        requested_by=official, kind="payments", file_format="csv", created_at=timezone.now()
    )
    client.force_login(official)
    html = client.get(f"/ministry/statistics/exports/{job.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert client.get(f"/ministry/statistics/exports/{job.pk}/download/").status_code == 404


def test_another_users_export_is_404(
    client, world, official, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "EXPORT_INLINE_LIMIT", 0)
    client.force_login(official)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {**YEAR, "kind": "payments", "file_format": "csv"})
    job = ExportJob.objects.get()
    assert job.status == ExportStatus.DONE
    other = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    client.force_login(other)
    assert client.get(f"/ministry/statistics/exports/{job.pk}/").status_code == 404
    assert client.get(f"/ministry/statistics/exports/{job.pk}/download/").status_code == 404
    assert not AuditEntry.objects.filter(action="reports.export_downloaded", actor=other).exists()


def test_a_failing_job_is_marked_failed_not_raised(
    official, monkeypatch, django_capture_on_commit_callbacks
):
    from reports import exports

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "write", broken)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_job_create(
            actor=official, kind="payments", file_format="csv", parameters=YEAR
        )
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert "disk full" in job.error
    # A second delivery of the task does nothing to a finished job.
    assert services.export_job_run(job_id=job.pk).status == ExportStatus.FAILED


def test_job_task_runs_inline_without_redis(official, settings, django_capture_on_commit_callbacks):
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    with django_capture_on_commit_callbacks(execute=True):
        job = services.export_job_create(
            actor=official, kind="aid_types", file_format="csv", parameters=YEAR
        )
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    path = settings.MEDIA_ROOT / job.file_path
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM
