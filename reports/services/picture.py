"""The audit of the beneficiary picture: every opening of a person's picture is a read of
personal data (their household, their charity cases, what the agencies pay them)."""

from __future__ import annotations

from django.db import transaction

from accounts.civil_id import masked_civil_id
from accounts.models import User
from audit.models import AuditEntry
from audit.services import audit_record

PICTURE_VIEWED = "beneficiary.picture_viewed"


def beneficiary_picture_view_record(
    *,
    actor: User,
    civil_id: str,
    found: bool,
    applicant_id: int | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Log that ministry staff ``actor`` opened the picture of ``civil_id`` — also when
    nothing was on record, since the question itself says whom the ministry looked for. The
    entry keeps the civil ID masked (its last four digits) and links the applicant's account
    when the person belongs to a household, so the audit trail's search by applicant finds
    it."""
    with transaction.atomic(durable=True):
        return audit_record(
            actor=actor,
            action=PICTURE_VIEWED,
            applicant_id=applicant_id,
            data={"civil_id": masked_civil_id(civil_id), "found": found},
            ip_address=ip_address,
        )
