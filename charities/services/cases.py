"""Charity work on a case it holds: who may act, release, reject, and the claim deadline.

Each function is one transaction that locks the request row first (``select_for_update``),
checks who is acting and whether the move is legal, writes the timeline and audit entries, and
notifies after commit (through ``aid_requests.services.lifecycle.aid_request_move``). The claim
is in ``charities.services.claim``, approval and payments in ``charities.services.payments``.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.permissions import Capability, can, may_see_personal_data
from aid_requests.models import AidRequest, RequestStatus
from aid_requests.services.lifecycle import aid_request_move
from aid_requests.states import Actor
from benefits.commitments import commitments_refill
from charities.exceptions import CaseReasonRequired, NotAllowed, SecondFactorRequired
from charities.models import Organisation
from charities.selectors import organisation_for_staff
from dedup import services as dedup
from notifications.services import notify
from webhooks.models import Event
from webhooks.services import case_data, webhook_event_emit

logger = logging.getLogger(__name__)
S = RequestStatus


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


def locked_case(aid_request_id: int, organisation: Organisation) -> AidRequest:
    """The request, locked, if this organisation holds it now (else NotAllowed).

    Holding: ``aid_requests.models.held_by`` (named in ``claimed_by`` and in a held status).
    """
    aid_request = (
        AidRequest.objects.select_for_update(of=("self",))  # the request row only, see below
        .select_related("aid_type")
        .get(pk=aid_request_id)
    )
    if not aid_request.is_held_by(organisation.pk):
        raise NotAllowed
    return aid_request


def required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise CaseReasonRequired
    return reason


def aid_request_release(
    *, aid_request_id: int, actor: User, reason: str, second_factor_passed: bool = False
) -> AidRequest:
    """Give a claimed case back to the queue; its slots are freed. A reason is required."""
    organisation = require_staff(
        actor, Capability.RELEASE_CASE, second_factor_passed=second_factor_passed
    )
    reason = required_reason(reason)
    with transaction.atomic(durable=True):
        aid_request = locked_case(aid_request_id, organisation)
        _release(aid_request, actor=Actor.CHARITY, user=actor, note=reason)
    commitments_refill(aid_request_id=aid_request.pk, actor=actor)
    return aid_request


def _release(aid_request: AidRequest, *, actor: Actor, user: User | None, note: str) -> None:
    webhook_event_emit(
        organisation_id=aid_request.claimed_by_id,
        event=Event.CASE_RELEASED,
        data={**case_data(aid_request), "by": "deadline" if user is None else "organisation"},
    )
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
    reason = required_reason(reason)
    with transaction.atomic(durable=True):
        aid_request = locked_case(aid_request_id, organisation)
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
    commitments_refill(aid_request_id=aid_request.pk, actor=actor)
    return aid_request


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
        commitments_refill(aid_request_id=pk)
    return released


#: How long before the claim deadline the holder's software is warned.
DEADLINE_WARNING = datetime.timedelta(days=1)


def warn_approaching_claim_deadlines(*, now: datetime.datetime | None = None) -> list[int]:
    """Warn the holder's webhooks of every claim within a day of its deadline, once per claim
    (run with ``release_expired_claims``, hourly). Returns the cases warned about."""
    now = now or timezone.now()
    deadline = datetime.timedelta(days=settings.CLAIM_DEADLINE_DAYS)
    rows = AidRequest.objects.filter(
        status=S.CLAIMED,
        claimed_at__lte=now - deadline + DEADLINE_WARNING,
        claimed_at__gt=now - deadline,
    ).order_by("pk")
    warned = []
    for aid_request in rows:
        assert aid_request.claimed_at is not None  # noqa: S101  # the filter says so
        with transaction.atomic(durable=True):
            sent = webhook_event_emit(
                organisation_id=aid_request.claimed_by_id,
                event=Event.CASE_DEADLINE_APPROACHING,
                data={
                    **case_data(aid_request),
                    "deadline": (aid_request.claimed_at + deadline).isoformat(),
                },
                once_key=f"{aid_request.pk}:{aid_request.claimed_at.isoformat()}",
            )
        if sent:
            warned.append(aid_request.pk)
    return warned


def _deadline_recipients(organisation: Organisation | None) -> list[User]:
    managers = User.objects.filter(
        membership__organisation=organisation,
        membership__is_active=True,
        # An API client's service account acts for software; nobody reads its inbox.
        membership__is_service_account=False,
        role=Role.MANAGER,
        is_active=True,
    )
    ministry = User.objects.filter(
        role__in=(Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN), is_active=True
    )
    return [*managers.order_by("pk"), *ministry.order_by("pk")]
