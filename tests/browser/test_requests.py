"""A verified demo applicant submits a rent-allowance request in the browser (Arabic)."""

import pytest
from django.core.management import call_command

from aid_requests.models import AidRequest, RequestStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, login):
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("musaada-demo")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def test_applicant_submits_rent_allowance_and_a_second_one_is_refused(
    page, artifacts_dir, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    sign_in(page, "301070945674")
    page.goto("/requests/catalogue/")
    page.screenshot(path=artifacts_dir / "catalogue-ar.png", full_page=True)
    page.locator("a[href='/requests/new/rent-allowance/']").click()
    page.locator("input[name=amount]").fill("600")
    page.locator("textarea[name=justification]").fill("تأخرنا في دفع الإيجار ثلاثة أشهر")
    page.screenshot(path=artifacts_dir / "request-form-ar.png", full_page=True)
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()

    aid_request = AidRequest.objects.get(applicant__civil_id="301070945674")
    assert aid_request.status == RequestStatus.OPEN
    assert page.locator("[data-testid=status]").inner_text().strip() == "مفتوح"
    assert page.locator("[data-testid=need-score]").inner_text().strip() == (
        f"{aid_request.need_score} / 100"
    )
    timeline = page.locator("ol.timeline").inner_text()
    assert "تم الفحص" in timeline
    page.screenshot(path=artifacts_dir / "request-open-ar.png", full_page=True)

    page.goto("/requests/new/rent-allowance/")
    page.locator("input[name=amount]").fill("300")
    page.locator("textarea[name=justification]").fill("طلب ثان لنفس المساعدة")
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()
    message = page.locator(".alert-danger").first.inner_text()
    assert "طلب" in message
    assert page.url.endswith(f"/requests/{aid_request.pk}/")
    assert AidRequest.objects.filter(applicant__civil_id="301070945674").count() == 1
    page.screenshot(path=artifacts_dir / "request-duplicate-ar.png", full_page=True)
    assert page.console_errors == []
