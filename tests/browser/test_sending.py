"""A form being sent says so, and its button cannot be pressed twice (static/js/forms.js)."""

import time

import pytest
from django.conf import settings
from django.test import Client

from accounts.models import User
from demo.catalogue import KNOWN_APPLICANTS
from demo.seed import seed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUTTON_STATE = """() => {
  const b = document.querySelector("form[action='/accounts/login/'] button[type=submit]");
  return b && {busy: b.getAttribute("aria-busy"), disabled: b.disabled, text: b.innerText};
}"""


@pytest.mark.parametrize(("language", "label"), [("ar", "جارٍ الإرسال…"), ("en", "Sending…")])
def test_the_sign_in_button_says_sending_while_the_form_is_on_its_way(page, language, label):
    page.goto("/")
    page.context.add_cookies(
        [{"name": "django_language", "value": language, "url": page.evaluate("location.origin")}]
    )
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill("285031401239")
    page.locator("input[name=password]").fill("whatever")
    # The last listener to hear a submission counts it and keeps the page where it is, as if
    # the server were slow to answer (forms.js listens on the document, before the window).
    page.evaluate(
        """() => window.addEventListener("submit", (e) => {
          window.submissions = (window.submissions || 0) + 1; e.preventDefault();
        })"""
    )
    button = page.locator("form[action='/accounts/login/'] button[type=submit]")
    assert page.evaluate(BUTTON_STATE)["busy"] is None
    button.click()
    state = page.evaluate(BUTTON_STATE)
    deadline = time.monotonic() + 5
    while state["busy"] != "true" and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        state = page.evaluate(BUTTON_STATE)
    assert state == {"busy": "true", "disabled": True, "text": state["text"]}
    assert label in state["text"]
    button.click(force=True)  # a second press sends nothing more
    page.wait_for_timeout(300)
    assert page.evaluate("window.submissions") == 1
    assert page.console_errors == []


def test_an_upload_form_says_sending_while_the_file_is_on_its_way(browser, live_server, tmp_path):
    """Uploads are ordinary POST forms (multipart, not htmx): forms.js covers them too."""
    seed()
    client = Client()
    client.force_login(User.objects.get(civil_id=KNOWN_APPLICANTS[1]))
    context = browser.new_context(base_url=live_server.url)
    context.add_cookies(
        [
            {"name": "django_language", "value": "en", "url": live_server.url},
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            },
        ]
    )
    page = context.new_page()
    page.goto("/apply/profile/documents/")
    form = page.locator("form[action='/apply/profile/documents/upload/']")
    assert form.get_attribute("enctype") == "multipart/form-data"
    assert form.get_attribute("hx-post") is None
    upload = tmp_path / "report.pdf"
    upload.write_bytes(b"%PDF-1.4\n%%EOF\n")
    form.locator("input[type=file]").set_input_files(upload)
    page.evaluate("() => window.addEventListener('submit', (e) => e.preventDefault())")
    button = form.locator("button[type=submit]")
    button.click()
    page.wait_for_function(
        "() => document.querySelector(\"form[action='/apply/profile/documents/upload/'] "
        "button[type=submit]\").getAttribute('aria-busy') === 'true'"
    )
    assert "Sending…" in button.inner_text()
    context.close()
