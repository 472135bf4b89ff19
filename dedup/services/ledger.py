"""The ledger of aid commitments under the one-aid-type rule: reserve, activate, shorten and
release a case's commitments, and the reads the rule answers with (conflicts, coverage).

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
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from accounts.models import User
from config.rows import insert_rows
from dedup.exceptions import AidAlreadyGranted
from dedup.models import (
    BINDING,
    AidCommitment,
    BlockedAttempt,
    CommitmentStatus,
    ConflictStatus,
    CoverageConflict,
    PreventedDuplicate,
    SavedAmountAdjustment,
    overlap_months,
    saved_amount,
)
from dedup.people import Person


def is_exclusion_violation(error: BaseException) -> bool:
    """True for the database's own refusal of an overlapping commitment."""
    cause = getattr(error, "__cause__", None)
    sqlstate = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if sqlstate == "23P01":  # PostgreSQL exclusion_violation
        return True
    return "dedup_overlap" in str(error)  # the SQLite trigger's message


def lock_people(aid_type_id: int, civil_ids: Iterable[str]) -> None:
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
    """The binding commitment — a charity's or the state's — that overlaps, the one ending
    first."""
    query = AidCommitment.all_sources.filter(
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
    lock_people(aid_type_id, civil_ids)
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
    query = AidCommitment.all_sources.filter(
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
    duplicate: only the attempt is kept. Nor does a refusal by a state benefit (the person
    receives an excluding benefit): the attempt names the state commitment, but the ministry's
    "duplicates prevented" figures count charity cases refused against charity cases.
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
        if held is not None and held.aid_request_id is not None:
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


def has_open_conflict(*, aid_request_id: int) -> bool:
    return CoverageConflict.objects.filter(
        aid_request_id=aid_request_id, status=ConflictStatus.OPEN
    ).exists()
