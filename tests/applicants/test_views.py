"""An applicant's own requests, and nobody else's."""

import pytest

from accounts.models import Role
from tests.factories import (
    AidRequestFactory,
    ApplicantProfileFactory,
    CharityStaffFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/apply/requests/"


def test_applicant_sees_only_their_own_requests(client):
    mine = AidRequestFactory()
    ApplicantProfileFactory(user=mine.applicant)
    theirs = AidRequestFactory()
    client.force_login(mine.applicant)
    response = client.get(URL)
    assert response.status_code == 200
    assert list(response.context["requests"]) == [mine]
    assert f"{theirs.reference}<" not in response.content.decode()
    assert f"{mine.reference}<" in response.content.decode()


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: CharityStaffFactory(role=Role.CASEWORKER),
        lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
    ],
    ids=["caseworker", "ministry-official"],
)
def test_staff_get_403(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


def test_wrong_method_is_405(client):
    client.force_login(AidRequestFactory().applicant)
    assert client.post(URL).status_code == 405
