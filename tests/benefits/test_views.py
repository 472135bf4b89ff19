"""The ministry's imports page: who may see it, the upload of a small file run as a background
job (Celery, inline here), its progress page and its report of bad rows, and the audit."""

from __future__ import annotations

import csv
import io
import secrets
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.models import Role
from audit.models import AuditEntry
from benefits.models import BenefitRecord, ImportBatch, ImportStatus
from benefits.uploads import UPLOADS_FOLDER
from tests.benefits.conftest import benefit_row
from tests.factories import ApplicantUserFactory, CharityStaffFactory, StaffUserFactory
from tests.factories.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

IMPORTS = "/ministry/benefits/imports/"
COLUMNS = (
    "civil_id",
    "agency",
    "benefit",
    "monthly_amount",
    "start_date",
    "end_date",
    "reference",
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def csv_bytes(rows: list[dict]) -> bytes:
    stream = io.StringIO()
    writer = csv.writer(stream)
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([row.get(column, "") for column in COLUMNS])
    return stream.getvalue().encode()


def xlsx_bytes(rows: list[dict]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append([row.get(column) or None for column in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def admin_client(**fields) -> Client:
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN, **fields)
    client = Client()
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    client.user = admin  # type: ignore[attr-defined]
    return client


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    """The test runs in a transaction that never commits: each upload runs what its commit
    would start (the task, through Celery's inline mode) when its request ends."""
    global _capture
    _capture = django_capture_on_commit_callbacks
    yield
    _capture = None


_capture = None


def upload(client: Client, content: bytes, *, name: str = "agency.csv", key=None, **data):
    assert _capture is not None
    with _capture(execute=True):
        return client.post(
            IMPORTS,
            {
                "file": SimpleUploadedFile(name, content),
                "submission_key": key or secrets.token_urlsafe(24),
                **data,
            },
        )


def uploads_left(media: Path) -> list[Path]:
    folder = media / UPLOADS_FOLDER
    return sorted(folder.rglob("*")) if folder.exists() else []


# --- who may see the pages --------------------------------------------------------------------


def batch_of_admin() -> ImportBatch:
    client = admin_client()
    response = upload(client, csv_bytes([benefit_row(1), benefit_row(2, monthly_amount="x")]))
    assert response.status_code == 302
    return ImportBatch.objects.get()


@pytest.mark.parametrize("suffix", ["", "{pk}/", "{pk}/report/"])
def test_anonymous_visitors_are_sent_to_sign_in(suffix):
    batch = batch_of_admin()
    response = Client().get(IMPORTS + suffix.format(pk=batch.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: ApplicantUserFactory(),
        lambda: CharityStaffFactory(role=Role.MANAGER),
        lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
    ],
    ids=["applicant", "charity-manager", "ministry-official"],
)
@pytest.mark.parametrize("suffix", ["", "{pk}/", "{pk}/report/"])
def test_everyone_but_a_ministry_administrator_is_refused(make_user, suffix, media):
    batch = batch_of_admin()
    client = Client()
    client.force_login(make_user())
    assert client.get(IMPORTS + suffix.format(pk=batch.pk)).status_code == 403
    response = upload(client, csv_bytes([benefit_row(3)]))
    assert response.status_code == 403
    assert ImportBatch.objects.count() == 1


def test_a_ministry_administrator_sees_the_imports_and_the_navigation_link():
    batch = batch_of_admin()
    client = admin_client()
    response = client.get(IMPORTS)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'href="{IMPORTS}"' in page  # the navigation
    assert "agency.csv" in page
    assert "1 created, 0 updated, 0 unchanged, 0 ended, 1 errors" in page
    assert client.get(f"{IMPORTS}{batch.pk}/").status_code == 200
    assert client.get(f"{IMPORTS}{batch.pk + 1}/").status_code == 404


def test_the_list_uses_a_fixed_number_of_queries(django_assert_max_num_queries):
    client = admin_client()
    for n in range(1, 4):
        upload(admin_client(), csv_bytes([benefit_row(n)]))
    with django_assert_max_num_queries(8):
        assert client.get(IMPORTS).status_code == 200
    for n in range(4, 8):
        upload(admin_client(), csv_bytes([benefit_row(n)]))
    with django_assert_max_num_queries(8):
        assert client.get(IMPORTS).status_code == 200


def test_the_wrong_http_method_is_refused():
    batch = batch_of_admin()
    client = admin_client()
    assert client.put(IMPORTS).status_code == 405
    assert client.post(f"{IMPORTS}{batch.pk}/").status_code == 405
    assert client.post(f"{IMPORTS}{batch.pk}/report/").status_code == 405


def test_the_report_needs_the_second_factor_when_staff_must_have_one(settings):
    settings.STAFF_REQUIRE_MFA = True
    batch = batch_of_admin()
    client = admin_client()
    response = client.get(f"{IMPORTS}{batch.pk}/report/")
    assert response.status_code == 403
    assert b"1 errors" not in response.content
    assert client.get(f"{IMPORTS}{batch.pk}/").status_code == 200  # no civil ID there

    sign_in_with_second_factor(client, client.user)  # type: ignore[attr-defined]
    response = client.get(f"{IMPORTS}{batch.pk}/report/")
    assert response.status_code == 200


# --- uploads ----------------------------------------------------------------------------------


def test_a_good_csv_is_imported_in_the_background_and_audited():
    client = admin_client()
    response = upload(client, csv_bytes([benefit_row(1), benefit_row(2)]))

    batch = ImportBatch.objects.get()
    assert response["Location"] == f"{IMPORTS}{batch.pk}/"
    assert (batch.status, batch.rows_done, batch.rows_total) == (ImportStatus.DONE, 2, 2)
    assert batch.started_by == client.user  # type: ignore[attr-defined]
    assert batch.file_name == "agency.csv"
    assert BenefitRecord.objects.count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "2 created, 0 updated, 0 unchanged, 0 ended, 0 errors" in page
    assert 'data-status="done"' in page
    assert 'hx-trigger="every 2s"' not in page  # done: no more polling
    uploaded = AuditEntry.objects.get(action="benefits.uploaded")
    imported = AuditEntry.objects.get(action="benefits.imported")
    for entry in (uploaded, imported):
        assert entry.actor == client.user  # type: ignore[attr-defined]
        assert entry.object_id == str(batch.pk)
    assert uploaded.data["rows"] == 2
    assert uploaded.data["dry_run"] is False
    assert imported.data["created"] == 2


def test_a_good_xlsx_is_imported():
    client = admin_client()
    rows = [benefit_row(1), benefit_row(2, end_date="2025-06-30")]
    response = upload(client, xlsx_bytes(rows), name="agency.xlsx")
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created_count, batch.error_count) == (ImportStatus.DONE, 2, 0)
    assert BenefitRecord.objects.get(reference="SS-2").end_date.isoformat() == "2025-06-30"


def test_a_dry_run_loads_nothing():
    client = admin_client()
    upload(client, csv_bytes([benefit_row(1)]), dry_run="on")
    batch = ImportBatch.objects.get()
    assert (batch.dry_run, batch.status, batch.created_count) == (True, ImportStatus.DONE, 1)
    assert not BenefitRecord.objects.exists()
    page = client.get(f"{IMPORTS}{batch.pk}/").content.decode()
    assert "A dry run: nothing was loaded." in page


def test_the_same_file_uploaded_again_changes_nothing():
    client = admin_client()
    content = csv_bytes([benefit_row(1), benefit_row(2)])
    upload(client, content)
    before = list(BenefitRecord.objects.order_by("pk").values_list("pk", "batch", "updated_at"))

    upload(client, content)

    second = ImportBatch.objects.order_by("pk").last()
    assert second is not None
    assert (second.created_count, second.unchanged_count) == (0, 2)
    after = list(BenefitRecord.objects.order_by("pk").values_list("pk", "batch", "updated_at"))
    assert after == before


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("agency.pdf", b"%PDF-1.4 whatever", "Only CSV and XLSX files can be imported."),
        ("agency.csv", b"\xff\xfe\x00bad bytes", "The CSV file is not in UTF-8."),
        ("agency.xlsx", b"civil_id,agency\n1,2\n", "The file cannot be read"),
        ("agency.csv", b"name,amount\nx,1\n", "The header lacks these columns"),
        ("agency.csv", ",".join(COLUMNS).encode() + b"\n", "The file has a header but no rows."),
    ],
    ids=["pdf", "not-utf8", "csv-named-xlsx", "wrong-header", "no-rows"],
)
def test_a_file_that_is_no_import_is_refused_and_nothing_is_stored(name, content, message, media):
    client = admin_client()
    response = upload(client, content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="benefits.").exists()
    assert uploads_left(media) == []


def test_an_oversize_file_is_refused(settings, media):
    settings.BENEFITS_UPLOAD_MAX_BYTES = 1024 * 1024
    client = admin_client()
    rows = [benefit_row(n) for n in range(1, 20001)]
    content = csv_bytes(rows)
    assert len(content) > 1024 * 1024
    response = upload(client, content)
    assert response.status_code == 400
    assert "The file is larger than 1 MB." in response.content.decode()
    assert not ImportBatch.objects.exists()
    assert uploads_left(media) == []


def test_bad_rows_are_reported_and_the_report_is_downloadable():
    client = admin_client()
    response = upload(
        client,
        csv_bytes(
            [
                benefit_row(1),
                benefit_row(2, monthly_amount="-5"),
                benefit_row(3, agency="nowhere"),
            ]
        ),
    )
    batch = ImportBatch.objects.get()
    assert (batch.created_count, batch.error_count) == (1, 2)
    page = client.get(response["Location"]).content.decode()
    assert f'href="{IMPORTS}{batch.pk}/report/"' in page

    download = client.get(f"{IMPORTS}{batch.pk}/report/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    report = list(csv.DictReader(io.StringIO(text)))
    assert [(row["line"], row["reason"]) for row in report] == [
        ("3", "The monthly amount is negative."),
        ("4", "Unknown agency: nowhere."),
    ]
    entry = AuditEntry.objects.get(action="benefits.report_downloaded")
    assert entry.actor == client.user  # type: ignore[attr-defined]
    assert entry.object_id == str(batch.pk)


def test_the_report_of_a_command_line_import_is_never_served(tmp_path):
    from benefits.services import benefit_file_import

    path = tmp_path / "outside.csv"
    path.write_bytes(csv_bytes([benefit_row(1, monthly_amount="x")]))
    batch = benefit_file_import(path=path, started_by=None).batch
    client = admin_client()
    assert client.get(f"{IMPORTS}{batch.pk}/").status_code == 200
    assert client.get(f"{IMPORTS}{batch.pk}/report/").status_code == 404


def test_the_same_form_sent_twice_starts_one_import():
    client = admin_client()
    key = secrets.token_urlsafe(24)
    content = csv_bytes([benefit_row(1)])

    first = upload(client, content, key=key)
    second = upload(client, content, key=key)

    batch = ImportBatch.objects.get()
    assert first["Location"] == second["Location"] == f"{IMPORTS}{batch.pk}/"
    assert AuditEntry.objects.filter(action="benefits.uploaded").count() == 1
    assert AuditEntry.objects.filter(action="benefits.imported").count() == 1
    page = client.get(second["Location"]).content.decode()
    assert "This form was already sent" in page


def test_another_persons_form_key_is_refused():
    first = admin_client()
    key = secrets.token_urlsafe(24)
    upload(first, csv_bytes([benefit_row(1)]), key=key)
    response = upload(admin_client(), csv_bytes([benefit_row(2)]), key=key)
    assert response.status_code == 400
    assert "This form is out of date" in response.content.decode()
    assert ImportBatch.objects.count() == 1


def test_a_form_key_that_could_name_another_folder_is_refused():
    client = admin_client()
    response = upload(client, csv_bytes([benefit_row(1)]), key="../../../../etc/passwd-xxxx")
    assert response.status_code == 400
    assert not ImportBatch.objects.exists()


def test_each_shown_form_carries_a_new_key():
    client = admin_client()
    first = client.get(IMPORTS).context["form"].initial["submission_key"]
    second = client.get(IMPORTS).context["form"].initial["submission_key"]
    assert first != second
    assert len(first) >= 16


# --- the background job -----------------------------------------------------------------------


def test_a_running_import_page_polls_and_shows_its_progress():
    batch = batch_of_admin()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, finished_at=None, rows_done=1
    )
    client = admin_client()
    page = client.get(f"{IMPORTS}{batch.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in page
    assert "1 of 2 rows done." in page
    assert f'href="{IMPORTS}{batch.pk}/report/"' not in page
    assert client.get(f"{IMPORTS}{batch.pk}/report/").status_code == 404
    partial = client.get(f"{IMPORTS}{batch.pk}/", headers={"HX-Request": "true"})
    assert partial.content.decode().lstrip().startswith('<section id="batch-status"')


def test_the_upload_really_goes_through_celery(settings):
    """With tasks run inline, ``delay`` goes through Celery's own machinery: the task is the
    registered one, and its result is the batch's status."""
    from benefits.tasks import run_upload

    assert settings.CELERY_TASK_ALWAYS_EAGER
    client = admin_client()
    upload(client, csv_bytes([benefit_row(1)]), dry_run="on")
    batch = ImportBatch.objects.get()
    # A second delivery of the same task does nothing to a finished batch.
    result = run_upload.delay(batch.pk, "en")
    assert result.get() == ImportStatus.DONE
    assert AuditEntry.objects.filter(action="benefits.imported").count() == 1


def test_an_upload_whose_file_vanished_ends_as_failed_and_is_audited(media):
    from benefits.tasks import run_upload

    batch = batch_of_admin()
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.RUNNING, finished_at=None, rows_done=0, dry_run=True
    )
    for path in (media / UPLOADS_FOLDER).rglob("*.csv"):
        if not path.name.endswith(".report.csv"):
            path.unlink()

    assert run_upload.delay(batch.pk, "en").get() == ImportStatus.FAILED

    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED
    assert batch.finished_at is not None
    entry = AuditEntry.objects.get(action="benefits.import_failed")
    assert entry.object_id == str(batch.pk)
    assert entry.actor == batch.started_by
    page = admin_client().get(f"{IMPORTS}{batch.pk}/").content.decode()
    assert "The import stopped before the end." in page
