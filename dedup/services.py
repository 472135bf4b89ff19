"""Reserving, activating and releasing aid commitments under the one-aid-type rule.

Lock order (measured in DESIGN.md; a different order deadlocks under simultaneous claims):
1. the caller has locked the request row (``select_for_update``);
2. here: one transaction-scoped advisory lock per (aid type, civil ID) the commitment covers,
   taken in sorted order so two claims covering the same people queue instead of deadlocking;
3. only then the insert. The exclusion constraint (PostgreSQL) or trigger (SQLite) refuses an
   overlap; the conflicting commitment is looked up after a refusal, to name it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role, User
from accounts.permissions import Capability, can
from aid_requests.models import AidRequest, AidScope, RequestStatus
from applicants.models import ApplicantProfile, PossibleDuplicate, ReviewStatus
from audit.services import audit_record
from config import dates
from config.rows import insert_rows
from dedup.models import (
    BINDING,
    AidCommitment,
    BlockedAttempt,
    CommitmentStatus,
    ConflictResolution,
    ConflictStatus,
    CoverageConflict,
    PreventedDuplicate,
    SavedAmountAdjustment,
    overlap_months,
    saved_amount,
)
from notifications.services import notify


@dataclass(frozen=True)
class Person:
    civil_id: str
    is_applicant: bool


class AidAlreadyGranted(Exception):
    """Someone covered by this case already holds this aid type for an overlapping period."""

    def __init__(self, conflicting: AidCommitment | None, civil_id: str) -> None:
        self.conflicting = conflicting
        self.civil_id = civil_id
        super().__init__("aid already granted for an overlapping period")


def is_exclusion_violation(error: BaseException) -> bool:
    """True for the database's own refusal of an overlapping commitment."""
    cause = getattr(error, "__cause__", None)
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate == "23P01":  # PostgreSQL exclusion_violation
        return True
    return "dedup_overlap" in str(error)  # the SQLite trigger's message


def _lock_people(aid_type_id: int, civil_ids: Iterable[str]) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: IMMEDIATE transactions already run one writer at a time
    # One statement for all of them. The locks are taken row by row in the order of the
    # array (sorted here, and ORDER BY its position: PostgreSQL evaluates a volatile function
    # of the select list after the sort), so two claims covering the same people never wait
    # for each other in opposite orders.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(person.civil_id)) "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS person(civil_id, position) "
            "ORDER BY person.position",
            [aid_type_id, sorted(set(civil_ids))],
        )


def find_conflict(
    *,
    aid_type_id: int,
    civil_ids: Iterable[str],
    start: datetime.date,
    end: datetime.date,
    exclude_request_id: int | None = None,
) -> AidCommitment | None:
    query = AidCommitment.objects.filter(
        aid_type_id=aid_type_id,
        civil_id__in=list(civil_ids),
        status__in=BINDING,
        period_start__lte=end,
        period_end__gte=start,
    )
    if exclude_request_id is not None:
        query = query.exclude(aid_request_id=exclude_request_id)
    return query.order_by("period_end").first()


def commitments_reserve(
    *,
    aid_request_id: int,
    organisation_id: int,
    aid_type_id: int,
    people: list[Person],
    start: datetime.date,
    end: datetime.date,
) -> None:
    """Reserve the slot for everyone the case covers, or raise ``AidAlreadyGranted``.

    Must run inside the claim's transaction, after the request row is locked; after a refusal
    that transaction has written nothing and is still usable. There is no check before the
    insert: the database refuses an overlap (exclusion constraint / trigger) and only then is
    the conflicting commitment looked up, to name it in the refusal. Under the advisory locks
    the refusal is immediate, and a claim that goes through — nearly all of them — saves the
    lookup (~1.5 ms of Python, docs/benchmarks.md).
    """
    civil_ids = [p.civil_id for p in people]
    _lock_people(aid_type_id, civil_ids)
    rows = [
        AidCommitment(
            aid_request_id=aid_request_id,
            organisation_id=organisation_id,
            aid_type_id=aid_type_id,
            civil_id=person.civil_id,
            is_applicant=person.is_applicant,
            period_start=start,
            period_end=end,
        )
        for person in people
    ]
    # One INSERT (config.rows: the ORM's bulk_create cost ~0.5 ms more Python) and no savepoint
    # (two round trips): neither database leaves the transaction broken by a refusal.
    # PostgreSQL: ON CONFLICT DO NOTHING makes the exclusion constraint the arbiter, an
    # overlapping row is left out. SQLite: the overlap trigger aborts the statement only.
    postgresql = connection.vendor == "postgresql"
    try:
        inserted = insert_rows(rows, skip_conflicts=postgresql)
    except IntegrityError as error:
        if postgresql or not is_exclusion_violation(error):
            raise
        inserted = 0
    if inserted == len(rows):
        return
    if inserted:
        # Take back the rows of the people who were free. The request is open, so every
        # reserved commitment it has comes from this statement.
        AidCommitment.objects.filter(
            aid_request_id=aid_request_id, status=CommitmentStatus.RESERVED
        ).delete()
    # Name the committed conflict when there is one; else the overlap was inside this very
    # insert (a civil ID listed twice).
    conflict = find_conflict(aid_type_id=aid_type_id, civil_ids=civil_ids, start=start, end=end)
    if conflict is not None:
        raise AidAlreadyGranted(conflict, conflict.civil_id)
    twice = next((c for c in civil_ids if civil_ids.count(c) > 1), "")
    raise AidAlreadyGranted(None, twice)


def commitments_activate(*, aid_request_id: int) -> int:
    return AidCommitment.objects.filter(
        aid_request_id=aid_request_id, status=CommitmentStatus.RESERVED
    ).update(status=CommitmentStatus.ACTIVE)


def commitments_shorten(
    *, aid_request_id: int, end: datetime.date, civil_id: str | None = None
) -> int:
    """End the binding commitments of a case — or only ``civil_id``'s, a member who left the
    household — at ``end`` at the latest (the last day paid, approved or covered); the number
    of commitments shortened. The one way a commitment is cut: it is marked ``shortened_at``
    (the statistics rebuild the coverage then) and the duplicates refused against the case
    follow.

    Only ever narrows a range, so the rule cannot be broken by it; the database checks the
    updated rows all the same (exclusion constraint; SQLite: the trigger on UPDATE, which also
    refuses a commitment lengthened into another one's period).
    """
    now = timezone.now()
    commitments = AidCommitment.objects.filter(
        aid_request_id=aid_request_id,
        status__in=BINDING,
        period_end__gt=end,
        period_start__lte=end,
    )
    if civil_id is not None:
        commitments = commitments.filter(civil_id=civil_id)
    shortened = commitments.update(period_end=end, shortened_at=now)
    if shortened:
        _prevented_duplicates_follow(held_request_id=aid_request_id, at=now)
    return shortened


def _prevented_duplicates_follow(*, held_request_id: int, at: datetime.datetime) -> None:
    """The duplicates refused against a case that now ends earlier saved less: only the months
    still held count (the refused request may get the rest elsewhere). Each change is kept as
    an adjustment, which the ministry's rollups add to the month the duplicate counts in."""
    duplicates = PreventedDuplicate.objects.select_related(
        "conflicting", "aid_request", "aid_request__aid_type"
    ).filter(conflicting_request_id=held_request_id)
    for duplicate in duplicates:
        refused, held = duplicate.aid_request, duplicate.conflicting
        held.refresh_from_db(fields=["period_start", "period_end"])
        coverage_months = refused.aid_type.coverage_months
        months = overlap_months(
            refused.coverage_start,
            refused.coverage_end,
            coverage_months,
            held.period_start,
            held.period_end,
        )
        amount = saved_amount(refused.amount_requested, coverage_months, months)
        if amount == duplicate.amount_saved and months == duplicate.overlap_months:
            continue
        SavedAmountAdjustment.objects.create(
            prevented=duplicate, delta=amount - duplicate.amount_saved, at=at
        )
        duplicate.overlap_months, duplicate.amount_saved = months, amount
        duplicate.save(update_fields=["overlap_months", "amount_saved"])


def covered_until(
    *,
    aid_type_id: int,
    civil_ids: Iterable[str],
    start: datetime.date,
    end: datetime.date,
    exclude_request_id: int | None = None,
) -> datetime.date | None:
    """When everyone of ``civil_ids`` holds this aid type over part of [start, end] (binding
    commitments of other cases): the first day one of them is free again, less one day — the
    last day they are all covered. None when anyone is free (or nobody is listed).
    """
    civil_ids = sorted(set(civil_ids))
    if not civil_ids:
        return None
    query = AidCommitment.objects.filter(
        aid_type_id=aid_type_id,
        civil_id__in=civil_ids,
        status__in=BINDING,
        period_start__lte=end,
        period_end__gte=start,
    )
    if exclude_request_id is not None:
        query = query.exclude(aid_request_id=exclude_request_id)
    last_day: dict[str, datetime.date] = {}
    for civil_id, period_end in query.values_list("civil_id", "period_end"):
        last_day[civil_id] = max(period_end, last_day.get(civil_id, period_end))
    if len(last_day) < len(civil_ids):
        return None
    return min(last_day.values())


def commitments_release(*, aid_request_id: int) -> int:
    """Free the slots of a case (release, expiry, withdrawal, rejection)."""
    return AidCommitment.objects.filter(aid_request_id=aid_request_id, status__in=BINDING).update(
        status=CommitmentStatus.RELEASED, released_at=timezone.now()
    )


def blocked_attempt_record(
    *,
    attempted_by: User,
    organisation_id: int,
    aid_request_id: int,
    aid_type_id: int,
    conflict: AidAlreadyGranted,
    amount: Decimal,
    coverage_start: datetime.date,
    coverage_end: datetime.date,
    coverage_months: int,
) -> BlockedAttempt:
    """Keep the refused claim for the ministry (in the claim's transaction, which has written
    nothing else: a refused reservation leaves no row), and count the duplicate it prevented —
    once per (request, case holding the conflicting commitment), whoever tries how often.

    Every try is a ``BlockedAttempt`` (the audit of who tried); the first try of a pair also
    writes its ``PreventedDuplicate``. Concurrency: the pair is unique in the database and the
    row is inserted with ON CONFLICT DO NOTHING (SQLite: INSERT OR IGNORE), so simultaneous
    refusals of the same request — already queued on its row lock — never count it twice.
    A refusal that names no commitment (the request lists one civil ID twice) prevented no
    duplicate: only the attempt is kept.
    """
    now = timezone.now()
    with transaction.atomic():
        attempt = BlockedAttempt.objects.create(
            attempted_at=now,
            attempted_by=attempted_by,
            organisation_id=organisation_id,
            aid_request_id=aid_request_id,
            aid_type_id=aid_type_id,
            conflicting=conflict.conflicting,
            civil_id=conflict.civil_id,
            amount=amount,
        )
        held = conflict.conflicting
        if held is not None:
            months = overlap_months(
                coverage_start, coverage_end, coverage_months, held.period_start, held.period_end
            )
            PreventedDuplicate.objects.bulk_create(
                [
                    PreventedDuplicate(
                        aid_request_id=aid_request_id,
                        conflicting_request_id=held.aid_request_id,
                        conflicting=held,
                        aid_type_id=aid_type_id,
                        organisation_id=organisation_id,
                        civil_id=conflict.civil_id,
                        first_refused_at=now,
                        overlap_months=months,
                        amount_saved=saved_amount(amount, coverage_months, months),
                    )
                ],
                ignore_conflicts=True,
            )
    return attempt


# --- household changes after a claim (issue 12) ---------------------------------------------
#
# A member added to a household whose household aid is held (claimed, approved, paying) is
# covered by that aid from the day of the change, in the change's own transaction and under the
# same database rule as the claim. Lock order, as in the claim: the request rows first (here
# all of the household's held household-aid requests, in primary-key order), then the advisory
# lock per (aid type, civil ID), then the insert that the exclusion constraint / trigger judges.
# The caller has locked the applicant's profile before (the claim never locks it).

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
        _lock_people(aid_type_id, [civil_id])
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


def has_open_conflict(*, aid_request_id: int) -> bool:
    return CoverageConflict.objects.filter(
        aid_request_id=aid_request_id, status=ConflictStatus.OPEN
    ).exists()


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
    _notify_organisations(conflict, kind="coverage_conflict_opened")
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


def _notify_organisations(
    conflict: CoverageConflict, *, kind: str, context: dict | None = None
) -> None:
    """Each organisation's managers, about its own case of the conflict."""
    held_request = AidRequest.objects.select_related("aid_type").get(
        pk=conflict.held.aid_request_id
    )
    for aid_request, organisation_id in (
        (conflict.aid_request, conflict.aid_request.claimed_by_id),
        (held_request, conflict.held.organisation_id),
    ):
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


# --- the ministry decides -------------------------------------------------------------------


class AdjudicationError(Exception):
    """A decision that cannot be made; ``str()`` is the translated message."""


class AdjudicationNotAllowed(AdjudicationError):
    def __init__(self) -> None:
        super().__init__(_("You may not decide this."))


class AdjudicationReasonRequired(AdjudicationError):
    def __init__(self) -> None:
        super().__init__(_("Give the reason for the decision."))


class AlreadyDecided(AdjudicationError):
    def __init__(self) -> None:
        super().__init__(_("This was decided already."))


class InvalidDecision(AdjudicationError):
    def __init__(self) -> None:
        super().__init__(_("Choose one of the decisions offered."))


def _decision_reason(actor: User, reason: str) -> str:
    if not can(actor, Capability.REVIEW_APPEALS):
        raise AdjudicationNotAllowed
    reason = " ".join((reason or "").split())
    if not reason:
        raise AdjudicationReasonRequired
    return reason


def coverage_conflict_resolve(
    *,
    conflict_id: int,
    actor: User,
    resolution: str,
    reason: str,
    ip_address: str | None = None,
) -> CoverageConflict:
    """The ministry resolves a coverage conflict: payments of the held-back case may go on.

    Ministry administrators only (``REVIEW_APPEALS``), with a reason; audited; the applicant of
    the held-back case and both organisations' managers are told.
    """
    reason = _decision_reason(actor, reason)
    if resolution not in ConflictResolution.values:
        raise InvalidDecision
    with transaction.atomic(durable=True):
        conflict = (
            CoverageConflict.objects.select_for_update(of=("self",))
            .select_related("aid_request__aid_type", "held")
            .filter(pk=conflict_id)
            .first()
        )
        if conflict is None:
            raise InvalidDecision
        if conflict.status != ConflictStatus.OPEN:
            raise AlreadyDecided
        conflict.status = ConflictStatus.RESOLVED
        conflict.resolution = resolution
        conflict.reason = reason[:2000]
        conflict.decided_at, conflict.decided_by = timezone.now(), actor
        conflict.save()
        audit_record(
            actor=actor,
            action="coverage_conflict.resolve",
            target=conflict,
            organisation_id=conflict.aid_request.claimed_by_id,
            applicant_id=conflict.aid_request.applicant_id,
            data={"resolution": resolution, "reason": reason[:500]},
            ip_address=ip_address,
        )
        outcome = ConflictResolution(resolution)
        notify(
            recipient=conflict.aid_request.applicant,
            kind="coverage_conflict_resolved",
            aid_request=conflict.aid_request,
            context={"outcome": outcome},
        )
        _notify_organisations(
            conflict, kind="coverage_conflict_resolved", context={"outcome": outcome}
        )
    return conflict


#: The decisions on a possible duplicate: dismiss it, or confirm it and say where the person
#: belongs (the declaring household or the other one).
DUPLICATE_DECISIONS = {
    "dismiss": _("Not a duplicate: both listings stand"),
    "belongs_here": _("Confirmed: the person belongs to the household that declared them last"),
    "belongs_there": _("Confirmed: the person belongs to the other household"),
}


def possible_duplicate_decide(
    *,
    duplicate_id: int,
    actor: User,
    decision: str,
    reason: str,
    ip_address: str | None = None,
) -> PossibleDuplicate:
    """The ministry decides a possible duplicate (a person in two households), with a reason.

    Ministry administrators only; audited; both households' applicants are told the outcome
    (not who the other household is). The household listings themselves are the applicants'
    to correct: families are real, the decision is what the ministry and charities go by.
    """
    reason = _decision_reason(actor, reason)
    if decision not in DUPLICATE_DECISIONS:
        raise InvalidDecision
    with transaction.atomic(durable=True):
        duplicate = (
            PossibleDuplicate.objects.select_for_update(of=("self",))
            .select_related("profile__user", "other_applicant")
            .filter(pk=duplicate_id)
            .first()
        )
        if duplicate is None:
            raise InvalidDecision
        if duplicate.status != ReviewStatus.OPEN:
            raise AlreadyDecided
        duplicate.status = (
            ReviewStatus.DISMISSED if decision == "dismiss" else ReviewStatus.CONFIRMED
        )
        duplicate.belongs_to = {
            "belongs_here": duplicate.profile,
            "belongs_there": duplicate.other_profile
            or ApplicantProfile.objects.filter(user=duplicate.other_applicant).first(),
        }.get(decision)
        duplicate.review_reason = reason[:2000]
        duplicate.reviewed_at, duplicate.reviewed_by = timezone.now(), actor
        duplicate.save()
        audit_record(
            actor=actor,
            action="possible_duplicate.decide",
            target=duplicate,
            applicant_id=duplicate.profile.user_id,
            data={
                "decision": decision,
                "belongs_to": duplicate.belongs_to_id,
                "reason": reason[:500],
            },
            ip_address=ip_address,
        )
        # Each applicant is told what it means for their own household, not who the other is.
        yours, theirs = (
            _("the person belongs to your household"),
            _("the person belongs to the other household"),
        )
        outcomes = {
            "dismiss": (_("both listings stand"), _("both listings stand")),
            "belongs_here": (yours, theirs),
            "belongs_there": (theirs, yours),
        }[decision]
        for applicant, outcome in zip(
            (duplicate.profile.user, duplicate.other_applicant), outcomes, strict=True
        ):
            notify(recipient=applicant, kind="duplicate_decided", context={"outcome": outcome})
    return duplicate
