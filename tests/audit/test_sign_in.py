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


def test_a_failed_sign_in_is_recorded_against_the_account_and_address(client):
    user = with_verified_email(StaffUserFactory())
    assert sign_in(client, user.email, "not the password").status_code == 200
    entry = AuditEntry.objects.get()
    assert entry.action == "account.sign_in_failed"
    assert (entry.object_type, entry.object_id) == ("accounts.user", str(user.pk))
    assert entry.actor is None
    assert entry.ip_address == "192.0.2.7"
    assert entry.data["failures"] == 1
    assert "staff.signed_in" not in AuditEntry.objects.values_list("action", flat=True)


def test_a_failed_sign_in_for_an_unknown_login_keeps_only_a_hint_of_what_was_typed(client):
    sign_in(client, "285031401239", "not the password")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id) == ("account.sign_in_failed", "")
    assert entry.data["unknown_login"] == "…1239"
    assert "285031401239" not in str(entry.data)


@pytest.fixture
def frozen_clock(time_machine):
    """Failures are aggregated in 15-minute windows: the test must not cross a window edge."""
    import datetime

    time_machine.move_to(datetime.datetime(2026, 12, 3, 9, 1, tzinfo=datetime.UTC), tick=False)


def test_a_hundred_failures_make_only_a_handful_of_entries(client, settings, frozen_clock):
    from audit.services import audit_chain_verify

    settings.ACCOUNT_RATE_LIMITS = False  # the address limits would stop the attack sooner
    user = ApplicantUserFactory()
    for n in range(100):
        sign_in(client, user.civil_id, f"guess-{n}")
    entries = list(AuditEntry.objects.filter(action="account.sign_in_failed").order_by("id"))
    assert [e.data["failures"] for e in entries] == [1, 10, 100]
    assert {e.object_id for e in entries} == {str(user.pk)}
    assert audit_chain_verify().broken_id is None


def test_a_hundred_failures_from_a_hundred_addresses_make_only_a_few_entries(
    client, settings, frozen_clock
):
    settings.ACCOUNT_RATE_LIMITS = False
    user = ApplicantUserFactory()
    for n in range(100):
        client.post(
            "/accounts/login/",
            {"login": user.civil_id, "password": f"guess-{n}"},
            REMOTE_ADDR=f"198.51.100.{n + 1}",
        )
    entries = list(AuditEntry.objects.filter(action="account.sign_in_failed").order_by("id"))
    # The first ten addresses, then one summary at the hundredth failure.
    assert len(entries) == 11
    assert entries[-1].data["failures_all_addresses"] == 100


def test_failures_from_another_address_are_counted_apart(client, frozen_clock):
    user = ApplicantUserFactory()
    sign_in(client, user.civil_id, "guess")
    client.post(
        "/accounts/login/",
        {"login": user.civil_id, "password": "guess"},
        REMOTE_ADDR="192.0.2.99",
    )
    assert sorted(
        AuditEntry.objects.filter(action="account.sign_in_failed").values_list(
            "ip_address", flat=True
        )
    ) == ["192.0.2.7", "192.0.2.99"]


def test_a_new_window_records_the_first_failure_again(client, frozen_clock, time_machine):
    user = ApplicantUserFactory()
    for _n in range(3):
        sign_in(client, user.civil_id, "guess")
    time_machine.shift(15 * 60)
    sign_in(client, user.civil_id, "guess")
    assert [
        e.data["failures"] for e in AuditEntry.objects.filter(action="account.sign_in_failed")
    ] == [1, 1]
