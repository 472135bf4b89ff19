"""Charities in the browser (English): filter, claim, refusal of double aid, approve, pay, close."""

import pytest
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import RequestStatus
from applicants.models import ApplicantProfile
from dedup.models import BlockedAttempt
from tests.factories import PASSWORD, CharityStaffFactory, GovernorateFactory, OrganisationFactory
from tests.factories.cases import SHARED, family, needy_aid_type, open_request, rent_aid_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_claim_refusal_approve_pay_close(page, live_server, artifacts_dir):
    needy = needy_aid_type()
    rent = rent_aid_type()
    capital = GovernorateFactory(code="capital", name_en="Capital")
    husband = family(capital, [SHARED])
    ApplicantProfile.objects.filter(user=husband).update(name_ar="خالد العنزي")
    family_request = open_request(husband, needy, capital, amount="900")
    family_request.need_score = 80
    family_request.save()
    open_request(family(capital), rent, capital)  # filtered out below
    wife = family(capital, applicant_civil_id=SHARED)
    wife_request = open_request(wife, needy, capital, amount="600")
    first = OrganisationFactory(name_en="Al-Noor", aid_types=[needy, rent], governorates=[capital])
    second = OrganisationFactory(name_en="Al-Khair", aid_types=[needy], governorates=[capital])
    worker = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=first)
    manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=first)
    rival = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=second)

    page.context.add_cookies([{"name": "django_language", "value": "en", "url": live_server.url}])
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(worker.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    page.goto("/charity/queue/")
    assert page.locator("[data-testid=queue-row]").count() == 3
    page.locator("select[name=aid_type]").select_option(label="Needy families")
    page.locator("input[name=min_score]").fill("60")
    page.locator("form.queue-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=queue-row]").count() == 1
    assert "خالد العنزي" not in page.content()
    page.screenshot(path=artifacts_dir / "queue-en.png", full_page=True)
    page.locator("[data-testid=queue-row] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=applicant-name]").inner_text().startswith("خالد العنزي")
    page.screenshot(path=artifacts_dir / "case-claimed-en.png", full_page=True)
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()

    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(rival.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto("/charity/queue/")
    page.locator(f"form[action='/charity/queue/{wife_request.pk}/claim/'] button").click()
    page.wait_for_load_state()
    refusal = page.locator(".alert-danger").inner_text()
    assert "already receives Needy families until" in refusal
    assert "Al-Noor" not in refusal
    assert BlockedAttempt.objects.count() == 1
    page.screenshot(path=artifacts_dir / "claim-refused-en.png", full_page=True)
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()

    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(manager.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"/charity/cases/{family_request.pk}/")
    page.locator("input[name=amount]").fill("150")
    page.locator("input[name=payments]").fill("6")
    page.locator(f"form[action='/charity/cases/{family_request.pk}/approve/'] button").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=status]").inner_text().strip() == "Approved"
    assert (
        page.locator("[data-testid=next-period]")
        .inner_text()
        .startswith("Payment 1 pays the month of coverage from")
    )
    case_url = f"/charity/cases/{family_request.pk}"
    assert page.locator(f"form[action='{case_url}/reject/']").count() == 1
    assert page.locator(f"form[action='{case_url}/release/']").count() == 0  # approved already
    page.screenshot(path=artifacts_dir / "case-approved-en.png", full_page=True)
    payment_form = page.locator(f"form[action='/charity/cases/{family_request.pk}/payments/']")
    payment_form.locator("input[name=amount]").fill("150")
    payment_form.locator("input[name=paid_on]").fill(timezone.localdate().isoformat())
    payment_form.locator("input[name=reference]").fill("TRX-0001")
    payment_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=status]").inner_text().strip() == "Paying"
    # the next month's payment is not due yet: the page says from when it may be dated
    assert (
        page.locator("[data-testid=next-period]")
        .inner_text()
        .startswith("Payment 2 pays the month of coverage from")
    )
    page.locator(f"form[action='/charity/cases/{family_request.pk}/close/'] button").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=status]").inner_text().strip() == "Closed"
    family_request.refresh_from_db()
    assert family_request.status == RequestStatus.CLOSED
    page.screenshot(path=artifacts_dir / "case-closed-en.png", full_page=True)
    assert page.console_errors == []
