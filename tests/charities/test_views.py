"""The charity dashboard: only staff of an active organisation, only their own organisation."""

import pytest

from accounts.models import Role
from charities.models import OrganisationStatus
from tests.factories import (
    AidRequestFactory,
    AidTypeFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    GovernorateFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/charity/"


def test_staff_see_their_own_organisation_and_only_requests_in_its_licence(client):
    rent, student = AidTypeFactory(), AidTypeFactory()
    capital, jahra = GovernorateFactory(), GovernorateFactory()
    mine = OrganisationFactory(aid_types=[rent], governorates=[capital])
    other = OrganisationFactory(aid_types=[student], governorates=[jahra])
    AidRequestFactory(aid_type=rent, governorate=capital)
    AidRequestFactory(aid_type=rent, governorate=jahra)  # outside the governorates
    AidRequestFactory(aid_type=student, governorate=capital)  # outside the aid types
    client.force_login(CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=mine))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["organisation"] == mine
    assert response.context["open_in_licence"] == 1
    assert other.name_ar not in response.content.decode()


def test_managers_see_it_too(client):
    client.force_login(CharityStaffFactory(role=Role.MANAGER))
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("status", [OrganisationStatus.PENDING, OrganisationStatus.SUSPENDED])
def test_staff_of_an_inactive_organisation_get_403(client, status):
    organisation = OrganisationFactory(status=status)
    client.force_login(CharityStaffFactory(membership__organisation=organisation))
    assert client.get(URL).status_code == 403


@pytest.mark.parametrize(
    "make_user",
    [ApplicantUserFactory, lambda: StaffUserFactory(role=Role.MINISTRY_ADMIN)],
    ids=["applicant", "ministry-admin"],
)
def test_others_get_403(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_wrong_method_is_405(client):
    client.force_login(CharityStaffFactory())
    assert client.post(URL).status_code == 405
