"""What reaches an account holder's phone or mailbox: at most one sign-up warning a day,
nothing for addresses without an account, and always in the holder's own language."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client

from accounts.models import Role
from notifications import sms
from tests.accounts.conftest import SIGNUP
from tests.factories import ApplicantUserFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def test_the_owner_gets_at_most_one_signup_warning_a_day(time_machine):
    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    ApplicantUserFactory(civil_id="285031401239", mobile="+96599990000")
    for n in range(5):
        Client().post(
            "/accounts/signup/", {**SIGNUP, "phone": f"5000 12{n:02d}"}, REMOTE_ADDR=f"192.0.2.{n}"
        )
    assert [m.to for m in sms.outbox] == ["+96599990000"]
    time_machine.shift(24 * 3600 + 1)
    Client().post("/accounts/signup/", SIGNUP, REMOTE_ADDR="192.0.2.77")
    assert [m.to for m in sms.outbox] == ["+96599990000", "+96599990000"]


def test_a_reset_for_an_address_without_an_account_sends_no_mail(client):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_a_reset_for_an_applicants_email_sends_no_mail(client):
    # Applicants reset by civil ID (SMS); their e-mail address does not count as an account.
    ApplicantUserFactory(email="family@example.test")
    client.post("/accounts/password/reset/", {"email": "family@example.test"})
    assert mail.outbox == []


def test_the_staff_reset_mail_is_in_the_staff_members_language(client):
    staff = StaffUserFactory(
        email="official@example.test", role=Role.MINISTRY_OFFICIAL, language="en"
    )
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    client.cookies["django_language"] = "ar"
    client.post("/accounts/password/reset/", {"email": staff.email})
    assert mail.outbox[-1].to == [staff.email]
    assert "Password Reset" in mail.outbox[-1].subject
    assert "password reset code" in mail.outbox[-1].body.lower()


def test_the_staff_reset_mail_is_in_arabic_for_an_arabic_speaker_on_an_english_page(client):
    staff = StaffUserFactory(
        email="official@example.test", role=Role.MINISTRY_OFFICIAL, language="ar"
    )
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    client.cookies["django_language"] = "en"
    client.post("/accounts/password/reset/", {"email": staff.email})
    assert "Password Reset" not in mail.outbox[-1].subject
    assert "كلمة المرور" in mail.outbox[-1].subject + mail.outbox[-1].body


@pytest.mark.parametrize(("language", "expected"), [("en", "reset code"), ("ar", "رمز")])
def test_the_applicant_reset_sms_is_in_the_applicants_language(client, language, expected):
    ApplicantUserFactory(
        civil_id="285031401239", mobile="+96550001234", mobile_verified=True, language=language
    )
    client.cookies["django_language"] = "ar" if language == "en" else "en"
    client.post("/accounts/password/reset/", {"email": "285031401239"})
    assert sms.outbox[-1].to == "+96550001234"
    assert expected in sms.outbox[-1].body
