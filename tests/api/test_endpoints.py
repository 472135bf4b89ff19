"""The endpoints do what the pages do, through the same services: a whole case through the API,
problem documents, and the language of the messages."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from aid_requests.models import Payment, RequestStatus
from audit.models import AuditEntry
from tests.api.conftest import bearer, new_client, org_manager
from tests.factories.cases import family, open_request

pytestmark = pytest.mark.django_db


def post(client, url, token, data=None, **headers):
    return client.post(
        url, json.dumps(data or {}), content_type="application/json", **bearer(token, **headers)
    )


def test_a_case_from_claim_to_payment_through_the_api(client, manager, capital, needy):
    api_client, token = new_client(manager)
    aid_request = open_request(family(capital), needy, capital, amount="900.000")
    queue = client.get("/api/v1/queue/", **bearer(token))
    assert queue.status_code == 200
    assert [row["id"] for row in queue.json()["results"]] == [aid_request.pk]
    assert "civil_id" not in json.dumps(queue.json())

    claimed = post(client, f"/api/v1/cases/{aid_request.pk}/claim/", token)
    assert claimed.status_code == 200, claimed.content
    assert claimed.json() == {"id": aid_request.pk, "status": RequestStatus.CLAIMED}

    case = client.get(f"/api/v1/cases/{aid_request.pk}/", **bearer(token))
    assert case.status_code == 200
    assert case.json()["applicant_civil_id"] == aid_request.applicant.civil_id
    viewed = AuditEntry.objects.filter(action="aid_request.personal_data_viewed").get()
    assert viewed.actor == api_client.user  # the client is the actor

    approved = post(
        client, f"/api/v1/cases/{aid_request.pk}/approve/", token, {"amount": "150", "payments": 6}
    )
    assert approved.json()["status"] == RequestStatus.APPROVED
    paid = post(
        client,
        f"/api/v1/cases/{aid_request.pk}/payments/",
        token,
        {
            "amount": "150.000",
            "paid_on": timezone.localdate().isoformat(),
            "method": "bank_transfer",
            "period": 1,
        },
    )
    assert paid.status_code == 201, paid.content
    assert paid.json()["period"] == 1
    payment = Payment.objects.get()
    assert payment.recorded_by == api_client.user

    sent = post(
        client, f"/api/v1/cases/{aid_request.pk}/messages/", token, {"body": "أرسلوا العقد"}
    )
    assert sent.status_code == 201
    listed = client.get(f"/api/v1/cases/{aid_request.pk}/messages/", **bearer(token))
    assert [m["body"] for m in listed.json()] == ["أرسلوا العقد"]


def test_release_and_reject_take_a_reason(client, manager, capital, needy):
    _api_client, token = new_client(manager)
    first = open_request(family(capital), needy, capital)
    second = open_request(family(capital), needy, capital)
    for r in (first, second):
        assert post(client, f"/api/v1/cases/{r.pk}/claim/", token).status_code == 200
    missing = post(client, f"/api/v1/cases/{first.pk}/release/", token, {})
    assert missing.status_code == 400
    assert missing["Content-Type"] == "application/problem+json"
    assert "reason" in missing.json()["errors"]
    released = post(client, f"/api/v1/cases/{first.pk}/release/", token, {"reason": "لا ميزانية"})
    assert released.json()["status"] == RequestStatus.OPEN
    rejected = post(client, f"/api/v1/cases/{second.pk}/reject/", token, {"reason": "الدخل أعلى"})
    assert rejected.json()["status"] == RequestStatus.REJECTED


def test_a_refusal_is_a_problem_document_in_the_asked_language(client, capital, needy):
    aid_request = open_request(family(capital), needy, capital)
    _a, first = new_client(org_manager(needy, capital))
    _b, second = new_client(org_manager(needy, capital))
    assert post(client, f"/api/v1/cases/{aid_request.pk}/claim/", first).status_code == 200

    arabic = post(client, f"/api/v1/cases/{aid_request.pk}/claim/", second)
    english = post(
        client, f"/api/v1/cases/{aid_request.pk}/claim/", second, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert arabic.status_code == english.status_code == 409
    assert arabic["Content-Type"] == "application/problem+json"
    body = english.json()
    assert body["code"] == "no_longer_open"
    assert body["type"].endswith("no_longer_open")
    assert body["status"] == 409
    assert arabic.json()["detail"] != body["detail"]
    assert arabic["Content-Language"] == "ar"
    assert english["Content-Language"] == "en"


def test_the_queue_pages_by_cursor_with_the_pages_filters(client, manager, capital, needy):
    _api_client, token = new_client(manager)
    requests = [open_request(family(capital), needy, capital) for _ in range(27)]
    first = client.get("/api/v1/queue/?sort=oldest", **bearer(token)).json()
    assert len(first["results"]) == 25
    second = client.get(
        "/api/v1/queue/", {"sort": "oldest", "cursor": first["next_cursor"]}, **bearer(token)
    ).json()
    ids = [row["id"] for row in first["results"] + second["results"]]
    assert ids == [r.pk for r in requests]
    assert second["next_cursor"] is None
    bad = client.get("/api/v1/queue/?min_score=500", **bearer(token))
    assert bad.status_code == 400
    assert "min_score" in bad.json()["errors"]


def test_the_client_is_limited_to_its_calls_a_minute(client, manager):
    _api_client, token = new_client(manager, rate_limit=2)
    assert client.get("/api/v1/queue/", **bearer(token)).status_code == 200
    assert client.get("/api/v1/queue/", **bearer(token)).status_code == 200
    third = client.get("/api/v1/queue/", **bearer(token))
    assert third.status_code == 429
    assert third.json()["code"] == "throttled"
    assert int(third["Retry-After"]) > 0


def test_the_schema_and_its_page_are_served(client):
    schema = client.get("/api/v1/schema/?format=json")
    assert schema.status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"/api/v1/cases/{id}/claim/" in docs.content
    for operation in ("statistics_read", "export_start", "export_read", "export_download"):
        assert f'data-testid="op-{operation}"'.encode() in docs.content
    assert docs.context["operations"][-1]["path"] == "/api/v1/statistics/"
    assert docs.context["operations"][-1]["scopes"] == ["statistics"]


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "ar"),
        ("en", "en"),
        ("en-GB,en;q=0.9", "en"),
        ("fr, en;q=0.5", "en"),
        ("en;q=0.2, ar;q=0.8", "ar"),
        ("de", "ar"),
        ("en;q=0", "ar"),
    ],
)
def test_the_language_is_the_one_accept_language_prefers(header, language):
    from api.views.base import requested_language

    assert requested_language(header) == language


def test_the_schema_is_valid_openapi_without_warnings(tmp_path):
    from django.core.management import call_command

    call_command(
        "spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml")
    )
    schema = (tmp_path / "schema.yaml").read_text()
    assert "application/problem+json" in schema
    assert "Idempotency-Key" in schema


def test_an_unknown_api_address_is_a_problem_document(client):
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize(
    "payload", ["[1, 2]", '"text"', "null", '{"reason": ["a"]}', '{"reason": {"a": 1}}', "{"]
)
def test_a_body_that_is_not_an_object_of_values_is_400(client, manager, capital, needy, payload):
    _api_client, token = new_client(manager)
    aid_request = open_request(family(capital), needy, capital)
    post(client, f"/api/v1/cases/{aid_request.pk}/claim/", token)
    response = client.post(
        f"/api/v1/cases/{aid_request.pk}/release/",
        payload,
        content_type="application/json",
        **bearer(token),
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.CLAIMED


def test_the_queue_costs_the_same_queries_for_one_row_or_a_page(client, manager, capital, needy):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _api_client, token = new_client(manager)
    open_request(family(capital), needy, capital)
    client.get("/api/v1/queue/", **bearer(token))  # last_used_at written once, out of the way
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/queue/", **bearer(token)).json()["results"]) == 1
    for _ in range(10):
        open_request(family(capital), needy, capital)
    with CaptureQueriesContext(connection) as eleven:
        assert len(client.get("/api/v1/queue/", **bearer(token)).json()["results"]) == 11
    assert len(eleven) == len(one)
