"""The HTTP gateway adapter against a stub gateway: a real server on 127.0.0.1 that checks our
signature and plays checkouts, status, refunds and the listing. Nothing is monkeypatched."""

from __future__ import annotations

import hashlib
import hmac
from decimal import Decimal

import pytest

from donations.gateways.base import GatewayError
from donations.gateways.registry import get_gateway
from tests.identity.stubs import Reply, Request, Route, StubServer

SECRET = "stub-gateway-secret-" + "x" * 20


class GatewayStub(StubServer):
    def __init__(self) -> None:
        super().__init__()
        self.transactions: dict[str, dict] = {}

    def _signed(self, request: Request) -> bool:
        stamp = request.headers.get("x-gateway-timestamp", "")
        path = request.path + (
            "?" + "&".join(f"{k}={v[0]}" for k, v in request.query.items()) if request.query else ""
        )
        message = f"{stamp}.{request.method} {path}\n".encode() + request.body
        expected = hmac.new(SECRET.encode(), message, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, request.headers.get("x-gateway-signature", ""))

    def route_for(self, request: Request) -> Route | None:
        if not self._signed(request):
            return lambda r: Reply(401, {"error": "bad signature"})
        if request.method == "POST" and request.path == "/v1/checkouts":
            return self._checkout
        if request.method == "GET" and request.path == "/v1/transactions":
            return lambda r: Reply(200, {"transactions": list(self.transactions.values())})
        if request.path.startswith("/v1/transactions/"):
            parts = request.path.split("/")
            if request.method == "GET" and len(parts) == 4:
                found = self.transactions.get(parts[3])
                return lambda r: Reply(200, found) if found else Reply(404, {})
            if request.method == "POST" and parts[-1] == "refunds":
                return lambda r: self._refund(parts[3], r)
        return None

    def _checkout(self, request: Request) -> Reply:
        data = request.json()
        transaction_id = f"GW-{len(self.transactions) + 1}"
        self.transactions[transaction_id] = {
            "transaction_id": transaction_id,
            "reference": data["reference"],
            "amount": data["amount"],
            "state": "initiated",
            "refunded": "0.000",
        }
        return Reply(201, {"transaction_id": transaction_id, "payment_url": f"{self.url}/pay"})

    def _refund(self, transaction_id: str, request: Request) -> Reply:
        row = self.transactions[transaction_id]
        row["refunded"] = f"{Decimal(row['refunded']) + Decimal(request.json()['amount']):.3f}"
        return Reply(201, {"refund_id": request.json()["refund_id"], "state": "succeeded"})


@pytest.fixture
def stub(settings):
    with GatewayStub() as server:
        settings.DONATIONS_GATEWAY = "http"
        settings.DONATIONS_GATEWAY_URL = server.url
        settings.DONATIONS_GATEWAY_SECRET = SECRET
        yield server


def test_checkout_status_refund_and_listing_against_the_stub(stub):
    gateway = get_gateway()
    checkout = gateway.checkout(
        reference="G-1", amount=Decimal("12.500"), return_url="r", notify_url="n"
    )
    assert checkout.payment_url == f"{stub.url}/pay"
    assert gateway.status(checkout.transaction_id).state == "initiated"
    stub.transactions[checkout.transaction_id]["state"] = "approved"
    gateway.refund(transaction_id=checkout.transaction_id, amount=Decimal("2.5"), refund_id="R1")
    (listed,) = gateway.transactions()
    assert (listed.state, listed.amount, listed.refunded) == (
        "approved",
        Decimal("12.500"),
        Decimal("2.500"),
    )


def test_a_wrong_secret_or_an_outage_is_a_gateway_error(stub, settings):
    settings.DONATIONS_GATEWAY_SECRET = "not-the-secret"
    with pytest.raises(GatewayError):
        get_gateway().transactions()
    settings.DONATIONS_GATEWAY_SECRET = SECRET
    stub.fail_next("500")
    with pytest.raises(GatewayError):
        get_gateway().transactions()


def test_an_answer_out_of_shape_is_a_gateway_error(stub):
    stub.transactions["GW-X"] = {
        "transaction_id": "GW-X",
        "reference": "G",
        "amount": "1.0001",
        "state": "approved",
    }
    with pytest.raises(GatewayError):
        get_gateway().transactions()


def test_an_unconfigured_gateway_refuses_without_calling_anyone(settings):
    settings.DONATIONS_GATEWAY = "http"
    settings.DONATIONS_GATEWAY_URL = ""
    with pytest.raises(GatewayError, match="not configured"):
        get_gateway().transactions()
