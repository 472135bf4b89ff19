"""Issue 4 in the browser: "a verified demo applicant submits a rent-allowance request, sees it
screened and open, with its need score; another tries a second rent request and is refused
with a clear message" — in Arabic, then in English."""

import pytest
from django.core.management import call_command

from aid_requests.models import AidRequest, RequestStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_APPLICANT = "301070945674"  # verified, complete profile, no request yet (README)


def use_language(page, live_server, code):
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def sign_in(page, login):
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("musaada-demo")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def sign_out(page):
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def ask_for_rent_allowance(page, amount, justification):
    page.goto("/requests/new/rent-allowance/")
    page.locator("input[name=amount]").fill(amount)
    page.locator("textarea[name=justification]").fill(justification)


def submit(page):
    page.locator("form.card button[type=submit]").click()
    page.wait_for_load_state()


def test_applicant_submits_rent_allowance_and_another_is_refused_a_second_one(
    page, live_server, artifacts_dir, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    # Another demo applicant, whose rent-allowance request is already in the queue.
    [their_first] = AidRequest.objects.filter(
        aid_type__code="rent-allowance", status=RequestStatus.OPEN
    ).exclude(applicant__civil_id=FIRST_APPLICANT)
    another = their_first.applicant

    # 1. The verified demo applicant submits a rent-allowance request (Arabic).
    sign_in(page, FIRST_APPLICANT)
    page.goto("/requests/catalogue/")
    page.screenshot(path=artifacts_dir / "catalogue-ar.png", full_page=True)
    page.locator("a[href='/requests/new/rent-allowance/']").click()
    page.wait_for_load_state()
    ask_for_rent_allowance(page, "600", "تأخرنا في دفع الإيجار ثلاثة أشهر")
    page.screenshot(path=artifacts_dir / "request-form-ar.png", full_page=True)
    submit(page)

    mine = AidRequest.objects.get(applicant__civil_id=FIRST_APPLICANT)
    assert mine.status == RequestStatus.OPEN
    assert page.url.endswith(f"/requests/{mine.pk}/")
    assert page.locator("[data-testid=status]").inner_text().strip() == "مفتوح"
    assert page.locator("[data-testid=need-score]").inner_text().strip() == (
        f"{mine.need_score} / 100"
    )
    timeline = page.locator("ol.timeline").inner_text()
    assert "تم الفحص" in timeline
    page.screenshot(path=artifacts_dir / "request-open-ar.png", full_page=True)

    use_language(page, live_server, "en")
    page.reload()
    assert page.locator("[data-testid=status]").inner_text().strip() == "Open"
    assert page.locator("[data-testid=need-score]").inner_text().strip() == (
        f"{mine.need_score} / 100"
    )
    page.screenshot(path=artifacts_dir / "request-open-en.png", full_page=True)
    sign_out(page)

    # 2. Another applicant tries a second rent-allowance request and is refused (Arabic).
    use_language(page, live_server, "ar")
    sign_in(page, another.civil_id)
    ask_for_rent_allowance(page, "300", "طلب ثان لنفس المساعدة")
    submit(page)

    reference = f"MSA-{their_first.pk:07d}"
    assert page.url.endswith(f"/requests/{their_first.pk}/")
    refusal = page.locator(".messages .alert-danger")
    assert refusal.inner_text().strip() == (
        f"لديك طلب سابق لنوع المساعدة هذا ولا يزال قيد الإجراء. فتح الطلب ({reference})"
    )
    link = refusal.locator("a[data-testid=first-request]")
    assert link.get_attribute("href") == f"/requests/{their_first.pk}/"
    page.screenshot(path=artifacts_dir / "request-duplicate-ar.png", full_page=True)

    # … and in English, where the link opens the first request.
    use_language(page, live_server, "en")
    ask_for_rent_allowance(page, "300", "A second request for the same aid")
    page.screenshot(path=artifacts_dir / "request-form-en.png", full_page=True)
    submit(page)
    refusal = page.locator(".messages .alert-danger")
    assert refusal.inner_text().strip() == (
        "You already have a request for this aid type that is still in progress. "
        f"Open it ({reference})"
    )
    page.screenshot(path=artifacts_dir / "request-duplicate-en.png", full_page=True)
    refusal.locator("a[data-testid=first-request]").click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/requests/{their_first.pk}/")

    assert (
        AidRequest.objects.filter(applicant=another, aid_type__code="rent-allowance").count() == 1
    )
    assert AidRequest.objects.filter(applicant__civil_id=FIRST_APPLICANT).count() == 1
    assert page.console_errors == []
