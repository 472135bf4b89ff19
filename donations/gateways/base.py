"""What every gateway adapter offers the donation services, and the errors it may raise.

An adapter translates one wire protocol: it never writes the ledger. The shape is the one of the
Gulf gateways (KNET, MyFatoorah, Tap, HyperPay): we open a checkout and send the browser to the
gateway's hosted payment page; the gateway tells us the outcome in a signed server-to-server
notification and sends the browser back to our return URL — in either order.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

#: Events of a notification (and of a status query's answer).
APPROVED = "payment.approved"
DECLINED = "payment.declined"
REFUNDED = "refund.succeeded"


class GatewayError(Exception):
    """The gateway could not be asked (unreachable, refused our credentials, answered nonsense).
    Nothing was recorded on our side."""


@dataclass(frozen=True)
class Checkout:
    transaction_id: str
    payment_url: str


@dataclass(frozen=True)
class GatewayTransaction:
    """One transaction as the gateway records it."""

    transaction_id: str
    reference: str
    amount: Decimal
    state: str  # "initiated", "approved" or "declined"
    refunded: Decimal


class Gateway(Protocol):
    name: str

    def checkout(
        self, *, reference: str, amount: Decimal, return_url: str, notify_url: str
    ) -> Checkout: ...

    def status(self, transaction_id: str) -> GatewayTransaction: ...

    def refund(self, *, transaction_id: str, amount: Decimal, refund_id: str) -> None: ...

    def transactions(self) -> list[GatewayTransaction]: ...
