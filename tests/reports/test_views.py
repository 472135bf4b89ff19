"""The ministry overview: who may and may not see it."""

import pytest

from accounts.models import Role
from tests.factories import (
    AidRequestFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/ministry/"


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_staff_see_the_overview(client, role):
    AidRequestFactory.create_batch(3)
    client.force_login(StaffUserFactory(role=role))
    response = client.get(URL)
    assert response.status_code == 200
    assert response.context["overview"].requests_total == 3
    assert response.context["overview"].applicants == 3


@pytest.mark.parametrize(
    "make_user",
    [ApplicantUserFactory, lambda: CharityStaffFactory(role=Role.MANAGER)],
    ids=["applicant", "charity-manager"],
)
def test_others_get_403(client, make_user):
    client.force_login(make_user())
    response = client.get(URL)
    assert response.status_code == 403
    assert "403" in response.content.decode()


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/ministry/")


def test_wrong_method_is_405(client):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    assert client.post(URL).status_code == 405


def test_overview_query_count_does_not_grow_with_the_data(client, django_assert_max_num_queries):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    AidRequestFactory.create_batch(2)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    AidRequestFactory.create_batch(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)
