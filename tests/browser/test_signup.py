"""A new applicant registers in Arabic in a real browser and confirms the mobile by SMS code."""

import re

import pytest

from accounts.models import User
from notifications import sms

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_applicant_registers_and_confirms_mobile(page, artifacts_dir):
    sms.outbox.clear()
    page.goto("/")
    page.get_by_role("link", name="التسجيل بالرقم المدني").first.click()
    # The labels are Arabic; each field is also reachable by its accessible label.
    page.get_by_label("الرقم المدني").fill("٢٨٥٠٣١٤٠١٢٣٩")
    page.get_by_label("رقم الهاتف النقال").fill("50001234")
    page.locator("input[name=password1]").fill("a-long-enough-Passw0rd")
    page.get_by_label("كلمة المرور (مرة أخرى)").fill("a-long-enough-Passw0rd")
    page.screenshot(path=artifacts_dir / "signup-ar.png", full_page=True)
    page.get_by_role("button", name="تسجيل", exact=True).click()
    page.wait_for_load_state()
    page.screenshot(path=artifacts_dir / "signup-code-ar.png", full_page=True)

    # allauth codes look like "FBSL-NSFT" (older releases: six characters).
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4}|\b[A-Z0-9]{6}\b)", sms.outbox[-1].body).group(1)
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="تأكيد", exact=True).click()
    page.wait_for_load_state()
    user = User.objects.get(civil_id="285031401239")
    assert user.mobile_verified
    assert page.locator("[data-testid=signed-in-as]").count() == 1
    assert page.console_errors == []
