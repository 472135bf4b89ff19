"""The home page in a real browser: Arabic/RTL by default, English/LTR on request."""

import pytest
from django.core.management import call_command

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_page_switches_between_arabic_and_english(page, artifacts_dir):
    page.goto("/")
    html = page.locator("html")
    assert html.get_attribute("lang") == "ar"
    assert html.get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    page.screenshot(path=artifacts_dir / "home-ar.png", full_page=True)

    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert html.get_attribute("lang") == "en"
    assert html.get_attribute("dir") == "ltr"
    assert page.evaluate("getComputedStyle(document.body).direction") == "ltr"
    page.reload()
    assert html.get_attribute("lang") == "en", "the language choice must persist"
    page.screenshot(path=artifacts_dir / "home-en.png", full_page=True)
    assert page.console_errors == []


def test_demo_users_sign_in_and_reach_their_pages(page, artifacts_dir):
    call_command("seed_demo", verbosity=0)
    for login, heading, shot in (
        ("official@musaada.test", "نظرة عامة", "ministry-overview-ar.png"),
        ("caseworker@alnoor.test", "جمعية النور الخيرية", "charity-dashboard-ar.png"),
        ("285031401239", "طلباتي", "applicant-requests-ar.png"),
    ):
        page.goto("/accounts/login/")
        page.get_by_label("الرقم المدني").fill(login)
        page.get_by_label("كلمة المرور").fill("musaada-demo")
        page.get_by_role("button", name="تسجيل الدخول").click()
        page.wait_for_load_state()
        assert heading in page.locator("h1").inner_text()
        page.screenshot(path=artifacts_dir / shot, full_page=True)
        page.get_by_role("button", name="تسجيل الخروج").click()
        page.wait_for_load_state()
    assert page.console_errors == []
