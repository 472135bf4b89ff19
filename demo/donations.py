"""Demo donations: the ministry's default table of which aid types each kind of gift may fund,
and for each active organisation that has paid aid, two gifts through the simulator gateway —
an older general gift that funded its payments (oldest first) and a newer zakat or sadaqa gift
still unallocated. The simulator's own records agree with the ledger, so
``donations_reconcile`` is clean on the demo data. Keyed by reference: running it again changes
nothing.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from aid_requests.models import AidType, Payment
from charities.models import Organisation, OrganisationStatus
from donations.models import Allocation, Gift, GiftKind, GiftKindAidType, GiftStatus
from donations.models import SimulatedTransaction as Sim
from donations.rules import default_pairs

#: (suffix, kind, amount, days before now it was paid, allocated to the payments?)
GIFTS = (
    ("1", GiftKind.GENERAL, Decimal("500.000"), 40, True),
    ("2", GiftKind.SADAQA, Decimal("150.000"), 6, False),
)


def seed_donations(now: datetime.datetime | None = None) -> int:
    """Create the demo gifts and allocations; returns how many demo gifts there are."""
    now = now or timezone.now()
    for kind, aid_type_id in default_pairs(AidType.objects.all()):
        GiftKindAidType.objects.get_or_create(kind=kind, aid_type_id=aid_type_id)
    organisations = Organisation.objects.filter(
        status=OrganisationStatus.ACTIVE, payments__isnull=False
    ).distinct()
    for organisation in organisations:
        for suffix, kind, amount, days, allocate in GIFTS:
            reference = f"G-DEMO-{organisation.pk}-{suffix}"
            if Gift.objects.filter(reference=reference).exists():
                continue
            paid_at = now - datetime.timedelta(days=days)
            transaction_id = f"SIM-DEMO-{organisation.pk}-{suffix}"
            Sim.objects.create(
                transaction_id=transaction_id,
                reference=reference,
                amount=amount,
                state=Sim.State.APPROVED,
                return_url="",
                notify_url="",
                created_at=paid_at,
            )
            gift = Gift.objects.create(
                reference=reference,
                token=f"demo-gift-{organisation.pk}-{suffix}",
                organisation=organisation,
                kind=kind,
                amount=amount,
                mobile="+96550009999",
                mobile_confirmed_at=paid_at,
                status=GiftStatus.PAID,
                gateway="simulator",
                transaction_id=transaction_id,
                created_at=paid_at,
                paid_at=paid_at,
            )
            if allocate:
                _allocate(gift, now)
    return Gift.objects.filter(reference__startswith="G-DEMO-").count()


def _allocate(gift: Gift, now: datetime.datetime) -> None:
    """Fund the organisation's payments not yet funded, oldest first, while the gift lasts
    (the database checks each allocation and counts it in ``Gift.allocated``)."""
    left = gift.amount
    payments = (
        Payment.objects.filter(organisation=gift.organisation, allocations__isnull=True)
        .select_related("aid_request")
        .order_by("paid_on", "pk")
    )
    for payment in payments:
        allowed = GiftKindAidType.objects.filter(
            kind=gift.kind, aid_type_id=payment.aid_request.aid_type_id
        ).exists()
        if left <= 0 or not allowed:
            continue
        take = min(left, payment.amount)
        Allocation.objects.create(
            gift=gift,
            payment=payment,
            amount=take,
            kind=gift.kind,
            aid_type_id=payment.aid_request.aid_type_id,
            created_at=now,
        )
        left -= take
