"""The ledger: paying an instalment from gifts, oldest first, never more than a gift brought in,
never an aid type its kind may not fund — and the database refuses it whatever writes the row."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from aid_requests.models import Payment, PaymentMethod
from audit.models import AuditEntry
from donations.exceptions import NotEnoughGifts
from donations.models import Allocation, Gift, GiftKind, GiftKindAidType
from donations.services.ledger import payment_record_funded
from tests.donations.conftest import approved_case, manager_of, paid_gift
from tests.factories.cases import caseworker

pytestmark = pytest.mark.django_db


def pay(aid_request, actor, amount="150", period=None):
    return payment_record_funded(
        aid_request_id=aid_request.pk,
        actor=actor,
        amount=Decimal(amount),
        paid_on=timezone.localdate(),
        method=PaymentMethod.BANK_TRANSFER,
        period=period,
        second_factor_passed=True,
    )


def test_a_payment_is_funded_from_the_oldest_gifts_first(capital, needy, rules):
    manager = manager_of([needy], [capital])
    organisation = manager.membership.organisation
    newer = paid_gift(organisation, "100", days_ago=1)
    older = paid_gift(organisation, "100", days_ago=5)
    aid_request = approved_case(manager, needy, capital)
    payment = pay(aid_request, manager)
    older.refresh_from_db()
    newer.refresh_from_db()
    assert (older.allocated, newer.allocated) == (Decimal("100"), Decimal("50"))
    assert sorted(a.amount for a in payment.allocations.all()) == [Decimal("50"), Decimal("100")]
    entry = AuditEntry.objects.get(action="payment.funded_from_gifts")
    assert entry.organisation_id == organisation.pk


def test_not_enough_gifts_records_neither_payment_nor_allocation(capital, needy, rules):
    manager = manager_of([needy], [capital])
    gift = paid_gift(manager.membership.organisation, "100")
    aid_request = approved_case(manager, needy, capital)
    with pytest.raises(NotEnoughGifts):
        pay(aid_request, manager)
    assert not Payment.objects.exists()
    gift.refresh_from_db()
    assert gift.allocated == 0


def test_only_the_paying_organisations_gifts_of_an_allowed_kind_and_fund_are_used(
    capital, needy, student, rules
):
    manager = manager_of([needy], [capital])
    other = caseworker([needy], [capital])
    paid_gift(other.membership.organisation, "1000")  # another organisation's
    paid_gift(manager.membership.organisation, "1000", fund=student)  # the student fund
    GiftKindAidType.objects.filter(kind=GiftKind.SADAQA).delete()
    paid_gift(manager.membership.organisation, "1000", kind=GiftKind.SADAQA)  # not allowed
    aid_request = approved_case(manager, needy, capital)
    with pytest.raises(NotEnoughGifts):
        pay(aid_request, manager)
    fund_gift = paid_gift(manager.membership.organisation, "150", fund=needy)
    pay(aid_request, manager)
    fund_gift.refresh_from_db()
    assert fund_gift.allocated == Decimal("150")


def raw_allocation(gift, payment, amount, *, kind=None, aid_type=None):
    with transaction.atomic():
        return Allocation.objects.create(
            gift=gift,
            payment=payment,
            amount=Decimal(amount),
            kind=kind or gift.kind,
            aid_type=aid_type or payment.aid_request.aid_type,
            created_at=timezone.now(),
        )


def plain_payment(aid_request, manager):
    from charities.services.payments import payment_record

    return payment_record(
        aid_request_id=aid_request.pk,
        actor=manager,
        amount=Decimal("150"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.CHEQUE,
        second_factor_passed=True,
    )


def test_the_database_counts_allocations_and_refuses_more_than_the_gift(capital, needy, rules):
    manager = manager_of([needy], [capital])
    gift = paid_gift(manager.membership.organisation, "100")
    payment = plain_payment(approved_case(manager, needy, capital), manager)
    raw_allocation(gift, payment, "60.100")
    gift.refresh_from_db()
    assert gift.allocated == Decimal("60.100")
    second = plain_payment(approved_case(manager, needy, capital), manager)
    with pytest.raises(IntegrityError, match="gift_ledger_within_amount"):
        raw_allocation(gift, second, "39.901")
    raw_allocation(gift, second, "39.900")
    gift.refresh_from_db()
    assert gift.allocated == gift.amount


def test_the_database_refuses_a_kind_the_ministry_does_not_allow(capital, student, rules):
    manager = manager_of([student], [capital])
    gift = paid_gift(manager.membership.organisation, "500", kind=GiftKind.ZAKAT)
    payment = plain_payment(approved_case(manager, student, capital, payments=5), manager)
    with pytest.raises(IntegrityError, match="allocation_kind_not_allowed"):
        raw_allocation(gift, payment, "10")
    gift.refresh_from_db()
    assert gift.allocated == 0


def test_the_database_refuses_another_organisations_gift_or_a_wrong_copy(capital, needy, rules):
    manager = manager_of([needy], [capital])
    other = caseworker([needy], [capital])
    gift = paid_gift(other.membership.organisation, "500")
    payment = plain_payment(approved_case(manager, needy, capital), manager)
    with pytest.raises(IntegrityError, match="allocation_mismatch"):
        raw_allocation(gift, payment, "10")
    own = paid_gift(manager.membership.organisation, "500")
    with pytest.raises(IntegrityError, match="allocation_mismatch"):
        raw_allocation(own, payment, "10", kind=GiftKind.ZAKAT)  # the gift is general


def test_the_database_refuses_funding_a_payment_beyond_its_amount(capital, needy, rules):
    manager = manager_of([needy], [capital])
    gift = paid_gift(manager.membership.organisation, "500")
    other_gift = paid_gift(manager.membership.organisation, "500")
    payment = plain_payment(approved_case(manager, needy, capital), manager)
    raw_allocation(gift, payment, "100")
    with pytest.raises(IntegrityError, match="allocation_beyond_payment"):
        raw_allocation(other_gift, payment, "50.001")


def test_allocations_are_never_changed(capital, needy, rules):
    manager = manager_of([needy], [capital])
    gift = paid_gift(manager.membership.organisation, "500")
    payment = plain_payment(approved_case(manager, needy, capital), manager)
    allocation = raw_allocation(gift, payment, "100")
    with pytest.raises(IntegrityError, match="allocation_append_only"), transaction.atomic():
        Allocation.objects.filter(pk=allocation.pk).update(amount=Decimal("1"))


def test_a_refund_and_allocations_together_stay_within_the_gift(capital, needy, rules):
    manager = manager_of([needy], [capital])
    gift = paid_gift(manager.membership.organisation, "100")
    payment = plain_payment(approved_case(manager, needy, capital), manager)
    raw_allocation(gift, payment, "70")
    with pytest.raises(IntegrityError, match="gift_ledger_within_amount"), transaction.atomic():
        Gift.objects.filter(pk=gift.pk).update(refunded=Decimal("30.001"))
