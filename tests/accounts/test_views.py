"""The home page sends each role to its own page."""

import pytest

from accounts.models import Role
from charities.models import OrganisationStatus
from tests.factories import (
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_get_the_landing_page(client):
    response = client.get("/")
    assert response.status_code == 200
    assert 'href="/accounts/login/"' in response.content.decode()


@pytest.mark.parametrize(
    ("make_user", "target"),
    [
        (ApplicantUserFactory, "/apply/requests/"),
        (lambda: CharityStaffFactory(role=Role.CASEWORKER), "/charity/"),
        (lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL), "/ministry/"),
    ],
    ids=["applicant", "caseworker", "official"],
)
def test_signed_in_users_go_to_their_role_page(client, make_user, target):
    client.force_login(make_user())
    assert client.get("/")["Location"] == target


def test_staff_of_a_pending_organisation_are_told_why_they_see_nothing(client):
    pending = OrganisationFactory(status=OrganisationStatus.PENDING)
    client.force_login(CharityStaffFactory(membership__organisation=pending))
    response = client.get("/")
    assert response.status_code == 200
    assert 'role="status"' in response.content.decode()


def test_navigation_shows_only_what_the_role_may_open(client):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    page = client.get("/ministry/").content.decode()
    assert 'href="/ministry/"' in page
    assert 'href="/charity/"' not in page
    assert 'href="/apply/requests/"' not in page


def test_home_rejects_post(client):
    assert client.post("/").status_code == 405
