"""What staff do on a request besides moving it: writing to the applicant, and opening its
personal data (both audited)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from accounts.permissions import acting_organisation
from aid_requests.exceptions import IllegalTransition
from aid_requests.models import AidRequest, CaseMessage, RequestStatus
from aid_requests.services.lifecycle import aid_request_lock
from audit.services import audit_record
from notifications.services import notify

S = RequestStatus


def case_message_send(*, aid_request_id: int, sender: User, body: str) -> CaseMessage:
    """Staff of the organisation holding the case write to the applicant (who is notified)."""
    organisation = acting_organisation(sender)
    body = body.strip()
    if organisation is None or not body:
        raise IllegalTransition
    with transaction.atomic(durable=True):
        aid_request = aid_request_lock(aid_request_id)
        if not aid_request.is_held_by(organisation.pk):
            raise IllegalTransition
        message = CaseMessage.objects.create(
            aid_request=aid_request,
            organisation_id=organisation.pk,
            sender=sender,
            body=body[:2000],
            sent_at=timezone.now(),
        )
        audit_record(
            actor=sender,
            action="case_message.sent",
            target=message,
            organisation_id=organisation.pk,
            applicant_id=aid_request.applicant_id,
        )
        notify(
            recipient=aid_request.applicant,
            kind="case_message",
            aid_request=aid_request,
            context={"reference": aid_request.reference},
        )
    return message


def aid_request_view_logged(
    *, aid_request: AidRequest, viewer: User, ip_address: str | None
) -> None:
    """Record that staff opened the personal data of a request (ministry or charity)."""
    audit_record(
        actor=viewer,
        action="aid_request.personal_data_viewed",
        target=aid_request,
        applicant_id=aid_request.applicant_id,
        organisation_id=aid_request.claimed_by_id,
        ip_address=ip_address,
    )
