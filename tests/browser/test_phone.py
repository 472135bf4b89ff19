"""Phones (390 px wide): the queue's rows are cards with the Claim button on screen, and the
ministry's charts and captions fit the width — in Arabic and English."""

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from demo.catalogue import DEMO_PASSWORD
from demo.seed import seed
from tests.factories.second_factor import sign_in_with_second_factor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}

NOTHING_SIDEWAYS = "() => document.documentElement.scrollWidth <= window.innerWidth"


def phone_page(browser, live_server, email, language):
    client = Client()
    sign_in_with_second_factor(client, User.objects.get(email=email), DEMO_PASSWORD)
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
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


def inside_the_screen(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


@pytest.mark.parametrize("language", ["ar", "en"])
def test_queue_rows_are_cards_with_the_claim_button_on_screen(
    browser, live_server, artifacts_dir, language
):
    seed()
    page = phone_page(browser, live_server, "caseworker@alnoor.test", language)
    page.goto("/charity/queue/")
    rows = page.locator("[data-testid=queue-row]")
    assert rows.count() > 0
    assert page.evaluate(NOTHING_SIDEWAYS)
    assert inside_the_screen(rows.first.locator("button[type=submit]"))
    # each cell names its column on the card
    label = rows.first.locator("td").first.evaluate(
        "td => getComputedStyle(td, '::before').content"
    )
    assert label.strip('"')
    page.screenshot(path=artifacts_dir / f"queue-phone-{language}.png", full_page=True)
    page.context.close()


@pytest.mark.parametrize("language", ["ar", "en"])
def test_statistics_charts_and_captions_fit_a_phone(browser, live_server, artifacts_dir, language):
    seed()
    page = phone_page(browser, live_server, "official@musaada.test", language)
    page.goto("/ministry/statistics/")
    page.wait_for_function("() => document.querySelectorAll('canvas[data-chart]').length > 0")
    assert page.evaluate(NOTHING_SIDEWAYS)
    for canvas in page.locator("canvas[data-chart]").all():
        assert inside_the_screen(canvas)
        box = canvas.bounding_box()
        if canvas.get_attribute("data-chart") != "chart-organisations":  # bars grow sideways
            assert box["height"] >= box["width"] / 2  # tall enough for its slanted labels
    for caption in page.locator("caption:not(.visually-hidden)").all():
        assert inside_the_screen(caption), caption.inner_text()
        # not cut: the caption's text is as wide as its box at most
        assert caption.evaluate("c => c.scrollWidth <= c.clientWidth + 1"), caption.inner_text()
    page.screenshot(path=artifacts_dir / f"statistics-phone-{language}.png", full_page=True)
    page.context.close()
