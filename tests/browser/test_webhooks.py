"""The managers' webhook pages in a real browser, Arabic then English: an endpoint created,
its secret shown once, the delivery log; axe without critical or serious violations."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Role
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, GovernorateFactory
from tests.factories.cases import caseworker, needy_aid_type
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_creates_a_webhook_and_reads_its_log(page, live_server, artifacts_dir):
    manager = caseworker([needy_aid_type()], [GovernorateFactory()], role=Role.MANAGER)
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(manager.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()

    for n, language in enumerate(("ar", "en")):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.goto("/charity/webhooks/")
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == []
        page.locator("input[name=url]").fill(f"https://hooks.example.org/{n}")
        page.locator("input[name=events][value='case.claimed']").check()
        page.locator("form[action$='/new/'] button[type=submit]").click()
        page.wait_for_load_state()
        secret = page.locator("[data-testid=secret]").input_value()
        assert secret.startswith("whsec_")
        assert serious_violations(page) == []
        page.goto("/charity/webhooks/")
        assert secret not in page.content()
        page.screenshot(path=artifacts_dir / f"webhooks-{language}.png", full_page=True)
        endpoint = WebhookEndpoint.objects.order_by("-pk").first()
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event="case.claimed", body="{}", created_at=timezone.now()
        )
        WebhookAttempt.objects.create(
            delivery=delivery, number=1, started_at=timezone.now(), duration_ms=8, error="timed out"
        )
        page.goto(f"/charity/webhooks/{endpoint.pk}/deliveries/")
        assert page.locator(f"[data-testid=delivery-{delivery.pk}]").is_visible()
        page.screenshot(path=artifacts_dir / f"webhook-deliveries-{language}.png", full_page=True)
        assert serious_violations(page) == []
    assert not page.console_errors
