"""The header on a 1280 px desktop screen: the ministry administrator's many links fit on at most
two rows in Arabic and in English, the less-used ones in a menu that opens by keyboard."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from demo.catalogue import DEMO_PASSWORD
from demo.seed import seed
from tests.factories.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: The header's links: the rows their tops sit on, and the height of the whole header.
ROWS = """() => {
  const tops = new Set();
  for (const li of document.querySelectorAll('#main-nav > ul > li')) {
    tops.add(Math.round(li.getBoundingClientRect().top));
  }
  return [tops.size, document.querySelector('header nav').offsetHeight];
}"""
#: Two rows of links (40 px each) and the bar's padding; three rows are 136 px.
TWO_ROWS_HEIGHT = 100


@pytest.mark.parametrize("language", ["en", "ar"])
def test_the_ministry_admins_header_fits_two_rows(browser, live_server, artifacts_dir, language):
    seed()
    client = Client()
    sign_in_with_second_factor(client, User.objects.get(email="admin@musaada.test"), DEMO_PASSWORD)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=live_server.url)
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
    page = context.new_page()
    page.goto("/ministry/")
    page.screenshot(path=artifacts_dir / f"nav-ministry-admin-{language}.png")
    rows, height = page.evaluate(ROWS)
    assert rows <= 2
    assert height <= TWO_ROWS_HEIGHT

    # The less-used pages are one keyboard press away, in the "More" menu.
    more = page.locator("[data-testid=nav-more]")
    menu = page.locator("header .dropdown-menu")
    assert not menu.is_visible()
    more.focus()
    page.keyboard.press("Enter")
    assert more.get_attribute("aria-expanded") == "true"
    assert menu.is_visible()
    links = menu.locator("a")
    assert links.count() == 5
    page.screenshot(path=artifacts_dir / f"nav-ministry-admin-menu-{language}.png")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.classList.contains('dropdown-item')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    # The page of the menu shows where one is: the menu's button is marked too.
    assert "active" in (more.get_attribute("class") or "")
    assert page.locator("header .dropdown-item[aria-current=page]").count() == 1
    context.close()
