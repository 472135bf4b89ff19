"""The Django admin is signed into through allauth (second factor, limits, audit), and opens,
like every page with personal data, only to a session that passed the second factor."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY

from accounts.models import Role
from audit.models import AuditEntry
from tests.factories import PASSWORD, ApplicantUserFactory, StaffUserFactory
from tests.factories.applicants import CompleteProfileFactory
from tests.factories.second_factor import sign_in_with_second_factor, totp_code, totp_device

pytestmark = pytest.mark.django_db


@pytest.fixture
def ministry_admin():
    admin = StaffUserFactory(
        email="admin@ministry.test", role=Role.MINISTRY_ADMIN, is_staff=True, is_superuser=True
    )
    EmailAddress.objects.create(user=admin, email=admin.email, verified=True, primary=True)
    return admin


def credentials(password: str = PASSWORD) -> dict[str, str]:
    return {"username": "admin@ministry.test", "login": "admin@ministry.test", "password": password}


def test_the_admin_login_page_sends_everyone_to_allauths_login(client):
    response = client.get("/django-admin/login/?next=/django-admin/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=%2Fdjango-admin%2F"
    response = client.get("/django-admin/accounts/user/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/?next=")
    assert response.status_code == 200


def test_a_correct_password_posted_to_the_admin_login_signs_nobody_in(client, ministry_admin):
    response = client.post("/django-admin/login/", credentials())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert client.get("/django-admin/").status_code == 302


def test_thirty_wrong_passwords_through_the_admin_hit_allauths_limits(client, ministry_admin):
    """Django's admin form had no limit (30 tries in a second, no audit); the only way on is
    allauth's login: 10 failures a minute per address, then 30 sign-in posts a minute."""
    statuses = []
    for attempt in range(31):
        response = client.post("/django-admin/login/", credentials("wrong password"))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        # Past ten failures even the right password is refused.
        password = PASSWORD if attempt == 10 else "wrong password"
        statuses.append(client.post(response["Location"], credentials(password)).status_code)
        assert "_auth_user_id" not in client.session
    assert statuses[:30] == [200] * 30
    assert statuses[30] == 429


def test_the_ministry_admin_signs_in_through_the_admin_with_password_and_code(
    client, settings, ministry_admin
):
    settings.STAFF_REQUIRE_MFA = True
    secret = totp_device(ministry_admin)
    response = client.get("/django-admin/", follow=True)
    login_url = response.redirect_chain[-1][0]
    assert login_url.startswith("/accounts/login/")
    response = client.post(login_url, credentials())
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    assert "_auth_user_id" not in client.session  # the password alone signs nobody in
    response = client.post(response["Location"], {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == "/django-admin/"
    page = client.get("/django-admin/")
    assert page.status_code == 200
    assert 'id="site-name"' in page.content.decode()
    assert AuditEntry.objects.filter(action="staff.signed_in", actor=ministry_admin).count() == 1


def test_staff_signed_in_without_the_second_factor_get_the_explanation_not_the_admin(
    client, settings, ministry_admin
):
    settings.STAFF_REQUIRE_MFA = True
    totp_device(ministry_admin)
    client.force_login(ministry_admin)
    response = client.get("/django-admin/", follow=True)
    assert response.status_code == 403
    assert 'data-testid="confirm-second-factor"' in response.content.decode()
    # Django's own login form is never accepted, even from a signed-in session.
    other = StaffUserFactory(role=Role.MINISTRY_ADMIN, is_staff=True, is_superuser=True)
    client.post("/django-admin/login/", {"username": other.email, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(ministry_admin.pk)


def test_without_a_second_factor_required_staff_open_the_admin_as_before(client, ministry_admin):
    client.force_login(ministry_admin)
    assert client.get("/django-admin/").status_code == 200


def test_applicants_signed_in_are_refused_the_admin(client):
    client.force_login(ApplicantUserFactory())
    assert client.get("/django-admin/login/").status_code == 403
    assert client.get("/django-admin/", follow=True).status_code == 403


def test_confirming_the_code_in_a_signed_in_session_opens_personal_data(
    client, settings, ministry_admin
):
    """The 403 page's button: allauth's re-authentication with the second factor."""
    settings.STAFF_REQUIRE_MFA = True
    profile = CompleteProfileFactory()
    page = f"/apply/ministry/applicants/{profile.user.pk}/"
    secret = totp_device(ministry_admin)
    client.force_login(ministry_admin)
    refused = client.get(page)
    assert refused.status_code == 403
    link = f"/accounts/2fa/reauthenticate/?next={page}"
    assert f'href="{link}"' in refused.content.decode()
    response = client.post(link, {"code": totp_code(secret)})
    assert response.status_code == 302
    assert response["Location"] == page
    assert client.get(page).status_code == 200


@pytest.mark.django_db(transaction=True)  # allauth signals the new device after the commit
def test_activating_totp_counts_as_the_second_factor_for_this_session(
    client, settings, ministry_admin
):
    settings.STAFF_REQUIRE_MFA = True
    profile = CompleteProfileFactory()
    page = f"/apply/ministry/applicants/{profile.user.pk}/"
    response = client.post("/accounts/login/", credentials())  # no device yet: password only
    assert client.session["_auth_user_id"] == str(ministry_admin.pk)
    forbidden = client.get(page)
    assert forbidden.status_code == 403
    assert 'data-testid="set-up-second-factor"' in forbidden.content.decode()
    # allauth asks for the password again before a device is added
    assert client.post("/accounts/reauthenticate/", {"password": PASSWORD}).status_code == 302
    assert client.get("/accounts/2fa/totp/activate/").status_code == 200
    secret = client.session[SECRET_SESSION_KEY]
    response = client.post("/accounts/2fa/totp/activate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=ministry_admin, type="totp").exists()
    assert client.get(page).status_code == 200
    # ...for this session only: another browser signed in with the password alone is refused.
    other = type(client)()
    other.force_login(ministry_admin)
    assert other.get(page).status_code == 403


def test_a_second_factor_passed_by_someone_else_does_not_count(client, settings, ministry_admin):
    settings.STAFF_REQUIRE_MFA = True
    colleague = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    sign_in_with_second_factor(client, colleague)
    client.force_login(ministry_admin)  # the records stay in the session, for the colleague
    profile = CompleteProfileFactory()
    assert client.get(f"/apply/ministry/applicants/{profile.user.pk}/").status_code == 403
