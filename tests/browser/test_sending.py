"""A form being sent says so, and its button cannot be pressed twice (static/js/forms.js)."""

import time

import pytest

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
