"""Household changes after a claim (issue 12): a member joining or leaving a household whose
household aid is held.

A member added to a household whose household aid is held (claimed, approved, paying) is
covered by that aid from the day of the change, in the change's own transaction and under the
same database rule as the claim. Lock order, as in the claim: the request rows first (here
all of the household's held household-aid requests, in primary-key order), then the advisory
lock per (aid type, civil ID), then the insert that the exclusion constraint / trigger judges.
The caller has locked the applicant's profile before (the claim never locks it).
"""

from __future__ import annotations

from django.db import IntegrityError, connection
from django.utils import timezone

from accounts.models import Role, User
from aid_requests.models import AidRequest, AidScope, RequestStatus
from audit.services import audit_record
from config import dates
from config.rows import insert_rows
from dedup.models import BINDING, AidCommitment, CommitmentStatus, ConflictStatus, CoverageConflict
from dedup.services.ledger import (
    commitments_shorten,
    find_conflict,
    is_exclusion_violation,
    lock_people,
)
from notifications.services import notify

#: Requests whose household aid a member joining the household is added to.
EXTENDED_STATUSES = (RequestStatus.CLAIMED, RequestStatus.APPROVED, RequestStatus.PAYING)


def _held_household_requests(applicant_id: int) -> list[AidRequest]:
    """The household's held household-aid requests, locked in primary-key order.

    Open ones are locked too and left out only after the lock: a claim of one of them that is
    running now has locked it first, and once it commits the row comes back claimed (the
    status filter applied in the query would have judged the row as it was before the claim).
    """
    locked = (
        AidRequest.objects.select_for_update(of=("self",))
        .select_related("aid_type")
        .filter(
            applicant_id=applicant_id,
            status__in=(RequestStatus.OPEN, *EXTENDED_STATUSES),
            aid_type__scope=AidScope.HOUSEHOLD,
        )
        .order_by("pk")
    )
    return [aid_request for aid_request in locked if aid_request.status in EXTENDED_STATUSES]


def _insert_one(row: AidCommitment) -> bool:
    """Insert ``row`` under the rule; False when the database refuses it as an overlap."""
    postgresql = connection.vendor == "postgresql"
    try:
        return insert_rows([row], skip_conflicts=postgresql) == 1
    except IntegrityError as error:
        if postgresql or not is_exclusion_violation(error):
            raise
        return False


def household_coverage_extend(
    *, applicant_id: int, civil_id: str, actor: User
) -> list[CoverageConflict]:
    """Cover a new household member by every household aid the household holds now.

    Runs inside the member change's transaction, before that transaction writes any audit entry
    (the audit chain's lock is taken by the claim after its advisory locks: taking it before
    ours here would deadlock with a claim of the member's own request). Where the database
    refuses (the person holds that aid type elsewhere for an overlapping period), a
    ``CoverageConflict`` opens instead — the family change stays — and both organisations are
    told. Returns the conflicts opened.
    """
    today = timezone.localdate()
    rows: list[tuple[AidRequest, AidCommitment]] = []
    for aid_request in _held_household_requests(applicant_id):
        applicant_slot = (
            AidCommitment.objects.filter(
                aid_request=aid_request, is_applicant=True, status__in=BINDING
            )
            .order_by("pk")
            .first()
        )
        if applicant_slot is None or applicant_slot.period_end < today:
            continue  # nothing binding left to extend
        rows.append(
            (
                aid_request,
                AidCommitment(
                    aid_request_id=aid_request.pk,
                    organisation_id=applicant_slot.organisation_id,
                    aid_type_id=aid_request.aid_type_id,
                    civil_id=civil_id,
                    is_applicant=False,
                    period_start=max(applicant_slot.period_start, today),
                    period_end=applicant_slot.period_end,
                    status=applicant_slot.status,
                ),
            )
        )
    # Every advisory lock first, in aid-type order (a claim takes those of one aid type).
    for aid_type_id in sorted({row.aid_type_id for _request, row in rows}):
        lock_people(aid_type_id, [civil_id])
    conflicts = []
    for aid_request, row in rows:
        if _insert_one(row):
            audit_record(
                actor=actor,
                action="commitment.extend",
                target=aid_request,
                organisation_id=row.organisation_id,
                applicant_id=applicant_id,
                data={"civil_id": "…" + civil_id[-4:], "from": row.period_start.isoformat()},
            )
            continue
        held = find_conflict(
            aid_type_id=row.aid_type_id,
            civil_ids=[civil_id],
            start=row.period_start,
            end=row.period_end,
            exclude_request_id=aid_request.pk,
        )
        if held is not None:
            conflicts.append(_conflict_open(aid_request, held, actor=actor))
    return conflicts


def _conflict_open(
    aid_request: AidRequest, held: AidCommitment, *, actor: User
) -> CoverageConflict:
    conflict = CoverageConflict.objects.filter(
        aid_request=aid_request, civil_id=held.civil_id, status=ConflictStatus.OPEN
    ).first()
    if conflict is not None:
        return conflict  # the same person listed again: the conflict waits already
    conflict = CoverageConflict.objects.create(
        aid_request=aid_request,
        held=held,
        aid_type_id=aid_request.aid_type_id,
        civil_id=held.civil_id,
        opened_at=timezone.now(),
        opened_by=actor,
    )
    audit_record(
        actor=actor,
        action="coverage_conflict.open",
        target=conflict,
        organisation_id=aid_request.claimed_by_id,
        applicant_id=aid_request.applicant_id,
        data={
            "request": aid_request.pk,
            "held_by_request": held.aid_request_id,
            "held_by_organisation": held.organisation_id,
            "civil_id": "…" + held.civil_id[-4:],
        },
    )
    notify_organisations(conflict, kind="coverage_conflict_opened")
    return conflict


def _managers(organisation_id: int | None) -> list[User]:
    if organisation_id is None:
        return []
    return list(
        User.objects.filter(
            membership__organisation_id=organisation_id,
            membership__is_active=True,
            role=Role.MANAGER,
            is_active=True,
        ).order_by("pk")
    )


def notify_organisations(
    conflict: CoverageConflict, *, kind: str, context: dict | None = None
) -> None:
    """Each organisation's managers, about its own case of the conflict (one organisation
    when the person is covered by a state benefit)."""
    cases: list[tuple[AidRequest, int | None]] = [
        (conflict.aid_request, conflict.aid_request.claimed_by_id)
    ]
    if conflict.held is not None and conflict.held.aid_request_id is not None:
        held_request = AidRequest.objects.select_related("aid_type").get(
            pk=conflict.held.aid_request_id
        )
        cases.append((held_request, conflict.held.organisation_id))
    for aid_request, organisation_id in cases:
        for manager in _managers(organisation_id):
            notify(recipient=manager, kind=kind, aid_request=aid_request, context=context)


def household_coverage_end(*, applicant_id: int, civil_id: str, actor: User) -> int:
    """A member left the household: their coverage by its household aid ends with the current
    period of each case (released when it had not started yet). Returns the commitments ended.
    """
    today = timezone.localdate()
    ended = 0
    for aid_request in _held_household_requests(applicant_id):
        for slot in AidCommitment.objects.select_for_update().filter(
            aid_request=aid_request, civil_id=civil_id, is_applicant=False, status__in=BINDING
        ):
            # The last day of the case's current month of coverage (the day before it starts).
            end = dates.period_end(aid_request.coverage_start, today)
            if end < slot.period_start:
                slot.status, slot.released_at = CommitmentStatus.RELEASED, timezone.now()
                slot.save(update_fields=["status", "released_at"])
            elif end < slot.period_end:
                commitments_shorten(aid_request_id=aid_request.pk, end=end, civil_id=civil_id)
            else:
                continue
            ended += 1
            audit_record(
                actor=actor,
                action="commitment.end",
                target=aid_request,
                organisation_id=slot.organisation_id,
                applicant_id=applicant_id,
                data={"civil_id": "…" + civil_id[-4:], "until": end.isoformat()},
            )
    return ended
