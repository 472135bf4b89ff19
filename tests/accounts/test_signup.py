"""Applicant sign-up with civil ID + mobile, confirmed by an SMS code; reset by SMS code."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client

from accounts.models import Role, User
from notifications import sms
from tests.accounts.conftest import SIGNUP
from tests.factories import PASSWORD, ApplicantUserFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

GOOD = SIGNUP


def last_code() -> str:
    match = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4}|\b[A-Z0-9]{6}\b)", sms.outbox[-1].body)
    assert match, sms.outbox[-1].body
    return match.group(1)


def test_signup_creates_an_applicant_and_confirms_the_mobile_by_sms(client):
    response = client.post("/accounts/signup/", GOOD)
    assert response.status_code == 302
    user = User.objects.get(civil_id="285031401239")
    assert (user.role, user.email, user.language) == (Role.APPLICANT, None, "en")
    assert (user.mobile, user.mobile_verified) == ("+96550001234", False)
    assert sms.outbox[-1].to == "+96550001234"

    page = client.get(response["Location"])
    assert page.status_code == 200
    confirm = client.post(response["Location"], {"code": last_code()})
    assert confirm.status_code == 302
    user.refresh_from_db()
    assert user.mobile_verified
    assert client.session["_auth_user_id"] == str(user.pk)


def test_arabic_indic_digits_are_accepted_in_civil_id_and_mobile(client):
    client.post("/accounts/signup/", {**GOOD, "username": "٢٨٥٠٣١٤٠١٢٣٩", "phone": "٥٠٠٠١٢٣٤"})
    assert User.objects.filter(civil_id="285031401239", mobile="+96550001234").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "285031401238", "check digit"),
        ("username", "28503140123", "12 digits"),
        ("username", "285131401236", "does not exist"),
        ("phone", "1234", "Kuwaiti mobile"),
    ],
)
def test_invalid_civil_id_or_mobile_gets_a_clear_message_and_creates_nothing(
    client, field, value, message
):
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/signup/", {**GOOD, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert sms.outbox == []


def test_invalid_civil_id_message_is_translated_to_arabic(client):
    response = client.post("/accounts/signup/", {**GOOD, "username": "285031401238"})
    assert "رقم التحقق" in response.content.decode()


def test_a_civil_id_that_has_an_account_reveals_nothing():
    existing = ApplicantUserFactory(civil_id="285031401239", mobile="+96599990000")
    fresh = Client().post(
        "/accounts/signup/", {**GOOD, "username": "301070945674", "phone": "50005678"}
    )
    sms.outbox.clear()
    other = Client()
    taken = other.post("/accounts/signup/", GOOD)
    assert other.get(taken["Location"]).status_code == 200
    # Same kind of answer as a fresh sign-up: on to the "enter the code" page.
    assert taken.status_code == fresh.status_code == 302
    assert taken["Location"] == fresh["Location"]
    assert User.objects.filter(civil_id="285031401239").count() == 1
    existing.refresh_from_db()
    assert existing.check_password(PASSWORD)
    # Nothing reaches the number that was typed; the account holder is warned instead.
    assert [m.to for m in sms.outbox] == ["+96599990000"]
    assert "برقمك المدني" in sms.outbox[0].body  # in the account holder's language (Arabic)


def test_signup_is_rate_limited_per_address(client):
    statuses = []
    for n in range(7):
        response = client.post("/accounts/signup/", {**GOOD, "username": "bad", "phone": str(n)})
        statuses.append(response.status_code)
    assert 429 in statuses


def test_applicant_resets_password_with_a_code_sent_by_sms(client):
    user = ApplicantUserFactory(
        civil_id="285031401239", mobile="+96550001234", mobile_verified=True
    )
    response = client.post("/accounts/password/reset/", {"email": "285031401239"})
    assert response.status_code == 302
    assert sms.outbox[-1].to == "+96550001234"
    confirm = client.post(response["Location"], {"code": last_code()})
    assert confirm.status_code == 302
    done = client.post(
        confirm["Location"], {"password1": "Brand-new-passw0rd", "password2": "Brand-new-passw0rd"}
    )
    assert done.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-passw0rd")
    assert "password was changed" in sms.outbox[-1].body or "كلمة المرور" in sms.outbox[-1].body


def test_reset_for_an_unknown_civil_id_looks_the_same_and_sends_nothing(client):
    response = client.post("/accounts/password/reset/", {"email": "285031401239"})
    assert response.status_code == 302
    assert sms.outbox == []
    assert mail.outbox == []


def test_staff_reset_by_email_code(client):
    from allauth.account.models import EmailAddress

    staff = StaffUserFactory(email="official@example.test", role=Role.MINISTRY_OFFICIAL)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    response = client.post("/accounts/password/reset/", {"email": "official@example.test"})
    assert response.status_code == 302
    assert mail.outbox[-1].to == ["official@example.test"]
    assert sms.outbox == []


def test_reset_with_an_invalid_civil_id_says_so(client):
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/password/reset/", {"email": "285031401238"})
    assert response.status_code == 200
    assert "check digit" in response.content.decode()


# --- the Saudi scheme (CIVIL_ID_SCHEME=sa): 10-digit IDs, Saudi mobiles --------------------

SAUDI = {**GOOD, "username": "1123456780", "phone": "055 123 4567"}


def test_signup_page_describes_the_saudi_numbers(client, settings):
    settings.CIVIL_ID_SCHEME = "sa"
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/signup/").content.decode()
    assert "The 10 digits of your national ID or iqama." in page
    assert "A Saudi mobile number" in page
    assert "12 digits" not in page
    assert "Kuwaiti" not in page


def test_signup_under_the_saudi_scheme_creates_the_applicant_and_confirms_the_mobile(
    client, settings
):
    settings.CIVIL_ID_SCHEME = "sa"
    response = client.post("/accounts/signup/", SAUDI)
    assert response.status_code == 302
    user = User.objects.get(civil_id="1123456780")
    assert (user.mobile, user.mobile_verified) == ("+966551234567", False)
    assert sms.outbox[-1].to == "+966551234567"
    confirm = client.post(response["Location"], {"code": last_code()})
    assert confirm.status_code == 302
    user.refresh_from_db()
    assert user.mobile_verified


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("username", "285031401239", "10 digits"),
        ("username", "1123456789", "check digit"),
        ("username", "3123456786", "starts with 1 (citizen) or 2 (resident)"),
        ("phone", "50001234", "Saudi mobile number"),
        ("phone", "0112345678", "Saudi mobile number"),
    ],
)
def test_kuwaiti_or_invalid_numbers_are_refused_under_the_saudi_scheme(
    client, settings, field, value, message
):
    settings.CIVIL_ID_SCHEME = "sa"
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/signup/", {**SAUDI, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()
    assert sms.outbox == []


def test_sign_in_page_describes_the_saudi_numbers(client, settings):
    settings.CIVIL_ID_SCHEME = "sa"
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/login/").content.decode()
    assert "the 10 digits of your national ID or iqama" in page


# --- the code pages in right-to-left Arabic ------------------------------------------------


def test_the_code_page_keeps_the_number_left_to_right_and_confirm_is_the_primary_button(client):
    response = client.post("/accounts/signup/", {**GOOD, "language": "ar"})
    html = client.get(response["Location"]).content.decode()
    # Isolated, so "+96550001234" does not read "96550001234+" in the Arabic sentence.
    assert '<bdi dir="ltr"><a href="tel:+96550001234"' in html
    assert "\u2066+96550001234\u2069" in html  # the flash message (plain text) isolates it too
    buttons = dict(
        (label.strip(), classes)
        for classes, label in re.findall(r'<button\s+class="([^"]+)"[^>]*>\s*([^<]+?)\s*<', html)
    )
    assert "btn-primary" in buttons["تأكيد"].split()
    assert "btn-outline-secondary" in buttons["إلغاء"].split()


def test_the_reset_code_page_never_shows_the_internal_sms_address(client):
    ApplicantUserFactory(civil_id="285031401239", mobile="+96550001234", mobile_verified=True)
    client.cookies["django_language"] = "en"
    response = client.post("/accounts/password/reset/", {"email": "285031401239"})
    html = client.get(response["Location"]).content.decode()
    assert "sms:" not in html
    assert "the confirmed mobile number of the account" in html


def test_the_code_page_sends_a_new_code_and_takes_a_corrected_number(client):
    client.cookies["django_language"] = "en"
    client.post("/accounts/signup/", GOOD)
    html = client.get("/accounts/phone/verify/").content.decode()
    assert 'data-testid="resend-code"' in html
    assert 'data-testid="change-number"' in html
    sent = len(sms.outbox)
    cache.clear()  # one code per number every 30 seconds (allauth's limit); time has passed

    response = client.post("/accounts/phone/verify/", {"action": "resend"})
    assert response.status_code == 302
    assert len(sms.outbox) == sent + 1

    response = client.post("/accounts/phone/verify/", {"action": "change", "phone": "5000 5678"})
    assert response.status_code == 302
    assert sms.outbox[-1].to == "+96550005678"
