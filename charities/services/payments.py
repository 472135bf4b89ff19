"""Approval and payments of a case: the amount and number of payments, one payment per period
in order and tied to the calendar, and closing the case once paid.

Each function is one transaction that locks the request row first; the commitments of a case
approved or closed for fewer months than its coverage end with the last period approved or paid.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from accounts.models import User
from accounts.permissions import Capability
from aid_requests.models import AidRequest, Payment, RequestStatus
from aid_requests.periods import payment_month_start
from aid_requests.services.lifecycle import aid_request_move
from aid_requests.states import Actor
from audit.services import audit_record
from benefits.commitments import commitments_refill
from charities.exceptions import (
    CaseAmountNotAllowed,
    CloseNotAllowed,
    PaymentAlreadyRecorded,
    PaymentHeldByConflict,
    PaymentInFuture,
    PaymentNotAllowed,
    PaymentTooEarly,
)
from charities.services.cases import locked_case, require_staff
from dedup import services as dedup
from notifications.services import notify
from webhooks.models import Event
from webhooks.services import case_data, webhook_event_emit

S = RequestStatus


def aid_request_approve(
    *,
    aid_request_id: int,
    actor: User,
    amount: Decimal,
    payments: int,
    second_factor_passed: bool = False,
) -> AidRequest:
    """A manager approves an amount per payment and the number of payments."""
    organisation = require_staff(
        actor, Capability.APPROVE_CASE, second_factor_passed=second_factor_passed
    )
    with transaction.atomic(durable=True):
        aid_request = locked_case(aid_request_id, organisation)
        aid_type = aid_request.aid_type
        max_payments = max(1, aid_type.coverage_months)
        if amount <= 0 or payments < 1 or payments > max_payments:
            raise CaseAmountNotAllowed
        if amount * payments > aid_type.max_amount:
            raise CaseAmountNotAllowed
        aid_request.approved_amount = amount
        aid_request.approved_payments = payments
        aid_request.approved_at = timezone.now()
        dedup.commitments_activate(aid_request_id=aid_request.pk)
        # Fewer payments than the coverage months: the commitment ends with the last period
        # approved, and the person is free elsewhere from the next one.
        note = shorten_commitments(
            aid_request,
            payments,
            _("Approved for %(payments)s of %(months)s months: the aid ends on %(date)s."),
        )
        aid_request_move(
            aid_request=aid_request,
            to=S.APPROVED,
            actor=Actor.CHARITY,
            user=actor,
            note=note,
            notification="request_approved",
            context={
                "amount": f"{amount:.3f}",
                "payments": payments,
                "total": f"{amount * payments:.3f}",
                "date": aid_request.coverage_start.isoformat(),
            },
            also_save=("approved_amount", "approved_payments", "approved_at"),
        )
    commitments_refill(aid_request_id=aid_request.pk, actor=actor)  # days freed by shortening
    return aid_request


#: A payment may be dated at most this many days before the month of coverage it pays.
PAYMENT_ADVANCE_DAYS = 7


def period_start(aid_request: AidRequest, period: int) -> datetime.date:
    """First day of the month of coverage that payment ``period`` pays (1 = the first month).

    Period N covers month N of the coverage: from ``coverage_start`` moved N - 1 months. One-off
    aid has one period, starting with its coverage.
    """
    return payment_month_start(aid_request.coverage_start, period)


def period_opens_on(aid_request: AidRequest, period: int) -> datetime.date:
    """The earliest date a payment of ``period`` may carry (``PAYMENT_ADVANCE_DAYS`` early)."""
    return period_start(aid_request, period) - datetime.timedelta(days=PAYMENT_ADVANCE_DAYS)


def next_period(aid_request: AidRequest, *, made: int | None = None) -> int | None:
    """The period the next payment pays, or None when every approved payment is recorded.

    ``made``: how many payments the case has, when the caller read them anyway (the case page
    lists them): no query then (issue 19).
    """
    if made is None:
        made = aid_request.payments.count()
    if made >= (aid_request.approved_payments or 0):
        return None
    return made + 1


def payment_record(
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
    """Record the payment of the next period (the first one moves the case to paying).

    ``period`` is the payment the caller means (the form shows it): when that one is recorded
    already — the form sent twice, or by two people at once — nothing more is recorded
    (``PaymentAlreadyRecorded``), instead of paying the following period by mistake.

    One payment per period, in order, and tied to the calendar: the payment of period N pays
    month N of the coverage and may be dated no earlier than ``PAYMENT_ADVANCE_DAYS`` before
    that month starts (``PaymentTooEarly``), nor in the future (``PaymentInFuture``) — six
    monthly payments cannot all be recorded on one day.
    """
    with transaction.atomic(durable=True):
        return payment_record_in_transaction(
            aid_request_id=aid_request_id,
            actor=actor,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=reference,
            period=period,
            second_factor_passed=second_factor_passed,
        )


def payment_record_in_transaction(
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
    """``payment_record`` for a caller that runs it inside its own durable transaction (a
    higher app's step, such as paying from donations): the same checks and writes, no
    transaction of its own."""
    organisation = require_staff(
        actor, Capability.RECORD_PAYMENT, second_factor_passed=second_factor_passed
    )
    if paid_on > timezone.localdate():
        raise PaymentInFuture
    with transaction.atomic(savepoint=False):
        aid_request = locked_case(aid_request_id, organisation)
        if aid_request.status not in (S.APPROVED, S.PAYING):
            raise PaymentNotAllowed
        # The database refuses it too (dedup migration 0006); this only gives the message.
        if dedup.has_open_conflict(aid_request_id=aid_request.pk):
            raise PaymentHeldByConflict
        due = next_period(aid_request)
        if period is not None and (due is None or period < due):
            raise PaymentAlreadyRecorded(period)
        if due is None or (period is not None and period != due):
            raise PaymentNotAllowed
        period = due
        if amount <= 0 or amount > (aid_request.approved_amount or Decimal(0)):
            raise CaseAmountNotAllowed
        earliest = period_opens_on(aid_request, period)
        if paid_on < earliest:
            raise PaymentTooEarly(period, period_start(aid_request, period), earliest)
        payment = Payment.objects.create(
            aid_request=aid_request,
            organisation=organisation,
            period=period,
            amount=amount,
            paid_on=paid_on,
            method=method,
            reference=reference,
            recorded_by=actor,
            recorded_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="payment.recorded",
            target=payment,
            organisation_id=organisation.pk,
            applicant_id=aid_request.applicant_id,
            data={"amount": str(amount), "period": payment.period},
        )
        webhook_event_emit(
            organisation_id=organisation.pk,
            event=Event.PAYMENT_RECORDED,
            data={
                **case_data(aid_request),
                "payment_id": payment.pk,
                "period": payment.period,
                "amount": f"{amount:.3f}",
                "paid_on": paid_on.isoformat(),
            },
        )
        if aid_request.status == S.APPROVED:
            aid_request_move(aid_request=aid_request, to=S.PAYING, actor=Actor.CHARITY, user=actor)
        notify(
            recipient=aid_request.applicant,
            kind="payment_recorded",
            aid_request=aid_request,
            context={
                "reference": aid_request.reference,
                "amount": f"{amount:.3f}",
                "date": paid_on.isoformat(),
                "period": payment.period,
                "payments": aid_request.approved_payments or 1,
                "remaining": f"{_remaining(aid_request):.3f}",
            },
        )
    return payment


def _remaining(aid_request: AidRequest) -> Decimal:
    """What is left to pay of the aid approved (never below zero)."""
    approved = (aid_request.approved_amount or Decimal(0)) * (aid_request.approved_payments or 1)
    paid = aid_request.payments.aggregate(total=Sum("amount"))["total"] or Decimal(0)
    return max(approved - paid, Decimal(0))


def aid_request_close(
    *, aid_request_id: int, actor: User, second_factor_passed: bool = False
) -> AidRequest:
    """Close a case once at least one payment is recorded (its slots stay held)."""
    organisation = require_staff(
        actor, Capability.RECORD_PAYMENT, second_factor_passed=second_factor_passed
    )
    with transaction.atomic(durable=True):
        aid_request = locked_case(aid_request_id, organisation)
        paid = aid_request.payments.count()
        if not paid:
            raise CloseNotAllowed
        # The commitment ends with the last period paid: the person is free elsewhere from the
        # next one (a case closed after 1 of 6 payments no longer blocks the other 5).
        note = shorten_commitments(
            aid_request,
            paid,
            _("Closed after %(payments)s of %(months)s months paid: the aid ends on %(date)s."),
        )
        aid_request_move(
            aid_request=aid_request,
            to=S.CLOSED,
            actor=Actor.CHARITY,
            user=actor,
            note=note,
            notification="request_closed",
        )
    commitments_refill(aid_request_id=aid_request.pk, actor=actor)  # days freed by closing
    return aid_request


def paid_through(aid_request: AidRequest, periods: int) -> datetime.date:
    """The last day covered by the first ``periods`` periods (never past the coverage)."""
    end = period_start(aid_request, periods + 1) - datetime.timedelta(days=1)
    return min(end, aid_request.coverage_end)


def shorten_commitments(aid_request: AidRequest, periods: int, message: Promise) -> str:
    """End the case's commitments with period ``periods``; the timeline note saying so (in the
    portal's default language: the timeline keeps one text), or "" when nothing was cut."""
    end = paid_through(aid_request, periods)
    if not dedup.commitments_shorten(aid_request_id=aid_request.pk, end=end):
        return ""
    with override(settings.LANGUAGE_CODE):
        return str(message) % {
            "payments": periods,
            "months": max(1, aid_request.aid_type.coverage_months),
            "date": end.isoformat(),
        }
