"""Nobody who knows only a civil ID (or a staff e-mail) can keep its owner out: failures bring
an extra step (a one-time code), never a lockout."""

from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Role
from audit.models import AuditEntry
from notifications import sms
from tests.factories import PASSWORD, ApplicantUserFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

CIVIL_ID = "285031401239"
CONFIRM = "/accounts/login/code/confirm/"


@pytest.fixture
def owner():
    return ApplicantUserFactory(civil_id=CIVIL_ID, mobile="+96550001234", mobile_verified=True)


def attack(client_factory, login, times=20):
    """Wrong passwords for one login, each from another address (no per-address limit helps)."""
    for n in range(times):
        client_factory().post(
            "/accounts/login/",
            {"login": login, "password": f"guess-{n}"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )


def sms_code() -> str:
    match = re.search(r"([A-Z0-9]{4}-[A-Z0-9]{4}|\b[A-Z0-9]{6}\b)", sms.outbox[-1].body)
    assert match, sms.outbox[-1].body
    return match.group(1)


def sign_in(client, login, password=PASSWORD):
    return client.post(
        "/accounts/login/", {"login": login, "password": password}, REMOTE_ADDR="192.0.2.50"
    )


def test_owner_gets_in_after_twenty_wrong_passwords_by_confirming_an_sms_code(
    client, owner, django_user_model
):
    from django.test import Client

    attack(Client, CIVIL_ID)
    response = sign_in(client, CIVIL_ID)
    assert response.status_code == 302
    assert response["Location"] == CONFIRM
    assert "_auth_user_id" not in client.session
    assert [m.to for m in sms.outbox] == ["+96550001234"]
    page = client.get(CONFIRM)
    assert page.status_code == 200
    assert "محاولات" in page.text  # the reason, in Arabic (the default language)
    assert "\u2066+96550001234\u2069" in page.text  # the number reads left-to-right
    confirmed = client.post(CONFIRM, {"code": sms_code()}, REMOTE_ADDR="192.0.2.50")
    assert confirmed.status_code == 302
    assert client.session["_auth_user_id"] == str(owner.pk)
    actions = list(
        AuditEntry.objects.filter(action__startswith="account.sign_in_code_").values_list(
            "action", "object_id"
        )
    )
    assert actions == [
        ("account.sign_in_code_sent", str(owner.pk)),
        ("account.sign_in_code_confirmed", str(owner.pk)),
    ]
    # Confirmed: the next sign-in needs no code.
    client.logout()
    assert sign_in(client, CIVIL_ID)["Location"] == "/"


def test_without_the_code_there_is_no_session(client, owner):
    from django.test import Client

    attack(Client, CIVIL_ID)
    sign_in(client, CIVIL_ID)
    assert "_auth_user_id" not in client.session
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_wrong_code_is_refused_and_the_tries_are_limited(client, owner):
    from django.test import Client

    client.cookies["django_language"] = "en"
    attack(Client, CIVIL_ID)
    sign_in(client, CIVIL_ID)
    good = sms_code()
    wrong = "000000" if good != "000000" else "111111"
    refused = client.post(CONFIRM, {"code": wrong})
    assert refused.status_code == 200
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="account.sign_in_code_rejected").count() == 1
    client.post(CONFIRM, {"code": wrong})
    client.post(CONFIRM, {"code": wrong})  # the third wrong code ends the attempt
    late = client.post(CONFIRM, {"code": good})
    assert "_auth_user_id" not in client.session
    assert late.status_code == 302
    assert late["Location"].startswith("/accounts/login/")


def test_the_code_expires(client, owner, time_machine):
    from django.test import Client
    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    attack(Client, CIVIL_ID)
    sign_in(client, CIVIL_ID)
    time_machine.shift(301)
    client.post(CONFIRM, {"code": sms_code()})
    assert "_auth_user_id" not in client.session


def test_a_few_typos_by_the_owner_need_no_code(client, owner):
    for _n in range(4):
        sign_in(client, CIVIL_ID, "typo")
    assert sign_in(client, CIVIL_ID)["Location"] == "/"
    assert sms.outbox == []


def test_staff_without_a_second_factor_confirm_an_emailed_code(client):
    from django.test import Client

    staff = StaffUserFactory(email="official@example.test", role=Role.MINISTRY_OFFICIAL)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    attack(Client, staff.email)
    response = sign_in(client, staff.email)
    assert response["Location"] == CONFIRM
    assert "_auth_user_id" not in client.session
    assert mail.outbox[-1].to == [staff.email]
    code = re.search(r"\b([A-Z0-9]{6}|[A-Z0-9]{4}-[A-Z0-9]{4})\b", mail.outbox[-1].body).group(1)
    client.post(CONFIRM, {"code": code})
    assert client.session["_auth_user_id"] == str(staff.pk)


def test_staff_with_a_totp_device_are_asked_for_it_not_for_an_emailed_code(client):
    from allauth.mfa.models import Authenticator
    from django.test import Client

    staff = StaffUserFactory(email="official@example.test", role=Role.MINISTRY_OFFICIAL)
    EmailAddress.objects.create(user=staff, email=staff.email, verified=True, primary=True)
    Authenticator.objects.create(
        user=staff, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    attack(Client, staff.email)
    response = sign_in(client, staff.email)
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert mail.outbox == []


def test_an_unreachable_cache_counts_nothing_and_keeps_nobody_out(settings, owner):
    from accounts.step_up import sign_in_failure_add, sign_in_failures_clear, step_up_required

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there
        }
    }
    for _n in range(10):
        assert sign_in_failure_add(owner) == 0
    assert not step_up_required(owner)
    sign_in_failures_clear(owner)


def test_an_account_with_nowhere_to_send_a_code_is_told_so_and_not_signed_in(client):
    from django.test import Client

    owner = ApplicantUserFactory(civil_id=CIVIL_ID, mobile="", mobile_verified=False)
    attack(Client, CIVIL_ID)
    client.cookies["django_language"] = "en"
    response = client.post(
        "/accounts/login/", {"login": CIVIL_ID, "password": PASSWORD}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert "could not send you a sign-in code" in response.text
    assert owner.pk
