"""Issue 3's whole journey in Chromium: sign up → verify with the simulator in a second tab (the
first page updates by itself) → the profile with two household members and a document → complete.

Screenshots of every key page, in Arabic (the journey) and in English, go to the artifacts folder.
"""

from __future__ import annotations

import re

import pytest

from accounts.models import User
from applicants.models import ApplicantProfile, Document, Governorate, HouseholdMember
from applicants.selectors import Step, completed_steps
from notifications import sms
from tests.factories.applicants import PDF_BYTES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CIVIL_ID = "285031401239"
PASSWORD = "a-long-enough-Passw0rd"
MEMBERS = [
    ("301070945674", "مريم العنزي", "daughter", True),
    ("260123100424", "سعاد العنزي", "mother", False),
]


@pytest.fixture
def portal(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IDENTITY_PROVIDER = "simulator"
    settings.IDENTITY_SIMULATOR_KEY_FILE = tmp_path / "simulator.pem"
    settings.IDENTITY_POLL_SECONDS = 1
    settings.IDENTITY_PROVIDER_POLL_MIN_SECONDS = 0
    for code, ar, en in (("capital", "العاصمة", "Capital"), ("jahra", "الجهراء", "Jahra")):
        Governorate.objects.create(code=code, name_ar=ar, name_en=en)
    sms.outbox.clear()


def shoot(page, artifacts_dir, name):
    """Screenshot the page; it must be laid out in its language's direction, without overflow."""
    language = page.locator("html").get_attribute("lang")
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the window"
    page.screenshot(path=artifacts_dir / f"{name}-{language}.png", full_page=True)


def use_english(page):
    """The language switch in the header, as a person would use it."""
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"


def sign_up(page, artifacts_dir):
    page.goto("/")
    page.get_by_role("link", name="التسجيل بالرقم المدني").first.click()
    page.get_by_label("الرقم المدني").fill(CIVIL_ID)
    page.get_by_label("رقم الهاتف النقال").fill("5000 1234")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.locator("select[name=language]").select_option("ar")
    shoot(page, artifacts_dir, "journey-signup")
    page.get_by_role("button", name="تسجيل", exact=True).click()
    page.wait_for_load_state()

    recipient = page.locator("[data-testid=code-recipient]")
    assert recipient.inner_text() == "+96550001234"
    # Left to right inside the Arabic sentence: "+965…", never "…965+".
    assert recipient.evaluate("e => getComputedStyle(e.parentElement).direction") == "ltr"
    confirm = page.get_by_role("button", name="تأكيد", exact=True)
    assert "btn-primary" in (confirm.get_attribute("class") or "")
    shoot(page, artifacts_dir, "journey-signup-code")
    code = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4}|\b[A-Z0-9]{6}\b)", sms.outbox[-1].body).group(1)
    page.locator("input[name=code]").fill(code)
    confirm.click()
    page.wait_for_load_state()
    assert User.objects.get(civil_id=CIVIL_ID).mobile_verified


def verify_identity(page, artifacts_dir):
    assert page.url.endswith("/identity/verify/")
    shoot(page, artifacts_dir, "journey-identity")
    page.locator("[data-testid=start-verification]").click()
    page.wait_for_load_state()
    number = page.locator("[data-testid=match-code]").inner_text().strip()
    assert re.fullmatch(r"\d\d", number)
    shoot(page, artifacts_dir, "journey-identity-waiting")
    # A mark that a reload or a navigation would wipe: the page must update in place (htmx).
    page.evaluate("window.journeyMark = 'still the same page'")

    phone = page.context.new_page()
    phone.goto("/identity/simulator/")
    phone.get_by_label("الرقم المدني").fill(CIVIL_ID)
    phone.locator("main form button[type=submit]").first.click()
    phone.wait_for_load_state()
    request = phone.locator("[data-testid=simulator-request]")
    assert number in request.inner_text()  # the phone shows the number the portal shows
    shoot(phone, artifacts_dir, "journey-simulator")
    request.locator("button.btn-success").click()
    phone.wait_for_load_state()
    shoot(phone, artifacts_dir, "journey-simulator-approved")
    phone.close()

    result = page.locator("[data-testid=attempt-result]")
    result.wait_for(timeout=20_000)
    assert result.get_attribute("data-status") == "approved"
    assert page.evaluate("window.journeyMark") == "still the same page"
    shoot(page, artifacts_dir, "journey-identity-approved")
    assert User.objects.get(civil_id=CIVIL_ID).is_identity_verified


def fill_profile(page, artifacts_dir):
    page.goto("/apply/profile/")
    assert page.url.endswith("/apply/profile/personal/")
    page.locator("input[name=name_ar]").fill("فاطمة العنزي")
    page.locator("input[name=name_en]").fill("Fatima Al-Enezi")
    page.locator("select[name=gender]").select_option("f")
    page.locator("input[name=nationality]").fill("الكويت")
    page.locator("select[name=governorate]").select_option(label="العاصمة")
    page.locator("input[name=area]").fill("الشامية")
    page.locator("input[name=address]").fill("قطعة 4، شارع 12، منزل 7")
    assert page.locator("input[name=mobile]").input_value() == "+96550001234"
    shoot(page, artifacts_dir, "journey-personal")
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()

    assert page.url.endswith("/apply/profile/household/")
    for civil_id, name, kinship, student in MEMBERS:
        form = page.locator("form[action='/apply/profile/household/add/']")
        form.locator("input[name=civil_id]").fill(civil_id)
        form.locator("input[name=name]").fill(name)
        form.locator("select[name=kinship]").select_option(kinship)
        if student:
            form.locator("input[name=is_student]").check()
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        assert name in page.locator("ul[aria-label]").inner_text()
    shoot(page, artifacts_dir, "journey-household")
    page.get_by_role("button", name="حفظ ومتابعة").click()
    page.wait_for_load_state()

    assert page.url.endswith("/apply/profile/incomes/")
    form = page.locator("form[action='/apply/profile/incomes/add/']")
    form.locator("select[name=kind]").select_option("salary")
    form.locator("input[name=amount]").fill("٤٥٠٫٥٠٠")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    shoot(page, artifacts_dir, "journey-incomes")
    page.get_by_role("button", name="حفظ ومتابعة").click()
    page.wait_for_load_state()
    assert page.url.endswith("/apply/profile/obligations/")
    page.get_by_role("button", name="حفظ ومتابعة").click()
    page.wait_for_load_state()

    assert page.url.endswith("/apply/profile/documents/")
    form = page.locator("form[action='/apply/profile/documents/upload/']")
    form.locator("select[name=kind]").select_option("civil_id_copy")
    form.locator("input[name=file]").set_input_files(
        {"name": "البطاقة المدنية.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "البطاقة المدنية.pdf" in page.locator("ul[aria-label]").inner_text()
    shoot(page, artifacts_dir, "journey-documents")
    page.get_by_role("button", name="حفظ ومتابعة").click()
    page.wait_for_load_state()

    assert page.url.endswith("/apply/profile/consent/")
    assert page.locator("[data-testid=step-6]").get_attribute("data-done") == "no"
    shoot(page, artifacts_dir, "journey-consent")
    page.locator("input[name=agree]").check()
    page.locator("main form.card button[type=submit]").click()
    page.wait_for_load_state()


def see_profile_complete(page, artifacts_dir):
    assert page.url.endswith("/apply/profile/review/")
    assert page.locator("main .alert-success[role=status]").count() == 1
    steps = page.locator("[data-testid^=step-]")
    assert steps.count() == 7
    assert {steps.nth(i).get_attribute("data-done") for i in range(7)} == {"yes"}
    assert page.locator("progress").get_attribute("value") == "7"
    shoot(page, artifacts_dir, "journey-review")

    user = User.objects.get(civil_id=CIVIL_ID)
    profile = ApplicantProfile.objects.get(user=user)
    assert Step.REVIEW in completed_steps(profile, user)
    assert profile.consented_at is not None
    assert sorted(HouseholdMember.objects.values_list("civil_id", flat=True)) == sorted(
        m[0] for m in MEMBERS
    )
    assert Document.objects.filter(profile=profile).count() == 1


ENGLISH_PAGES = [
    ("/identity/verify/", "journey-identity-approved"),
    ("/apply/profile/personal/", "journey-personal"),
    ("/apply/profile/household/", "journey-household"),
    ("/apply/profile/incomes/", "journey-incomes"),
    ("/apply/profile/documents/", "journey-documents"),
    ("/apply/profile/consent/", "journey-consent"),
    ("/apply/profile/review/", "journey-review"),
    ("/apply/requests/", "journey-my-requests"),
]


def test_applicant_signs_up_verifies_and_completes_the_profile(page, portal, artifacts_dir):
    sign_up(page, artifacts_dir)
    verify_identity(page, artifacts_dir)
    fill_profile(page, artifacts_dir)
    see_profile_complete(page, artifacts_dir)
    page.goto("/apply/requests/")
    shoot(page, artifacts_dir, "journey-my-requests")

    # The same pages in English, left to right.
    use_english(page)
    for path, name in ENGLISH_PAGES:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == "en"
        shoot(page, artifacts_dir, name)
    assert "Your profile is complete" in page.goto("/apply/profile/review/").text()
    phone = page.context.new_page()
    phone.goto(f"/identity/simulator/?civil_id={CIVIL_ID}")
    shoot(phone, artifacts_dir, "journey-simulator")
    phone.close()
    assert page.console_errors == []


def test_the_sign_up_pages_in_english(page, portal, artifacts_dir):
    page.goto("/accounts/signup/")
    use_english(page)
    shoot(page, artifacts_dir, "journey-signup")
    page.locator("input[name=username]").fill(CIVIL_ID)
    page.locator("input[name=phone]").fill("50001234")
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    page.get_by_role("button", name="Register", exact=True).click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=code-recipient]").inner_text() == "+96550001234"
    shoot(page, artifacts_dir, "journey-signup-code")
    assert page.console_errors == []


def test_a_ministry_admin_finds_the_applicant_and_marks_them_protected(page, portal, artifacts_dir):
    from accounts.models import Role
    from tests.factories import PASSWORD as STAFF_PASSWORD
    from tests.factories import AidRequestFactory, StaffUserFactory
    from tests.factories.applicants import ReadyProfileFactory

    profile = ReadyProfileFactory(user__civil_id=CIVIL_ID, name_ar="فاطمة العنزي")
    AidRequestFactory(applicant=profile.user)
    StaffUserFactory(email="admin@ministry.test", role=Role.MINISTRY_ADMIN, full_name="مدير")
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill("admin@ministry.test")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    page.locator("nav a[href='/apply/ministry/applicants/']").click()
    page.locator("input[name=civil_id]").fill(CIVIL_ID)
    shoot(page, artifacts_dir, "ministry-lookup")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=civil-id]").inner_text() == CIVIL_ID
    assert page.locator("[data-testid=protected]").get_attribute("data-protected") == "no"
    shoot(page, artifacts_dir, "ministry-applicant")

    page.locator("textarea[name=reason]").fill("قرار من المحكمة بحماية مقدمة الطلب")
    page.locator("[data-testid=protection] button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=protected]").get_attribute("data-protected") == "yes"
    assert "قرار من المحكمة" in page.locator("[data-testid=protection-history]").inner_text()
    shoot(page, artifacts_dir, "ministry-applicant-protected")
    profile.refresh_from_db()
    assert profile.is_protected

    use_english(page)
    shoot(page, artifacts_dir, "ministry-applicant-protected")
    page.goto("/apply/ministry/applicants/")
    shoot(page, artifacts_dir, "ministry-lookup")
    assert page.console_errors == []
