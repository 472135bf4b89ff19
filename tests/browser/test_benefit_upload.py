"""A ministry administrator uploads an agency's file of state benefits in a real browser: sign-in
with the second factor, the imports page, the upload, the progress page until "done" with the
summary line, the report of bad rows — in Arabic and in English, at desktop and phone widths,
with axe-core finding no critical or serious violation on either page."""

from __future__ import annotations

import csv
import io

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Role
from benefits.models import Agency, BenefitKind, BenefitRecord, ImportBatch, ImportStatus
from tests.benefits.conftest import benefit_row
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, StaffUserFactory
from tests.factories.second_factor import totp_code, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLUMNS = ("civil_id", "agency", "benefit", "monthly_amount", "start_date", "end_date", "reference")
SUMMARY = {
    "en": "2 created, 0 updated, 0 unchanged, 0 ended, 1 errors",
    "ar": "أُنشئ 2، وحُدِّث 0، ولم يتغيّر 0، وانتهى 0، وفيه 1 أخطاء",
}


def agency_file(path, language: str):
    rows = [
        benefit_row(1, reference=f"{language}-1"),
        benefit_row(2, reference=f"{language}-2", end_date="2026-12-31"),
        benefit_row(3, reference=f"{language}-3", monthly_amount="-5"),
    ]
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row[column] for column in COLUMNS])
    return path


def sign_in(page, live_server, admin, secret: str, language: str) -> None:
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("main form button[type=submit].btn-primary").click()
    page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
    assert page.locator("[data-testid=signed-in-as]").inner_text().strip() == admin.full_name


@pytest.mark.parametrize("language", ["ar", "en"])
def test_ministry_admin_uploads_a_file_and_watches_it_to_the_end(
    page, live_server, settings, tmp_path, artifacts_dir, language
):
    settings.STAFF_REQUIRE_MFA = True
    settings.MEDIA_ROOT = tmp_path / "media"
    # A transactional test starts from an empty database: the seeded agency is made again.
    agency, _ = Agency.objects.get_or_create(
        code="social_security",
        defaults={"name_ar": "المؤسسة العامة للتأمينات", "name_en": "Social Security"},
    )
    BenefitKind.objects.get_or_create(
        agency=agency,
        code="retirement_pension",
        defaults={"name_ar": "معاش تقاعدي", "name_en": "Retirement pension"},
    )
    admin = StaffUserFactory(
        email=f"imports.{language}@ministry.test", role=Role.MINISTRY_ADMIN, full_name="Noura"
    )
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    secret = totp_device(admin)
    sign_in(page, live_server, admin, secret, language)
    page.screenshot(path=artifacts_dir / f"benefit-signed-in-{language}.png", full_page=True)

    # The navigation leads to the imports page (for an administrator, in the "More" menu).
    page.locator("[data-testid=nav-more]").click()
    page.locator("nav a[href='/ministry/benefits/imports/']").click()
    page.wait_for_load_state()
    assert page.url == f"{live_server.url}/ministry/benefits/imports/"
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert serious_violations(page) == []
    page.screenshot(path=artifacts_dir / f"benefit-imports-{language}.png", full_page=True)

    # A wrong file first: a clear message, nothing stored.
    wrong = tmp_path / "notes.txt"
    wrong.write_text("hello", encoding="utf-8")
    page.locator("input[name=file]").set_input_files(str(wrong))
    page.locator("[data-testid=upload-form] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("input[name=file][aria-invalid=true]").count() == 1
    assert not ImportBatch.objects.exists()
    assert serious_violations(page) == []

    good = agency_file(tmp_path / "ss.csv", language)
    page.locator("input[name=file]").set_input_files(str(good))
    page.locator("[data-testid=upload-form] button[type=submit]").click()
    page.wait_for_load_state()

    batch = ImportBatch.objects.get()
    assert page.url == f"{live_server.url}/ministry/benefits/imports/{batch.pk}/"
    status = page.locator("[data-testid=batch-status]")
    # Tasks run inline here, so the import is done by the time the page shows; the page
    # stops asking once it is.
    status.and_(page.locator("[data-status=done]")).wait_for(timeout=10_000)
    assert page.locator("[data-testid=summary-line]").inner_text().strip() == SUMMARY[language]
    assert batch.started_by == admin
    assert BenefitRecord.objects.count() == 2
    assert serious_violations(page) == []
    page.screenshot(path=artifacts_dir / f"benefit-import-done-{language}.png", full_page=True)

    with page.expect_download() as info:
        page.locator("[data-testid=report-download]").click()
    report = info.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(report)))
    assert [row["line"] for row in lines] == ["4"]

    # The list shows the import with its counts, also on a phone.
    page.goto("/ministry/benefits/imports/")
    row = page.locator(f"[data-testid=import-row][data-batch='{batch.pk}']")
    assert SUMMARY[language] in row.inner_text()
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=artifacts_dir / f"benefit-imports-390-{language}.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width
    assert serious_violations(page) == []
    # The one console error is the 400 of the refused file.
    assert [e for e in page.console_errors if "(Bad Request)" not in e] == []  # type: ignore[attr-defined]


def test_the_progress_page_polls_while_the_import_runs(page, live_server, settings, tmp_path):
    """A running import (a worker still at it) is shown with its progress, and the page
    updates by itself to the end without a reload."""
    settings.STAFF_REQUIRE_MFA = False
    admin = StaffUserFactory(email="watch@ministry.test", role=Role.MINISTRY_ADMIN)
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    from django.utils import timezone

    batch = ImportBatch.objects.create(
        file_name="running.csv",
        sha256="0" * 64,
        started_at=timezone.now(),
        rows_total=400,
        rows_done=200,
        started_by=admin,
    )
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()
    page.goto(f"/ministry/benefits/imports/{batch.pk}/")
    assert page.locator("[data-testid=batch-status][data-status=running]").count() == 1
    assert page.locator("progress").get_attribute("value") == "200"
    assert serious_violations(page) == []

    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.DONE, rows_done=400, created_count=400, finished_at=timezone.now()
    )
    page.locator("[data-testid=batch-status][data-status=done]").wait_for(timeout=10_000)
    assert "400 created" in page.locator("[data-testid=summary-line]").inner_text()
