"""A ministry official opens one family's picture in a real browser, in Arabic and English:
signed in with the password and the authenticator code, searches a civil ID of the demo
family served by a charity and by the state, and reads both on one timeline. axe-core finds
no serious or critical violation on the picture or on the figures by source."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command

from accounts.models import Role
from audit.models import AuditEntry
from benefits.models import BenefitRecord
from reports.services.picture import PICTURE_VIEWED
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, StaffUserFactory
from tests.factories.second_factor import totp_code, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def sign_in_with_code(page, user, secret: str) -> None:
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "/accounts/2fa/authenticate/" in page.url
    page.locator("input[name=code]").fill(totp_code(secret))
    page.locator("main form button[type=submit].btn-primary").click()
    page.wait_for_load_state()


def search(page, civil_id: str) -> None:
    page.locator("form.picture-search input[name=civil_id]").fill(civil_id)
    page.locator("form.picture-search button[type=submit]").click()
    page.wait_for_load_state()


def shoot(page, artifacts_dir, name: str) -> None:
    """The page at desktop width and at 390 px (a phone), whole."""
    page.screenshot(path=artifacts_dir / f"{name}.png", full_page=True)
    size = page.viewport_size
    page.set_viewport_size(PHONE)
    page.screenshot(path=artifacts_dir / f"{name}-390.png", full_page=True)
    page.set_viewport_size(size)


def assert_family_picture(page) -> None:
    assert page.locator("[data-testid=picture]").is_visible()
    assert page.locator("[data-testid=household]").count() == 1
    assert page.locator("[data-testid=household-person]").count() >= 2
    assert page.locator("[data-testid=entry][data-source=charity]").count() >= 1
    assert page.locator("[data-testid=entry][data-source=state]").count() == 2
    assert page.locator("[data-testid=both-sources]").is_visible()
    assert page.locator("[data-testid=entry-both]").count() >= 2


def test_official_opens_a_family_picture_in_both_languages(
    page, live_server, settings, artifacts_dir
):
    settings.STAFF_REQUIRE_MFA = True
    call_command("seed_demo", verbosity=0)
    both = BenefitRecord.objects.get(reference="DEMO-SW-1").civil_id
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL, email="picture@ministry.test")
    EmailAddress.objects.create(user=official, email=official.email, verified=True, primary=True)
    sign_in_with_code(page, official, totp_device(official))

    page.goto("/ministry/")
    page.get_by_role("link", name="صورة المستفيد").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "rtl"
    search(page, "123")
    assert page.locator(".invalid-feedback, .errorlist").first.is_visible()
    assert page.locator("[data-testid=picture]").count() == 0
    search(page, both)
    assert_family_picture(page)
    assert page.locator("[data-testid=picture-civil-id]").inner_text() == both
    assert serious_violations(page) == []
    shoot(page, artifacts_dir, "beneficiary-picture-ar")

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert "civil_id" not in page.url
    search(page, both)
    assert_family_picture(page)
    assert page.get_by_text("Received from a charity and from the state in the same month")
    assert serious_violations(page) == []
    shoot(page, artifacts_dir, "beneficiary-picture-en")
    assert AuditEntry.objects.filter(action=PICTURE_VIEWED, actor=official).count() == 2

    page.locator("a[href='/ministry/statistics/sources/']").first.click()
    page.wait_for_load_state()
    assert int(page.locator("[data-testid=total]").inner_text().replace(",", "")) >= 1
    assert serious_violations(page) == []
    shoot(page, artifacts_dir, "benefit-sources-en")
    page.get_by_role("button", name="العربية").click()
    page.wait_for_load_state()
    assert serious_violations(page) == []
    shoot(page, artifacts_dir, "benefit-sources-ar")
    assert page.console_errors == []
