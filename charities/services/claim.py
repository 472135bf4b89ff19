"""The claim: an open request taken by an organisation, its aid slot reserved under the rule.

Lock order (DESIGN.md): the request row (``charities.claim_sql``), then the rule's advisory
locks and guarded insert (``dedup.services.ledger.commitments_reserve``). Deadlocks and
serialisation failures are retried.
"""

from __future__ import annotations

import logging
import time

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import Capability
from aid_requests.models import AidRequest, AidScope, RequestStatus
from aid_requests.services.lifecycle import aid_request_move
from aid_requests.states import Actor
from benefits.selectors import excluding_benefit
from charities import coverage
from charities.claim_sql import household_now, lock_for_claim
from charities.exceptions import (
    DuplicateAid,
    ExcludedByStateBenefit,
    NoLongerOpen,
    NotLicensed,
)
from charities.models import Organisation
from charities.services.cases import require_staff
from charities.services.covered import request_covered_until
from dedup import services as dedup
from dedup.exceptions import AidAlreadyGranted
from dedup.people import people_covered
from webhooks.models import Event
from webhooks.services import case_data, webhook_event_emit

logger = logging.getLogger(__name__)
S = RequestStatus

#: Deadlocks and serialisation failures are retried this many times (DESIGN.md).
CLAIM_ATTEMPTS = 4
_RETRYABLE_SQLSTATES = {"40P01", "40001"}


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
            raise _refusal_error(aid_request, refusal)
        return aid_request
    raise AssertionError("unreachable")  # pragma: no cover


def _refusal_error(aid_request: AidRequest, refusal: AidAlreadyGranted) -> DuplicateAid:
    """What the caseworker is told: the aid held until when, or — held by the state — the
    benefit, its agency and until when (read only now: a claim that goes through reads
    nothing more)."""
    held = refusal.conflicting
    if held is None:
        return DuplicateAid(str(aid_request.aid_type), None)
    if held.benefit_record_id is not None:
        benefit = excluding_benefit(held.benefit_record_id, until=held.period_end)
        return ExcludedByStateBenefit(
            str(aid_request.aid_type), benefit.benefit, benefit.agency, benefit.until
        )
    return DuplicateAid(str(aid_request.aid_type), held.period_end)


def _claim_once(
    aid_request_id: int, organisation: Organisation, actor: User
) -> tuple[AidRequest, AidAlreadyGranted | None]:
    """One attempt: the claimed request, or the request and the rule's refusal."""
    with transaction.atomic(durable=True):
        # 1. the request row: concurrent claims of the same request queue here; the licence
        # check (aid type and governorate) and the household are read in the same statement.
        aid_request, licensed, household = lock_for_claim(aid_request_id, organisation.pk)
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
            household = household_now(aid_request.applicant_id)
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
        except AidAlreadyGranted as refusal:
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
        webhook_event_emit(
            organisation_id=organisation.pk, event=Event.CASE_CLAIMED, data=case_data(aid_request)
        )
    return aid_request, None
