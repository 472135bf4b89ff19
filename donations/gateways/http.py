"""A Gulf-style payment gateway over HTTPS JSON (tested against a stub on 127.0.0.1).

Every request we send carries ``X-Gateway-Timestamp`` and ``X-Gateway-Signature`` (HMAC-SHA256
with the shared secret over ``<timestamp>.<METHOD> <path>\\n<body>``); the gateway signs its
notifications the same way over ``<timestamp>.<body>`` (``donations.gateways.signing``).

- ``POST /v1/checkouts`` ``{"merchant", "reference", "amount": "10.000", "currency": "KWD",
  "return_url", "notify_url"}`` → 201 ``{"transaction_id", "payment_url"}``
- ``GET /v1/transactions/<id>`` → 200 one transaction:
  ``{"transaction_id", "reference", "amount", "state", "refunded"}`` (state: initiated, approved,
  declined)
- ``POST /v1/transactions/<id>/refunds`` ``{"amount", "refund_id"}`` → 201
  ``{"refund_id", "state": "succeeded"}``
- ``GET /v1/transactions?merchant=<merchant>`` → 200 ``{"transactions": [ … ]}``

Notifications (gateway → ``/donate/gateway/notify/``): ``{"transaction_id", "reference",
"event": "payment.approved" | "payment.declined" | "refund.succeeded", "amount",
"refund_id"?}``.
"""

from __future__ import annotations

import json
import time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote, urlsplit

from donations.gateways.base import Checkout, GatewayError, GatewayTransaction
from donations.gateways.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from identity.providers.base import ProviderError
from identity.providers.http import HttpClient, Response

STATES = {"initiated", "approved", "declined"}


def _money(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise GatewayError("an amount is not a number") from None
    if amount < 0 or amount.as_tuple().exponent < -3:  # type: ignore[operator]
        raise GatewayError("an amount is negative or has more than 3 decimals")
    return amount


def transaction_from(item: Any) -> GatewayTransaction:
    """One transaction of the gateway's answer, checked field by field."""
    if not isinstance(item, dict):
        raise GatewayError("a transaction is not an object")
    try:
        state = str(item["state"])
        answer = GatewayTransaction(
            transaction_id=str(item["transaction_id"]),
            reference=str(item["reference"]),
            amount=_money(item["amount"]),
            state=state,
            refunded=_money(item.get("refunded", "0")),
        )
    except KeyError as exc:
        raise GatewayError(f"a transaction misses {exc}") from None
    if state not in STATES:
        raise GatewayError(f"unknown transaction state {state!r}")
    return answer


class HttpGateway:
    name = "http"

    def __init__(self, *, base_url: str, secret: str, merchant: str, http: HttpClient) -> None:
        self.base_url = base_url.rstrip("/")
        self.secret = secret
        self.merchant = merchant
        self.http = http

    def _send(self, method: str, path: str, body: Any = None) -> Response:
        if not self.base_url or not self.secret:
            raise GatewayError("the gateway's URL or secret is not configured")
        payload = b"" if body is None else json.dumps(body).encode()
        timestamp = int(time.time())
        signed_path = urlsplit(self.base_url + path).path + (
            "?" + path.split("?", 1)[1] if "?" in path else ""
        )
        message = f"{method} {signed_path}\n".encode() + payload
        headers = {
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: sign(message, timestamp=timestamp, secret=self.secret),
        }
        try:
            return self.http.request(method, self.base_url + path, json_body=body, headers=headers)
        except ProviderError as exc:
            raise GatewayError(f"the gateway failed: {exc}") from None

    @staticmethod
    def _json(response: Response, expected: int) -> Any:
        if response.status != expected:
            raise GatewayError(f"the gateway answered HTTP {response.status}")
        try:
            return response.json()
        except ProviderError:
            raise GatewayError("the gateway answered something that is not JSON") from None

    def checkout(
        self, *, reference: str, amount: Decimal, return_url: str, notify_url: str
    ) -> Checkout:
        answer = self._json(
            self._send(
                "POST",
                "/v1/checkouts",
                {
                    "merchant": self.merchant,
                    "reference": reference,
                    "amount": f"{amount:.3f}",
                    "currency": "KWD",
                    "return_url": return_url,
                    "notify_url": notify_url,
                },
            ),
            201,
        )
        try:
            transaction_id, payment_url = str(answer["transaction_id"]), str(answer["payment_url"])
        except (KeyError, TypeError):
            raise GatewayError("the checkout answer misses a field") from None
        if urlsplit(payment_url).scheme not in {"http", "https"}:
            raise GatewayError("the payment page is not an http(s) URL")
        return Checkout(transaction_id=transaction_id, payment_url=payment_url)

    def status(self, transaction_id: str) -> GatewayTransaction:
        path = f"/v1/transactions/{quote(transaction_id, safe='')}"
        return transaction_from(self._json(self._send("GET", path), 200))

    def refund(self, *, transaction_id: str, amount: Decimal, refund_id: str) -> None:
        path = f"/v1/transactions/{quote(transaction_id, safe='')}/refunds"
        answer = self._json(
            self._send("POST", path, {"amount": f"{amount:.3f}", "refund_id": refund_id}), 201
        )
        if not isinstance(answer, dict) or answer.get("state") != "succeeded":
            raise GatewayError("the gateway did not confirm the refund")

    def transactions(self) -> list[GatewayTransaction]:
        path = f"/v1/transactions?merchant={quote(self.merchant, safe='')}"
        answer = self._json(self._send("GET", path), 200)
        items = answer.get("transactions") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise GatewayError("the listing has no list of transactions")
        return [transaction_from(item) for item in items]
