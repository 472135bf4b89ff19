"""The client's address behind trusted reverse proxies (TRUSTED_PROXY_COUNT): the same answer
for audit entries and for allauth's rate limits, and a forged X-Forwarded-For changes neither."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import RequestFactory

from accounts.models import Role
from audit.models import AuditEntry
from audit.services import client_ip
from tests.factories import PASSWORD, StaffUserFactory, civil_id_for

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def staff_member():
    user = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.7", None, "192.0.2.7"),
        (0, "192.0.2.7", "203.0.113.9", "192.0.2.7"),  # no proxy trusted: header ignored
        (1, PROXY, "203.0.113.9", "203.0.113.9"),
        (1, PROXY, "198.51.100.1, 203.0.113.9", "203.0.113.9"),  # forged left part ignored
        (2, PROXY, "198.51.100.1, 203.0.113.9, 10.0.0.4", "203.0.113.9"),
        (1, PROXY, None, PROXY),  # reached gunicorn without the proxy
        (2, PROXY, "203.0.113.9", PROXY),  # fewer hops than proxies: not trusted
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "2001:db8::7", "2001:db8::7"),
    ],
)
def test_client_address_is_the_nth_forwarded_address_from_the_right(
    settings, proxies, remote, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **headers)
    assert client_ip(request) == expected
    from allauth.account.adapter import get_adapter

    assert get_adapter(request).get_client_ip(request) == expected


def test_staff_sign_in_behind_the_proxy_records_the_genuine_client(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    user = staff_member()
    response = client.post(
        "/accounts/login/",
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.9",  # forged first, then the proxy's
    )
    assert response.status_code == 302
    assert AuditEntry.objects.get(action="staff.signed_in").ip_address == "203.0.113.9"


def test_without_trusted_proxies_a_forwarded_header_is_not_believed(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    user = staff_member()
    client.post(
        "/accounts/login/",
        {"login": user.email, "password": PASSWORD},
        REMOTE_ADDR="192.0.2.7",
        HTTP_X_FORWARDED_FOR="198.51.100.66",
    )
    assert AuditEntry.objects.get(action="staff.signed_in").ip_address == "192.0.2.7"


LIMITED = "limited"


def failed_sign_in(client, n, forwarded):
    """LIMITED when allauth refused to even check the password (its per-address limit)."""
    # A different unknown civil ID each time: only the per-address limit can apply.
    client.cookies["django_language"] = "en"
    response = client.post(
        "/accounts/login/",
        {"login": civil_id_for(900 + n), "password": "wrong"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded,
    )
    if response.status_code == 429 or "Too many failed login attempts" in response.text:
        return LIMITED
    return response.status_code


def test_two_clients_behind_one_proxy_do_not_share_the_login_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    first = [failed_sign_in(client, n, "203.0.113.1") for n in range(15)]
    assert LIMITED in first
    # Another visitor, the same proxy: not limited by the first one's failures.
    assert failed_sign_in(client, 100, "203.0.113.2") == 200


def test_a_client_forging_x_forwarded_for_cannot_escape_its_own_limit(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The proxy appends the real address after whatever the client sent.
    statuses = [failed_sign_in(client, n, f"198.51.100.{n}, 203.0.113.1") for n in range(15)]
    assert statuses[-1] == LIMITED
    assert failed_sign_in(client, 100, "203.0.113.2") == 200
