"""Sign-in: applicants by civil ID, staff by e-mail, never the other way round."""

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Role
from tests.factories import PASSWORD, ApplicantUserFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def sign_in(client, login, password=PASSWORD):
    return client.post("/accounts/login/", {"login": login, "password": password})


def test_applicant_signs_in_with_civil_id(client):
    applicant = ApplicantUserFactory(civil_id="285031401239")
    response = sign_in(client, "285031401239")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(applicant.pk)


def test_applicant_may_type_arabic_indic_digits(client):
    applicant = ApplicantUserFactory(civil_id="285031401239")
    sign_in(client, "٢٨٥٠٣١٤٠١٢٣٩")
    assert client.session["_auth_user_id"] == str(applicant.pk)


def test_staff_sign_in_with_email(client):
    official = StaffUserFactory(email="official@example.test", role=Role.MINISTRY_OFFICIAL)
    EmailAddress.objects.create(user=official, email=official.email, verified=True, primary=True)
    response = sign_in(client, "official@example.test")
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == str(official.pk)


def test_an_applicant_cannot_sign_in_by_email(client):
    applicant = ApplicantUserFactory(email="family@example.test")
    EmailAddress.objects.create(user=applicant, email=applicant.email, verified=True, primary=True)
    response = sign_in(client, "family@example.test")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_wrong_password_shows_a_translated_message_and_signs_nobody_in(client):
    ApplicantUserFactory(civil_id="285031401239")
    response = sign_in(client, "285031401239", "not the password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert (
        "aria-invalid" in response.content.decode() or "alert-danger" in response.content.decode()
    )
    # Arabic is the default language; the message names what was typed, a civil ID or an e-mail.
    assert "الرقم المدني أو البريد الإلكتروني وكلمة المرور غير متطابقة" in response.content.decode()


@pytest.mark.parametrize("login", ["285031401239", "official@example.test"])
def test_a_wrong_password_in_english_never_speaks_of_a_username(client, login):
    ApplicantUserFactory(civil_id="285031401239")
    official = StaffUserFactory(email="official@example.test", role=Role.MINISTRY_OFFICIAL)
    EmailAddress.objects.create(user=official, email=official.email, verified=True, primary=True)
    client.cookies["django_language"] = "en"
    page = sign_in(client, login, "not the password").content.decode()
    assert "The civil ID or e-mail address and the password do not match." in page
    assert "username" not in page.lower().replace('autocomplete="username"', "")


def test_the_signed_in_user_is_read_with_the_membership_and_its_organisation(
    django_assert_num_queries,
):
    """Issue 19: every staff page asks for the organisation; it comes in the user's query."""
    from accounts.backends import RoleAwareAuthenticationBackend
    from tests.factories import CharityStaffFactory

    backend = RoleAwareAuthenticationBackend()
    staff = CharityStaffFactory()
    with django_assert_num_queries(1):
        user = backend.get_user(staff.pk)
        assert user.membership.organisation == staff.membership.organisation
    applicant = ApplicantUserFactory()
    with django_assert_num_queries(1):
        user = backend.get_user(applicant.pk)
        assert user == applicant
        assert not hasattr(user, "membership")  # no membership: nothing more is asked
    applicant.is_active = False
    applicant.save(update_fields=["is_active"])
    assert backend.get_user(applicant.pk) is None
    assert backend.get_user(applicant.pk + 1000) is None


def test_the_signed_in_user_statement_is_written_once_and_reads_what_the_orm_reads(
    django_assert_num_queries,
):
    """Issue 19: the user's statement is not built by the ORM on each request (whose ``get``
    sends ``LIMIT 21``), and the three rows it reads are the ORM's, linked both ways."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.backends import RoleAwareAuthenticationBackend
    from accounts.models import User
    from tests.factories import CharityStaffFactory

    staff = CharityStaffFactory()
    with CaptureQueriesContext(connection) as queries:
        user = RoleAwareAuthenticationBackend().get_user(staff.pk)
    assert len(queries) == 1
    assert "LIMIT" not in queries[0]["sql"]
    orm = User.objects.select_related("membership__organisation").get(pk=staff.pk)
    pairs = (
        (user, orm),
        (user.membership, orm.membership),
        (user.membership.organisation, orm.membership.organisation),
    )
    with django_assert_num_queries(0):
        assert user.membership.user is user
        for mine, theirs in pairs:
            for field in type(theirs)._meta.concrete_fields:
                assert getattr(mine, field.attname) == getattr(theirs, field.attname), field.name
