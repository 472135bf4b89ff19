"""Writes of aid requests. Every status change goes through ``_move``; each public function is
one transaction that re-reads the request with ``select_for_update()``, checks the move is
legal, writes the timeline and audit entries, and notifies the applicant after commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.permissions import Capability, acting_organisation, can
from aid_requests.exceptions import (
    AidTypeUnavailable,
    AmountNotAllowed,
    AnotherRequestInProgress,
    AppealNotAllowed,
    BeneficiaryNotAllowed,
    BeneficiaryRequired,
    DocumentNotAccepted,
    DuplicateRequest,
    IdentityNotVerified,
    IllegalTransition,
    NotPermitted,
    ProfileIncomplete,
    ReasonRequired,
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
    request_reference,
)
from aid_requests.periods import coverage_end
from aid_requests.reasons import reason_text
from aid_requests.scoring import HouseholdSnapshot, screen
from aid_requests.states import Actor, is_allowed
from applicants import selectors as applicant_selectors
from applicants import services as applicant_services
from applicants.models import Document, HouseholdMember
from applicants.validators import check_upload
from audit.services import audit_record
from config.rows import insert_row, update_row
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
    also_save: Sequence[str] = (),
) -> None:
    """The one status change. The caller holds the row lock and the transaction.

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


def in_both_languages(render: Callable[[], str]) -> dict[str, str]:
    """A message value rendered in each portal language (notifications pick the recipient's)."""
    values = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            values[code] = render()
    return values


def _locked(pk: int) -> AidRequest:
    # of=("self",): lock the request row only. Without it PostgreSQL also locks the joined aid
    # type row FOR UPDATE, which serialises every change of every request of that type and
    # deadlocks with a submission of the same type, whose deferred foreign-key check needs a
    # share lock on that row at its commit.
    return AidRequest.objects.select_for_update(of=("self",)).select_related("aid_type").get(pk=pk)


def _live_requests(
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
        _live_requests(
            aid_request.applicant_id, aid_request.aid_type_id, aid_request.beneficiary_civil_id
        )
        .exclude(pk=aid_request.pk)
        .values_list("pk", flat=True)
        .first()
    )


def _reference(pk: int | None) -> str:
    return request_reference(pk) if pk else "—"


def _move_to_live(
    aid_request: AidRequest, to: str, *, message: Callable[[str], str], **move: Any
) -> None:
    """``_move`` into a live status, where the applicant may have only one request per type.

    Checked first so the usual case gets a message naming the other request; the partial
    unique index one_live_request_per_beneficiary is the guarantee, and its violation (another
    request slipped in between) becomes the same domain error.
    """
    other = _other_live_request_id(aid_request)
    if other is not None:
        raise AnotherRequestInProgress(other, message(_reference(other)))
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction stays usable
            _move(aid_request, to, **move)
    except IntegrityError:
        other = _other_live_request_id(aid_request)
        raise AnotherRequestInProgress(other, message(_reference(other))) from None


def _reopen(aid_request: AidRequest) -> None:
    """Before a request goes back to the queue through an appeal: nobody holds it any more.

    A former holder (a charity that rejected it) loses the case and its personal data, its
    approval no longer stands, and no aid slot stays reserved for it. Recorded payments stay.
    """
    commitments_release(aid_request_id=aid_request.pk)
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


def _request_with_key(applicant: User, submission_key: str) -> AidRequest | None:
    return AidRequest.objects.filter(applicant=applicant, submission_key=submission_key).first()


def _check_uploads(uploads: Sequence[tuple[str, UploadedFile]]) -> None:
    """Refuse the submission before anything is stored when any new file is unacceptable.

    The same check ``applicants.services.document_upload`` makes on each file (which it
    repeats): made here first for all of them, so that one bad file among several stores none.
    """
    problems: dict[str, str] = {}
    for kind, upload in uploads:
        try:
            check_upload(upload)
        except ValidationError as error:
            problems[kind] = " ".join(error.messages)
    if problems:
        raise DocumentNotAccepted(problems)


def aid_request_submit(
    *,
    applicant: User,
    aid_type: AidType,
    amount: Decimal,
    justification: str,
    documents: Iterable[Document] = (),
    uploads: Sequence[tuple[str, UploadedFile]] = (),
    ip_address: str | None = None,
    submission_key: str | None = None,
    beneficiary: HouseholdMember | None = None,
) -> AidRequest:
    """Submit a request and screen it at once (submitted → screened → open | ineligible).

    ``beneficiary`` is the household member the request is for; None: the applicant (for
    household aid, the whole household — no choice). The aid type's ``beneficiaries`` says
    which are allowed; the member's civil ID is kept on the request as it is now.

    ``submission_key`` is the random key of the form that sent it: when the applicant already
    has a request with that key (the form was sent twice, even at the same moment), that
    request is returned and nothing is created — whatever its status, so an ineligible one is
    not made twice either. The unique constraint one_request_per_submission_key is the
    guarantee.

    ``documents`` are chosen from the applicant's uploads; ``uploads`` are new files
    ``(kind, file)`` stored first through the applicants' document service (each in its own
    transaction, so they stay in the profile even if the submission is then refused by a
    request that slipped in at the same moment). Every check that can refuse the submission
    runs before any file is stored.
    """
    if submission_key:
        sent = _request_with_key(applicant, submission_key)
        if sent is not None:
            return sent
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
    beneficiary_civil_id = _beneficiary_civil_id(aid_type, beneficiary, profile.pk)
    documents = [d for d in documents if d.profile_id == profile.pk]
    existing = _live_requests(applicant.pk, aid_type.pk, beneficiary_civil_id).first()
    if existing is not None:
        raise DuplicateRequest(existing.pk, for_member=beneficiary_civil_id is not None)
    _check_uploads(uploads)
    for kind, upload in uploads:
        try:
            documents.append(
                applicant_services.document_upload(
                    actor=applicant, kind=kind, upload=upload, ip_address=ip_address
                )
            )
        except applicant_services.DocumentRejectedError as error:
            raise DocumentNotAccepted({kind: str(error)}) from None

    now = timezone.now()
    start = timezone.localdate(now)
    with transaction.atomic(durable=True):
        try:
            # The partial unique index one_live_request_per_beneficiary is the guarantee; the
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
                    submission_key=submission_key or None,
                    beneficiary_member=beneficiary,
                    beneficiary_civil_id=beneficiary_civil_id,
                )
        except IntegrityError:
            # Another submission committed between the checks and the insert: the same form
            # (its request is the answer) or another one of the same type.
            if submission_key:
                sent = _request_with_key(applicant, submission_key)
                if sent is not None:
                    return sent
            first = (
                _live_requests(applicant.pk, aid_type.pk, beneficiary_civil_id)
                .values_list("pk", flat=True)
                .first()
            )
            raise DuplicateRequest(first, for_member=beneficiary_civil_id is not None) from None
        aid_request.documents.set(documents)
        TimelineEntry.objects.create(
            aid_request=aid_request, from_status="", to_status=S.SUBMITTED, actor=applicant, at=now
        )
        audit_record(
            actor=applicant,
            action="aid_request.submitted",
            target=aid_request,
            applicant_id=applicant.pk,
            data={
                "aid_type": aid_type.code,
                "amount": str(amount),
                "beneficiary": "member" if beneficiary else "applicant",
            },
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


def _beneficiary_civil_id(
    aid_type: AidType, beneficiary: HouseholdMember | None, profile_id: int
) -> str | None:
    """The civil ID the request reserves for ``beneficiary`` (None: the applicant), if the aid
    type may be for them; else ``BeneficiaryNotAllowed`` / ``BeneficiaryRequired``."""
    if beneficiary is None:
        if not aid_type.applicant_may_benefit:
            raise BeneficiaryRequired
        return None
    if (
        not aid_type.member_may_benefit
        or beneficiary.profile_id != profile_id
        or not beneficiary.civil_id
    ):
        raise BeneficiaryNotAllowed
    return beneficiary.civil_id


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
        # Everyone it covers already holds this aid type elsewhere: out of the queue at once.
        # Imported here: charities sits above aid_requests, whose services it uses.
        from charities.services.covered import aid_request_check_coverage

        aid_request_check_coverage(aid_request)
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
        # Under appeal the request is live again, and the applicant may have made a new
        # request of the same type since the decision.
        _move_to_live(
            aid_request,
            S.APPEALED,
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


def appeal_decide(*, appeal_id: int, decided_by: User, overturn: bool, note: str) -> Appeal:
    """A ministry administrator upholds the decision or overturns it (the request reopens).

    The reason is required and recorded on the appeal, in the timeline and in an explicit
    ``appeal.decided`` audit entry (besides the entry of the status move). Overturning sends
    the request back to the queue with nobody holding it (see ``_reopen``).
    """
    if not can(decided_by, Capability.REVIEW_APPEALS):
        raise NotPermitted
    note = note.strip()
    if not note:
        raise ReasonRequired
    with transaction.atomic(durable=True):
        # Lock order: the appeal, then its request. aid_request_appeal locks the request but
        # never an existing appeal, so the two cannot deadlock.
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
            _move_to_live(
                aid_request,
                S.OPEN,
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
            _move(aid_request, appeal.appealed_status, **move)
    return appeal


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
        aid_request = _locked(aid_request_id)
        _move(
            aid_request,
            S.REJECTED,
            actor=Actor.MINISTRY,
            user=actor,
            note=reason,
            notification="request_rejected",
            context={"reason": reason[:200]},
        )
    return aid_request


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
    "beneficiaries",
    "coverage_months",
    "max_amount",
    "required_documents",
    "max_income_per_capita",
    "is_active",
    "licensed_only",
)


def aid_type_save(*, actor: User, aid_type: AidType | None, data: dict[str, Any]) -> AidType:
    """Create (``aid_type=None``) or change an aid type of the catalogue; audited."""
    if not can(actor, Capability.MANAGE_AID_TYPES):
        raise NotPermitted
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


def case_message_send(*, aid_request_id: int, sender: User, body: str) -> CaseMessage:
    """Staff of the organisation holding the case write to the applicant (who is notified)."""
    organisation = acting_organisation(sender)
    body = body.strip()
    if organisation is None or not body:
        raise IllegalTransition
    with transaction.atomic(durable=True):
        aid_request = _locked(aid_request_id)
        if not aid_request.is_held_by(organisation.pk):
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
