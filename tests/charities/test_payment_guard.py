"""Money: a case pays at most what was approved, whatever writes the row and however fast.

The database refuses a payment outside its request's approval (trigger on PostgreSQL and on
SQLite); one payment per period is a unique constraint; a payment form sent several times at
once records one payment (real threads, each with its own connection).
"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import Payment, PaymentMethod
from charities.exceptions import PaymentAlreadyRecorded
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve, payment_record
from tests.concurrency import outcome, run_together
from tests.factories.cases import caseworker, family, open_request

SENDERS = 10


def approved_case(capital, needy, *, payments=6, amount="150"):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request = open_request(family(capital), needy, capital, amount="900.000")
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal(amount), payments=payments
    )
    aid_request.refresh_from_db()
    return aid_request, manager


def raw_payment(aid_request, manager, *, period, amount):
    """A payment written straight to the table, past every check of the service."""
    with transaction.atomic():
        Payment.objects.create(
            aid_request=aid_request,
            organisation=aid_request.claimed_by,
            period=period,
            amount=Decimal(amount),
            paid_on=timezone.localdate(),
            method=PaymentMethod.CHEQUE,
            recorded_by=manager,
            recorded_at=timezone.now(),
        )


@pytest.mark.django_db
def test_the_database_refuses_a_payment_beyond_the_approved_number(capital, needy):
    aid_request, manager = approved_case(capital, needy, payments=2)
    raw_payment(aid_request, manager, period=2, amount="150")
    with pytest.raises(IntegrityError, match="payment_outside_approval"):
        raw_payment(aid_request, manager, period=3, amount="150")
    assert list(aid_request.payments.values_list("period", flat=True)) == [2]


@pytest.mark.django_db
def test_the_database_refuses_a_payment_above_the_approved_amount(capital, needy):
    aid_request, manager = approved_case(capital, needy, amount="150")
    with pytest.raises(IntegrityError, match="payment_outside_approval"):
        raw_payment(aid_request, manager, period=1, amount="150.001")
    assert not aid_request.payments.exists()


@pytest.mark.django_db
def test_the_database_refuses_a_payment_of_a_case_never_approved(capital, needy):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request.refresh_from_db()
    with pytest.raises(IntegrityError, match="payment_outside_approval"):
        raw_payment(aid_request, manager, period=1, amount="1")


@pytest.mark.django_db
def test_the_database_refuses_raising_a_recorded_payment_above_the_approval(capital, needy):
    aid_request, manager = approved_case(capital, needy, amount="150")
    raw_payment(aid_request, manager, period=1, amount="150")
    with pytest.raises(IntegrityError, match="payment_outside_approval"), transaction.atomic():
        Payment.objects.filter(aid_request=aid_request).update(amount=Decimal("999"))
    assert aid_request.payments.get().amount == Decimal("150")


@pytest.mark.django_db(transaction=True)
def test_a_payment_form_sent_ten_times_at_once_records_one_payment(capital, needy):
    aid_request, manager = approved_case(capital, needy)

    def send() -> str:
        payment_record(
            aid_request_id=aid_request.pk,
            actor=manager,
            amount=Decimal("150"),
            paid_on=timezone.localdate(),
            method=PaymentMethod.BANK_TRANSFER,
            period=1,
        )
        return "recorded"

    results = run_together(*[send] * SENDERS)
    outcomes = [outcome(r, {PaymentAlreadyRecorded: "already recorded"}) for r in results]
    assert sorted(outcomes) == ["already recorded"] * (SENDERS - 1) + ["recorded"]
    assert list(aid_request.payments.values_list("period", flat=True)) == [1]
