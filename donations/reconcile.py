"""The reconciliation: the gateway's record of transactions against the ledger.

Every difference is one line: a transaction the gateway approved that the ledger does not know
or holds unpaid (``missing`` / ``state``), a gift the ledger holds paid that the gateway does
not know or did not approve, an amount that differs, or refunds that differ.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from donations.gateways.base import Gateway
from donations.models import Gift, GiftStatus


@dataclass(frozen=True)
class Difference:
    kind: str  # "missing", "unknown", "amount", "state", "refund"
    transaction_id: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.transaction_id}: {self.detail}"


def differences(gateway: Gateway) -> list[Difference]:
    found: list[Difference] = []
    theirs = {t.transaction_id: t for t in gateway.transactions()}
    ours = {
        str(g.transaction_id): g
        for g in Gift.objects.exclude(transaction_id=None).only(
            "transaction_id", "reference", "amount", "status", "refunded"
        )
    }
    for transaction_id, record in theirs.items():
        gift = ours.get(transaction_id)
        if gift is None:
            if record.state == "approved":
                found.append(
                    Difference("missing", transaction_id, f"approved {record.amount} not in ledger")
                )
            continue
        if record.amount != gift.amount:
            found.append(
                Difference(
                    "amount", transaction_id, f"gateway {record.amount}, ledger {gift.amount}"
                )
            )
        paid = gift.status == GiftStatus.PAID
        if (record.state == "approved") != paid:
            found.append(
                Difference("state", transaction_id, f"gateway {record.state}, ledger {gift.status}")
            )
        if record.refunded != gift.refunded:
            found.append(
                Difference(
                    "refund", transaction_id, f"gateway {record.refunded}, ledger {gift.refunded}"
                )
            )
    for transaction_id, gift in ours.items():
        if transaction_id not in theirs and (
            gift.status == GiftStatus.PAID or gift.refunded > Decimal(0)
        ):
            found.append(
                Difference("unknown", transaction_id, f"ledger paid {gift.amount}, gateway none")
            )
    return found
