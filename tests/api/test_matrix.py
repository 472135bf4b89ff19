"""The API's permission matrix matches the pages': anonymous → 401, a bad token → 401, a
missing scope → 403, another organisation's case → 404, a case it may only read → 403."""

from __future__ import annotations

import datetime
import json

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from api.models import ORGANISATION_SCOPES, Scope
from api.services import api_client_revoke, api_token_rotate
from tests.api.conftest import bearer, new_client, org_manager
from tests.factories.cases import family, open_request

pytestmark = pytest.mark.django_db

#: name → (method, path with {pk}, body, the scope it needs).
ENDPOINTS = {
    "case": ("get", "/api/v1/cases/{pk}/", None, Scope.MANAGE_CASES),
    "claim": ("post", "/api/v1/cases/{pk}/claim/", {}, Scope.CLAIM),
    "approve": (
        "post",
        "/api/v1/cases/{pk}/approve/",
        {"amount": "100", "payments": 1},
        Scope.MANAGE_CASES,
    ),
    "payments": (
        "post",
        "/api/v1/cases/{pk}/payments/",
        {"amount": "1", "paid_on": "2026-01-01", "method": "cheque", "period": 1},
        Scope.PAYMENTS,
    ),
    "release": (
        "post",
        "/api/v1/cases/{pk}/release/",
        {"reason": "لا ميزانية"},
        Scope.MANAGE_CASES,
    ),
    "reject": ("post", "/api/v1/cases/{pk}/reject/", {"reason": "الدخل أعلى"}, Scope.MANAGE_CASES),
    "messages": ("get", "/api/v1/cases/{pk}/messages/", None, Scope.MANAGE_CASES),
    "message": (
        "post",
        "/api/v1/cases/{pk}/messages/",
        {"body": "أرسلوا العقد"},
        Scope.MANAGE_CASES,
    ),
    "queue": ("get", "/api/v1/queue/", None, Scope.READ_QUEUE),
}


def call(client, name, pk, token=None):
    method, path, body, _scope = ENDPOINTS[name]
    headers = bearer(token) if token else {}
    url = path.format(pk=pk)
    if method == "get":
        return client.get(url, **headers)
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def held(manager, capital, needy):
    """A case claimed through the API by organisation A's client (every scope)."""
    _api_client, token = new_client(manager)
    aid_request = open_request(family(capital), needy, capital)
    assert call(Client(), "claim", aid_request.pk, token).status_code == 200
    return aid_request, token


@pytest.mark.parametrize("name", ENDPOINTS)
def test_anonymous_gets_401_with_a_bearer_challenge(client, held, name):
    response = call(client, name, held[0].pk)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("name", ENDPOINTS)
def test_an_unknown_token_gets_401(client, held, name):
    response = call(client, name, held[0].pk, token="msd_00000000_nothing")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_missing_scope_gets_403(client, held, manager, name):
    scope = ENDPOINTS[name][3]
    others = [
        s
        for s in ORGANISATION_SCOPES
        if s != scope and not (name == "case" and s == Scope.PAYMENTS)
    ]
    _api_client, token = new_client(manager, scopes=others, name="Narrow")
    response = call(client, name, held[0].pk, token)
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


@pytest.mark.parametrize("name", [n for n in ENDPOINTS if n not in {"claim", "queue"}])
def test_another_organisations_case_is_404(client, held, capital, needy, name):
    _api_client, token = new_client(org_manager(needy, capital), name="Other")
    response = call(client, name, held[0].pk, token)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_case_outside_the_licence_cannot_be_claimed(client, held, capital, student):
    _api_client, token = new_client(org_manager(student, capital), name="Students only")
    assert call(client, "claim", held[0].pk, token).status_code == 404


@pytest.mark.parametrize("name", ["approve", "payments", "release", "message"])
def test_a_case_it_rejected_is_read_only(client, held, name):
    aid_request, token = held
    assert call(client, "reject", aid_request.pk, token).status_code == 200
    assert call(client, "case", aid_request.pk, token).json()["read_only"] is True
    assert call(client, name, aid_request.pk, token).status_code == 403


def test_an_expired_token_gets_401(client, manager):
    _api_client, token = new_client(manager)
    with time_machine.travel(timezone.now() + datetime.timedelta(days=91)):
        assert call(client, "queue", 0, token).status_code == 401


def test_a_revoked_client_gets_401(client, manager):
    api_client, token = new_client(manager)
    api_client_revoke(actor=manager, client_id=api_client.pk, second_factor_passed=True)
    assert call(client, "queue", 0, token).status_code == 401


def test_after_rotation_the_old_token_works_for_an_hour_only(client, manager):
    api_client, old = new_client(manager)
    _token, new = api_token_rotate(
        actor=manager, client_id=api_client.pk, second_factor_passed=True
    )
    assert call(client, "queue", 0, old).status_code == 200
    assert call(client, "queue", 0, new).status_code == 200
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=61)):
        assert call(client, "queue", 0, old).status_code == 401
        assert call(client, "queue", 0, new).status_code == 200


def test_last_used_is_written_at_most_once_a_minute(client, manager):
    api_client, token = new_client(manager)
    call(client, "queue", 0, token)
    first = api_client.tokens.get().last_used_at
    assert first is not None
    call(client, "queue", 0, token)
    assert api_client.tokens.get().last_used_at == first


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_signed_in_staff_session_is_not_a_token(client, held, manager, name):
    client.force_login(manager)  # the API reads no session (and so needs no CSRF token)
    assert call(client, name, held[0].pk).status_code == 401
