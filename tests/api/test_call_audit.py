"""Every call of a client is audited, once, with the client's service account as actor."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from tests.api.conftest import bearer, new_client, org_manager
from tests.factories.cases import family, open_request

pytestmark = pytest.mark.django_db


def calls():
    return list(AuditEntry.objects.filter(action="api.called").order_by("id"))


def test_every_call_is_one_entry_with_the_client_as_actor(client, manager, capital, needy):
    api_client, token = new_client(manager)
    aid_request = open_request(family(capital), needy, capital)
    assert client.get("/api/v1/queue/", **bearer(token)).status_code == 200
    claim = f"/api/v1/cases/{aid_request.pk}/claim/"
    assert (
        client.post(claim, "{}", content_type="application/json", **bearer(token)).status_code
        == 200
    )
    messages = f"/api/v1/cases/{aid_request.pk}/messages/"
    assert client.get(messages, **bearer(token)).status_code == 200
    entries = calls()
    assert [(e.data["method"], e.data["path"], e.data["status"]) for e in entries] == [
        ("GET", "/api/v1/queue/", 200),
        ("POST", claim, 200),
        ("GET", messages, 200),
    ]
    for entry in entries:
        assert entry.actor == api_client.user
        assert entry.organisation_id == manager.membership.organisation_id
        assert entry.data["client_id"] == api_client.pk
        assert entry.data["client"] == api_client.name
        assert entry.object_id == str(api_client.pk)


def test_refusals_are_audited_and_anonymous_calls_are_not(client, manager, capital, needy):
    _api_client, token = new_client(manager, scopes=("read_queue",))
    other = org_manager(needy, capital)
    theirs = open_request(family(capital), needy, capital)
    _other_client, other_token = new_client(other)
    client.post(
        f"/api/v1/cases/{theirs.pk}/claim/",
        "{}",
        content_type="application/json",
        **bearer(other_token),
    )
    before = len(calls())
    assert client.get(f"/api/v1/cases/{theirs.pk}/", **bearer(token)).status_code == 403
    assert client.get("/api/v1/queue/").status_code == 401
    assert client.get("/api/v1/queue/", **bearer("nope")).status_code == 401
    entries = calls()[before:]
    assert [e.data["status"] for e in entries] == [403]
    assert json.dumps(entries[0].data).find("civil") == -1


def test_the_queue_adds_one_append_to_the_trail(client, manager, capital, needy):
    _api_client, token = new_client(manager)
    open_request(family(capital), needy, capital)
    client.get("/api/v1/queue/", **bearer(token))
    with CaptureQueriesContext(connection) as captured:
        client.get("/api/v1/queue/", **bearer(token))
    # The append may be one statement (the chain's head in a CTE, then the INSERT).
    inserts = [q["sql"] for q in captured if "INSERT INTO" in q["sql"]]
    assert len(inserts) == 1
    assert "audit" in inserts[0]
