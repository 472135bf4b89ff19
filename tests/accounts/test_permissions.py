import pytest

from accounts.models import Role
from accounts.permissions import Capability, can, capabilities
from charities.models import OrganisationStatus
from tests.factories import (
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db


def test_anonymous_users_may_do_nothing(rf):
    from django.contrib.auth.models import AnonymousUser

    assert capabilities(AnonymousUser()) == frozenset()


def test_applicants_may_apply_and_see_their_requests_only():
    applicant = ApplicantUserFactory()
    assert capabilities(applicant) == {Capability.APPLY, Capability.VIEW_OWN_REQUESTS}


def test_caseworkers_claim_but_do_not_approve():
    caseworker = CharityStaffFactory(role=Role.CASEWORKER)
    assert can(caseworker, Capability.CLAIM_CASE)
    assert not can(caseworker, Capability.APPROVE_CASE)
    assert not can(caseworker, Capability.VIEW_STATISTICS)


def test_managers_approve_release_and_manage_staff():
    manager = CharityStaffFactory(role=Role.MANAGER)
    for capability in (
        Capability.CLAIM_CASE,
        Capability.APPROVE_CASE,
        Capability.RELEASE_CASE,
        Capability.MANAGE_STAFF,
    ):
        assert can(manager, capability)


@pytest.mark.parametrize("status", [OrganisationStatus.PENDING, OrganisationStatus.SUSPENDED])
def test_staff_of_an_inactive_organisation_may_do_nothing(status):
    staff = CharityStaffFactory(
        role=Role.MANAGER, membership__organisation=OrganisationFactory(status=status)
    )
    assert capabilities(staff) == frozenset()


def test_staff_without_an_active_membership_may_do_nothing():
    staff = CharityStaffFactory(role=Role.CASEWORKER)
    staff.membership.is_active = False
    staff.membership.save()
    assert capabilities(staff) == frozenset()
    assert capabilities(StaffUserFactory(role=Role.CASEWORKER)) == frozenset()


def test_ministry_officials_read_and_admins_also_license():
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    assert can(official, Capability.VIEW_STATISTICS)
    assert not can(official, Capability.LICENSE_ORGANISATIONS)
    assert can(admin, Capability.LICENSE_ORGANISATIONS)
    assert can(admin, Capability.MANAGE_AID_TYPES)
    assert not can(admin, Capability.CLAIM_CASE)


def test_inactive_users_may_do_nothing():
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL, is_active=False)
    assert capabilities(official) == frozenset()


def test_only_ministry_admins_may_protect_applicants():
    assert can(StaffUserFactory(role=Role.MINISTRY_ADMIN), Capability.PROTECT_APPLICANTS)
    for user in (
        StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        CharityStaffFactory(role=Role.MANAGER),
        ApplicantUserFactory(),
    ):
        assert not can(user, Capability.PROTECT_APPLICANTS), user.role


def test_only_ministry_admins_may_reject_a_request_in_the_queue():
    assert can(StaffUserFactory(role=Role.MINISTRY_ADMIN), Capability.REJECT_REQUESTS)
    for user in (
        StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        CharityStaffFactory(role=Role.MANAGER),
        ApplicantUserFactory(),
    ):
        assert not can(user, Capability.REJECT_REQUESTS), user.role
