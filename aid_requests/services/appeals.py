"""Appeals: the applicant appeals an ineligible or rejected decision, the ministry decides.

The decision's step is ``dedup.request_steps.appeal_decide``: it runs
``appeal_decision_record`` in its transaction and, when the decision is overturned, frees the
aid slots the former holder reserved.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Capability, can
from aid_requests.exceptions import (
    AppealNotAllowed,
    IllegalTransition,
    NotPermitted,
    ReasonRequired,
)
from aid_requests.models import AidRequest, Appeal, AppealDecision, RequestStatus
from aid_requests.services.lifecycle import (
    aid_request_lock,
    aid_request_move,
    aid_request_move_to_live,
    in_both_languages,
)
from aid_requests.states import Actor
from audit.services import audit_record
from webhooks.models import Event
from webhooks.services import case_data, webhook_event_emit

S = RequestStatus


def aid_request_appeal(*, aid_request_id: int, applicant: User, reason: str) -> Appeal:
    """Appeal an ineligible or rejected decision: the request waits for ministry review."""
    with transaction.atomic(durable=True):
        aid_request = aid_request_lock(aid_request_id)
        if aid_request.applicant_id != applicant.pk:
            raise AppealNotAllowed
        if (
            aid_request.status not in (S.INELIGIBLE, S.REJECTED)
            or aid_request.appeals.filter(decision=AppealDecision.PENDING).exists()
        ):
            raise AppealNotAllowed
        appeal = Appeal.objects.create(
            aid_request=aid_request,
            appealed_status=aid_request.status,
            reason=reason,
            lodged_at=timezone.now(),
        )
        # Under appeal the request is live again, and the applicant may have made a new
        # request of the same type since the decision.
        aid_request_move_to_live(
            aid_request=aid_request,
            to=S.APPEALED,
            message=lambda reference: (
                _(
                    "You have another request for this aid type in progress (%(reference)s). "
                    "Only one can be in progress at a time: withdraw it, or wait until it ends, "
                    "then appeal."
                )
                % {"reference": reference}
            ),
            actor=Actor.APPLICANT,
            user=applicant,
            note=reason,
            notification="appeal_received",
        )
    return appeal


def appeal_decision_check(*, decided_by: User, note: str) -> str:
    """Who may decide an appeal, and the reason they must give (returned stripped)."""
    if not can(decided_by, Capability.REVIEW_APPEALS):
        raise NotPermitted
    note = note.strip()
    if not note:
        raise ReasonRequired
    return note


def appeal_decision_record(
    *, appeal_id: int, decided_by: User, overturn: bool, note: str
) -> Appeal:
    """A ministry administrator upholds the decision or overturns it (the request reopens), in
    the caller's transaction; ``note`` is checked by ``appeal_decision_check``.

    The reason is recorded on the appeal, in the timeline and in an explicit ``appeal.decided``
    audit entry (besides the entry of the status move). Overturning sends the request back to
    the queue with nobody holding it (see ``_reopen``).
    """
    # Lock order: the appeal, then its request. aid_request_appeal locks the request but
    # never an existing appeal, so the two cannot deadlock.
    appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
    aid_request = aid_request_lock(appeal.aid_request_id)
    if appeal.decision != AppealDecision.PENDING:
        raise IllegalTransition
    appeal.decision = AppealDecision.OVERTURNED if overturn else AppealDecision.UPHELD
    appeal.decided_by, appeal.decided_at, appeal.decision_note = (
        decided_by,
        timezone.now(),
        note,
    )
    appeal.save()
    audit_record(
        actor=decided_by,
        action="appeal.decided",
        target=appeal,
        applicant_id=aid_request.applicant_id,
        data={
            "aid_request": aid_request.pk,
            "decision": appeal.decision,
            "reason": note[:500],
        },
    )
    # The organisation that held the case (and rejected it), before a reopening frees it.
    webhook_event_emit(
        organisation_id=aid_request.claimed_by_id,
        event=Event.APPEAL_DECIDED,
        data={**case_data(aid_request), "appeal_id": appeal.pk, "decision": appeal.decision},
    )
    move: dict[str, Any] = {
        "actor": Actor.MINISTRY,
        "user": decided_by,
        "note": note,
        "notification": "appeal_decided",
        "context": {"outcome": in_both_languages(lambda: str(appeal.get_decision_display()))},
    }
    if overturn:
        _reopen(aid_request)
        # While under appeal the request is itself live, so no second one of its type can
        # have started; the check guards that invariant should LIVE_STATUSES ever change.
        aid_request_move_to_live(
            aid_request=aid_request,
            to=S.OPEN,
            message=lambda reference: (
                _(
                    "The applicant has another request for this aid type in progress "
                    "(%(reference)s), so this one cannot be reopened."
                )
                % {"reference": reference}
            ),
            **move,
        )
    else:
        aid_request_move(aid_request=aid_request, to=appeal.appealed_status, **move)
    return appeal


def _reopen(aid_request: AidRequest) -> None:
    """Before a request goes back to the queue through an appeal: nobody holds it any more.

    A former holder (a charity that rejected it) loses the case and its personal data and its
    approval no longer stands; the aid slots reserved for it are freed by the caller
    (``dedup.request_steps.appeal_decide``). Recorded payments stay.
    """
    aid_request.claimed_by = None
    aid_request.claimed_at = None
    aid_request.approved_amount = None
    aid_request.approved_payments = None
    aid_request.approved_at = None
    aid_request.save(
        update_fields=[
            "claimed_by",
            "claimed_at",
            "approved_amount",
            "approved_payments",
            "approved_at",
            "updated_at",
        ]
    )
