"""A new applicant lands on a checklist of their next steps, and the request form says which
documents are still missing and takes them there — in Arabic and English."""

import pytest
from django.core.management import call_command

from demo.catalogue import DEMO_PASSWORD, KNOWN_APPLICANTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, login, language):
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_an_unverified_applicant_sees_the_next_steps_after_signing_in(
    page, live_server, artifacts_dir, settings, tmp_path, language
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    sign_in(page, live_server, KNOWN_APPLICANTS[0], language)  # not verified yet (README)
    assert page.url.endswith("/apply/requests/")
    steps = page.locator("[data-testid=next-step]")
    assert steps.count() == 3
    assert steps.first.locator("a[href='/identity/verify/']").count() == 1
    page.screenshot(path=artifacts_dir / f"next-steps-{language}.png", full_page=True)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_request_form_lists_a_missing_document_and_takes_it(
    page, live_server, artifacts_dir, settings, tmp_path, language
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    sign_in(page, live_server, KNOWN_APPLICANTS[1], language)  # verified, no request yet
    page.goto("/requests/new/medical-treatment/")  # the medical report is not uploaded yet
    missing = page.locator("[data-testid=missing-documents]")
    assert missing.is_visible()
    assert page.locator("input[type=file][name=upload_medical_report]").is_visible()
    page.screenshot(path=artifacts_dir / f"request-form-missing-{language}.png", full_page=True)
