"""Print: the charity's case file and the applicant's request summary print without navigation
or buttons, right-to-left in Arabic; each page has a Print button."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from aid_requests.models import AidRequest
from charities.models import Organisation
from demo.catalogue import DEMO_PASSWORD
from demo.seed import seed
from tests.factories.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_as(browser, live_server, client, language):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.add_cookies(
        [
            {"name": "django_language", "value": language, "url": live_server.url},
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
        ]
    )
    return context.new_page()


def assert_prints_the_content_only(page, language):
    assert page.locator("[data-print]").is_visible()  # the Print button, on screen
    assert page.locator("header nav").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header nav").is_visible()
    assert not page.locator("footer").is_visible()
    assert not page.locator("[data-print]").is_visible()
    assert (
        page.locator("main form").count() == 0 or not page.locator("main form").first.is_visible()
    )
    assert page.locator("h1").is_visible()
    assert page.locator("[data-testid=status]").is_visible()
    assert page.evaluate("() => document.documentElement.dir") == (
        "rtl" if language == "ar" else "ltr"
    )


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_case_file_prints_without_navigation_or_buttons(
    browser, live_server, artifacts_dir, language
):
    seed()
    organisation = Organisation.objects.get(licence_number="MSA-CH-1001")
    case = AidRequest.objects.filter(claimed_by=organisation).order_by("pk").first()
    client = Client()
    sign_in_with_second_factor(client, User.objects.get(email="manager@alnoor.test"), DEMO_PASSWORD)
    page = open_as(browser, live_server, client, language)
    page.goto(f"/charity/cases/{case.pk}/")
    assert_prints_the_content_only(page, language)
    page.screenshot(path=artifacts_dir / f"case-print-{language}.png", full_page=True)
    page.context.close()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_the_request_summary_prints_without_navigation_or_buttons(
    browser, live_server, artifacts_dir, language
):
    seed()
    aid_request = AidRequest.objects.exclude(claimed_by=None).order_by("pk").first()
    client = Client()
    client.force_login(aid_request.applicant)
    page = open_as(browser, live_server, client, language)
    page.goto(f"/requests/{aid_request.pk}/")
    assert_prints_the_content_only(page, language)
    page.screenshot(path=artifacts_dir / f"request-print-{language}.png", full_page=True)
    page.context.close()
