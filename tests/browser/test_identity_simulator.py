"""The identity simulator (the phone) shows a request started on the portal by itself: with a
civil ID entered and nothing waiting yet, it looks again every few seconds."""

import pytest
from django.conf import settings as django_settings
from django.test import Client

from accounts.models import User
from demo.catalogue import KNOWN_APPLICANTS
from demo.seed import seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_simulator_shows_a_new_request_without_a_reload(
    browser, live_server, artifacts_dir, settings, tmp_path
):
    settings.IDENTITY_PROVIDER = "simulator"
    settings.IDENTITY_SIMULATOR_KEY_FILE = tmp_path / "simulator.pem"
    settings.IDENTITY_POLL_SECONDS = 1
    settings.IDENTITY_PROVIDER_POLL_MIN_SECONDS = 0
    seed()
    civil_id = KNOWN_APPLICANTS[0]  # not verified yet
    client = Client()
    client.force_login(User.objects.get(civil_id=civil_id))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    context.add_cookies(
        [
            {"name": "django_language", "value": "en", "url": live_server.url},
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
        ]
    )
    phone = context.new_page()
    phone.goto(f"/identity/simulator/?civil_id={civil_id}")
    assert phone.locator("[data-testid=simulator-request]").count() == 0
    phone.evaluate("window.mark = 'not reloaded'")

    portal = context.new_page()
    portal.goto("/identity/verify/")
    portal.locator("[data-testid=start-verification]").click()
    portal.wait_for_load_state()

    request = phone.locator("[data-testid=simulator-request]")
    request.wait_for(timeout=10_000)
    assert phone.evaluate("window.mark") == "not reloaded"
    phone.screenshot(path=artifacts_dir / "simulator-refreshed-en.png", full_page=True)
    request.locator("button.btn-success").click()
    phone.wait_for_load_state()
    result = portal.locator("[data-testid=attempt-result]")
    result.wait_for(timeout=20_000)
    assert result.get_attribute("data-status") == "approved"
    context.close()
