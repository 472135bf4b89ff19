"""The holder's case file in a real browser, Arabic then English: declared and verified income
apart, the flag visible, no agency record on the page."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from benefits.models import (
    Agency,
    AidTypeBenefitRule,
    BenefitEffect,
    BenefitKind,
    BenefitRecord,
    ImportBatch,
    ImportStatus,
)
from charities.request_steps import aid_request_submit
from charities.services.claim import aid_request_claim
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD
from tests.factories.applicants import make_ready_applicant
from tests.factories.cases import caseworker, rent_aid_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_case_file_shows_the_verified_income_and_the_flag(
    page, live_server, settings, tmp_path, artifacts_dir
):
    settings.MEDIA_ROOT = tmp_path
    # A transactional test starts from an empty database: the agency and benefit are made again.
    agency, _ = Agency.objects.get_or_create(
        code="social_security",
        defaults={"name_ar": "المؤسسة العامة للتأمينات الاجتماعية", "name_en": "PIFSS"},
    )
    pension, _ = BenefitKind.objects.get_or_create(
        agency=agency,
        code="retirement_pension",
        defaults={"name_ar": "معاش تقاعدي", "name_en": "Retirement pension"},
    )
    rent = rent_aid_type(max_income_per_capita=Decimal("150.000"))
    AidTypeBenefitRule.objects.create(aid_type=rent, kind=pension, effect=BenefitEffect.INCOME)
    user, _docs = make_ready_applicant(members=3, disabled=0, students=0, documents=())
    now = timezone.now()
    batch = ImportBatch.objects.create(
        file_name="f.csv",
        sha256="2" * 64,
        started_at=now,
        finished_at=now,
        status=ImportStatus.DONE,
    )
    BenefitRecord.objects.create(
        civil_id=user.civil_id,
        agency=agency,
        kind=pension,
        monthly_amount=Decimal("200.000"),
        start_date=datetime.date(2024, 1, 1),
        reference="SS-BROWSER-1",
        batch=batch,
    )
    aid_request = aid_request_submit(
        applicant=user, aid_type=rent, amount=Decimal("900"), justification="الإيجار متأخر"
    )
    manager = caseworker([rent], [aid_request.governorate], role=Role.MANAGER)

    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(manager.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()

    # The queue: the verified total is a line of the need-score breakdown; no flag before a claim.
    page.goto("/charity/queue/")
    page.locator("[data-testid=queue-row] details summary").click()
    assert page.locator("[data-testid=breakdown-verified_income]").is_visible()
    assert page.locator("[data-testid=income-flag]").count() == 0
    page.screenshot(path=artifacts_dir / "queue-verified-income-ar.png", full_page=True)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)

    for language in ("ar", "en"):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.goto(f"/charity/cases/{aid_request.pk}/")
        assert page.locator("html").get_attribute("lang") == language
        flag = page.locator("[data-testid=income-flag]")
        assert flag.is_visible()
        assert page.locator("[data-testid=verified-income]").inner_text().startswith("200.000")
        assert page.locator("[data-testid=declared-income]").inner_text().startswith("600.000")
        content = page.content()
        assert "SS-BROWSER-1" not in content
        assert "Retirement pension" not in content
        assert "معاش تقاعدي" not in content
        page.locator("[data-testid=screening-income]").scroll_into_view_if_needed()
        page.screenshot(path=artifacts_dir / f"case-verified-income-{language}.png", full_page=True)
        assert serious_violations(page) == []
    if language == "en":
        assert "lower than those verified" in flag.inner_text()
    assert not page.console_errors
