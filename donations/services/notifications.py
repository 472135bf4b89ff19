"""The gateway's word on a gift: signed notifications, status queries and the simulator's page,
all applied by ``gateway_event_apply``, once each.

Each accepted event is stored under (transaction id, event) — a refund's event carries its refund
id — with a unique constraint, so a replay, or a notification after the status query already told
us the same, changes nothing. The notification may come before or after the browser returns: the
donor's page shows the gift's state either way (``gift_refresh`` asks the gateway meanwhile).
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, override

from audit.services import audit_record
from donations.gateways import base as gw
from donations.gateways.registry import get_gateway
from donations.gateways.signing import SignatureInvalid, sign, verify
from donations.models import (
    GatewayNotification,
    Gift,
    GiftStatus,
    Refund,
    SimulatedTransaction,
)
from notifications.sms import send_sms

logger = logging.getLogger("donations.gateway")


class NotificationRefused(Exception):
    """Forged, stale or malformed: answered 400/403, nothing changed."""

    def __init__(self, reason: str, *, status: int = 400) -> None:
        super().__init__(reason)
        self.status = status


def notification_accept(*, body: bytes, timestamp: str, signature: str) -> str:
    """One notification as the endpoint received it: verify, parse, apply. Returns the
    outcome ("applied", "replay", "ignored", "unknown", "mismatch") or raises
    ``NotificationRefused``."""
    try:
        verify(body, timestamp=timestamp, signature=signature)
    except SignatureInvalid as exc:
        logger.warning("gateway notification refused: %s", exc)
        raise NotificationRefused(str(exc), status=403) from None
    try:
        data = json.loads(body.decode("utf-8"))
        transaction_id = str(data["transaction_id"])
        event = str(data["event"])
        amount = Decimal(str(data["amount"]))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, InvalidOperation):
        raise NotificationRefused("malformed notification") from None
    if event not in {gw.APPROVED, gw.DECLINED, gw.REFUNDED}:
        raise NotificationRefused("unknown event")
    refund_id = str(data.get("refund_id") or "")
    if event == gw.REFUNDED and not refund_id:
        raise NotificationRefused("a refund needs its refund_id")
    return gateway_event_apply(
        transaction_id=transaction_id,
        event=event,
        amount=amount,
        refund_id=refund_id,
        payload=data if isinstance(data, dict) else {},
    )


def gateway_event_apply(
    *,
    transaction_id: str,
    event: str,
    amount: Decimal,
    refund_id: str = "",
    payload: dict[str, Any] | None = None,
) -> str:
    """Apply one event of the gateway to its gift, once (see the module)."""
    key = f"{event}:{refund_id}" if event == gw.REFUNDED else event
    sms: tuple[str, str, str] | None = None
    with transaction.atomic(durable=True):
        # The gift's lock first: two deliveries of one event queue here, the second is a replay.
        gift = Gift.objects.select_for_update().filter(transaction_id=transaction_id).first()
        if gift is None:
            logger.warning("gateway notification for an unknown transaction %s", transaction_id)
            return "unknown"
        if GatewayNotification.objects.filter(transaction_id=transaction_id, event=key).exists():
            return "replay"
        GatewayNotification.objects.create(
            transaction_id=transaction_id,
            event=key,
            received_at=timezone.now(),
            payload=payload or {},
        )
        outcome = "ignored"
        if event in (gw.APPROVED, gw.DECLINED) and amount != gift.amount:
            logger.error("gateway amount %s differs from gift %s", amount, gift.reference)
            outcome = "mismatch"  # left for the reconciliation to show
        elif event == gw.APPROVED and gift.status == GiftStatus.PENDING:
            gift.status = GiftStatus.PAID
            gift.paid_at = timezone.now()
            gift.save(update_fields=["status", "paid_at"])
            outcome = "applied"
            if gift.mobile and gift.return_url:
                sms = (gift.mobile, gift.reference, gift.return_url)
        elif event == gw.DECLINED and gift.status == GiftStatus.PENDING:
            gift.status = GiftStatus.DECLINED
            gift.save(update_fields=["status"])
            outcome = "applied"
        elif event == gw.REFUNDED:
            outcome = _refund_from_gateway(gift, refund_id, amount)
        if outcome == "applied":
            audit_record(
                actor=None,
                action=f"gift.{event}",
                target=gift,
                organisation_id=gift.organisation_id,
                data={"transaction": transaction_id, "amount": str(amount)},
            )
        if sms is not None:
            mobile, reference, link = sms
            transaction.on_commit(lambda: _send_thanks(mobile, reference, link))
    return outcome


def _refund_from_gateway(gift: Gift, refund_id: str, amount: Decimal) -> str:
    """A refund the gateway reports: ours (already in the ledger) or one made at the gateway
    (recorded now, if the unallocated part covers it; otherwise left for the reconciliation)."""
    if Refund.objects.filter(refund_id=refund_id).exists():
        return "ignored"
    if gift.status != GiftStatus.PAID or amount <= 0 or amount > gift.available:
        logger.error("gateway refund %s does not fit gift %s", refund_id, gift.reference)
        return "mismatch"
    Refund.objects.create(
        gift=gift, refund_id=refund_id, amount=amount, reason="gateway", at=timezone.now()
    )
    gift.refunded += amount
    gift.save(update_fields=["refunded"])
    return "applied"


def _send_thanks(mobile: str, reference: str, link: str) -> None:
    with override(settings.LANGUAGE_CODE):
        body = gettext(
            "Musaada: thank you, your gift %(reference)s is received. See where it goes: %(link)s"
        ) % {"reference": reference, "link": link}
    send_sms(to=mobile, body=body)


def gift_refresh(*, gift_id: int) -> Gift:
    """A pending gift whose notification has not come yet: ask the gateway, and apply what it
    says exactly as its notification would be (keyed alike, so the notification, when it comes,
    changes nothing). A gateway that cannot be reached leaves the gift pending."""
    gift = Gift.objects.get(pk=gift_id)
    if gift.status != GiftStatus.PENDING or not gift.transaction_id:
        return gift
    try:
        answer = get_gateway().status(gift.transaction_id)
    except gw.GatewayError:
        return gift
    events = {"approved": gw.APPROVED, "declined": gw.DECLINED}
    if answer.state in events:
        gateway_event_apply(
            transaction_id=answer.transaction_id,
            event=events[answer.state],
            amount=answer.amount,
            payload={"source": "status query", "state": answer.state},
        )
    gift.refresh_from_db()
    return gift


def simulator_decide(*, transaction_id: str, approve: bool) -> str:
    """The simulator's payment page: the payer approved or declined. The simulator records it on
    its side, then sends its signed notification like a real gateway (through
    ``notification_accept``, verified like any other), and returns the URL the browser goes
    back to."""
    with transaction.atomic(durable=True):
        row = SimulatedTransaction.objects.select_for_update().get(transaction_id=transaction_id)
        if row.state == SimulatedTransaction.State.INITIATED:
            row.state = (
                SimulatedTransaction.State.APPROVED
                if approve
                else SimulatedTransaction.State.DECLINED
            )
            row.save(update_fields=["state"])
    body = json.dumps(
        {
            "transaction_id": row.transaction_id,
            "reference": row.reference,
            "event": gw.APPROVED if row.state == row.State.APPROVED else gw.DECLINED,
            "amount": f"{row.amount:.3f}",
            "currency": "KWD",
        }
    ).encode()
    stamp = int(timezone.now().timestamp())
    notification_accept(body=body, timestamp=str(stamp), signature=sign(body, timestamp=stamp))
    return row.return_url
