"""Who may see each donations page: anonymous, an applicant (a donor), the organisation's
caseworker and manager, another organisation's staff, the ministry."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from donations.models import Gift
from tests.donations.conftest import colleague, manager_of, paid_gift
from tests.factories import ApplicantUserFactory, StaffUserFactory
from tests.factories.cases import caseworker

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(capital, needy, rules):
    manager = manager_of([needy], [capital])
    gift = paid_gift(manager.membership.organisation, "100")
    return {
        "anonymous": None,
        "applicant": ApplicantUserFactory(),
        "caseworker": colleague(manager),
        "manager": manager,
        "other-manager": caseworker([needy], [capital], role=Role.MANAGER),
        "ministry-official": StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        "gift": gift,
    }


ROLES = [
    "anonymous",
    "applicant",
    "caseworker",
    "manager",
    "other-manager",
    "ministry-official",
]
#: page → expected status per role, in the order of ROLES (302: to the sign-in page).
GETS = {
    "donations:give": [200, 200, 200, 200, 200, 200],
    "donations:mine": [302, 200, 200, 200, 200, 200],
    "donations:funds": [302, 403, 200, 200, 200, 403],
    "donations:ministry": [302, 403, 403, 403, 403, 200],
}


@pytest.mark.parametrize("name", list(GETS))
@pytest.mark.parametrize("role", ROLES)
def test_each_page_lets_in_whom_it_should(client, world, name, role):
    if world[role] is not None:
        client.force_login(world[role])
    expected = GETS[name][ROLES.index(role)]
    response = client.get(reverse(name))
    assert response.status_code == expected
    if expected == 302:
        assert "/login/" in response["Location"]


def test_the_funds_page_shows_only_the_own_organisations_gifts(client, world):
    client.force_login(world["other-manager"])
    assert world["gift"].reference not in client.get(reverse("donations:funds")).content.decode()
    client.force_login(world["caseworker"])
    assert world["gift"].reference in client.get(reverse("donations:funds")).content.decode()


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("anonymous", 302),
        ("applicant", 403),
        ("caseworker", 403),
        ("other-manager", 404),
        ("ministry-official", 403),
    ],
)
def test_only_the_organisations_manager_refunds(client, world, role, expected):
    if world[role] is not None:
        client.force_login(world[role])
    url = reverse("donations:refund", args=[world["gift"].pk])
    assert client.post(url, {"amount": "10"}).status_code == expected
    assert Gift.objects.get(pk=world["gift"].pk).refunded == 0


def test_the_refund_page_takes_only_post(client, world):
    client.force_login(world["manager"])
    assert client.get(reverse("donations:refund", args=[world["gift"].pk])).status_code == 405


def test_a_gift_page_needs_its_token(client, world):
    assert client.get(reverse("donations:gift", args=[world["gift"].token])).status_code == 200
    assert client.get(reverse("donations:gift", args=["not-a-token"])).status_code == 404
    assert client.get(reverse("donations:confirm", args=["not-a-token"])).status_code == 404


def test_a_donor_sees_where_the_gift_went_never_a_person(client, world, capital, needy):
    from django.utils import timezone

    from aid_requests.models import PaymentMethod
    from donations.services.ledger import payment_record_funded
    from tests.donations.conftest import approved_case

    manager = world["manager"]
    aid_request = approved_case(manager, needy, capital, amount="40")
    payment_record_funded(
        aid_request_id=aid_request.pk,
        actor=manager,
        amount=Decimal("40"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        second_factor_passed=True,
    )
    page = client.get(reverse("donations:gift", args=[world["gift"].token])).content.decode()
    assert 'data-testid="trace"' in page
    assert str(needy) in page
    assert aid_request.reference not in page
    assert aid_request.applicant.civil_id not in page


def test_the_simulator_is_not_there_with_a_real_gateway(client, settings):
    settings.DONATIONS_GATEWAY = "http"
    assert client.get(reverse("donations:simulator", args=["SIM-1"])).status_code == 404


def test_the_notification_endpoint_takes_only_post(client):
    assert client.get(reverse("donations:notify")).status_code == 405


def test_a_guests_gifts_show_to_the_account_with_the_same_verified_mobile(client, world):
    gift = world["gift"]  # given as a guest from +96550001234
    Gift.objects.filter(pk=gift.pk).update(mobile_confirmed_at=gift.created_at)
    same = ApplicantUserFactory(mobile=gift.mobile, mobile_verified=True)
    unverified = ApplicantUserFactory(mobile=gift.mobile, mobile_verified=False)
    client.force_login(unverified)
    assert gift.reference not in client.get(reverse("donations:mine")).content.decode()
    client.force_login(same)
    assert gift.reference in client.get(reverse("donations:mine")).content.decode()


def test_the_ministry_page_counts_in_a_fixed_number_of_queries(
    client, world, capital, needy, django_assert_max_num_queries
):
    from django.utils import timezone

    from aid_requests.models import PaymentMethod
    from donations.selectors import ministry_flows
    from donations.services.ledger import payment_record_funded
    from tests.donations.conftest import approved_case

    manager = world["manager"]
    for _ in range(3):
        aid_request = approved_case(manager, needy, capital, amount="20")
        payment_record_funded(
            aid_request_id=aid_request.pk,
            actor=manager,
            amount=Decimal("20"),
            paid_on=timezone.localdate(),
            method=PaymentMethod.BANK_TRANSFER,
            second_factor_passed=True,
        )
    with django_assert_max_num_queries(5):
        (line,) = ministry_flows()
    assert line.inflow == Decimal("100")
    assert line.outflow == Decimal("60")
    assert line.unallocated == Decimal("40")
    assert line.by_aid_type == {needy: Decimal("60")}
    assert line.median_wait is not None
    client.force_login(world["ministry-official"])
    assert "60.000" in client.get(reverse("donations:ministry")).content.decode()
