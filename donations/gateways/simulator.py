"""The simulator gateway: the embedded default, a hosted payment page inside the portal.

``checkout`` records a ``SimulatedTransaction`` (the gateway's own record, which the
reconciliation reads) and points the browser at ``donations:simulator``. There a person presses
Approve or Decline; ``simulator_decide`` then builds the notification a real gateway would send,
signs it with the shared secret and hands it to the same entry point as the notification
endpoint (``donations.services.notifications.notification_accept``), so it is verified and
applied exactly like one, before the browser is sent back to the return URL.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from donations.gateways.base import Checkout, GatewayError, GatewayTransaction
from donations.models import SimulatedTransaction


def _answer(row: SimulatedTransaction) -> GatewayTransaction:
    return GatewayTransaction(
        transaction_id=row.transaction_id,
        reference=row.reference,
        amount=row.amount,
        state=row.state,
        refunded=row.refunded,
    )


class SimulatorGateway:
    name = "simulator"

    def checkout(
        self, *, reference: str, amount: Decimal, return_url: str, notify_url: str
    ) -> Checkout:
        row = SimulatedTransaction.objects.create(
            transaction_id=f"SIM-{secrets.token_hex(8).upper()}",
            reference=reference,
            amount=amount,
            return_url=return_url,
            notify_url=notify_url,
            created_at=timezone.now(),
        )
        return Checkout(
            transaction_id=row.transaction_id,
            payment_url=reverse("donations:simulator", args=[row.transaction_id]),
        )

    def status(self, transaction_id: str) -> GatewayTransaction:
        row = SimulatedTransaction.objects.filter(transaction_id=transaction_id).first()
        if row is None:
            raise GatewayError("unknown transaction")
        return _answer(row)

    def refund(self, *, transaction_id: str, amount: Decimal, refund_id: str) -> None:
        with transaction.atomic():
            row = (
                SimulatedTransaction.objects.select_for_update()
                .filter(transaction_id=transaction_id)
                .first()
            )
            if row is None or row.state != SimulatedTransaction.State.APPROVED:
                raise GatewayError("only an approved transaction can be refunded")
            if row.refunded + amount > row.amount:
                raise GatewayError("the refund is more than the transaction")
            row.refunded += amount
            row.save(update_fields=["refunded"])

    def transactions(self) -> list[GatewayTransaction]:
        return [_answer(row) for row in SimulatedTransaction.objects.order_by("id")]
