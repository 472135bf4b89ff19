"""A ministry administrator opens /django-admin/ in a real browser: allauth's login page, the
password, the authenticator code, then the Django admin — in Arabic and in English."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Role
from tests.factories import PASSWORD, StaffUserFactory
from tests.factories.second_factor import totp_code, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_ministry_admin_signs_into_the_django_admin_with_the_second_factor(
    page, live_server, settings, artifacts_dir, language
):
    settings.STAFF_REQUIRE_MFA = True
    admin = StaffUserFactory(
        email=f"admin.{language}@ministry.test",  # no "-": another item of issue 11
        role=Role.MINISTRY_ADMIN,
        is_staff=True,
        is_superuser=True,
    )
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    secret = totp_device(admin)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )

    # Django's admin pages name no icon, so Chromium may ask for /favicon.ico (404): that one
    # console error is Django's, any other fails the test.
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.location.get("url", "")))
    page.goto("/django-admin/")
    page.wait_for_load_state()
    assert page.url.startswith(f"{live_server.url}/accounts/login/?next=")
    assert page.locator("html").get_attribute("lang") == language
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.screenshot(path=artifacts_dir / f"admin-login-{language}.png", full_page=True)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.startswith(f"{live_server.url}/accounts/2fa/authenticate/")
    page.locator("input[name=code]").fill(totp_code(secret))
    page.screenshot(path=artifacts_dir / f"admin-second-factor-{language}.png", full_page=True)
    page.locator("main form button[type=submit].btn-primary").click()
    page.wait_for_load_state()

    assert page.url == f"{live_server.url}/django-admin/"
    assert page.locator("#site-name").count() == 1
    assert page.locator("a[href='/django-admin/accounts/user/']").count() >= 1
    page.screenshot(path=artifacts_dir / f"admin-index-{language}.png", full_page=True)
    assert all(url.endswith("/favicon.ico") for url in errors), errors


def test_staff_signed_in_with_a_password_only_are_told_to_set_up_a_second_factor(
    page, live_server, settings, artifacts_dir
):
    settings.STAFF_REQUIRE_MFA = True
    official = StaffUserFactory(email="official@ministry.test", role=Role.MINISTRY_OFFICIAL)
    EmailAddress.objects.create(user=official, email=official.email, verified=True, primary=True)
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(official.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    response = page.goto("/apply/ministry/applicants/")
    assert response is not None
    assert response.status == 403
    assert page.locator("[data-testid=needs-second-factor]").is_visible()
    page.screenshot(path=artifacts_dir / "second-factor-required-ar.png", full_page=True)
    page.locator("[data-testid=set-up-second-factor]").click()
    page.wait_for_load_state()
    # allauth asks for the password again before a device is added
    assert "/accounts/reauthenticate/" in page.url
    # the one console error is the 403 of the page itself
    assert [e for e in page.console_errors if "(Forbidden)" not in e] == []
