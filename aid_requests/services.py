"""Writes of aid requests. Every status change goes through ``_move``; each public function is
one transaction that re-reads the request with ``select_for_update()``, checks the move is
legal, writes the timeline and audit entries, and notifies the applicant after commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from accounts.permissions import acting_organisation
from aid_requests.exceptions import (
    AidTypeUnavailable,
    AmountNotAllowed,
    AppealNotAllowed,
    DuplicateRequest,
    IdentityNotVerified,
    IllegalTransition,
    ProfileIncomplete,
)
from aid_requests.models import (
    LIVE_STATUSES,
    AidRequest,
    AidType,
    Appeal,
    AppealDecision,
    CaseMessage,
    RequestStatus,
    TimelineEntry,
)
from aid_requests.periods import coverage_end
from aid_requests.reasons import reason_text
from aid_requests.scoring import HouseholdSnapshot, screen
from aid_requests.states import Actor, is_allowed
from applicants import selectors as applicant_selectors
from applicants.models import Document
from audit.services import audit_record
from dedup.services import commitments_release
from notifications.services import notify

S = RequestStatus


def _move(
    aid_request: AidRequest,
    to: str,
    *,
    actor: Actor,
    user: User | None,
    note: str = "",
    notification: str | None = None,
    context: dict[str, Any] | None = None,
) -> None:
    """The one status change. The caller holds the row lock and the transaction."""
    from_status = aid_request.status
    if not is_allowed(from_status, to, actor):
        raise IllegalTransition
    aid_request.status = to
    aid_request.save(update_fields=["status", "updated_at"])
    TimelineEntry.objects.create(
        aid_request=aid_request,
        from_status=from_status,
        to_status=to,
        actor=user,
        at=timezone.now(),
        note=note,
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


def in_both_languages(render: Callable[[], str]) -> dict[str, str]:
    """A message value rendered in each portal language (notifications pick the recipient's)."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[code] = render()
    return values


def _locked(pk: int) -> AidRequest:
    return AidRequest.objects.select_for_update().select_related("aid_type").get(pk=pk)


def household_snapshot(applicant: User) -> HouseholdSnapshot:
    """What screening reads about the applicant's household, right now."""
    profile = applicant_selectors.profile_of(applicant)
    finances = applicant_selectors.household_finances(applicant)
    members = applicant_selectors.members_of(applicant)
    steps = applicant_selectors.completed_steps(profile, applicant)
    return HouseholdSnapshot(
        household_size=finances.household_size,
        income_total=finances.income_total,
        obligations_total=finances.obligations_total,
        disabled_members=members.filter(has_disability=True).count(),
        student_members=members.filter(is_student=True).count(),
        profile_complete=applicant_selectors.Step.REVIEW in steps,
    )


def aid_request_submit(
    *,
    applicant: User,
    aid_type: AidType,
    amount: Decimal,
    justification: str,
    documents: Iterable[Document] = (),
    ip_address: str | None = None,
) -> AidRequest:
    """Submit a request and screen it at once (submitted → screened → open | ineligible)."""
    if not applicant.is_identity_verified:
        raise IdentityNotVerified
    profile = applicant_selectors.profile_of(applicant)
    snapshot = household_snapshot(applicant)
    if profile is None or not snapshot.profile_complete:
        raise ProfileIncomplete
    if not aid_type.is_active:
        raise AidTypeUnavailable
    if amount <= 0 or amount > aid_type.max_amount:
        raise AmountNotAllowed
    documents = [d for d in documents if d.profile_id == profile.pk]
    existing = AidRequest.objects.filter(
        applicant=applicant, aid_type=aid_type, status__in=LIVE_STATUSES
    ).first()
    if existing is not None:
        raise DuplicateRequest(existing.pk)

    now = timezone.now()
    start = timezone.localdate(now)
    with transaction.atomic(durable=True):
        try:
            # The partial unique index one_live_request_per_aid_type is the guarantee; the
            # check above only gives the common case a friendlier path.
            with transaction.atomic():
                aid_request = AidRequest.objects.create(
                    applicant=applicant,
                    aid_type=aid_type,
                    amount_requested=amount,
                    justification=justification,
                    status=S.SUBMITTED,
                    governorate_id=profile.governorate_id,  # type: ignore[misc]  # complete
                    household_size=snapshot.household_size,
                    coverage_start=start,
                    coverage_end=coverage_end(start, aid_type.coverage_months),
                    submitted_at=now,
                )
        except IntegrityError:
            raise DuplicateRequest(None) from None
        aid_request.documents.set(documents)
        TimelineEntry.objects.create(
            aid_request=aid_request, from_status="", to_status=S.SUBMITTED, actor=applicant, at=now
        )
        audit_record(
            actor=applicant,
            action="aid_request.submitted",
            target=aid_request,
            applicant_id=applicant.pk,
            data={"aid_type": aid_type.code, "amount": str(amount)},
            ip_address=ip_address,
        )
        notify(
            recipient=applicant,
            kind="request_submitted",
            aid_request=aid_request,
            context={"reference": aid_request.reference},
        )
        _screen(aid_request, snapshot, {d.kind for d in documents})
    return aid_request


def _screen(aid_request: AidRequest, snapshot: HouseholdSnapshot, kinds: set[str]) -> None:
    aid_type = aid_request.aid_type
    result = screen(
        snapshot,
        threshold=aid_type.max_income_per_capita,
        required_documents=list(aid_type.required_documents),
        documents_attached=frozenset(kinds),
    )
    aid_request.need_score = result.score
    aid_request.screening = result.as_json()
    aid_request.save(update_fields=["need_score", "screening", "updated_at"])
    _move(aid_request, S.SCREENED, actor=Actor.SYSTEM, user=None)
    if result.eligible:
        _move(
            aid_request,
            S.OPEN,
            actor=Actor.SYSTEM,
            user=None,
            notification="request_open",
            context={"score": result.score},
        )
    else:
        _move(
            aid_request,
            S.INELIGIBLE,
            actor=Actor.SYSTEM,
            user=None,
            note=", ".join(r["code"] for r in result.reasons),
            notification="request_ineligible",
            context={
                "reason": in_both_languages(
                    lambda: (
                        "؛ ".join(reason_text(r) for r in result.reasons)
                        if translation.get_language() == "ar"
                        else "; ".join(reason_text(r) for r in result.reasons)
                    )
                )
            },
        )


def aid_request_withdraw(*, aid_request_id: int, applicant: User, note: str = "") -> AidRequest:
    """The applicant withdraws a request that is not yet approved."""
    with transaction.atomic(durable=True):
        aid_request = _locked(aid_request_id)
        if aid_request.applicant_id != applicant.pk:
            raise IllegalTransition
        _move(
            aid_request,
            S.WITHDRAWN,
            actor=Actor.APPLICANT,
            user=applicant,
            note=note,
            notification="request_withdrawn",
        )
        # A withdrawn claim frees the aid slots it held.
        commitments_release(aid_request_id=aid_request.pk)
    return aid_request


def aid_request_appeal(*, aid_request_id: int, applicant: User, reason: str) -> Appeal:
    """Appeal an ineligible or rejected decision: the request waits for ministry review."""
    with transaction.atomic(durable=True):
        aid_request = _locked(aid_request_id)
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
        _move(
            aid_request,
            S.APPEALED,
            actor=Actor.APPLICANT,
            user=applicant,
            note=reason,
            notification="appeal_received",
        )
    return appeal


def appeal_decide(*, appeal_id: int, decided_by: User, overturn: bool, note: str) -> Appeal:
    """A ministry administrator upholds the decision or overturns it (the request reopens)."""
    with transaction.atomic(durable=True):
        appeal = Appeal.objects.select_for_update().get(pk=appeal_id)
        aid_request = _locked(appeal.aid_request_id)
        if appeal.decision != AppealDecision.PENDING:
            raise IllegalTransition
        appeal.decision = AppealDecision.OVERTURNED if overturn else AppealDecision.UPHELD
        appeal.decided_by, appeal.decided_at, appeal.decision_note = (
            decided_by,
            timezone.now(),
            note,
        )
        appeal.save()
        target = S.OPEN if overturn else appeal.appealed_status
        _move(
            aid_request,
            target,
            actor=Actor.MINISTRY,
            user=decided_by,
            note=note,
            notification="appeal_decided",
            context={"outcome": in_both_languages(lambda: str(appeal.get_decision_display()))},
        )
    return appeal


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


_AID_TYPE_FIELDS = (
    "code",
    "name_ar",
    "name_en",
    "description_ar",
    "description_en",
    "scope",
    "coverage_months",
    "max_amount",
    "required_documents",
    "max_income_per_capita",
    "is_active",
    "licensed_only",
)


def aid_type_save(*, actor: User, aid_type: AidType | None, data: dict[str, Any]) -> AidType:
    """Create (``aid_type=None``) or change an aid type of the catalogue; audited."""
    with transaction.atomic(durable=True):
        if aid_type is None:
            aid_type = AidType()
            before: dict[str, Any] = {}
        else:
            aid_type = AidType.objects.select_for_update().get(pk=aid_type.pk)
            before = {f: getattr(aid_type, f) for f in _AID_TYPE_FIELDS}
        for name in _AID_TYPE_FIELDS:
            if name in data:
                setattr(aid_type, name, data[name])
        aid_type.full_clean()
        aid_type.save()
        changed = {
            f: [str(before.get(f)), str(getattr(aid_type, f))]
            for f in _AID_TYPE_FIELDS
            if before.get(f) != getattr(aid_type, f)
        }
        audit_record(
            actor=actor,
            action="aid_type.created" if not before else "aid_type.changed",
            target=aid_type,
            data={"changes": changed},
        )
    return aid_type


#: A case's holder may write to the applicant while the case is in these states.
MESSAGE_STATUSES = (S.CLAIMED, S.APPROVED, S.PAYING, S.CLOSED)


def case_message_send(*, aid_request_id: int, sender: User, body: str) -> CaseMessage:
    """Staff of the organisation holding the case write to the applicant (who is notified)."""
    organisation = acting_organisation(sender)
    body = body.strip()
    if organisation is None or not body:
        raise IllegalTransition
    with transaction.atomic(durable=True):
        aid_request = _locked(aid_request_id)
        if aid_request.claimed_by_id != organisation.pk or aid_request.status not in (
            MESSAGE_STATUSES
        ):
            raise IllegalTransition
        message = CaseMessage.objects.create(
            aid_request=aid_request,
            organisation=organisation,
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
