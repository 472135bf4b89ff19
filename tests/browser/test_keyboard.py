"""Keyboard only: an applicant signs in, applies and reads their request without one click.

Only key presses move the test (Tab, Shift+Tab, Enter, Space, typing); the browser is sent to the
home page once, as a person would type the address. Along the way the skip link comes first and
every element reached shows a visible focus outline.
"""

import pytest
from django.core.management import call_command
from django.utils import translation

from aid_requests.models import AidRequest, RequestStatus
from demo.catalogue import DEMO_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST_APPLICANT = "301070945674"  # verified, complete profile, no request yet (README)

FOCUSED_OUTLINE = """() => {
  const s = getComputedStyle(document.activeElement);
  return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
}"""


def tab_to(page, selector, *, backwards=False, limit=100):
    """Press Tab (or Shift+Tab) until the element matching ``selector`` has the focus."""
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        page.keyboard.press(key)
        if page.evaluate("(s) => !!document.activeElement?.matches(s)", selector):
            assert page.evaluate(FOCUSED_OUTLINE), f"{selector} has no visible focus"
            return
    raise AssertionError(f"{key} never reached {selector}")


def press(page, key):
    """Press a key that opens another page, and wait for it."""
    with page.expect_navigation():
        page.keyboard.press(key)


@pytest.mark.parametrize("language", ["ar", "en"])
def test_applicant_signs_in_applies_and_reads_the_request_by_keyboard_alone(
    page, live_server, artifacts_dir, settings, tmp_path, language
):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", verbosity=0)
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    page.goto("/")

    # The skip link is the first stop, shows itself, and takes the focus to the main content.
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('skip-link')")
    assert page.locator(".skip-link").is_visible()
    page.screenshot(path=artifacts_dir / f"keyboard-skip-link-{language}.png")
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    # Sign in.
    tab_to(page, "a[href='/accounts/login/']", backwards=True)
    press(page, "Enter")
    tab_to(page, "input[name=login]")
    page.keyboard.type(FIRST_APPLICANT)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    press(page, "Enter")
    assert page.locator("[data-testid=signed-in-as]").count() == 1

    # Apply for the rent allowance.
    tab_to(page, "a[href='/requests/catalogue/']")
    press(page, "Enter")
    tab_to(page, "a[href='/requests/new/rent-allowance/']")
    page.screenshot(path=artifacts_dir / f"keyboard-focus-{language}.png")
    press(page, "Enter")
    tab_to(page, "input[name=amount]")
    page.keyboard.type("600")
    tab_to(page, "textarea[name=justification]")
    page.keyboard.type("We are three months behind with the rent.")
    tab_to(page, "form.card button[type=submit]")
    press(page, "Space")
    mine = AidRequest.objects.get(applicant__civil_id=FIRST_APPLICANT)
    assert mine.status == RequestStatus.OPEN

    # Read it again from the list of one's requests.
    tab_to(page, "a[href='/apply/requests/']", backwards=True)
    press(page, "Enter")
    tab_to(page, f"a[href='/requests/{mine.pk}/']")
    press(page, "Enter")
    assert page.url.endswith(f"/requests/{mine.pk}/")
    with translation.override(language):
        shown = str(RequestStatus.OPEN.label)
    assert page.locator("[data-testid=status]").inner_text().strip() == shown
    page.screenshot(path=artifacts_dir / f"keyboard-request-{language}.png", full_page=True)
    assert page.console_errors == []
