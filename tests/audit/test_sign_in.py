"""Every staff sign-in through the real sign-in form is on the audit trail."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress

from accounts.models import Role
from audit.models import AuditEntry
from tests.factories import (
    PASSWORD,
    ApplicantUserFactory,
    CharityStaffFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db


def with_verified_email(user):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


def sign_in(client, login, password=PASSWORD):
    return client.post(
        "/accounts/login/", {"login": login, "password": password}, REMOTE_ADDR="192.0.2.7"
    )


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_sign_in_is_recorded_with_the_address(client, role):
    user = with_verified_email(StaffUserFactory(role=role))
    assert sign_in(client, user.email).status_code == 302
    entry = AuditEntry.objects.get(action="staff.signed_in")
    assert entry.actor == user
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(user.pk))
    assert entry.ip_address == "192.0.2.7"
    assert entry.organisation_id is None


@pytest.mark.parametrize("role", [Role.CASEWORKER, Role.MANAGER])
def test_charity_staff_sign_in_is_recorded_with_their_organisation(client, role):
    user = with_verified_email(CharityStaffFactory(role=role))
    assert sign_in(client, user.email).status_code == 302
    entry = AuditEntry.objects.get(action="staff.signed_in")
    assert entry.actor == user
    assert entry.organisation_id == user.membership.organisation_id


def test_applicant_sign_in_is_not_recorded(client):
    applicant = ApplicantUserFactory()
    assert sign_in(client, applicant.civil_id).status_code == 302
    assert not AuditEntry.objects.filter(action="staff.signed_in").exists()


def test_a_failed_sign_in_records_nothing(client):
    user = with_verified_email(StaffUserFactory())
    assert sign_in(client, user.email, "not the password").status_code == 200
    assert not AuditEntry.objects.exists()
