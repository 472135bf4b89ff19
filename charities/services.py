"""Charity work on cases: claim, approve, pay, close, release, reject — and claim expiry.

Each function is one transaction that locks the request row first (``select_for_update``),
checks who is acting and whether the move is legal, writes the timeline and audit entries, and
notifies after commit (through ``aid_requests.services.lifecycle.aid_request_move``).
"""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar
from urllib.parse import urljoin

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, OperationalError, connection, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from accounts.models import CHARITY_ROLES, Role, User
from accounts.permissions import Capability, can, may_see_personal_data
from aid_requests.models import (
    HELD_STATUSES,
    AidRequest,
    AidScope,
    AidType,
    Payment,
    RequestStatus,
)
from aid_requests.periods import coverage_end
from aid_requests.services.lifecycle import aid_request_move
from aid_requests.states import Actor
from applicants.models import ApplicantProfile, Governorate, HouseholdMember
from audit.services import audit_record
from charities import coverage
from charities.exceptions import (
    AlreadyOnStaff,
    AmountNotAllowed,
    CaseReasonRequired,
    CloseNotAllowed,
    ConfirmationLinkExpired,
    ConfirmationLinkInvalid,
    DuplicateAid,
    EmailAlreadyHasAccount,
    IllegalStatusMove,
    LastManager,
    LicenceNumberTaken,
    NoLongerOpen,
    NotAllowed,
    NotLicensed,
    PaymentAlreadyRecorded,
    PaymentHeldByConflict,
    PaymentInFuture,
    PaymentNotAllowed,
    PaymentTooEarly,
    ReasonRequired,
    RoleNotAllowed,
    SecondFactorRequired,
)
from charities.models import (
    Organisation,
    OrganisationApplication,
    OrganisationStatus,
    OrganisationStatusChange,
    StaffMembership,
)
from charities.selectors import organisation_for_staff
from config.commit import after_commit
from config.dates import add_months
from dedup import services as dedup
from notifications.services import notify

logger = logging.getLogger(__name__)
S = RequestStatus

#: Deadlocks and serialisation failures are retried this many times (DESIGN.md).
CLAIM_ATTEMPTS = 4
_RETRYABLE_SQLSTATES = {"40P01", "40001"}


def require_staff(
    user: User, capability: Capability, *, second_factor_passed: bool = False
) -> Organisation:
    """The active organisation ``user`` acts for, if they may do ``capability`` now.

    Every case action opens or changes a file with personal data, so it needs what the file
    needs: ``second_factor_passed`` is the view's verdict on the session
    (``accounts.permissions.second_factor_passed``); services know no session.
    """
    if not can(user, capability):
        raise NotAllowed
    if not may_see_personal_data(user, second_factor_passed=second_factor_passed):
        raise SecondFactorRequired
    organisation = organisation_for_staff(user)
    if organisation is None:  # pragma: no cover - can() already refused
        raise NotAllowed
    return organisation


def _locked_case(aid_request_id: int, organisation: Organisation) -> AidRequest:
    """The request, locked, if this organisation holds it now (else NotAllowed).

    Holding means both: named in ``claimed_by`` and in a held status — ``claimed_by`` alone
    survives a rejection and an overturned appeal (see ``charities.selectors``).
    """
    aid_request = (
        AidRequest.objects.select_for_update(of=("self",))  # the request row only, see below
        .select_related("aid_type")
        .get(pk=aid_request_id)
    )
    if aid_request.claimed_by_id != organisation.pk or aid_request.status not in HELD_STATUSES:
        raise NotAllowed
    return aid_request


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CaseReasonRequired
    return reason


def people_covered(aid_request: AidRequest, household: Iterable[str]) -> list[dedup.Person]:
    """Person aid covers its beneficiary: the applicant, or the household member it names (by
    the civil ID kept at submission); household aid covers the applicant and every household
    member (``household``: their civil IDs, as read with the request)."""
    if aid_request.aid_type.scope == AidScope.PERSON and aid_request.is_for_member:
        # is_applicant marks the request's own person — one commitment per claim, which the
        # figures (reports) count — so it is True for the member the request is for.
        return [dedup.Person(civil_id=aid_request.beneficiary_civil_id or "", is_applicant=True)]
    people = [dedup.Person(civil_id=aid_request.applicant.civil_id or "", is_applicant=True)]
    if aid_request.aid_type.scope == AidScope.HOUSEHOLD:
        people += [dedup.Person(civil_id=c, is_applicant=False) for c in household]
    unique: dict[str, dedup.Person] = {}
    for person in people:
        unique.setdefault(person.civil_id, person)  # a member listed twice is covered once
    return list(unique.values())


def _is_retryable(error: OperationalError) -> bool:
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES


def aid_request_claim(
    *, aid_request_id: int, actor: User, second_factor_passed: bool = False
) -> AidRequest:
    """Claim an open request for the actor's organisation and reserve the aid slot.

    Raises ``DuplicateAid`` (after recording the blocked attempt) when anyone the case covers
    already holds this aid type for an overlapping period, ``NoLongerOpen`` when another
    organisation was first.
    """
    organisation = require_staff(
        actor, Capability.CLAIM_CASE, second_factor_passed=second_factor_passed
    )
    for attempt in range(1, CLAIM_ATTEMPTS + 1):
        try:
            aid_request, refusal = _claim_once(aid_request_id, organisation, actor)
        except OperationalError as error:
            if not _is_retryable(error) or attempt == CLAIM_ATTEMPTS:
                raise
            logger.info("claim of request %s retried after %s", aid_request_id, error.__cause__)
            time.sleep(0.01 * attempt)
            continue
        if refusal is not None:
            held_until = refusal.conflicting.period_end if refusal.conflicting else None
            raise DuplicateAid(str(aid_request.aid_type), held_until)
        return aid_request
    raise AssertionError("unreachable")  # pragma: no cover


_M = TypeVar("_M", bound=models.Model)

#: What the claim reads of the request, its aid type and its applicant; the other fields stay
#: deferred (loaded if something uses them). Integers, text and dates only: the values the
#: database driver returns for them are already the Python values, on PostgreSQL and SQLite.
_CLAIM_FIELDS = {
    AidRequest: (
        "id",
        "applicant_id",
        "aid_type_id",
        "governorate_id",
        "status",
        "coverage_start",
        "coverage_end",
        "claimed_by_id",
        "beneficiary_civil_id",  # whom person aid covers (people_covered)
        "covered_until",
    ),
    AidType: ("id", "code", "name_ar", "name_en", "scope", "coverage_months"),
    User: ("id", "civil_id"),
}


def _claim_fields(model: type[models.Model]) -> list[models.Field]:
    """The model's fields the claim reads, in the model's field order (as ``from_db`` needs)."""
    return [field for field in model._meta.concrete_fields if field.attname in _CLAIM_FIELDS[model]]


@cache
def _claim_row_sql(vendor: str) -> str:
    """The claim's first statement (see ``_lock_for_claim``), built from the models' tables."""
    licensed_types = Organisation.aid_types.through._meta.db_table
    licensed_governorates = Organisation.governorates.through._meta.db_table
    columns = ", ".join(
        f"{alias}.{field.column}"
        for alias, model in (("r", AidRequest), ("t", AidType), ("u", User))
        for field in _claim_fields(model)
    )
    # PostgreSQL: lock the request row only (OF r) — locking the joined aid type row too would
    # queue every claim of that aid type behind every other. SQLite runs one writer at a time
    # (IMMEDIATE transactions) and has no row locks.
    lock = " FOR UPDATE OF r" if vendor == "postgresql" else ""
    # Table and column names come from the models; the values are parameters.
    # One row per household member (their civil ID last), so the household is read in the same
    # round trip (people_covered decides whom the aid covers); no members: one row, NULL there.
    return (
        f"SELECT {columns}, "  # noqa: S608
        f"EXISTS (SELECT 1 FROM {licensed_types} l"
        f" WHERE l.organisation_id = %s AND l.aidtype_id = r.aid_type_id)"
        f" AND EXISTS (SELECT 1 FROM {licensed_governorates} g"
        f" WHERE g.organisation_id = %s AND g.governorate_id = r.governorate_id), "
        f"m.civil_id "
        f"FROM {AidRequest._meta.db_table} r "
        f"JOIN {AidType._meta.db_table} t ON t.id = r.aid_type_id "
        f"JOIN {User._meta.db_table} u ON u.id = r.applicant_id "
        f"LEFT JOIN {ApplicantProfile._meta.db_table} p ON p.user_id = r.applicant_id "
        f"LEFT JOIN {HouseholdMember._meta.db_table} m ON m.profile_id = p.id "
        f"WHERE r.id = %s{lock}"
    )


def _lock_for_claim(
    aid_request_id: int, organisation_id: int
) -> tuple[AidRequest, bool, list[str]]:
    """The request, locked, with its aid type and its applicant's civil ID; whether the
    organisation is licensed for its aid type and governorate; and the civil IDs of the
    applicant's household — all in one statement.

    Written in SQL because it is the claim's hottest statement: the ORM's form of it
    (``select_for_update(of=...)``, ``select_related``, two ``Exists`` annotations and a
    second query for the household) cost ~4 ms of Python per claim against ~0.2 ms here
    (docs/benchmarks.md, "Claim").
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_row_sql(connection.vendor),
            [organisation_id, organisation_id, aid_request_id],
        )
        rows = cursor.fetchall()
    if not rows:
        raise AidRequest.DoesNotExist(f"No aid request {aid_request_id}.")
    values = iter(rows[0])
    aid_request = _loaded(AidRequest, values)
    aid_request.aid_type = _loaded(AidType, values)
    aid_request.applicant = _loaded(User, values)
    licensed = bool(next(values))
    household = [row[-1] for row in rows if row[-1] is not None]
    return aid_request, licensed, household


@cache
def _household_sql() -> str:
    # Names from the models' _meta, the applicant as a parameter: nothing typed reaches it.
    return (
        f"SELECT m.civil_id FROM {HouseholdMember._meta.db_table} m "  # noqa: S608
        f"JOIN {ApplicantProfile._meta.db_table} p ON p.id = m.profile_id WHERE p.user_id = %s"
    )


def _household_now(applicant_id: int) -> list[str]:
    """The civil IDs of the applicant's household members, read by a statement of its own
    (SQL, like the claim's other statements: the ORM would build the same SQL again each time)."""
    with connection.cursor() as cursor:
        cursor.execute(_household_sql(), [applicant_id])
        return [civil_id for (civil_id,) in cursor.fetchall()]


def _loaded(model: type[_M], values: Iterator[Any]) -> _M:
    """A ``model`` instance from the next ``values`` (its claim fields; the rest deferred)."""
    fields = _claim_fields(model)
    return model.from_db(
        connection.alias, list(_CLAIM_FIELDS[model]), [next(values) for _ in fields]
    )


def _claim_once(
    aid_request_id: int, organisation: Organisation, actor: User
) -> tuple[AidRequest, dedup.AidAlreadyGranted | None]:
    """One attempt: the claimed request, or the request and the rule's refusal."""
    with transaction.atomic(durable=True):
        # 1. the request row: concurrent claims of the same request queue here; the licence
        # check (aid type and governorate) and the household are read in the same statement.
        aid_request, licensed, household = _lock_for_claim(aid_request_id, organisation.pk)
        if aid_request.status != S.OPEN:
            raise NoLongerOpen
        if not licensed:
            raise NotLicensed
        if aid_request.covered_until is not None:
            # Out of the queue while its people are covered elsewhere (charities.coverage);
            # once that coverage has ended, it returns here at once, before the beat task.
            today = timezone.localdate()
            if aid_request.covered_until >= today:
                raise NoLongerOpen
            coverage.mark_returned(aid_request, today)
        if aid_request.aid_type.scope == AidScope.HOUSEHOLD and connection.vendor == "postgresql":
            # The household as it is now that the row is ours. The locking statement read it
            # from the snapshot it started with: a member added meanwhile (the change locks
            # this row too, and committed while we waited for it) would be missing from it and
            # left uncovered. SQLite needs no second look: its IMMEDIATE transaction began
            # with the write lock, so nothing changed since it started.
            household = _household_now(aid_request.applicant_id)
        # 2 and 3. advisory locks per (aid type, civil ID), then the guarded insert.
        try:
            dedup.commitments_reserve(
                aid_request_id=aid_request.pk,
                organisation_id=organisation.pk,
                aid_type_id=aid_request.aid_type_id,
                people=people_covered(aid_request, household),
                start=aid_request.coverage_start,
                end=aid_request.coverage_end,
            )
        except dedup.AidAlreadyGranted as refusal:
            # Nothing of the claim was written (a refused reservation leaves no row), so this
            # transaction commits only the refused attempt, kept for the ministry.
            dedup.blocked_attempt_record(
                attempted_by=actor,
                organisation_id=organisation.pk,
                aid_request_id=aid_request.pk,
                aid_type_id=aid_request.aid_type_id,
                conflict=refusal,
                amount=aid_request.amount_requested,
                coverage_start=aid_request.coverage_start,
                coverage_end=aid_request.coverage_end,
                coverage_months=aid_request.aid_type.coverage_months,
            )
            # Everyone covered elsewhere: the request leaves every queue instead of keeping
            # a Claim button that can only be refused (the applicant is told).
            until = request_covered_until(aid_request, household)
            if until is not None:
                coverage.mark_covered(aid_request, until)
            return aid_request, refusal
        aid_request.claimed_by = organisation
        aid_request.claimed_at = timezone.now()
        aid_request_move(
            aid_request=aid_request,
            to=S.CLAIMED,
            actor=Actor.CHARITY,
            user=actor,
            notification="request_claimed",
            context={"organisation": organisation.name_ar},
            also_save=("claimed_by", "claimed_at"),
        )
    return aid_request, None


def aid_request_release(
    *, aid_request_id: int, actor: User, reason: str, second_factor_passed: bool = False
) -> AidRequest:
    """Give a claimed case back to the queue; its slots are freed. A reason is required."""
    organisation = require_staff(
        actor, Capability.RELEASE_CASE, second_factor_passed=second_factor_passed
    )
    reason = _required_reason(reason)
    with transaction.atomic(durable=True):
        aid_request = _locked_case(aid_request_id, organisation)
        _release(aid_request, actor=Actor.CHARITY, user=actor, note=reason)
    return aid_request


def _release(aid_request: AidRequest, *, actor: Actor, user: User | None, note: str) -> None:
    aid_request_move(
        aid_request=aid_request,
        to=S.OPEN,
        actor=actor,
        user=user,
        note=note,
        notification="request_released",
    )
    dedup.commitments_release(aid_request_id=aid_request.pk)
    aid_request.claimed_by = None
    aid_request.claimed_at = None
    aid_request.save(update_fields=["claimed_by", "claimed_at", "updated_at"])


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
        aid_request = _locked_case(aid_request_id, organisation)
        aid_type = aid_request.aid_type
        max_payments = max(1, aid_type.coverage_months)
        if amount <= 0 or payments < 1 or payments > max_payments:
            raise AmountNotAllowed
        if amount * payments > aid_type.max_amount:
            raise AmountNotAllowed
        aid_request.approved_amount = amount
        aid_request.approved_payments = payments
        aid_request.approved_at = timezone.now()
        dedup.commitments_activate(aid_request_id=aid_request.pk)
        # Fewer payments than the coverage months: the commitment ends with the last period
        # approved, and the person is free elsewhere from the next one.
        note = _shorten_commitments(
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
            context={"amount": f"{amount:.3f}", "payments": payments},
            also_save=("approved_amount", "approved_payments", "approved_at"),
        )
    return aid_request


#: A payment may be dated at most this many days before the month of coverage it pays.
PAYMENT_ADVANCE_DAYS = 7


def period_start(aid_request: AidRequest, period: int) -> datetime.date:
    """First day of the month of coverage that payment ``period`` pays (1 = the first month).

    Period N covers month N of the coverage: from ``coverage_start`` moved N - 1 months. One-off
    aid has one period, starting with its coverage.
    """
    return add_months(aid_request.coverage_start, period - 1)


def period_opens_on(aid_request: AidRequest, period: int) -> datetime.date:
    """The earliest date a payment of ``period`` may carry (``PAYMENT_ADVANCE_DAYS`` early)."""
    return period_start(aid_request, period) - datetime.timedelta(days=PAYMENT_ADVANCE_DAYS)


def next_period(aid_request: AidRequest) -> int | None:
    """The period the next payment pays, or None when every approved payment is recorded."""
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
    organisation = require_staff(
        actor, Capability.RECORD_PAYMENT, second_factor_passed=second_factor_passed
    )
    if paid_on > timezone.localdate():
        raise PaymentInFuture
    with transaction.atomic(durable=True):
        aid_request = _locked_case(aid_request_id, organisation)
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
            raise AmountNotAllowed
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
            },
        )
    return payment


def aid_request_close(
    *, aid_request_id: int, actor: User, second_factor_passed: bool = False
) -> AidRequest:
    """Close a case once at least one payment is recorded (its slots stay held)."""
    organisation = require_staff(
        actor, Capability.RECORD_PAYMENT, second_factor_passed=second_factor_passed
    )
    with transaction.atomic(durable=True):
        aid_request = _locked_case(aid_request_id, organisation)
        paid = aid_request.payments.count()
        if not paid:
            raise CloseNotAllowed
        # The commitment ends with the last period paid: the person is free elsewhere from the
        # next one (a case closed after 1 of 6 payments no longer blocks the other 5).
        note = _shorten_commitments(
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
    return aid_request


def paid_through(aid_request: AidRequest, periods: int) -> datetime.date:
    """The last day covered by the first ``periods`` periods (never past the coverage)."""
    end = period_start(aid_request, periods + 1) - datetime.timedelta(days=1)
    return min(end, aid_request.coverage_end)


def _shorten_commitments(aid_request: AidRequest, periods: int, message: Promise) -> str:
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


def aid_request_reject(
    *, aid_request_id: int, actor: User, reason: str, second_factor_passed: bool = False
) -> AidRequest:
    """Reject a case this organisation holds; the applicant is told why and may appeal.

    From whichever step ``aid_requests.states`` allows a charity to reject (claimed, approved,
    and paying when the table has that move). Payments already recorded stay recorded; every
    binding commitment of the case is released, so that the coverage not yet paid is free for
    another organisation. The organisation keeps read-only access while the case stays rejected.
    """
    organisation = require_staff(
        actor, Capability.RELEASE_CASE, second_factor_passed=second_factor_passed
    )
    reason = _required_reason(reason)
    with transaction.atomic(durable=True):
        aid_request = _locked_case(aid_request_id, organisation)
        aid_request_move(
            aid_request=aid_request,
            to=S.REJECTED,
            actor=Actor.CHARITY,
            user=actor,
            note=reason,
            notification="request_rejected",
            context={"reason": reason[:200]},
        )
        dedup.commitments_release(aid_request_id=aid_request.pk)
    return aid_request


def request_covered_until(
    aid_request: AidRequest,
    household: Iterable[str],
    *,
    start: datetime.date | None = None,
) -> datetime.date | None:
    """The last day everyone the request covers holds its aid type elsewhere, or None.

    Over the request's coverage, or over the coverage it would have from ``start``.
    """
    people = people_covered(aid_request, household)
    end = aid_request.coverage_end
    if start is None:
        start = aid_request.coverage_start
    else:
        end = coverage_end(start, aid_request.aid_type.coverage_months)
    return dedup.covered_until(
        aid_type_id=aid_request.aid_type_id,
        civil_ids=[person.civil_id for person in people],
        start=start,
        end=end,
        exclude_request_id=aid_request.pk,
    )


def aid_request_check_coverage(aid_request: AidRequest) -> datetime.date | None:
    """Take an open request out of the queues when everyone it covers is covered elsewhere.

    Runs inside the caller's transaction with the request row locked (screening).
    """
    if aid_request.status != S.OPEN:
        return None
    until = request_covered_until(aid_request, coverage.household_civil_ids(aid_request))
    if until is not None:
        coverage.mark_covered(aid_request, until)
    return until


def return_covered_requests(*, today: datetime.date | None = None) -> list[int]:
    """Look again at every request out of the queue as covered elsewhere (Celery beat).

    Each is weighed as it would be claimed today: covering from today for its aid type's
    months. Nobody covered over that window any more (the coverage ended, or was cut to what
    was paid, or released) → back in the queue, its coverage starting today. Still covered but
    until another day (a commitment shortened, or a later one) → the new date, and the
    applicant is told. The ids of the requests returned.
    """
    today = today or timezone.localdate()
    candidates = list(
        AidRequest.objects.filter(status=S.OPEN, covered_until__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    returned = []
    for pk in candidates:
        with transaction.atomic(durable=True):
            aid_request = (
                AidRequest.objects.select_for_update(of=("self",))
                .select_related("aid_type", "applicant")
                .get(pk=pk)
            )
            if aid_request.status != S.OPEN or aid_request.covered_until is None:
                continue  # withdrawn, or claimed after a lazy return, meanwhile
            household = coverage.household_civil_ids(aid_request)
            until = request_covered_until(aid_request, household, start=today)
            if until is None:
                coverage.mark_returned(aid_request, today)
                returned.append(pk)
            elif until != aid_request.covered_until:
                coverage.mark_covered(aid_request, until)
    return returned


def release_expired_claims(*, now: datetime.datetime | None = None) -> list[int]:
    """Release every claim older than CLAIM_DEADLINE_DAYS that is still not approved."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.CLAIM_DEADLINE_DAYS)
    candidates = list(
        AidRequest.objects.filter(status=S.CLAIMED, claimed_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    released = []
    for pk in candidates:
        with transaction.atomic(durable=True):
            aid_request = (
                AidRequest.objects.select_for_update(
                    of=("self",)
                )  # the organisation join is nullable
                .select_related("aid_type", "claimed_by")
                .get(pk=pk)
            )
            if (
                aid_request.status != S.CLAIMED
                or aid_request.claimed_at is None
                or (aid_request.claimed_at > cutoff)
            ):
                continue  # approved or released meanwhile
            organisation = aid_request.claimed_by
            _release(
                aid_request,
                actor=Actor.SYSTEM,
                user=None,
                note=f"claim deadline of {settings.CLAIM_DEADLINE_DAYS} days passed",
            )
            # The organisation's managers (SMS and e-mail) and the ministry (officials and
            # administrators, in the portal only: they would otherwise get a text message for
            # every release in the country) are told; the applicant was told by the move itself.
            for recipient in _deadline_recipients(organisation):
                notify(
                    recipient=recipient,
                    kind="claim_deadline_released",
                    aid_request=aid_request,
                    context={"reference": aid_request.reference},
                    deliver=recipient.role == Role.MANAGER,
                )
            released.append(pk)
    return released


def _deadline_recipients(organisation: Organisation | None) -> list[User]:
    managers = User.objects.filter(
        membership__organisation=organisation,
        membership__is_active=True,
        role=Role.MANAGER,
        is_active=True,
    )
    ministry = User.objects.filter(
        role__in=(Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN), is_active=True
    )
    return [*managers.order_by("pk"), *ministry.order_by("pk")]


# --- applying to join, licensing, staff -----------------------------------------------------
#
# Organisations apply on a public page; ministry administrators approve, suspend and reactivate
# them and edit their licence; managers run their own staff. Each write below is one durable
# transaction that locks the organisation row first, writes its audit entry (and, for licence
# moves, the status history) in the same transaction, and sends e-mail only after the commit.

#: The roles a manager may give their staff.
STAFF_ROLES = (Role.CASEWORKER, Role.MANAGER)

#: Licence moves: name → (the status it starts from, the status it leads to, audit action).
ORGANISATION_MOVES: dict[str, tuple[OrganisationStatus, OrganisationStatus, str]] = {
    "approve": (
        OrganisationStatus.PENDING,
        OrganisationStatus.ACTIVE,
        "organisation.approved",
    ),
    "suspend": (
        OrganisationStatus.ACTIVE,
        OrganisationStatus.SUSPENDED,
        "organisation.suspended",
    ),
    "reactivate": (
        OrganisationStatus.SUSPENDED,
        OrganisationStatus.ACTIVE,
        "organisation.reactivated",
    ),
}


def normalise_email(address: str) -> str:
    """E-mail addresses are stored in lower case: allauth's password reset looks them up so."""
    return address.strip().lower()


def _send_email(
    *, to: str, language: str, subject: str | Promise, template: str, context: dict[str, Any]
) -> None:
    """Render one e-mail in the recipient's language and send it (called after the commit).

    ``subject`` may name values of ``context`` (``%(organisation)s``); they are rendered in the
    recipient's language too.
    """
    with override(language):
        body = render_to_string(template, context)
        subject_text = str(subject) % {key: str(value) for key, value in context.items()}
        send_mail(subject_text, body, None, [to])


def _email_after_commit(
    *, to: str, language: str, subject: str | Promise, template: str, context: dict[str, Any]
) -> None:
    # A mail server that is down must not turn the committed change into an error page: the
    # failure is logged (config.commit) and the person can ask for a password-reset code.
    after_commit(
        _send_email, to=to, language=language, subject=subject, template=template, context=context
    )


def _password_url(site_url: str) -> str:
    """allauth's password-reset page: staff type their e-mail there and receive a code."""
    return urljoin(site_url, reverse("account_reset_password"))


#: How long the link that confirms a manager's e-mail works (override in settings).
APPLY_CONFIRM_SECONDS = 3 * 24 * 3600
_CONFIRM_SALT = "charities.apply.confirm"


def apply_confirm_seconds() -> int:
    return int(getattr(settings, "CHARITY_APPLY_CONFIRM_SECONDS", APPLY_CONFIRM_SECONDS))


def application_confirm_token(application: OrganisationApplication) -> str:
    """The signed, dated token of the link that confirms the manager's e-mail.

    It carries only the application's number (no e-mail address in URLs and access logs); the
    signature is keyed by ``SECRET_KEY``, so it cannot be made up for another application.
    """
    return signing.dumps(application.pk, salt=_CONFIRM_SALT)


def organisation_apply(
    *,
    name_ar: str,
    name_en: str,
    kind: str,
    licence_number: str,
    governorates: Iterable[Governorate],
    aid_types: Iterable[AidType],
    email: str,
    phone: str,
    manager_name: str,
    manager_email: str,
    language: str,
    ip_address: str | None,
    site_url: str,
) -> Organisation:
    """Record an application to join: a pending organisation and what its manager typed.

    No account is created here: the typed manager e-mail receives a confirmation link, and only
    opening it (``organisation_application_confirm``) creates the manager's account. When
    ``manager_email`` already has an account, nothing is sent but a note to its holder, and the
    application tells the ministry. Either way the caller shows the same page (no account
    enumeration). Raises ``LicenceNumberTaken`` when the licence number is already registered
    (an unconfirmed application whose link has expired no longer holds it).
    """
    manager_email = normalise_email(manager_email)
    governorates, aid_types = list(governorates), list(aid_types)
    try:
        return _apply_once(
            name_ar=name_ar,
            name_en=name_en,
            kind=kind,
            licence_number=licence_number,
            governorates=governorates,
            aid_types=aid_types,
            email=email,
            phone=phone,
            manager_name=manager_name,
            manager_email=manager_email,
            language=language,
            ip_address=ip_address,
            site_url=site_url,
        )
    except IntegrityError:
        # A simultaneous application took the licence number (the only unique value here).
        raise LicenceNumberTaken from None


def _discard_expired_application(licence_number: str) -> None:
    """Delete the pending organisation holding ``licence_number`` if nobody ever confirmed it.

    Only an application whose confirmation link has expired, that the ministry has not acted on
    and that has no staff is a leftover; anything else keeps the licence number.
    """
    cutoff = timezone.now() - datetime.timedelta(seconds=apply_confirm_seconds())
    leftover = (
        Organisation.objects.select_for_update()
        .filter(
            licence_number=licence_number,
            status=OrganisationStatus.PENDING,
            application__manager_confirmed_at__isnull=True,
            application__manager_email_had_account=False,
            application__submitted_at__lt=cutoff,
        )
        .exclude(memberships__isnull=False)
        .exclude(status_changes__isnull=False)
        .first()
    )
    if leftover is not None:
        audit_record(
            actor=None,
            action="organisation.application_discarded",
            target=leftover,
            organisation_id=leftover.pk,
            data={"reason": "unconfirmed"},
        )
        leftover.delete()


def _apply_once(
    *,
    name_ar: str,
    name_en: str,
    kind: str,
    licence_number: str,
    governorates: list[Governorate],
    aid_types: list[AidType],
    email: str,
    phone: str,
    manager_name: str,
    manager_email: str,
    language: str,
    ip_address: str | None,
    site_url: str,
) -> Organisation:
    with transaction.atomic(durable=True):
        _discard_expired_application(licence_number)
        # The check gives the clear message; the unique licence number is the guarantee.
        if Organisation.objects.filter(licence_number=licence_number).exists():
            raise LicenceNumberTaken
        existing = User.objects.filter(email__iexact=manager_email).first()
        organisation = Organisation.objects.create(
            name_ar=name_ar,
            name_en=name_en,
            kind=kind,
            licence_number=licence_number,
            email=email,
            phone=phone,
            status=OrganisationStatus.PENDING,
        )
        organisation.governorates.set(governorates)
        organisation.aid_types.set(aid_types)
        application = OrganisationApplication.objects.create(
            organisation=organisation,
            manager_name=manager_name,
            manager_email=manager_email,
            manager_email_had_account=existing is not None,
            manager_language=language,
            submitted_at=timezone.now(),
            ip_address=ip_address,
        )
        if existing is None:
            confirm_path = reverse(
                "charities:apply_confirm", args=[application_confirm_token(application)]
            )
            _email_after_commit(
                to=manager_email,
                language=language,
                subject=_("Musaada: confirm your e-mail to send your organisation's application"),
                template="charities/email/application_received.txt",
                context={
                    "organisation": organisation,
                    "manager_name": manager_name,
                    "confirm_url": urljoin(site_url, confirm_path),
                    "days": apply_confirm_seconds() // (24 * 3600) or 1,
                },
            )
        else:
            # Only the holder of the address learns that it was used.
            _email_after_commit(
                to=existing.email or manager_email,
                language=existing.language,
                subject=_("Musaada: your e-mail address was given in an application"),
                template="charities/email/application_email_in_use.txt",
                context={"organisation": organisation},
            )
        audit_record(
            actor=None,
            action="organisation.applied",
            target=organisation,
            organisation_id=organisation.pk,
            data={"manager_email_had_account": existing is not None},
            ip_address=ip_address,
        )
    return organisation


def organisation_application_confirm(
    *, token: str, ip_address: str | None
) -> OrganisationApplication:
    """The manager opened the link sent to the typed e-mail: create their account now.

    The account has no usable password and an active membership of the (pending) organisation;
    the manager chooses a password once the ministry approves. If the address got an account in
    the meantime (another organisation invited it), none is created and the application tells
    the ministry, as when it had one from the start. Confirming twice changes nothing.
    Raises ``ConfirmationLinkExpired`` or ``ConfirmationLinkInvalid``.
    """
    try:
        application_id = signing.loads(token, salt=_CONFIRM_SALT, max_age=apply_confirm_seconds())
    except signing.SignatureExpired:
        raise ConfirmationLinkExpired from None
    except signing.BadSignature:
        raise ConfirmationLinkInvalid from None
    if not isinstance(application_id, int):
        raise ConfirmationLinkInvalid
    try:
        return _confirm_once(application_id, ip_address=ip_address)
    except IntegrityError:
        # The address got an account at this very moment (an invitation): the second try
        # finds it and creates nothing.
        return _confirm_once(application_id, ip_address=ip_address)


def _confirm_once(application_id: int, *, ip_address: str | None) -> OrganisationApplication:
    with transaction.atomic(durable=True):
        application = (
            OrganisationApplication.objects.select_for_update()
            .select_related("organisation")
            .filter(pk=application_id)
            .first()
        )
        if application is None:  # discarded, or the organisation was removed
            raise ConfirmationLinkInvalid
        if application.manager_confirmed_at is not None or application.manager_email_had_account:
            return application
        application.manager_confirmed_at = timezone.now()
        existing = User.objects.filter(email__iexact=application.manager_email).exists()
        if existing:
            application.manager_email_had_account = True
        else:
            manager = User.objects.create_user(
                email=application.manager_email,
                password=None,  # unusable until they choose one after approval
                role=Role.MANAGER,
                full_name=application.manager_name,
                language=application.manager_language or settings.LANGUAGE_CODE,
            )
            StaffMembership.objects.create(user=manager, organisation=application.organisation)
        application.save(update_fields=["manager_confirmed_at", "manager_email_had_account"])
        audit_record(
            actor=None,
            action="organisation.manager_confirmed",
            target=application.organisation,
            organisation_id=application.organisation_id,
            data={"manager_email_had_account": existing},
            ip_address=ip_address,
        )
    return application


def _require_licensing(actor: User) -> None:
    if not can(actor, Capability.LICENSE_ORGANISATIONS):
        raise NotAllowed


def _organisation_move(
    *, move: str, organisation_id: int, actor: User, reason: str, site_url: str
) -> Organisation:
    """Move an organisation's status along ``ORGANISATION_MOVES[move]``, with history and audit.

    Raises ``ReasonRequired`` without a reason and ``IllegalStatusMove`` when the organisation
    is not in the status the move starts from; nothing is changed then.
    """
    _require_licensing(actor)
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired
    from_status, to_status, action = ORGANISATION_MOVES[move]
    with transaction.atomic(durable=True):
        # Locked: two administrators acting at once queue here, and the second one sees the
        # status the first one left.
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        if organisation.status != from_status:
            raise IllegalStatusMove(str(organisation.get_status_display()))
        now = timezone.now()
        organisation.status = to_status
        organisation.save(update_fields=["status"])
        OrganisationStatusChange.objects.create(
            organisation=organisation,
            from_status=from_status,
            to_status=to_status,
            reason=reason,
            by=actor,
            at=now,
        )
        audit_record(
            actor=actor,
            action=action,
            target=organisation,
            organisation_id=organisation.pk,
            data={"from": from_status.value, "to": to_status.value, "reason": reason},
        )
        _email_managers(organisation, move=move, site_url=site_url)
    return organisation


def _email_managers(organisation: Organisation, *, move: str, site_url: str) -> None:
    """Tell the organisation's active managers (after the commit) what the ministry did."""
    managers = User.objects.filter(
        membership__organisation=organisation,
        membership__is_active=True,
        role=Role.MANAGER,
        is_active=True,
    ).order_by("pk")
    subjects = {
        "approve": _("Musaada: your organisation is approved"),
        "suspend": _("Musaada: your organisation is suspended"),
        "reactivate": _("Musaada: your organisation is active again"),
    }
    for manager in managers:
        _email_after_commit(
            to=manager.email or "",
            language=manager.language,
            subject=subjects[move],
            template=f"charities/email/organisation_{move}.txt",
            context={
                "organisation": organisation,
                "manager_name": manager.full_name,
                "has_password": manager.has_usable_password(),
                "password_url": _password_url(site_url),
                "sign_in_url": urljoin(site_url, reverse("account_login")),
            },
        )


def organisation_approve(
    *, organisation_id: int, actor: User, reason: str, site_url: str
) -> Organisation:
    """Pending → active. Its managers are e-mailed how to set their password and sign in."""
    return _organisation_move(
        move="approve",
        organisation_id=organisation_id,
        actor=actor,
        reason=reason,
        site_url=site_url,
    )


def organisation_suspend(
    *, organisation_id: int, actor: User, reason: str, site_url: str
) -> Organisation:
    """Active → suspended: from the next request on, its staff can do nothing."""
    return _organisation_move(
        move="suspend",
        organisation_id=organisation_id,
        actor=actor,
        reason=reason,
        site_url=site_url,
    )


def organisation_reactivate(
    *, organisation_id: int, actor: User, reason: str, site_url: str
) -> Organisation:
    """Suspended → active."""
    return _organisation_move(
        move="reactivate",
        organisation_id=organisation_id,
        actor=actor,
        reason=reason,
        site_url=site_url,
    )


def organisation_licence_update(
    *,
    organisation_id: int,
    actor: User,
    governorates: Iterable[Governorate],
    aid_types: Iterable[AidType],
) -> Organisation:
    """Set the governorates and aid types the organisation is licensed for; audited.

    Cases it already holds stay with it; the new licence limits what it sees and claims next.
    """
    _require_licensing(actor)
    governorates, aid_types = list(governorates), list(aid_types)
    with transaction.atomic(durable=True):
        organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
        before = {
            "governorates": sorted(organisation.governorates.values_list("pk", flat=True)),
            "aid_types": sorted(organisation.aid_types.values_list("pk", flat=True)),
        }
        after = {
            "governorates": sorted(g.pk for g in governorates),
            "aid_types": sorted(t.pk for t in aid_types),
        }
        if before == after:
            return organisation
        organisation.governorates.set(governorates)
        organisation.aid_types.set(aid_types)
        audit_record(
            actor=actor,
            action="organisation.licence_changed",
            target=organisation,
            organisation_id=organisation.pk,
            data={key: {"before": before[key], "after": after[key]} for key in before},
        )
    return organisation


def _manager_organisation(actor: User) -> Organisation:
    """The active organisation whose staff ``actor`` may manage."""
    if not can(actor, Capability.MANAGE_STAFF):
        raise NotAllowed
    organisation = organisation_for_staff(actor)
    if organisation is None:  # pragma: no cover - can() already refused
        raise NotAllowed
    return organisation


def _lock_organisation(organisation: Organisation) -> Organisation:
    # Every staff change of one organisation queues on its row, so the last-manager check below
    # always counts the managers as they are now (two managers cannot demote each other at once).
    locked: Organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    return locked


def _locked_member(organisation: Organisation, membership_id: int) -> tuple[StaffMembership, User]:
    """An active membership of ``organisation`` and its user, both locked (else NotAllowed)."""
    membership = (
        StaffMembership.objects.select_for_update()
        .filter(pk=membership_id, organisation=organisation, is_active=True)
        .first()
    )
    if membership is None:
        raise NotAllowed
    user = User.objects.select_for_update().get(pk=membership.user_id)
    return membership, user


def _other_active_managers(organisation: Organisation, user: User) -> int:
    return (
        User.objects.filter(
            membership__organisation=organisation,
            membership__is_active=True,
            role=Role.MANAGER,
            is_active=True,
        )
        .exclude(pk=user.pk)
        .count()
    )


def staff_invite(
    *, actor: User, full_name: str, email: str, role: str, site_url: str
) -> StaffMembership:
    """Add a caseworker or manager to the actor's organisation and e-mail them how to sign in.

    A new address gets an account with no usable password. A former member of this organisation
    is taken back with the new role. Any other existing account raises
    ``EmailAlreadyHasAccount`` (only the ministry moves people between organisations).
    """
    organisation = _manager_organisation(actor)
    if role not in STAFF_ROLES:
        raise RoleNotAllowed
    email = normalise_email(email)
    try:
        with transaction.atomic(durable=True):
            _lock_organisation(organisation)
            user = User.objects.select_for_update().filter(email__iexact=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=None,  # unusable until they choose one
                    role=role,
                    full_name=full_name,
                    language=actor.language,
                )
                membership = StaffMembership.objects.create(user=user, organisation=organisation)
                action = "staff.invited"
            else:
                membership = _former_member(user, organisation)
                membership.is_active = True
                membership.save(update_fields=["is_active"])
                user.role = role
                user.full_name = full_name or user.full_name
                user.save(update_fields=["role", "full_name"])
                action = "staff.reinstated"
            audit_record(
                actor=actor,
                action=action,
                target=membership,
                organisation_id=organisation.pk,
                data={"user": user.pk, "role": role},
            )
            _email_after_commit(
                to=email,
                language=user.language,
                subject=_("Musaada: you have been added to %(organisation)s"),
                template="charities/email/staff_invited.txt",
                context={
                    "organisation": organisation,
                    "full_name": user.full_name,
                    "role": Role(role).label,
                    "has_password": user.has_usable_password(),
                    "password_url": _password_url(site_url),
                    "sign_in_url": urljoin(site_url, reverse("account_login")),
                },
            )
    except IntegrityError:
        # Another organisation created an account with this address at the same moment.
        raise EmailAlreadyHasAccount from None
    return membership


def _former_member(user: User, organisation: Organisation) -> StaffMembership:
    """The inactive membership of ``user`` in ``organisation``, locked; else why not."""
    membership = StaffMembership.objects.select_for_update().filter(user=user).first()
    if (
        membership is None
        or membership.organisation_id != organisation.pk
        or user.role not in CHARITY_ROLES
    ):
        raise EmailAlreadyHasAccount
    if membership.is_active:
        raise AlreadyOnStaff
    return membership


def staff_role_change(*, actor: User, membership_id: int, role: str) -> StaffMembership:
    """Make a member of the actor's organisation a caseworker or a manager.

    Raises ``LastManager`` when that would leave the organisation without an active manager.
    """
    organisation = _manager_organisation(actor)
    if role not in STAFF_ROLES:
        raise RoleNotAllowed
    with transaction.atomic(durable=True):
        _lock_organisation(organisation)
        membership, user = _locked_member(organisation, membership_id)
        before = user.role
        if before == role:
            return membership
        if before == Role.MANAGER and _other_active_managers(organisation, user) == 0:
            raise LastManager
        user.role = role
        user.save(update_fields=["role"])
        audit_record(
            actor=actor,
            action="staff.role_changed",
            target=membership,
            organisation_id=organisation.pk,
            data={"user": user.pk, "from": before, "to": role},
        )
    return membership


def staff_remove(*, actor: User, membership_id: int) -> StaffMembership:
    """End a membership: from the next request on, the person can no longer act.

    The account stays (its history and audit trail point at it); a manager may invite the same
    address again later. Raises ``LastManager`` for the organisation's last active manager.
    """
    organisation = _manager_organisation(actor)
    with transaction.atomic(durable=True):
        _lock_organisation(organisation)
        membership, user = _locked_member(organisation, membership_id)
        if user.role == Role.MANAGER and _other_active_managers(organisation, user) == 0:
            raise LastManager
        membership.is_active = False
        membership.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="staff.removed",
            target=membership,
            organisation_id=organisation.pk,
            data={"user": user.pk, "role": user.role},
        )
    return membership
