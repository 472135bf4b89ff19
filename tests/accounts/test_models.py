import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role, User

pytestmark = pytest.mark.django_db


def test_an_applicant_without_a_civil_id_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(email="a@example.test", role=Role.APPLICANT, password="x")


def test_staff_without_an_email_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(civil_id="285031401239", role=Role.CASEWORKER, password="x")


def test_one_account_per_civil_id():
    User.objects.create_user(civil_id="285031401239", password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(civil_id="285031401239", password="y")


def test_emails_are_unique_whatever_their_case():
    User.objects.create_user(email="Staff@Example.test", role=Role.MINISTRY_OFFICIAL, password="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(
            email="staff@example.test", role=Role.MINISTRY_OFFICIAL, password="y"
        )


def test_createsuperuser_makes_a_ministry_admin():
    admin = User.objects.create_superuser("root@example.test", "pw")
    assert (admin.role, admin.is_staff, admin.is_superuser) == (Role.MINISTRY_ADMIN, True, True)
