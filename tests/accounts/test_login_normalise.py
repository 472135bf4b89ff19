"""What a person types to sign in or reset: civil IDs are normalised, e-mail addresses are not."""

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail

from accounts.models import Role, User
from tests.factories import PASSWORD, StaffUserFactory

pytestmark = pytest.mark.django_db

DASHED = "case-worker@al-noor.test"


@pytest.fixture
def dashed_staff():
    staff = StaffUserFactory(email=DASHED, role=Role.MINISTRY_OFFICIAL)
    EmailAddress.objects.create(user=staff, email=DASHED, verified=True, primary=True)
    return staff


def test_staff_whose_email_has_dashes_signs_in(client, dashed_staff):
    response = client.post("/accounts/login/", {"login": f"  {DASHED} ", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(dashed_staff.pk)


def test_a_dashless_lookalike_of_a_dashed_email_is_not_that_account(client, dashed_staff):
    StaffUserFactory(email="caseworker@alnoor.test", role=Role.MINISTRY_OFFICIAL)
    response = client.post(
        "/accounts/login/", {"login": "caseworker@alnoor.test", "password": "wrong-one"}
    )
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200


def test_staff_whose_email_has_dashes_resets_the_password_at_that_exact_address(
    client, dashed_staff
):
    response = client.post("/accounts/password/reset/", {"email": DASHED})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [DASHED]
    code = re.search(r"\b([A-Z0-9]{6}|[A-Z0-9]{4}-[A-Z0-9]{4})\b", mail.outbox[0].body).group(1)
    confirm = client.post(response["Location"], {"code": code})
    assert confirm.status_code == 302
    done = client.post(
        confirm["Location"], {"password1": "Brand-new-passw0rd", "password2": "Brand-new-passw0rd"}
    )
    assert done.status_code == 302
    dashed_staff.refresh_from_db()
    assert dashed_staff.check_password("Brand-new-passw0rd")


@pytest.mark.parametrize("typed", ["2850 3140 1239", "285-031-401-239", "٢٨٥ ٠٣١ ٤٠١ ٢٣٩"])
def test_signup_accepts_a_civil_id_typed_with_spaces_dashes_or_arabic_digits(client, typed):
    response = client.post(
        "/accounts/signup/",
        {
            "username": typed,
            "phone": "5000 1234",
            "password1": "a-long-enough-Passw0rd",
            "password2": "a-long-enough-Passw0rd",
            "language": "en",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(civil_id="285031401239", role=Role.APPLICANT).exists()


@pytest.mark.parametrize("typed", ["2850 3140 1239", "285-031-401-239"])
def test_applicant_signs_in_with_a_civil_id_typed_with_spaces_or_dashes(client, typed):
    from tests.factories import ApplicantUserFactory

    applicant = ApplicantUserFactory(civil_id="285031401239")
    client.post("/accounts/login/", {"login": typed, "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(applicant.pk)
