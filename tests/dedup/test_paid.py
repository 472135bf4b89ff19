"""Commitments follow what is paid: a case closed early, or approved for fewer payments than
the coverage, holds the person only until the last period paid or approved."""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import Role
from aid_requests.models import PaymentMethod, RequestStatus, TimelineEntry
from audit.models import AuditEntry
from charities.exceptions import DuplicateAid
from charities.services.claim import aid_request_claim
from charities.services.payments import (
    aid_request_approve,
    aid_request_close,
    payment_record,
    period_start,
)
from dedup.models import AidCommitment
from tests.factories.cases import SHARED, caseworker, family, on, open_request

pytestmark = pytest.mark.django_db
S = RequestStatus
START = datetime.date(2027, 1, 10)


def _paid_case(capital, needy, *, approved, paid):
    """A household case for a family with SHARED as a member: claimed, approved, paid."""
    with on(START):
        manager = caseworker([needy], [capital], role=Role.MANAGER)
        aid_request = open_request(family(capital, [SHARED]), needy, capital)
        aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
        aid_request_approve(
            aid_request_id=aid_request.pk,
            actor=manager,
            amount=Decimal("150.000"),
            payments=approved,
        )
    for period in range(1, paid + 1):
        with on(period_start(aid_request, period)):
            payment_record(
                aid_request_id=aid_request.pk,
                actor=manager,
                amount=Decimal("150.000"),
                paid_on=timezone.localdate(),
                method=PaymentMethod.BANK_TRANSFER,
            )
    aid_request.refresh_from_db()
    return aid_request, manager


def _arabic(message, **values):
    with translation.override("ar"):
        text = gettext(message) % values
    with translation.override("en"):
        assert text != message % values  # the note is translated, not the English source
    return text


def _claim_for_shared(capital, needy, day):
    """Another family listing SHARED asks on ``day``; another organisation claims it."""
    with on(day):
        other = open_request(family(capital, [SHARED]), needy, capital)
        aid_request_claim(aid_request_id=other.pk, actor=caseworker([needy], [capital]))
    other.refresh_from_db()
    return other


def test_closing_after_one_of_six_payments_ends_the_commitment_with_the_period_paid(capital, needy):
    aid_request, manager = _paid_case(capital, needy, approved=6, paid=1)
    assert set(aid_request.commitments.values_list("period_end", flat=True)) == {
        datetime.date(2027, 7, 9)
    }
    with on(START + datetime.timedelta(days=5)):
        aid_request_close(aid_request_id=aid_request.pk, actor=manager)
    last_day_paid = datetime.date(2027, 2, 9)
    assert set(aid_request.commitments.values_list("period_end", "status")) == {
        (last_day_paid, "active")
    }
    note = _arabic(
        "Closed after %(payments)s of %(months)s months paid: the aid ends on %(date)s.",
        payments=1,
        months=6,
        date="2027-02-09",
    )
    assert TimelineEntry.objects.get(aid_request=aid_request, to_status=S.CLOSED).note == note
    entry = AuditEntry.objects.get(action="aid_request.closed")
    assert entry.data["note"] == note
    # the member is free elsewhere from the next period, and not before
    with pytest.raises(DuplicateAid):
        _claim_for_shared(capital, needy, last_day_paid)
    assert _claim_for_shared(capital, needy, last_day_paid + datetime.timedelta(days=1)).status == (
        S.CLAIMED
    )


def test_closing_after_every_payment_keeps_the_whole_coverage(capital, needy):
    aid_request, manager = _paid_case(capital, needy, approved=6, paid=6)
    with on(datetime.date(2027, 6, 20)):
        aid_request_close(aid_request_id=aid_request.pk, actor=manager)
    assert set(aid_request.commitments.values_list("period_end", flat=True)) == {
        aid_request.coverage_end
    }
    assert TimelineEntry.objects.get(aid_request=aid_request, to_status=S.CLOSED).note == ""


def test_approving_fewer_payments_than_the_coverage_ends_the_commitment_with_the_last_one(
    capital, needy
):
    aid_request, _manager = _paid_case(capital, needy, approved=2, paid=0)
    last_day_approved = datetime.date(2027, 3, 9)
    assert set(aid_request.commitments.values_list("period_end", "status")) == {
        (last_day_approved, "active")
    }
    note = _arabic(
        "Approved for %(payments)s of %(months)s months: the aid ends on %(date)s.",
        payments=2,
        months=6,
        date="2027-03-09",
    )
    assert TimelineEntry.objects.get(aid_request=aid_request, to_status=S.APPROVED).note == note
    assert AuditEntry.objects.get(action="aid_request.approved").data["note"] == note
    with pytest.raises(DuplicateAid):
        _claim_for_shared(capital, needy, datetime.date(2027, 3, 1))
    assert _claim_for_shared(capital, needy, datetime.date(2027, 3, 10)).status == S.CLAIMED


def test_approving_the_whole_coverage_changes_nothing(capital, needy):
    aid_request, _manager = _paid_case(capital, needy, approved=6, paid=0)
    assert set(aid_request.commitments.values_list("period_end", flat=True)) == {
        aid_request.coverage_end
    }
    assert TimelineEntry.objects.get(aid_request=aid_request, to_status=S.APPROVED).note == ""


def test_the_database_refuses_lengthening_a_shortened_commitment_into_another(capital, needy):
    aid_request, manager = _paid_case(capital, needy, approved=6, paid=1)
    with on(START + datetime.timedelta(days=5)):
        aid_request_close(aid_request_id=aid_request.pk, actor=manager)
    _claim_for_shared(capital, needy, datetime.date(2027, 3, 1))
    shortened = AidCommitment.objects.get(aid_request=aid_request, civil_id=SHARED)
    with pytest.raises(IntegrityError), transaction.atomic():
        AidCommitment.objects.filter(pk=shortened.pk).update(period_end=datetime.date(2027, 3, 1))
    # shortening further, or lengthening into free days, is fine
    AidCommitment.objects.filter(pk=shortened.pk).update(period_end=datetime.date(2027, 2, 28))
