"""Paid volunteering in the browser, in Arabic and in English: an organisation publishes, an
applicant applies and is accepted, hours are logged and confirmed, a stipend is paid, the
certificate downloads; axe-core finds no critical or serious violation on any new page."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import Payment
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, GovernorateFactory
from tests.volunteering.conftest import licensed_org, staff, volunteer
from volunteering.models import Application, Opportunity

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, login):
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


def sign_out(page):
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()


def accessible(page, name, artifacts_dir, language):
    # The pointer stays where the last click was: move it away and let a button's hover
    # transition end, so axe reads the colours at rest.
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    page.screenshot(path=artifacts_dir / f"volunteering-{name}-{language}.png", full_page=True)
    violations = serious_violations(page)
    assert violations == [], (name, language, violations)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_publish_apply_accept_log_confirm_pay_certificate(
    page, live_server, artifacts_dir, language
):
    capital = GovernorateFactory(code="capital", name_ar="العاصمة", name_en="Capital")
    organisation = licensed_org(capital, name_ar="مبرة الخير", name_en="Al-Khair")
    manager = staff(organisation, Role.MANAGER)
    worker = staff(organisation)
    person = volunteer(capital)
    today = timezone.localdate()
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )

    # 1. The manager publishes (work that began 40 days ago, so its first month can be paid).
    sign_in(page, manager.email)
    page.goto("/volunteering/organisation/")
    accessible(page, "organisation", artifacts_dir, language)
    page.goto("/volunteering/organisation/new/")
    form = page.locator("main form")
    for name, value in {
        "title_ar": "مساعد مكتبة",
        "title_en": "Library assistant",
        "description_ar": "ترتيب الكتب ومساعدة الزوار.",
        "description_en": "Shelving books and helping visitors.",
        "place": "Kuwait City",
        "starts_on": (today - datetime.timedelta(days=40)).isoformat(),
        "ends_on": (today + datetime.timedelta(days=60)).isoformat(),
        "hours_per_week": "12",
        "seats": "2",
        "rate": "1.250",
        "closes_on": (today + datetime.timedelta(days=5)).isoformat(),
    }.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("select[name=kind]").select_option("education")
    form.locator("select[name=governorate]").select_option(str(capital.pk))
    form.locator("select[name=stipend_basis]").select_option("hourly")
    accessible(page, "publish", artifacts_dir, language)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    job = Opportunity.objects.get()
    assert page.url.endswith(f"/volunteering/organisation/{job.pk}/")
    sign_out(page)

    # 2. The applicant finds it, says they prefer volunteering, and applies with a note.
    sign_in(page, person.civil_id)
    page.goto("/requests/catalogue/")
    assert page.locator("[data-testid=volunteering-choice]").count() == 1
    page.locator("#prefers-volunteering").check()
    page.locator("[data-testid=volunteering-choice] button[type=submit]").click()
    page.wait_for_load_state()
    page.goto("/volunteering/")
    accessible(page, "list", artifacts_dir, language)
    page.locator(f"a[href='/volunteering/{job.pk}/']").click()
    page.wait_for_load_state()
    accessible(page, "detail", artifacts_dir, language)
    page.locator("textarea[name=note]").fill("أحب القراءة وأعمل جيدًا مع الأطفال.")
    page.locator(f"form[action='/volunteering/{job.pk}/apply/'] button").click()
    page.wait_for_load_state()
    accessible(page, "mine", artifacts_dir, language)
    application = Application.objects.get()
    sign_out(page)

    # 3. The caseworker accepts and logs the first week's hours.
    sign_in(page, worker.email)
    page.goto(f"/volunteering/organisation/{job.pk}/")
    accessible(page, "applications", artifacts_dir, language)
    page.locator(
        f"form[action='/volunteering/organisation/applications/{application.pk}/accept/'] button"
    ).click()
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1
    page.goto(f"/volunteering/organisation/applications/{application.pk}/")
    page.locator("select[name=week]").select_option("1")
    page.locator("input[name=hours]").fill("12")
    page.locator(
        f"form[action='/volunteering/organisation/applications/{application.pk}/hours/'] button"
    ).click()
    page.wait_for_load_state()
    sign_out(page)

    # 4. The volunteer confirms them.
    sign_in(page, person.civil_id)
    page.goto(f"/volunteering/mine/{application.pk}/")
    accessible(page, "hours", artifacts_dir, language)
    page.locator("[data-testid=week-1] form").first.locator("button").click()
    page.wait_for_load_state()
    sign_out(page)

    # 5. The caseworker pays the first month: 12 h × 1.250 KWD = 15.000 KWD.
    sign_in(page, worker.email)
    page.goto(f"/volunteering/organisation/applications/{application.pk}/")
    accessible(page, "placement", artifacts_dir, language)
    page.locator(
        f"form[action='/volunteering/organisation/applications/{application.pk}/pay/'] button"
    ).click()
    page.wait_for_load_state()
    payment = Payment.objects.get()
    assert (payment.period, payment.amount) == (1, Decimal("15.000"))
    sign_out(page)

    # 6. The manager marks the work completed; the volunteer downloads the certificate.
    sign_in(page, manager.email)
    page.goto(f"/volunteering/organisation/{job.pk}/")
    page.locator(f"form[action='/volunteering/organisation/{job.pk}/complete/'] button").click()
    page.wait_for_load_state()
    sign_out(page)
    sign_in(page, person.civil_id)
    page.goto(f"/volunteering/mine/{application.pk}/")
    accessible(page, "certificate", artifacts_dir, language)
    with page.expect_download() as download:
        page.locator(f"[data-testid=certificate-{language}]").click()
    path = download.value.path()
    assert path is not None
    with open(path, "rb") as pdf:
        assert pdf.read(4) == b"%PDF"
    assert page.console_errors == []
