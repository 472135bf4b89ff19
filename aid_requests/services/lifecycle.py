"""The status of a request: the one function that changes it, and the moves made by this app.

Every status change of every app goes through ``aid_request_move``, inside the caller's
transaction and with the request row locked (``aid_request_lock``). Each public step is one
transaction that re-reads the request with ``select_for_update()``, checks the move is legal,
writes the timeline and audit entries, and notifies the applicant after commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from accounts.models import User
from accounts.permissions import Capability, can
from aid_requests.exceptions import (
    AnotherRequestInProgress,
    IllegalTransition,
    NotPermitted,
    ReasonRequired,
)
from aid_requests.models import (
    LIVE_STATUSES,
    AidRequest,
    RequestStatus,
    TimelineEntry,
    request_reference,
)
from aid_requests.states import Actor, is_allowed
from audit.services import audit_record
from config.rows import insert_row, update_row
from notifications.services import notify

S = RequestStatus


def aid_request_move(
    *,
    aid_request: AidRequest,
    to: str,
    actor: Actor,
    user: User | None,
    note: str = "",
    notification: str | None = None,
    context: dict[str, Any] | None = None,
    also_save: Sequence[str] = (),
) -> None:
    """Move ``aid_request`` to status ``to``: the one status change, for every app.

    Checks the move against ``aid_requests.states.TRANSITIONS`` (``actor`` must be one who may
    make it; else ``IllegalTransition``), writes the new status, the timeline entry and the
    audit entry, and notifies the applicant (``notification``, with ``context``) after commit.
    ``user`` is who acted (None: the system). The caller holds the row lock
    (``aid_request_lock``) and the transaction, in which everything here is written.

    ``also_save`` names fields the caller has already set on ``aid_request`` (e.g. who claimed
    it): they are written by the same UPDATE as the status, so the row is written once.
    """
    from_status = aid_request.status
    if not is_allowed(from_status, to, actor):
        raise IllegalTransition
    aid_request.status = to
    # config.rows: the same UPDATE and INSERT as save() and create(), without compiling them
    # anew on every status change.
    update_row(aid_request, ["status", "updated_at", *also_save])
    insert_row(
        TimelineEntry(
            aid_request=aid_request,
            from_status=from_status,
            to_status=to,
            actor=user,
            at=timezone.now(),
            note=note,
        )
    )
    audit_record(
        actor=user,
        action=f"aid_request.{to}",
        target=aid_request,
        applicant_id=aid_request.applicant_id,
        organisation_id=aid_request.claimed_by_id,
        data={"from": from_status, "to": to, "note": note[:500]},
    )
    if notification:
        notify(
            recipient=aid_request.applicant,
            kind=notification,
            aid_request=aid_request,
            context={"reference": aid_request.reference, **(context or {})},
        )


def aid_request_lock(aid_request_id: int) -> AidRequest:
    """The request, re-read and locked for the caller's transaction (with its aid type)."""
    # of=("self",): lock the request row only. Without it PostgreSQL also locks the joined aid
    # type row FOR UPDATE, which serialises every change of every request of that type and
    # deadlocks with a submission of the same type, whose deferred foreign-key check needs a
    # share lock on that row at its commit.
    return (
        AidRequest.objects.select_for_update(of=("self",))
        .select_related("aid_type")
        .get(pk=aid_request_id)
    )


def in_both_languages(render: Callable[[], str]) -> dict[str, str]:
    """A message value rendered in each portal language (notifications pick the recipient's)."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[code] = render()
    return values


def live_requests(
    applicant_id: int, aid_type_id: int, beneficiary_civil_id: str | None
) -> QuerySet[AidRequest]:
    """The applicant's requests of this type in progress for this beneficiary (civil ID NULL:
    the applicant) — what the unique index one_live_request_per_beneficiary allows once."""
    live = AidRequest.objects.filter(
        applicant_id=applicant_id, aid_type_id=aid_type_id, status__in=LIVE_STATUSES
    )
    if beneficiary_civil_id is None:
        return live.filter(beneficiary_civil_id__isnull=True)
    return live.filter(beneficiary_civil_id=beneficiary_civil_id)


def _other_live_request_id(aid_request: AidRequest) -> int | None:
    """The applicant's other request of the same type and beneficiary in progress, if any."""
    return (
        live_requests(
            aid_request.applicant_id, aid_request.aid_type_id, aid_request.beneficiary_civil_id
        )
        .exclude(pk=aid_request.pk)
        .values_list("pk", flat=True)
        .first()
    )


def _reference(pk: int | None) -> str:
    return request_reference(pk) if pk else "—"


def aid_request_move_to_live(
    *, aid_request: AidRequest, to: str, message: Callable[[str], str], **move: Any
) -> None:
    """``aid_request_move`` into a live status, where the applicant may have only one request
    per type and beneficiary (``message`` renders the refusal from the other's reference).

    Checked first so the usual case gets a message naming the other request; the partial
    unique index one_live_request_per_beneficiary is the guarantee, and its violation (another
    request slipped in between) becomes the same domain error.
    """
    other = _other_live_request_id(aid_request)
    if other is not None:
        raise AnotherRequestInProgress(other, message(_reference(other)))
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            aid_request_move(aid_request=aid_request, to=to, **move)
    except IntegrityError:
        other = _other_live_request_id(aid_request)
        raise AnotherRequestInProgress(other, message(_reference(other))) from None


def aid_request_mark_withdrawn(
    *, aid_request_id: int, applicant: User, note: str = ""
) -> AidRequest:
    """The applicant withdraws a request that is not yet approved: the request's side, in the
    caller's transaction. ``dedup.request_steps.aid_request_withdraw`` is the step (it also
    frees the aid slots the request held)."""
    aid_request = aid_request_lock(aid_request_id)
    if aid_request.applicant_id != applicant.pk:
        raise IllegalTransition
    aid_request_move(
        aid_request=aid_request,
        to=S.WITHDRAWN,
        actor=Actor.APPLICANT,
        user=applicant,
        note=note,
        notification="request_withdrawn",
    )
    return aid_request


def aid_request_reject_in_queue(*, aid_request_id: int, actor: User, reason: str) -> AidRequest:
    """A ministry administrator rejects a request waiting in the queue, saying why.

    For requests that should never have been open (e.g. evidence found forged). Once a charity
    holds the case, the charity rejects it (``charities.services.cases.aid_request_reject``). The
    applicant is told the reason and may appeal.
    """
    if not can(actor, Capability.REJECT_REQUESTS):
        raise NotPermitted
    reason = reason.strip()
    if not reason:
        raise ReasonRequired
    with transaction.atomic(durable=True):
        aid_request = aid_request_lock(aid_request_id)
        aid_request_move(
            aid_request=aid_request,
            to=S.REJECTED,
            actor=Actor.MINISTRY,
            user=actor,
            note=reason,
            notification="request_rejected",
            context={"reason": reason[:200]},
        )
    return aid_request
