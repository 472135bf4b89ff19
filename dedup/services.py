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

from accounts.models import User
from config.rows import insert_rows
from dedup.models import BINDING, AidCommitment, BlockedAttempt, CommitmentStatus


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


def commitments_shorten(*, aid_request_id: int, end: datetime.date) -> int:
    """End the binding commitments of a case at ``end`` at the latest (the last day paid or
    approved); the number of commitments shortened.

    Only ever narrows a range, so the rule cannot be broken by it; the database checks the
    updated rows all the same (exclusion constraint; SQLite: the trigger on UPDATE, which also
    refuses a commitment lengthened into another one's period).
    """
    return AidCommitment.objects.filter(
        aid_request_id=aid_request_id,
        status__in=BINDING,
        period_end__gt=end,
        period_start__lte=end,
    ).update(period_end=end, shortened_at=timezone.now())


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
) -> BlockedAttempt:
    """Keep the refused claim for the ministry (in the claim's transaction, which has written
    nothing else: a refused reservation leaves no row)."""
    with transaction.atomic():
        return BlockedAttempt.objects.create(
            attempted_at=timezone.now(),
            attempted_by=attempted_by,
            organisation_id=organisation_id,
            aid_request_id=aid_request_id,
            aid_type_id=aid_type_id,
            conflicting=conflict.conflicting,
            civil_id=conflict.civil_id,
            amount=amount,
        )
