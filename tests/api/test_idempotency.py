"""``Idempotency-Key``: a retried POST returns the first answer and changes nothing."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from aid_requests.models import Payment
from api.idempotency import fingerprint
from api.models import IdempotentRequest
from tests.api.conftest import bearer, new_client
from tests.factories.cases import family, open_request

pytestmark = pytest.mark.django_db


def post(client, url, token, data, key):
    return client.post(
        url,
        json.dumps(data),
        content_type="application/json",
        **bearer(token, HTTP_IDEMPOTENCY_KEY=key),
    )


@pytest.fixture
def approved(client, manager, capital, needy):
    _api_client, token = new_client(manager)
    aid_request = open_request(family(capital), needy, capital, amount="900.000")
    base = f"/api/v1/cases/{aid_request.pk}"
    assert post(client, f"{base}/claim/", token, {}, "claim-1").status_code == 200
    assert (
        post(client, f"{base}/approve/", token, {"amount": "150", "payments": 6}, "a-1").status_code
        == 200
    )
    return aid_request, token


def payment(period=1):
    return {
        "amount": "150.000",
        "paid_on": timezone.localdate().isoformat(),
        "method": "cheque",
        "period": period,
    }


def test_a_retried_payment_returns_the_first_answer_and_pays_once(client, approved):
    aid_request, token = approved
    url = f"/api/v1/cases/{aid_request.pk}/payments/"
    first = post(client, url, token, payment(), "pay-1")
    again = post(client, url, token, payment(), "pay-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


def test_a_refusal_is_the_first_answer_too(client, approved):
    aid_request, token = approved
    url = f"/api/v1/cases/{aid_request.pk}/payments/"
    assert post(client, url, token, payment(period=2), "early").status_code == 409
    assert post(client, url, token, payment(period=2), "early").status_code == 409
    assert Payment.objects.count() == 0


def test_the_same_key_with_another_body_is_refused(client, approved):
    aid_request, token = approved
    url = f"/api/v1/cases/{aid_request.pk}/payments/"
    assert post(client, url, token, payment(), "k").status_code == 201
    other = post(client, url, token, {**payment(), "reference": "X"}, "k")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_keys_belong_to_their_client(client, approved, manager):
    aid_request, token = approved
    _other, other_token = new_client(manager, name="Second")
    url = f"/api/v1/cases/{aid_request.pk}/payments/"
    assert post(client, url, token, payment(), "shared").status_code == 201
    # The same key from another client is its own call: refused as the period is paid.
    assert post(client, url, other_token, payment(), "shared").json()["code"] == (
        "payment_already_recorded"
    )
    assert IdempotentRequest.objects.filter(key="shared").count() == 2


def test_without_a_key_nothing_is_kept(client, approved):
    aid_request, token = approved
    url = f"/api/v1/cases/{aid_request.pk}/messages/"
    response = client.post(
        url, json.dumps({"body": "مرحبا"}), content_type="application/json", **bearer(token)
    )
    assert response.status_code == 201
    assert IdempotentRequest.objects.count() == 2  # the fixture's claim and approval


def test_a_first_call_that_died_is_taken_over_by_a_retry(client, approved):
    import datetime

    import time_machine

    aid_request, token = approved
    url = f"/api/v1/cases/{aid_request.pk}/payments/"
    row = IdempotentRequest.objects.get(key="a-1")
    row_client = row.client
    # A first call whose worker died after claiming the key: no answer stored.
    IdempotentRequest.objects.create(
        client=row_client,
        key="died",
        fingerprint=fingerprint("POST", url, json.dumps(payment()).encode()),
        created_at=timezone.now(),
    )
    assert post(client, url, token, payment(), "died").status_code == 409  # still "running"
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)):
        assert post(client, url, token, payment(), "died").status_code == 201
    assert Payment.objects.count() == 1
