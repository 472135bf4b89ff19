"""A manager's pages of API clients: who may use them (only a manager of the organisation,
only after the second factor), and what they do (the token shown once, stored hashed)."""

from __future__ import annotations

import pytest

from accounts.models import Role
from api.models import ApiClient, ApiToken
from api.tokens import token_hash
from audit.models import AuditEntry
from tests.api.conftest import new_client, org_manager
from tests.factories import ApplicantUserFactory, CharityStaffFactory, StaffUserFactory
from tests.factories.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

CREATE = {"name": "CaseSoft", "scopes": ["read_queue", "claim"], "rate_limit": "60"}


@pytest.fixture
def api_client(manager):
    return new_client(manager)[0]


def pages(pk):
    """name → (method, path, data)."""
    return {
        "list": ("get", "/charity/api-clients/", {}),
        "create": ("post", "/charity/api-clients/new/", CREATE),
        "rotate": ("post", f"/charity/api-clients/{pk}/rotate/", {}),
        "revoke": ("post", f"/charity/api-clients/{pk}/revoke/", {}),
    }


def call(client, name, pk, *, method=None):
    verb, path, data = pages(pk)[name]
    return getattr(client, method or verb)(path, data)


def someone(kind, manager, capital, needy):
    organisation = manager.membership.organisation
    return {
        "caseworker": lambda: CharityStaffFactory(
            role=Role.CASEWORKER, membership__organisation=organisation
        ),
        "other-manager": lambda: org_manager(needy, capital),
        "ministry-admin": lambda: StaffUserFactory(role=Role.MINISTRY_ADMIN),
        "applicant": lambda: ApplicantUserFactory(),
    }[kind]()


@pytest.mark.parametrize("name", ["list", "create", "rotate", "revoke"])
def test_anonymous_is_sent_to_sign_in(client, api_client, name):
    response = call(client, name, api_client.pk)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["list", "create", "rotate", "revoke"])
@pytest.mark.parametrize("kind", ["caseworker", "ministry-admin", "applicant"])
def test_only_managers_get_in(client, api_client, manager, capital, needy, name, kind):
    client.force_login(someone(kind, manager, capital, needy))
    assert call(client, name, api_client.pk).status_code == 403
    assert ApiClient.objects.count() == 1
    assert api_client.tokens.count() == 1


@pytest.mark.parametrize("name", ["rotate", "revoke"])
def test_another_organisations_manager_gets_404(client, api_client, capital, needy, name):
    client.force_login(org_manager(needy, capital))
    assert call(client, name, api_client.pk).status_code == 404
    api_client.refresh_from_db()
    assert api_client.revoked_at is None


@pytest.mark.parametrize("name", ["list", "create", "rotate", "revoke"])
def test_the_second_factor_is_required(client, settings, api_client, manager, name):
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(manager)  # no second factor in this session
    response = call(client, name, api_client.pk)
    assert response.status_code == 403
    assert ApiClient.objects.count() == 1


@pytest.mark.parametrize("name", ["list", "create", "rotate", "revoke"])
def test_the_wrong_method_is_405(client, api_client, manager, name):
    client.force_login(manager)
    wrong = "post" if pages(api_client.pk)[name][0] == "get" else "get"
    assert call(client, name, api_client.pk, method=wrong).status_code == 405


def test_a_manager_with_the_second_factor_creates_a_client_and_sees_its_token_once(
    client, settings, manager
):
    settings.STAFF_REQUIRE_MFA = True
    sign_in_with_second_factor(client, manager)
    response = client.post("/charity/api-clients/new/", CREATE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    value = response.context["token"]
    api_client = ApiClient.objects.get()
    assert api_client.scopes == ["claim", "read_queue"]
    assert api_client.user.membership.organisation == manager.membership.organisation
    token = ApiToken.objects.get()
    assert token.secret_hash == token_hash(value)
    assert value not in str(list(ApiToken.objects.values()))
    listing = client.get("/charity/api-clients/")
    assert listing.status_code == 200
    assert value.encode() not in listing.content
    assert b"CaseSoft" in listing.content
    entry = AuditEntry.objects.get(action="api_client.created")
    assert entry.actor == manager


def test_a_client_without_scopes_is_refused(client, manager):
    client.force_login(manager)
    response = client.post("/charity/api-clients/new/", {**CREATE, "scopes": []})
    assert response.status_code == 400
    assert ApiClient.objects.count() == 0


def test_rotate_shows_a_new_token_and_revoke_stops_the_client(client, manager, api_client):
    client.force_login(manager)
    rotated = client.post(f"/charity/api-clients/{api_client.pk}/rotate/")
    assert rotated.status_code == 200
    assert api_client.tokens.count() == 2
    revoked = client.post(f"/charity/api-clients/{api_client.pk}/revoke/")
    assert revoked.status_code == 302
    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    assert not api_client.tokens.filter(revoked_at__isnull=True).exists()
    assert not api_client.user.is_active
    assert {"api_token.rotated", "api_client.revoked"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )


def test_a_clients_account_is_not_staff_on_the_staff_pages(client, manager, api_client):
    from charities.exceptions import LastManager
    from charities.services.staff import staff_role_change

    assert api_client.user.role == Role.MANAGER  # it may manage cases
    client.force_login(manager)
    staff_page = client.get("/charity/staff/")
    assert api_client.user.email.encode() not in staff_page.content
    # The only (human) manager stays the last manager: the client's account does not count.
    with pytest.raises(LastManager):
        staff_role_change(actor=manager, membership_id=manager.membership.pk, role=Role.CASEWORKER)
