"""Weekly hours and the month's stipend.

The organisation logs a week's hours (caseworkers: ``RECORD_PAYMENT``); the volunteer confirms
or disputes them with a reason; a disputed week may be corrected, which puts it back to the
volunteer; a confirmed week is final. ``stipend_pay`` pays the next month from its confirmed
hours (``volunteering.stipends``) through ``charities.services.payments.payment_record``, the
one payment path: one payment per month, in order, within the approval (database triggers).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Capability
from aid_requests.models import Payment
from audit.services import audit_record
from charities.services.payments import next_period, payment_record
from notifications.models import NotificationKind as N
from volunteering import stipends
from volunteering.exceptions import (
    HoursAlreadyConfirmed,
    HoursNotWaiting,
    MonthNotReady,
    NotAccepted,
    NotAllowed,
    NothingToPay,
    ReasonRequired,
    WeekOutsidePlacement,
)
from volunteering.models import Application, ApplicationStatus, HourLog, HoursStatus
from volunteering.notices import tell_organisation, tell_volunteer
from volunteering.services.staff import programme_organisation

H = HoursStatus


def hours_log(*, application_id: int, actor: User, week: int, hours: Decimal) -> HourLog:
    """Log (or correct, when disputed) a week's hours of an accepted volunteer."""
    organisation = programme_organisation(actor, Capability.RECORD_PAYMENT)
    with transaction.atomic(durable=True):
        application = (
            Application.objects.select_for_update(of=("self",))
            .select_related("opportunity")
            .get(pk=application_id)
        )
        opportunity = application.opportunity
        if opportunity.organisation_id != organisation.pk:
            raise NotAllowed
        if application.status != ApplicationStatus.ACCEPTED:
            raise NotAccepted
        if not 1 <= week <= stipends.weeks(opportunity):
            raise WeekOutsidePlacement
        if stipends.week_start(opportunity, week) > timezone.localdate():
            raise WeekOutsidePlacement
        now = timezone.now()
        log = HourLog.objects.filter(application=application, week=week).first()
        if log is None:
            log = HourLog.objects.create(
                application=application,
                week=week,
                week_starts_on=stipends.week_start(opportunity, week),
                hours=hours,
                logged_by=actor,
                logged_at=now,
            )
        elif log.status == H.CONFIRMED:
            raise HoursAlreadyConfirmed
        else:
            log.hours, log.status, log.logged_by, log.logged_at = hours, H.LOGGED, actor, now
            log.save(update_fields=["hours", "status", "logged_by", "logged_at"])
        audit_record(
            actor=actor,
            action="volunteering.hours_logged",
            target=log,
            organisation_id=organisation.pk,
            applicant_id=application.applicant_id,
            data={"week": week, "hours": str(hours)},
        )
        tell_volunteer(
            application.applicant,
            N.VOLUNTEER_HOURS_LOGGED,
            opportunity,
            week=week,
            hours=f"{hours:f}",
        )
    return log


def _answer(hour_log_id: int, volunteer: User, status: str, reason: str = "") -> HourLog:
    with transaction.atomic(durable=True):
        log = (
            HourLog.objects.select_for_update(of=("self",))
            .select_related("application__opportunity")
            .get(pk=hour_log_id)
        )
        if log.application.applicant_id != volunteer.pk:
            raise NotAllowed
        if log.status != H.LOGGED:
            raise HoursNotWaiting
        log.status, log.dispute_reason, log.answered_at = status, reason, timezone.now()
        log.save(update_fields=["status", "dispute_reason", "answered_at"])
        audit_record(
            actor=volunteer,
            action=f"volunteering.hours_{status}",
            target=log,
            organisation_id=log.application.opportunity.organisation_id,
            applicant_id=volunteer.pk,
            data={"week": log.week, "hours": str(log.hours)},
        )
        if status == H.DISPUTED:
            tell_organisation(
                N.VOLUNTEER_HOURS_DISPUTED,
                log.application.opportunity,
                week=log.week,
                reason=reason[:200],
            )
    return log


def hours_confirm(*, hour_log_id: int, volunteer: User) -> HourLog:
    return _answer(hour_log_id, volunteer, H.CONFIRMED)


def hours_dispute(*, hour_log_id: int, volunteer: User, reason: str) -> HourLog:
    reason = reason.strip()
    if not reason:
        raise ReasonRequired
    return _answer(hour_log_id, volunteer, H.DISPUTED, reason[:500])


def stipend_due(application: Application) -> tuple[int, Decimal] | None:
    """The next month to pay and its stipend, or None when every month is paid.

    Raises ``MonthNotReady`` while that month is not over (or the placement ended early) or
    one of its weeks waits for the volunteer or is disputed.
    """
    aid_request = application.aid_request
    if aid_request is None:
        raise NotAccepted
    month = next_period(aid_request)
    if month is None:
        return None
    opportunity = application.opportunity
    _start, end = stipends.month_range(opportunity, month)
    today = timezone.localdate()
    if end >= today and not opportunity.has_ended_on(today):
        raise MonthNotReady
    weeks = stipends.weeks_of_month(opportunity, month)
    logs = list(HourLog.objects.filter(application=application, week__in=weeks))
    if any(log.status != H.CONFIRMED for log in logs):
        raise MonthNotReady
    amount = stipends.month_stipend(opportunity, month, [log.hours for log in logs])
    return month, amount


def stipend_pay(
    *,
    application_id: int,
    actor: User,
    paid_on: datetime.date,
    method: str,
    reference: str = "",
    second_factor_passed: bool = False,
) -> Payment:
    """Pay the next month's stipend. Its confirmed hours are final (a confirmed week cannot
    change), so the amount read here is the amount recorded; ``payment_record`` locks the
    request and refuses a month paid meanwhile (``PaymentAlreadyRecorded``)."""
    organisation = programme_organisation(actor, Capability.RECORD_PAYMENT)
    application = Application.objects.select_related("opportunity", "aid_request").get(
        pk=application_id
    )
    if application.opportunity.organisation_id != organisation.pk:
        raise NotAllowed
    if application.status != ApplicationStatus.ACCEPTED:
        raise NotAccepted
    due = stipend_due(application)
    if due is None or due[1] <= 0:
        raise NothingToPay
    month, amount = due
    aid_request_id = application.aid_request_id or 0  # set: stipend_due checked it
    return payment_record(
        aid_request_id=aid_request_id,
        actor=actor,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        period=month,
        second_factor_passed=second_factor_passed,
    )
