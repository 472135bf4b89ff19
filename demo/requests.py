"""The demo requests: one per applicant from the third on, in every status, with what a real
request in that status has — its timeline, the held case's aid slots, its payments."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.utils import timezone

from accounts.models import Role, User
from aid_requests.models import (
    HELD_STATUSES,
    AidRequest,
    AidScope,
    AidType,
    Payment,
    PaymentMethod,
    RequestStatus,
    TimelineEntry,
)
from aid_requests.periods import coverage_end
from aid_requests.scoring import screen
from aid_requests.services.submission import household_snapshot
from applicants.models import ApplicantProfile, Kinship
from charities.models import Organisation
from config.dates import add_months
from dedup.models import AidCommitment, CommitmentStatus


def seed_request(
    rng: random.Random,
    user: User,
    profile: ApplicantProfile,
    aid_type: AidType,
    status: str,
    organisations: dict[str, Organisation],
    now: datetime.datetime,
    index: int,
) -> None:
    if AidRequest.objects.filter(applicant=user, aid_type=aid_type).exists():
        return
    submitted = now - datetime.timedelta(days=3 + index)
    if status == RequestStatus.CLOSED:
        # A closed case has had every payment of its coverage: payment N pays month N, so the
        # request was submitted at least that many months ago.
        months = max(1, aid_type.coverage_months)
        submitted = now - datetime.timedelta(days=31 * months + 3 + index)
    start = timezone.localdate(submitted)
    claimed_by = None
    if status in HELD_STATUSES:
        claimed_by = next(
            (
                org
                for org in organisations.values()
                if org.is_active
                and org.aid_types.filter(pk=aid_type.pk).exists()
                and org.governorates.filter(pk=profile.governorate_id).exists()  # type: ignore[misc]
            ),
            organisations["alnoor"],
        )
    amount = (aid_type.max_amount * Decimal(rng.randrange(30, 100)) / 100).quantize(
        Decimal("0.001")
    )
    snapshot = household_snapshot(user)
    result = screen(
        snapshot,
        threshold=aid_type.max_income_per_capita,
        required_documents=list(aid_type.required_documents),
        documents_attached=frozenset(profile.documents.values_list("kind", flat=True)),
    )
    # Aid only a household member may receive (student aid) is for the first child listed.
    beneficiary = None
    if not aid_type.applicant_may_benefit:
        beneficiary = (
            profile.members.filter(kinship__in=(Kinship.SON, Kinship.DAUGHTER)).first()
            or profile.members.first()
        )
        if beneficiary is None:
            return
    screening = result.as_json()
    screening["eligible"] = status not in (RequestStatus.INELIGIBLE, RequestStatus.SUBMITTED)
    if status == RequestStatus.INELIGIBLE and not screening["reasons"]:
        screening["reasons"] = [{"code": "documents_missing", "kinds": ["rent_contract"]}]
    if status != RequestStatus.INELIGIBLE:
        screening["reasons"] = []
    aid_request = AidRequest.objects.create(  # type: ignore[misc]
        applicant=user,
        aid_type=aid_type,
        amount_requested=amount,
        justification="طلب تجريبي من بيانات العرض.",
        status=status,
        governorate=profile.governorate,
        household_size=profile.household_size,
        need_score=None if status == RequestStatus.SUBMITTED else result.score,
        screening={} if status == RequestStatus.SUBMITTED else screening,
        coverage_start=start,
        coverage_end=coverage_end(start, aid_type.coverage_months),
        claimed_by=claimed_by,
        claimed_at=submitted + datetime.timedelta(days=1) if claimed_by else None,
        submitted_at=submitted,
        beneficiary_member=beneficiary,
        beneficiary_civil_id=beneficiary.civil_id if beneficiary else None,
    )
    aid_request.documents.set(profile.documents.all())
    TimelineEntry.objects.create(
        aid_request=aid_request,
        from_status="",
        to_status=RequestStatus.SUBMITTED,
        actor=user,
        at=submitted,
    )
    if status != RequestStatus.SUBMITTED:
        TimelineEntry.objects.create(
            aid_request=aid_request,
            from_status=RequestStatus.SUBMITTED,
            to_status=status,
            at=submitted + datetime.timedelta(days=1),
            note="بيانات العرض" if status != RequestStatus.INELIGIBLE else "",
        )
    if claimed_by is None:
        return
    # A held case holds its aid slots, as a real claim would (the rule applies to demo data).
    binding = status != RequestStatus.CLAIMED
    people = [(beneficiary.civil_id, True) if beneficiary else (user.civil_id or "", True)]
    if aid_type.scope == AidScope.HOUSEHOLD:
        people += [(m, False) for m in profile.members.values_list("civil_id", flat=True)]
    AidCommitment.objects.bulk_create(
        AidCommitment(
            aid_request=aid_request,
            organisation=claimed_by,
            aid_type=aid_type,
            civil_id=civil_id,
            is_applicant=is_applicant,
            period_start=aid_request.coverage_start,
            period_end=aid_request.coverage_end,
            status=CommitmentStatus.ACTIVE if binding else CommitmentStatus.RESERVED,
        )
        for civil_id, is_applicant in people
    )
    # Reserved when the demo claim was made (the statistics measure time to first payment
    # from it), not when the seed ran.
    AidCommitment.objects.filter(aid_request=aid_request).update(created_at=aid_request.claimed_at)
    if status == RequestStatus.CLAIMED:
        return
    periods = max(1, aid_type.coverage_months)
    aid_request.approved_payments = periods
    aid_request.approved_amount = (amount / periods).quantize(Decimal("0.001"))
    aid_request.approved_at = submitted + datetime.timedelta(days=2)
    aid_request.save(update_fields=["approved_payments", "approved_amount", "approved_at"])
    paid = {RequestStatus.PAYING: 1, RequestStatus.CLOSED: periods}.get(status, 0)  # type: ignore[call-overload]
    staff = User.objects.filter(membership__organisation=claimed_by, role=Role.MANAGER).first()
    for period in range(1, paid + 1):
        Payment.objects.create(  # type: ignore[misc]
            aid_request=aid_request,
            organisation=claimed_by,
            period=period,
            amount=aid_request.approved_amount,
            # Payment N pays month N of the coverage, and never before the approval.
            paid_on=max(
                add_months(start, period - 1),
                timezone.localdate(aid_request.approved_at) + datetime.timedelta(days=1),
            ),
            method=PaymentMethod.BANK_TRANSFER,
            reference=f"DEMO-{aid_request.pk}-{period}",
            recorded_by=staff,
            recorded_at=now,
        )
