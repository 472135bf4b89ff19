"""Paying an aid instalment from gifts: the payment and its allocations in one transaction.

``payment_record_funded`` records the payment through charities' own path
(``payment_record_in_transaction``: the same checks, the case locked first) and, in the same
durable transaction, funds it from the organisation's paid gifts whose kind may fund the case's
aid type (and, for a fund gift, whose fund is that aid type), oldest first. The gifts are locked
in primary-key order (two caseworkers paying at once take them in the same order, so they queue
instead of deadlocking), then used oldest-paid first. The database checks every allocation
(``donations/migrations/0002_ledger.py``): the services' arithmetic only picks the gifts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import User
from aid_requests.models import Payment
from audit.services import audit_record
from charities.services.payments import payment_record_in_transaction
from donations.exceptions import NotEnoughGifts
from donations.models import Allocation, Gift, GiftKindAidType, GiftStatus


def fundable_gifts(*, organisation_id: int, aid_type_id: int):  # type: ignore[no-untyped-def]
    """The organisation's paid gifts that may fund ``aid_type_id`` and have money left."""
    kinds = GiftKindAidType.objects.filter(aid_type_id=aid_type_id).values("kind")
    return Gift.objects.filter(
        Q(fund__isnull=True) | Q(fund_id=aid_type_id),
        organisation_id=organisation_id,
        status=GiftStatus.PAID,
        kind__in=kinds,
        amount__gt=F("allocated") + F("refunded"),
    )


def available_for(*, organisation_id: int, aid_type_id: int) -> Decimal:
    """What the organisation's gifts could give a payment of this aid type now."""
    return sum(
        (
            g.available
            for g in fundable_gifts(organisation_id=organisation_id, aid_type_id=aid_type_id)
        ),
        Decimal(0),
    )


def payment_fund(*, payment: Payment, actor: User) -> list[Allocation]:
    """Fund the whole of ``payment`` from gifts, oldest first, inside the caller's transaction;
    ``NotEnoughGifts`` when they do not cover it (the caller's transaction then rolls back)."""
    aid_type_id = payment.aid_request.aid_type_id
    gifts = list(
        fundable_gifts(organisation_id=payment.organisation_id, aid_type_id=aid_type_id)
        .select_for_update()
        .order_by("pk")
    )
    gifts.sort(key=lambda g: (g.paid_at or g.created_at, g.pk))
    left = payment.amount
    plan: list[tuple[Gift, Decimal]] = []
    for gift in gifts:
        if left <= 0:
            break
        take = min(gift.available, left)
        if take > 0:
            plan.append((gift, take))
            left -= take
    if left > 0:
        raise NotEnoughGifts(payment.amount - left)
    now = timezone.now()
    allocations = [
        Allocation.objects.create(
            gift=gift,
            payment=payment,
            amount=take,
            kind=gift.kind,
            aid_type_id=aid_type_id,
            created_at=now,
        )
        for gift, take in plan
    ]
    audit_record(
        actor=actor,
        action="payment.funded_from_gifts",
        target=payment,
        organisation_id=payment.organisation_id,
        data={"gifts": [[gift.reference, str(take)] for gift, take in plan]},
    )
    return allocations


def payment_record_funded(
    *,
    aid_request_id: int,
    actor: User,
    amount: Decimal,
    paid_on: datetime.date,
    method: str,
    reference: str = "",
    period: int | None = None,
    second_factor_passed: bool = False,
) -> Payment:
    """``charities.services.payments.payment_record``, paid from the organisation's gifts: both
    or neither (one durable transaction)."""
    with transaction.atomic(durable=True):
        payment = payment_record_in_transaction(
            aid_request_id=aid_request_id,
            actor=actor,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=reference,
            period=period,
            second_factor_passed=second_factor_passed,
        )
        payment_fund(payment=payment, actor=actor)
    return payment
