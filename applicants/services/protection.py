"""The ministry's part: protected applicants, and the log of who opened an applicant."""

from __future__ import annotations

from django.db import transaction

from accounts.models import User
from accounts.permissions import Capability, can
from applicants.exceptions import (
    ApplicantProfileMissing,
    ProtectionNotAllowed,
    ProtectionReasonRequired,
    ProtectionUnchanged,
)
from applicants.models import ApplicantProfile
from applicants.selectors import PROTECTION_ACTION
from audit.services import audit_record


def applicant_protection_set(
    *,
    profile_id: int,
    protected: bool,
    actor: User,
    reason: str,
    ip_address: str | None = None,
) -> ApplicantProfile:
    """Mark the applicant of ``profile_id`` as protected (or not), with the reason, audited.

    A protected applicant's contact details are hidden from charities, also from the one
    holding their case. Only ministry administrators may do this (ProtectionNotAllowed); a
    reason is required (ProtectionReasonRequired); setting the value it already has changes
    nothing (ProtectionUnchanged). The audit entry, with the reason, is the flag's history.
    """
    if not can(actor, Capability.PROTECT_APPLICANTS):
        raise ProtectionNotAllowed
    reason = " ".join(reason.split())
    if not reason:
        raise ProtectionReasonRequired
    with transaction.atomic(durable=True):
        profile = ApplicantProfile.objects.select_for_update().filter(pk=profile_id).first()
        if profile is None:
            raise ApplicantProfileMissing
        if profile.is_protected == protected:
            raise ProtectionUnchanged(protected)
        profile.is_protected = protected
        profile.save(update_fields=["is_protected", "updated_at"])
        audit_record(
            actor=actor,
            action=PROTECTION_ACTION,
            target=profile,
            applicant_id=profile.user_id,
            data={"protected": protected, "reason": reason[:500]},
            ip_address=ip_address,
        )
    return profile


def applicant_ministry_view_record(
    *, actor: User, applicant: User, ip_address: str | None = None
) -> None:
    """Log that ministry staff ``actor`` opened ``applicant``'s details (call after access)."""
    with transaction.atomic(durable=True):
        audit_record(
            actor=actor,
            action="applicant.ministry_view",
            target=applicant,
            applicant_id=applicant.pk,
            ip_address=ip_address,
        )
