"""The managers' API client pages and the API documentation page in a real browser, Arabic
then English: a client created, its token shown once, axe without critical or serious
violations."""

from __future__ import annotations

import pytest

from accounts.models import Role
from tests.browser.axe import serious_violations
from tests.factories import PASSWORD, GovernorateFactory, StaffUserFactory
from tests.factories.cases import caseworker, needy_aid_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_manager_creates_an_api_client_and_reads_the_docs(page, live_server, artifacts_dir):
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
        page.goto("/charity/api-clients/")
        assert page.locator("html").get_attribute("lang") == language
        assert serious_violations(page) == []
        page.locator("input[name=name]").fill(f"CaseSoft {n}")
        page.locator("input[name=scopes][value=read_queue]").check()
        page.locator("form[action$='/new/'] button[type=submit]").click()
        page.wait_for_load_state()
        token = page.locator("[data-testid=token]").input_value()
        assert token.startswith("msd_")
        page.screenshot(path=artifacts_dir / f"api-token-{language}.png", full_page=True)
        assert serious_violations(page) == []
        page.goto("/charity/api-clients/")
        assert token not in page.content()
        page.screenshot(path=artifacts_dir / f"api-clients-{language}.png", full_page=True)
        page.goto("/api/v1/docs/")
        assert page.locator("[data-testid=op-case_claim]").is_visible()
        page.screenshot(path=artifacts_dir / f"api-docs-{language}.png", full_page=True)
        assert serious_violations(page) == []
    assert not page.console_errors


def test_a_ministry_administrator_creates_the_ministrys_client(page, live_server, artifacts_dir):
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(admin.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[name=password]").press("Enter")
    page.wait_for_load_state()

    for n, language in enumerate(("ar", "en")):
        page.context.add_cookies(
            [{"name": "django_language", "value": language, "url": live_server.url}]
        )
        page.goto("/ministry/api-clients/")
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("input[name=scopes]").count() == 2  # statistics, exports only
        assert serious_violations(page) == []
        page.locator("input[name=name]").fill(f"Cabinet dashboard {n}")
        page.locator("input[name=scopes][value=statistics]").check()
        page.locator("form[action$='/new/'] button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("[data-testid=token]").input_value().startswith("msd_")
        page.goto("/ministry/api-clients/")
        page.screenshot(path=artifacts_dir / f"ministry-api-clients-{language}.png", full_page=True)
        assert serious_violations(page) == []
    assert not page.console_errors
