"""seed_demo: complete, valid and idempotent."""

from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role, User
from aid_requests.models import AidRequest, RequestStatus
from applicants.models import Governorate, HouseholdMember
from charities.models import Organisation
from identity.civil_id import parse_civil_id

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "users": sorted(User.objects.values_list("email", "civil_id", "role"), key=str),
        "members": sorted(HouseholdMember.objects.values_list("civil_id", "kinship")),
        "requests": sorted(
            AidRequest.objects.values_list("applicant__civil_id", "aid_type__code", "status")
        ),
        "organisations": sorted(Organisation.objects.values_list("licence_number", "status")),
    }


def test_seed_demo_creates_the_demo_world_and_prints_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    output = out.getvalue()
    assert "admin@musaada.test" in output
    assert "official@musaada.test" in output
    assert "285031401239" in output
    assert "musaada-demo" in output

    assert Governorate.objects.count() == 6
    assert set(AidRequest.objects.values_list("aid_type__code", flat=True)) == {
        "needy-families",
        "rent-allowance",
        "student-aid",
        "medical-treatment",
    }
    assert Organisation.objects.count() == 5
    assert Organisation.objects.values("kind").distinct().count() == 4
    assert User.objects.filter(role=Role.APPLICANT).count() == 30
    assert User.objects.filter(role=Role.MINISTRY_OFFICIAL).count() == 1
    assert User.objects.filter(role=Role.MINISTRY_ADMIN).count() == 1
    assert set(AidRequest.objects.values_list("status", flat=True)) == set(RequestStatus.values)
    assert HouseholdMember.objects.count() > 30


def test_seeded_civil_ids_are_all_valid():
    call_command("seed_demo", stdout=StringIO())
    ids = list(User.objects.filter(role=Role.APPLICANT).values_list("civil_id", flat=True))
    ids += list(HouseholdMember.objects.values_list("civil_id", flat=True))
    for civil_id in ids:
        parse_civil_id(civil_id, scheme="kw")


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    first = snapshot()
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first


def test_seeded_logins_work(client):
    call_command("seed_demo", stdout=StringIO())
    for login, target in (
        ("285031401239", "/"),
        ("caseworker@alnoor.test", "/"),
        ("official@musaada.test", "/"),
    ):
        client.logout()
        response = client.post("/accounts/login/", {"login": login, "password": "musaada-demo"})
        assert response.status_code == 302, login
        assert response["Location"] == target
