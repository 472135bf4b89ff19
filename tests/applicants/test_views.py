"""An applicant's own requests, and nobody else's."""

import pytest

from accounts.models import Role
from tests.factories import (
    AidRequestFactory,
    ApplicantProfileFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    StaffUserFactory,
)
from tests.factories.applicants import make_ready_applicant

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


def test_an_unverified_applicant_lands_on_a_checklist_of_their_next_steps(client):
    user = ApplicantUserFactory()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.get(URL)
    assert response.status_code == 200
    assert [(str(i["label"]), i["done"]) for i in response.context["checklist"]] == [
        ("Prove your identity", False),
        ("Complete your profile", False),
        ("Apply for aid", False),
    ]
    text = response.content.decode()
    assert "Your next steps" in text
    assert "0 of 3 done" in text
    assert 'href="/identity/verify/"' in text
    assert "0 of 7 steps done" in text


def test_a_ready_applicant_sees_no_checklist(client):
    user, _docs = make_ready_applicant()
    client.force_login(user)
    response = client.get(URL)
    assert response.context["show_checklist"] is False
    assert 'data-testid="next-steps"' not in response.content.decode()


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
