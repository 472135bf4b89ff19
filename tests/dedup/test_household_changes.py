"""Household changes after a claim: the household aid covers a new member under the same
database rule; where it cannot, a coverage conflict holds the later case's payments back
(in the database) until the ministry resolves it; a member who leaves is covered until the
end of the current period."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import Payment, PaymentMethod
from applicants.models import HouseholdMember
from audit.models import AuditEntry
from charities.exceptions import PaymentHeldByConflict
from charities.services.claim import aid_request_claim
from charities.services.payments import payment_record
from config.dates import add_months
from dedup import household_steps
from dedup import services as dedup
from dedup.models import AidCommitment, CommitmentStatus, ConflictStatus, CoverageConflict
from notifications.models import Notification
from tests.factories import StaffUserFactory, civil_id_for
from tests.factories.cases import (
    SHARED,
    add_member,
    caseworker,
    claimed_case,
    family,
    open_request,
)

pytestmark = pytest.mark.django_db
NEWCOMER = civil_id_for(5_000_888)


def pay(aid_request, manager, period=1):
    return payment_record(
        aid_request_id=aid_request.pk,
        actor=manager,
        amount=Decimal("150"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.CHEQUE,
        period=period,
    )


def raw_payment(aid_request, manager):
    with transaction.atomic():
        Payment.objects.create(
            aid_request=aid_request,
            organisation=aid_request.claimed_by,
            period=1,
            amount=Decimal("150"),
            paid_on=timezone.localdate(),
            method=PaymentMethod.CHEQUE,
            recorded_by=manager,
            recorded_at=timezone.now(),
        )


def test_member_added_to_a_claimed_household_is_covered_by_its_aid(capital, needy):
    applicant = family(capital, [civil_id_for(1)])
    aid_request, _ = claimed_case(capital, needy, applicant)
    add_member(applicant, NEWCOMER)
    slot = AidCommitment.objects.get(aid_request=aid_request, civil_id=NEWCOMER)
    assert slot.status == CommitmentStatus.RESERVED
    assert not slot.is_applicant
    assert slot.period_start == timezone.localdate()
    assert slot.period_end == aid_request.coverage_end
    assert AuditEntry.objects.filter(action="commitment.extend").count() == 1
    assert not CoverageConflict.objects.exists()


def test_member_added_to_an_approved_household_gets_an_active_commitment(capital, needy):
    applicant = family(capital)
    aid_request, _ = claimed_case(capital, needy, applicant, approve=True)
    add_member(applicant, NEWCOMER)
    assert AidCommitment.objects.get(civil_id=NEWCOMER).status == CommitmentStatus.ACTIVE


def test_member_added_to_an_open_household_is_not_committed_yet(capital, needy):
    applicant = family(capital)
    open_request(applicant, needy, capital)
    add_member(applicant, NEWCOMER)
    assert not AidCommitment.objects.filter(civil_id=NEWCOMER).exists()


def test_member_holding_the_aid_elsewhere_is_listed_and_a_conflict_holds_payments(capital, needy):
    own_request, _ = claimed_case(capital, needy, family(capital, applicant_civil_id=SHARED))
    applicant = family(capital)
    household_case, manager = claimed_case(capital, needy, applicant, approve=True)

    saved = add_member(applicant, SHARED)

    assert HouseholdMember.objects.filter(pk=saved.member.pk, civil_id=SHARED).exists()
    assert saved.listed_elsewhere
    assert not AidCommitment.objects.filter(aid_request=household_case, civil_id=SHARED).exists()
    conflict = CoverageConflict.objects.get()
    assert conflict.status == ConflictStatus.OPEN
    assert (conflict.aid_request, conflict.held.aid_request) == (household_case, own_request)
    assert AuditEntry.objects.filter(action="coverage_conflict.open").count() == 1
    # Both organisations' managers are told, each about its own case.
    told = set(
        Notification.objects.filter(kind="coverage_conflict_opened").values_list(
            "aid_request_id", flat=True
        )
    )
    assert told == {household_case.pk, own_request.pk}

    with pytest.raises(PaymentHeldByConflict):
        pay(household_case, manager)
    with pytest.raises(IntegrityError, match="payment_coverage_conflict"):
        raw_payment(household_case, manager)
    assert not household_case.payments.exists()

    official = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    dedup.coverage_conflict_resolve(
        conflict_id=conflict.pk,
        actor=official,
        resolution="covered_elsewhere",
        reason="الابن مغطى من أسرته الأخرى",
    )
    conflict.refresh_from_db()
    assert conflict.status == ConflictStatus.RESOLVED
    assert conflict.decided_by == official
    assert pay(household_case, manager).period == 1


def test_only_the_later_case_is_held_back(capital, needy):
    own_applicant = family(capital, applicant_civil_id=SHARED)
    own_request, own_manager = claimed_case(capital, needy, own_applicant, approve=True)
    applicant = family(capital)
    claimed_case(capital, needy, applicant, approve=True)
    add_member(applicant, SHARED)
    assert pay(own_request, own_manager).period == 1


def test_removed_member_is_covered_until_the_end_of_the_current_period(capital, needy):
    start = timezone.localdate()
    applicant = family(capital, [NEWCOMER])
    aid_request, _ = claimed_case(capital, needy, applicant, approve=True)
    member = HouseholdMember.objects.get(civil_id=NEWCOMER)
    with time_machine.travel(
        datetime.datetime.combine(
            add_months(start, 1) + datetime.timedelta(days=3), datetime.time(12)
        ),
        tick=False,
    ):
        household_steps.household_member_remove(actor=applicant, member=member)
    slot = AidCommitment.objects.get(aid_request=aid_request, civil_id=NEWCOMER)
    assert slot.status == CommitmentStatus.ACTIVE
    assert slot.period_end == add_months(start, 2) - datetime.timedelta(days=1)
    assert slot.period_end < aid_request.coverage_end
    assert slot.shortened_at is not None  # cut like any shortened commitment: figures follow
    applicant_slot = AidCommitment.objects.get(aid_request=aid_request, is_applicant=True)
    assert applicant_slot.period_end == aid_request.coverage_end
    assert AuditEntry.objects.filter(action="commitment.end").count() == 1


def test_person_freed_by_a_removal_may_be_covered_from_the_next_period(capital, needy):
    applicant = family(capital, [NEWCOMER])
    claimed_case(capital, needy, applicant)
    household_steps.household_member_remove(
        actor=applicant, member=HouseholdMember.objects.get(civil_id=NEWCOMER)
    )
    next_month = add_months(timezone.localdate(), 1)
    other = open_request(family(capital, [NEWCOMER]), needy, capital, start=next_month)
    aid_request_claim(aid_request_id=other.pk, actor=caseworker([needy], [capital]))
    assert AidCommitment.objects.filter(civil_id=NEWCOMER, aid_request=other).exists()


def test_a_changed_civil_id_moves_the_coverage_to_the_new_number(capital, needy):
    applicant = family(capital, [NEWCOMER])
    aid_request, _ = claimed_case(capital, needy, applicant)
    member = HouseholdMember.objects.get(civil_id=NEWCOMER)
    corrected = civil_id_for(5_000_889)
    household_steps.household_member_update(
        actor=applicant,
        member=member,
        civil_id=corrected,
        name=member.name,
        kinship=member.kinship,
        birth_date=None,
        has_disability=False,
        is_student=False,
    )
    assert AidCommitment.objects.filter(aid_request=aid_request, civil_id=corrected).exists()
    old = AidCommitment.objects.get(aid_request=aid_request, civil_id=NEWCOMER)
    assert old.period_end < aid_request.coverage_end
