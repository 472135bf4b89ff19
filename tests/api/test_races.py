"""Races through the API, with real threads (each its own connection and HTTP client): the
claim's (N organisations' clients at once, exactly one wins), and two retries with one
idempotency key (the service runs once)."""

from __future__ import annotations

import json
from functools import partial

import pytest
from django.test import Client
from django.utils import timezone

from aid_requests.models import AidRequest, Payment, RequestStatus
from dedup.models import AidCommitment
from tests.api.conftest import bearer, new_client, org_manager
from tests.concurrency import outcome, run_together
from tests.factories import civil_id_for
from tests.factories.cases import family, open_request

pytestmark = pytest.mark.django_db(transaction=True)
CLAIMERS = 8


def claim(pk, token, key=None):
    headers = bearer(token, **({"HTTP_IDEMPOTENCY_KEY": key} if key else {}))
    response = Client().post(
        f"/api/v1/cases/{pk}/claim/", "{}", content_type="application/json", **headers
    )
    return response.status_code, response.json().get("code", "claimed")


def test_organisations_clients_claim_the_same_case_at_once_one_wins(capital, needy):
    aid_request = open_request(family(capital, [civil_id_for(1)]), needy, capital)
    tokens = [new_client(org_manager(needy, capital))[1] for _ in range(CLAIMERS)]
    results = run_together(*(partial(claim, aid_request.pk, token) for token in tokens))
    outcomes = sorted(outcome(r) for r in results)
    assert outcomes == [(200, "claimed")] + [(409, "no_longer_open")] * (CLAIMERS - 1)
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.CLAIMED
    assert AidCommitment.objects.count() == 2


def test_two_retries_with_one_key_run_the_payment_once(capital, needy, manager):
    _api_client, token = new_client(manager)
    aid_request = open_request(family(capital), needy, capital, amount="900.000")
    http = Client()
    base = f"/api/v1/cases/{aid_request.pk}"
    http.post(f"{base}/claim/", "{}", content_type="application/json", **bearer(token))
    body = json.dumps({"amount": "150", "payments": 6})
    http.post(f"{base}/approve/", body, content_type="application/json", **bearer(token))
    assert AidRequest.objects.get().status == RequestStatus.APPROVED
    payment = json.dumps(
        {
            "amount": "150",
            "paid_on": timezone.localdate().isoformat(),
            "method": "cheque",
            "period": 1,
        }
    )

    def pay():
        response = Client().post(
            f"{base}/payments/",
            payment,
            content_type="application/json",
            **bearer(token, HTTP_IDEMPOTENCY_KEY="same"),
        )
        return response.status_code

    statuses = sorted(outcome(r) for r in run_together(pay, pay, pay))
    # One ran; each other got its answer (201, replayed) or "still running" (409) - never a
    # second payment, never a server error.
    assert statuses[0] == 201
    assert set(statuses) <= {201, 409}
    assert Payment.objects.count() == 1
