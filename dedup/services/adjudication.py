"""The ministry decides: coverage conflicts resolved and possible duplicates decided."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.permissions import Capability, can
from applicants.models import ApplicantProfile, PossibleDuplicate, ReviewStatus
from audit.services import audit_record
from dedup.exceptions import (
    AdjudicationNotAllowed,
    AdjudicationReasonRequired,
    AlreadyDecided,
    InvalidDecision,
)
from dedup.models import ConflictResolution, ConflictStatus, CoverageConflict
from dedup.services.household import notify_organisations
from notifications.services import notify


def _decision_reason(actor: User, reason: str) -> str:
    if not can(actor, Capability.REVIEW_APPEALS):
        raise AdjudicationNotAllowed
    reason = " ".join((reason or "").split())
    if not reason:
        raise AdjudicationReasonRequired
    return reason


def coverage_conflict_resolve(
    *,
    conflict_id: int,
    actor: User,
    resolution: str,
    reason: str,
    ip_address: str | None = None,
) -> CoverageConflict:
    """The ministry resolves a coverage conflict: payments of the held-back case may go on.

    Ministry administrators only (``REVIEW_APPEALS``), with a reason; audited; the applicant of
    the held-back case and both organisations' managers are told.
    """
    reason = _decision_reason(actor, reason)
    if resolution not in ConflictResolution.values:
        raise InvalidDecision
    with transaction.atomic(durable=True):
        conflict = (
            CoverageConflict.objects.select_for_update(of=("self",))
            .select_related("aid_request__aid_type", "held")
            .filter(pk=conflict_id)
            .first()
        )
        if conflict is None:
            raise InvalidDecision
        if conflict.status != ConflictStatus.OPEN:
            raise AlreadyDecided
        conflict.status = ConflictStatus.RESOLVED
        conflict.resolution = resolution
        conflict.reason = reason[:2000]
        conflict.decided_at, conflict.decided_by = timezone.now(), actor
        conflict.save()
        audit_record(
            actor=actor,
            action="coverage_conflict.resolve",
            target=conflict,
            organisation_id=conflict.aid_request.claimed_by_id,
            applicant_id=conflict.aid_request.applicant_id,
            data={"resolution": resolution, "reason": reason[:500]},
            ip_address=ip_address,
        )
        outcome = ConflictResolution(resolution)
        notify(
            recipient=conflict.aid_request.applicant,
            kind="coverage_conflict_resolved",
            aid_request=conflict.aid_request,
            context={"outcome": outcome},
        )
        notify_organisations(
            conflict, kind="coverage_conflict_resolved", context={"outcome": outcome}
        )
    return conflict


#: The decisions on a possible duplicate: dismiss it, or confirm it and say where the person
#: belongs (the declaring household or the other one).
DUPLICATE_DECISIONS = {
    "dismiss": _("Not a duplicate: both listings stand"),
    "belongs_here": _("Confirmed: the person belongs to the household that declared them last"),
    "belongs_there": _("Confirmed: the person belongs to the other household"),
}


def possible_duplicate_decide(
    *,
    duplicate_id: int,
    actor: User,
    decision: str,
    reason: str,
    ip_address: str | None = None,
) -> PossibleDuplicate:
    """The ministry decides a possible duplicate (a person in two households), with a reason.

    Ministry administrators only; audited; both households' applicants are told the outcome
    (not who the other household is). The household listings themselves are the applicants'
    to correct: families are real, the decision is what the ministry and charities go by.
    """
    reason = _decision_reason(actor, reason)
    if decision not in DUPLICATE_DECISIONS:
        raise InvalidDecision
    with transaction.atomic(durable=True):
        duplicate = (
            PossibleDuplicate.objects.select_for_update(of=("self",))
            .select_related("profile__user", "other_applicant")
            .filter(pk=duplicate_id)
            .first()
        )
        if duplicate is None:
            raise InvalidDecision
        if duplicate.status != ReviewStatus.OPEN:
            raise AlreadyDecided
        duplicate.status = (
            ReviewStatus.DISMISSED if decision == "dismiss" else ReviewStatus.CONFIRMED
        )
        duplicate.belongs_to = {
            "belongs_here": duplicate.profile,
            "belongs_there": duplicate.other_profile
            or ApplicantProfile.objects.filter(user=duplicate.other_applicant).first(),
        }.get(decision)
        duplicate.review_reason = reason[:2000]
        duplicate.reviewed_at, duplicate.reviewed_by = timezone.now(), actor
        duplicate.save()
        audit_record(
            actor=actor,
            action="possible_duplicate.decide",
            target=duplicate,
            applicant_id=duplicate.profile.user_id,
            data={
                "decision": decision,
                "belongs_to": duplicate.belongs_to_id,
                "reason": reason[:500],
            },
            ip_address=ip_address,
        )
        # Each applicant is told what it means for their own household, not who the other is.
        yours, theirs = (
            _("the person belongs to your household"),
            _("the person belongs to the other household"),
        )
        outcomes = {
            "dismiss": (_("both listings stand"), _("both listings stand")),
            "belongs_here": (yours, theirs),
            "belongs_there": (theirs, yours),
        }[decision]
        for applicant, outcome in zip(
            (duplicate.profile.user, duplicate.other_applicant), outcomes, strict=True
        ):
            notify(recipient=applicant, kind="duplicate_decided", context={"outcome": outcome})
    return duplicate
