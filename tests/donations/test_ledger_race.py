"""The ledger under concurrent allocations: real threads, each on its own connection.

On PostgreSQL the payments run truly at once (the gift rows' locks order them; the CHECK is the
backstop). On SQLite the same tests run too: IMMEDIATE transactions queue the writers one at a
time on the file-backed test database, so they check the same invariant, serialised.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.utils import timezone

from aid_requests.models import PaymentMethod
from charities.services.payments import payment_record
from donations.exceptions import NotEnoughGifts
from donations.models import Allocation, Gift
from donations.services.ledger import payment_record_funded
from tests.concurrency import outcome, run_together
from tests.donations.conftest import approved_case, colleague, manager_of, paid_gift

ORGANISATIONS = 2
CASES_EACH = 4


@pytest.mark.django_db(transaction=True)
def test_caseworkers_of_several_organisations_paying_at_once_never_overdraw_a_gift(
    capital, needy, rules
):
    jobs = []
    gifts = []
    for _ in range(ORGANISATIONS):
        manager = manager_of([needy], [capital])
        gifts.append(paid_gift(manager.membership.organisation, "500"))
        for _ in range(CASES_EACH):
            aid_request = approved_case(manager, needy, capital)
            worker = colleague(manager)

            def job(aid_request=aid_request, worker=worker) -> str:
                payment_record_funded(
                    aid_request_id=aid_request.pk,
                    actor=worker,
                    amount=Decimal("150"),
                    paid_on=timezone.localdate(),
                    method=PaymentMethod.BANK_TRANSFER,
                    period=1,
                    second_factor_passed=True,
                )
                return "funded"

            jobs.append(job)
    results = [outcome(r, {NotEnoughGifts: "not enough"}) for r in run_together(*jobs)]
    # Each organisation's 500 pays three instalments of 150; its fourth finds 50 left.
    assert sorted(results) == ["funded"] * 6 + ["not enough"] * 2
    for gift in gifts:
        gift.refresh_from_db()
        assert gift.allocated == Decimal("450")
        total = sum(a.amount for a in Allocation.objects.filter(gift=gift))
        assert total == gift.allocated


@pytest.mark.django_db(transaction=True)
def test_raw_allocations_at_once_are_held_by_the_database_alone(capital, needy, rules):
    """Past every service check: the trigger and the CHECK alone keep the gift whole."""
    manager = manager_of([needy], [capital])
    gift = paid_gift(manager.membership.organisation, "300")
    payments = []
    for _ in range(5):
        payments.append(
            payment_record(
                aid_request_id=approved_case(manager, needy, capital).pk,
                actor=manager,
                amount=Decimal("100"),
                paid_on=timezone.localdate(),
                method=PaymentMethod.CHEQUE,
                second_factor_passed=True,
            )
        )

    def insert(payment) -> str:
        Allocation.objects.create(
            gift=gift,
            payment=payment,
            amount=Decimal("100"),
            kind=gift.kind,
            aid_type=needy,
            created_at=timezone.now(),
        )
        return "allocated"

    results = run_together(*[lambda p=p: insert(p) for p in payments])
    outcomes = sorted(outcome(r, {IntegrityError: "refused"}) for r in results)
    assert outcomes == ["allocated"] * 3 + ["refused"] * 2
    gift = Gift.objects.get(pk=gift.pk)
    assert gift.allocated == Decimal("300") == sum(a.amount for a in gift.allocations.all())
