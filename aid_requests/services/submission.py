"""Submitting a request, and screening it at once (submitted → screened → open | ineligible).

The step is ``charities.request_steps.aid_request_submit``: it calls, in order,
``aid_request_sent`` (the form was already sent), ``aid_request_submission_check`` (every
check that can refuse, then the new files stored), asks the state agencies (``benefits``, above
this app: the verified income arrives here as a figure, ``VerifiedIncome``), and — in its one
durable transaction — ``aid_request_create`` (the request, its timeline, audit and
notification, and screening), followed by its own coverage check.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accounts.models import User
from aid_requests.exceptions import (
    AidTypeUnavailable,
    AmountNotAllowed,
    BeneficiaryNotAllowed,
    BeneficiaryRequired,
    DocumentNotAccepted,
    DuplicateRequest,
    IdentityNotVerified,
    ProfileIncomplete,
)
from aid_requests.models import HELD_STATUSES, AidRequest, AidType, RequestStatus, TimelineEntry
from aid_requests.periods import coverage_end
from aid_requests.reasons import reason_text
from aid_requests.scoring import HouseholdSnapshot, VerifiedFrom, VerifiedIncome, screen
from aid_requests.services.lifecycle import aid_request_move, in_both_languages, live_requests
from aid_requests.states import Actor
from applicants import selectors as applicant_selectors
from applicants.exceptions import DocumentRejectedError
from applicants.models import Document, HouseholdMember
from applicants.services import documents as applicant_documents
from applicants.validators import check_upload
from audit.services import audit_record
from notifications.services import notify

S = RequestStatus


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
        declared_state_income=applicant_selectors.declared_state_income(applicant),
    )


def aid_request_sent(*, applicant: User, submission_key: str) -> AidRequest | None:
    """The applicant's request sent by the form with this key, if there is one."""
    return AidRequest.objects.filter(applicant=applicant, submission_key=submission_key).first()


@dataclass(frozen=True)
class Submission:
    """A submission that passed every check, its new files stored: what the request is made of."""

    applicant: User
    aid_type: AidType
    amount: Decimal
    justification: str
    documents: list[Document]
    ip_address: str | None
    submission_key: str | None
    beneficiary: HouseholdMember | None
    beneficiary_civil_id: str | None
    governorate_id: int
    snapshot: HouseholdSnapshot


def _check_uploads(uploads: Sequence[tuple[str, UploadedFile]]) -> None:
    """Refuse the submission before anything is stored when any new file is unacceptable.

    The same check ``applicants.services.documents.document_upload`` makes on each file (which it
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


def aid_request_submission_check(
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
) -> Submission:
    """Every check that can refuse the submission, then the new files stored.

    ``beneficiary`` is the household member the request is for; None: the applicant (for
    household aid, the whole household — no choice). The aid type's ``beneficiaries`` says
    which are allowed; the member's civil ID is kept on the request as it is now.

    ``documents`` are chosen from the applicant's uploads; ``uploads`` are new files
    ``(kind, file)`` stored through the applicants' document service (each in its own
    transaction, so they stay in the profile even if the submission is then refused by a
    request that slipped in at the same moment). Runs outside any transaction, before the
    submission's own.
    """
    if not applicant.is_identity_verified:
        raise IdentityNotVerified
    profile = applicant_selectors.profile_of(applicant)
    snapshot = household_snapshot(applicant)
    if profile is None or not snapshot.profile_complete or profile.governorate_id is None:
        raise ProfileIncomplete
    if not aid_type.is_active:
        raise AidTypeUnavailable
    if amount <= 0 or amount > aid_type.max_amount:
        raise AmountNotAllowed
    beneficiary_civil_id = _beneficiary_civil_id(aid_type, beneficiary, profile.pk)
    documents = [d for d in documents if d.profile_id == profile.pk]
    existing = live_requests(applicant.pk, aid_type.pk, beneficiary_civil_id).first()
    if existing is not None:
        raise DuplicateRequest(existing.pk, for_member=beneficiary_civil_id is not None)
    _check_uploads(uploads)
    for kind, upload in uploads:
        try:
            documents.append(
                applicant_documents.document_upload(
                    actor=applicant,
                    kind=kind,
                    upload=upload,
                    held_statuses=HELD_STATUSES,
                    ip_address=ip_address,
                )
            )
        except DocumentRejectedError as error:
            raise DocumentNotAccepted({kind: str(error)}) from None
    return Submission(
        applicant=applicant,
        aid_type=aid_type,
        amount=amount,
        justification=justification,
        documents=documents,
        ip_address=ip_address,
        submission_key=submission_key,
        beneficiary=beneficiary,
        beneficiary_civil_id=beneficiary_civil_id,
        governorate_id=profile.governorate_id,
        snapshot=snapshot,
    )


def aid_request_create(
    *, submission: Submission, verified: VerifiedIncome | None = None
) -> tuple[AidRequest, bool]:
    """Make the request checked by ``aid_request_submission_check`` and screen it, in the
    caller's (durable) transaction. Returns the request and whether it was made here.

    ``verified``: the household's state income verified with the agencies for this aid type
    (None: not asked); screening counts it with the declared income (``scoring``) and the
    request keeps the declared total, the verified total and the flag.

    ``submission_key`` is the random key of the form that sent it: when the applicant already
    has a request with that key (the form was sent twice, even at the same moment), that
    request is returned and nothing is created — whatever its status, so an ineligible one is
    not made twice either. The unique constraint one_request_per_submission_key is the
    guarantee.
    """
    applicant, aid_type = submission.applicant, submission.aid_type
    beneficiary_civil_id = submission.beneficiary_civil_id
    now = timezone.now()
    start = timezone.localdate(now)
    try:
        # The partial unique index one_live_request_per_beneficiary is the guarantee; the
        # check before only gives the common case a friendlier path.
        with transaction.atomic():
            aid_request = AidRequest.objects.create(
                applicant=applicant,
                aid_type=aid_type,
                amount_requested=submission.amount,
                justification=submission.justification,
                status=S.SUBMITTED,
                governorate_id=submission.governorate_id,
                household_size=submission.snapshot.household_size,
                coverage_start=start,
                coverage_end=coverage_end(start, aid_type.coverage_months),
                submitted_at=now,
                submission_key=submission.submission_key or None,
                beneficiary_member=submission.beneficiary,
                beneficiary_civil_id=beneficiary_civil_id,
            )
    except IntegrityError:
        # Another submission committed between the checks and the insert: the same form
        # (its request is the answer) or another one of the same type.
        if submission.submission_key:
            sent = aid_request_sent(applicant=applicant, submission_key=submission.submission_key)
            if sent is not None:
                return sent, False
        first = (
            live_requests(applicant.pk, aid_type.pk, beneficiary_civil_id)
            .values_list("pk", flat=True)
            .first()
        )
        raise DuplicateRequest(first, for_member=beneficiary_civil_id is not None) from None
    aid_request.documents.set(submission.documents)
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
            "amount": str(submission.amount),
            "beneficiary": "member" if submission.beneficiary else "applicant",
            # Whether the agencies answered (a total only; never their records).
            "verified_income": None
            if verified is None
            else {"total": str(verified.total), "from": str(verified.source)},
        },
        ip_address=submission.ip_address,
    )
    notify(
        recipient=applicant,
        kind="request_submitted",
        aid_request=aid_request,
        context={"reference": aid_request.reference},
    )
    snapshot = submission.snapshot
    if verified is not None:
        snapshot = replace(snapshot, verified_income=verified.total)
    _screen(
        aid_request,
        snapshot,
        {d.kind for d in submission.documents},
        verified_from=verified.source if verified else None,
    )
    return aid_request, True


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


def _screen(
    aid_request: AidRequest,
    snapshot: HouseholdSnapshot,
    kinds: set[str],
    *,
    verified_from: VerifiedFrom | None,
) -> None:
    aid_type = aid_request.aid_type
    result = screen(
        snapshot,
        threshold=aid_type.max_income_per_capita,
        required_documents=list(aid_type.required_documents),
        documents_attached=frozenset(kinds),
        verified_from=verified_from,
    )
    aid_request.need_score = result.score
    aid_request.screening = result.as_json()
    aid_request.declared_income = snapshot.income_total
    aid_request.verified_income = snapshot.verified_income
    aid_request.income_below_verified = snapshot.below_verified
    aid_request.save(
        update_fields=[
            "need_score",
            "screening",
            "declared_income",
            "verified_income",
            "income_below_verified",
            "updated_at",
        ]
    )
    aid_request_move(aid_request=aid_request, to=S.SCREENED, actor=Actor.SYSTEM, user=None)
    if result.eligible:
        aid_request_move(
            aid_request=aid_request,
            to=S.OPEN,
            actor=Actor.SYSTEM,
            user=None,
            notification="request_open",
            context={"score": result.score},
        )
    else:
        aid_request_move(
            aid_request=aid_request,
            to=S.INELIGIBLE,
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
