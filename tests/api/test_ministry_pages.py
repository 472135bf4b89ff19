"""A ministry administrator's pages of the ministry's API clients: the charity pages' twins
(the same views, services and template). Only a ministry administrator, only after the second
factor; the ministry's scopes only; a charity's client is not theirs (404)."""

from __future__ import annotations

import pytest

from accounts.models import Role
from api.models import ApiClient, ApiToken
from api.tokens import token_hash
from audit.models import AuditEntry
from tests.api.conftest import MINISTRY, new_client
from tests.factories import ApplicantUserFactory, CharityStaffFactory, StaffUserFactory
from tests.factories.second_factor import sign_in_with_second_factor

pytestmark = pytest.mark.django_db

CREATE = {"name": "Cabinet dashboard", "scopes": ["statistics"], "rate_limit": "60"}
NAMES = ["list", "create", "rotate", "revoke"]


@pytest.fixture
def admin():
    return StaffUserFactory(role=Role.MINISTRY_ADMIN)


@pytest.fixture
def api_client(admin):
    return new_client(admin, scopes=MINISTRY, name="Dashboard")[0]


def pages(pk):
    """name → (method, path, data)."""
    return {
        "list": ("get", "/ministry/api-clients/", {}),
        "create": ("post", "/ministry/api-clients/new/", CREATE),
        "rotate": ("post", f"/ministry/api-clients/{pk}/rotate/", {}),
        "revoke": ("post", f"/ministry/api-clients/{pk}/revoke/", {}),
    }


def call(client, name, pk, *, method=None):
    verb, path, data = pages(pk)[name]
    return getattr(client, method or verb)(path, data)


def someone(kind, manager):
    return {
        "manager": lambda: manager,
        "caseworker": lambda: CharityStaffFactory(
            role=Role.CASEWORKER, membership__organisation=manager.membership.organisation
        ),
        "official": lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        "applicant": lambda: ApplicantUserFactory(),
    }[kind]()


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_is_sent_to_sign_in(client, api_client, name):
    response = call(client, name, api_client.pk)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["manager", "caseworker", "official", "applicant"])
def test_only_ministry_administrators_get_in(client, api_client, manager, name, kind):
    client.force_login(someone(kind, manager))
    assert call(client, name, api_client.pk).status_code == 403
    assert ApiClient.objects.count() == 1
    assert api_client.tokens.count() == 1


@pytest.mark.parametrize("name", ["rotate", "revoke"])
def test_an_organisations_client_is_not_the_ministrys_404(client, admin, manager, name):
    theirs = new_client(manager)[0]
    client.force_login(admin)
    assert call(client, name, theirs.pk).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert theirs.tokens.count() == 1


@pytest.mark.parametrize("name", ["rotate", "revoke"])
def test_a_manager_cannot_reach_the_ministrys_client_from_the_charity_pages(
    client, api_client, manager, name
):
    client.force_login(manager)
    assert client.post(f"/charity/api-clients/{api_client.pk}/{name}/").status_code == 404
    api_client.refresh_from_db()
    assert api_client.revoked_at is None


@pytest.mark.parametrize("name", NAMES)
def test_the_second_factor_is_required(client, settings, api_client, admin, name):
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(admin)  # no second factor in this session
    assert call(client, name, api_client.pk).status_code == 403
    assert ApiClient.objects.count() == 1


@pytest.mark.parametrize("name", NAMES)
def test_the_wrong_method_is_405(client, api_client, admin, name):
    client.force_login(admin)
    wrong = "post" if pages(api_client.pk)[name][0] == "get" else "get"
    assert call(client, name, api_client.pk, method=wrong).status_code == 405


def test_an_administrator_with_the_second_factor_creates_a_client_and_sees_its_token_once(
    client, settings, admin
):
    settings.STAFF_REQUIRE_MFA = True
    sign_in_with_second_factor(client, admin)
    form = client.get("/ministry/api-clients/")
    assert form.status_code == 200
    choices = [value for value, _label in form.context["form"].fields["scopes"].choices]
    assert choices == ["statistics", "exports"]
    response = client.post("/ministry/api-clients/new/", CREATE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    value = response.context["token"]
    api_client = ApiClient.objects.get()
    assert api_client.organisation is None
    assert api_client.scopes == ["statistics"]
    assert ApiToken.objects.get().secret_hash == token_hash(value)
    listing = client.get("/ministry/api-clients/")
    assert value.encode() not in listing.content
    assert b"Cabinet dashboard" in listing.content
    assert AuditEntry.objects.get(action="api_client.created").actor == admin


def test_an_organisation_scope_is_refused_on_the_ministry_page(client, admin):
    client.force_login(admin)
    response = client.post("/ministry/api-clients/new/", {**CREATE, "scopes": ["claim"]})
    assert response.status_code == 400
    assert not ApiClient.objects.exists()


def test_a_ministry_scope_is_refused_on_the_charity_page(client, manager):
    client.force_login(manager)
    response = client.post("/charity/api-clients/new/", {**CREATE, "scopes": ["statistics"]})
    assert response.status_code == 400
    assert not ApiClient.objects.exists()


def test_rotate_shows_a_new_token_and_revoke_stops_the_client(client, admin, api_client):
    client.force_login(admin)
    rotated = client.post(f"/ministry/api-clients/{api_client.pk}/rotate/")
    assert rotated.status_code == 200
    assert b"/ministry/api-clients/" in rotated.content  # back to the ministry's list
    assert api_client.tokens.count() == 2
    revoked = client.post(f"/ministry/api-clients/{api_client.pk}/revoke/")
    assert revoked.status_code == 302
    assert revoked["Location"] == "/ministry/api-clients/"
    api_client.refresh_from_db()
    assert api_client.revoked_at is not None
    assert not api_client.user.is_active


def test_the_navigation_leads_administrators_only_to_the_page(client, admin):
    client.force_login(admin)
    assert b'href="/ministry/api-clients/"' in client.get("/ministry/").content
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    assert b'href="/ministry/api-clients/"' not in client.get("/ministry/").content
