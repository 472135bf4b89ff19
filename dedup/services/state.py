"""The state's excluding benefits under the one-aid-type rule: their commitments set to what the
records say, and the double coverage opened as a conflict when a charity was first.

The caller (``benefits.commitments``) says which people and aid types it speaks for and what
the state covers there (``StateCover``: a benefit record, a person, an aid type, a period).
``state_commitments_set`` makes the binding state commitments of exactly those people and aid
types match, under the same advisory locks as a claim:

1. the binding commitments of those people are read, and each cover is cut to the days nobody
   else holds: a charity's commitment (claimed first) or an earlier cover of the same person
   (two excluding benefits at once);
2. the state commitments no longer wanted are released, the missing ones inserted; the
   database refuses any that a claim committed meanwhile overlaps (exclusion constraint), and
   those people alone are done again under the claim's advisory locks (one per aid type and
   civil ID, aid types in order, each aid type's people sorted: a claim takes those of one
   aid type, so no deadlock) — see ``state_commitments_set``;
3. every (charity case, person, benefit) whose days the state could not take opens a
   ``CoverageConflict`` naming the case and the benefit: its payments are held by the database
   until the ministry decides (adjudication), and the organisation's managers are told.

Must run inside the caller's durable transaction, before it writes any audit entry of its own
(the audit chain's lock comes after the inserts and advisory locks, as in a claim).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from aid_requests.models import AidRequest
from audit.services import audit_record
from config.rows import insert_rows
from dedup.models import (
    BINDING,
    AidCommitment,
    CommitmentStatus,
    ConflictStatus,
    CoverageConflict,
)
from dedup.services.household import notify_organisations
from dedup.services.ledger import lock_people

#: People per statement (SQLite's limit on bound parameters; short IN lists for PostgreSQL).
CHUNK = 1000
#: Rows per INSERT (12 columns each: well within SQLite's bound parameters).
INSERT_ROWS = 500

Interval = tuple[datetime.date, datetime.date]
Pair = tuple[int, str]  # (aid type, civil ID)


@dataclass(frozen=True)
class StateCover:
    """What the state holds: ``benefit_record_id`` excludes ``aid_type_id`` for ``civil_id``
    over [start, end] (``UNTIL_FURTHER_NOTICE`` when the benefit has no end)."""

    benefit_record_id: int
    civil_id: str
    aid_type_id: int
    start: datetime.date
    end: datetime.date


@dataclass
class StateSync:
    """What ``state_commitments_set`` changed."""

    reserved: int = 0
    released: int = 0
    conflicts: list[CoverageConflict] = field(default_factory=list)


def _chunks(items: list[str]) -> Iterator[list[str]]:
    for index in range(0, len(items), CHUNK):
        yield items[index : index + CHUNK]


def _minus(interval: Interval, taken: Iterable[Interval]) -> list[Interval]:
    """The parts of ``interval`` (both days included) outside every interval of ``taken``."""
    start, end = interval
    free: list[Interval] = []
    for other_start, other_end in sorted(taken):
        if other_end < start or other_start > end:
            continue
        if other_start > start:
            free.append((start, other_start - datetime.timedelta(days=1)))
        if other_end >= end:
            return free
        start = other_end + datetime.timedelta(days=1)
    free.append((start, end))
    return free


Key = tuple[int, int, str, datetime.date, datetime.date]  # (record, aid type, civil ID, from, to)
Clashes = dict[tuple[int, str], StateCover]  # (charity's request, civil ID) → the state's cover


def state_commitments_set(
    *,
    aid_type_ids: Iterable[int],
    civil_ids: Iterable[str],
    covers: list[StateCover],
    actor: User | None,
) -> StateSync:
    """Make the binding state commitments of ``civil_ids`` for ``aid_type_ids`` what
    ``covers`` says (every cover is of one of those people and aid types); see the module.

    Locks: an import's batch speaks for thousands of people, more advisory locks than one
    PostgreSQL transaction may hold. So the first pass takes none: it reads, releases, and
    inserts with ``ON CONFLICT DO NOTHING``, the exclusion constraint the arbiter (a claim
    committed meanwhile makes its row left out; a claim after it waits for this transaction
    and is refused). Only the (aid type, person) pairs whose row was left out are done again,
    under their advisory locks, where nothing can move any more. The conflicts are opened
    last, after every insert (their audit entries take the audit chain's lock)."""
    result = StateSync()
    clashes, missed = _pass(set(aid_type_ids), set(civil_ids), covers, result, lock=False)
    if missed:
        aid_types = {aid_type_id for aid_type_id, _civil_id in missed}
        people = {civil_id for _aid_type_id, civil_id in missed}
        again = [c for c in covers if c.aid_type_id in aid_types and c.civil_id in people]
        more, left = _pass(aid_types, people, again, result, lock=True)
        if left:  # pragma: no cover - under the locks nothing can take the days meanwhile
            raise AssertionError(f"state commitments refused under the locks: {sorted(left)}")
        clashes.update(more)
    now = timezone.now()
    for (request_id, _civil_id), cover in sorted(clashes.items(), key=lambda item: item[0]):
        conflict = _conflict_open(request_id, cover, actor=actor, at=now)
        if conflict is not None:
            result.conflicts.append(conflict)
    return result


def _pass(
    aid_type_ids: set[int],
    civil_ids: set[str],
    covers: list[StateCover],
    result: StateSync,
    *,
    lock: bool,
) -> tuple[Clashes, set[Pair]]:
    """One pass: the clashes with charities' commitments, and the pairs whose state row the
    database left out (a claim took the days meanwhile)."""
    aid_types = sorted(aid_type_ids)
    people = sorted(civil_ids)
    if not aid_types or not people:
        return {}, set()
    if lock:
        for aid_type_id in aid_types:
            lock_people(aid_type_id, people)

    state: list[AidCommitment] = []
    charity: dict[Pair, list[tuple[int, Interval]]] = defaultdict(list)
    for chunk in _chunks(people):
        for commitment in AidCommitment.all_sources.filter(
            aid_type_id__in=aid_types, civil_id__in=chunk, status__in=BINDING
        ).only(
            "pk",
            "aid_request_id",
            "benefit_record_id",
            "aid_type_id",
            "civil_id",
            "period_start",
            "period_end",
        ):
            if commitment.benefit_record_id is not None:
                state.append(commitment)
            else:
                assert commitment.aid_request_id is not None  # noqa: S101 - one source each
                charity[(commitment.aid_type_id, commitment.civil_id)].append(
                    (commitment.aid_request_id, (commitment.period_start, commitment.period_end))
                )

    # What the state commitments should be: each cover, earliest first, less the days a
    # charity or an earlier cover holds already.
    wanted: set[Key] = set()
    clashes: Clashes = {}
    by_pair: dict[Pair, list[StateCover]] = defaultdict(list)
    for cover in covers:
        by_pair[(cover.aid_type_id, cover.civil_id)].append(cover)
    for pair, pair_covers in by_pair.items():
        taken = [interval for _request, interval in charity.get(pair, [])]
        for cover in sorted(pair_covers, key=lambda c: (c.start, c.benefit_record_id)):
            period = (cover.start, cover.end)
            for request_id, (start, end) in charity.get(pair, []):
                if start <= cover.end and end >= cover.start:
                    clashes.setdefault((request_id, cover.civil_id), cover)
            for start, end in _minus(period, taken):
                wanted.add((cover.benefit_record_id, *pair, start, end))
            taken.append(period)

    have: set[Key] = set()
    release: list[int] = []
    for c in state:
        key = (c.benefit_record_id or 0, c.aid_type_id, c.civil_id, c.period_start, c.period_end)
        if key in wanted and key not in have:
            have.add(key)
        else:
            release.append(c.pk)
    for index in range(0, len(release), CHUNK):
        result.released += AidCommitment.all_sources.filter(
            pk__in=release[index : index + CHUNK]
        ).update(status=CommitmentStatus.RELEASED, released_at=timezone.now())
    missing = sorted(wanted - have, key=lambda key: (key[2], key[1], key[3], key[0]))
    inserted = 0
    for index in range(0, len(missing), INSERT_ROWS):
        part = missing[index : index + INSERT_ROWS]
        inserted += insert_rows(
            [
                AidCommitment(
                    benefit_record_id=record_id,
                    aid_type_id=aid_type_id,
                    civil_id=civil_id,
                    period_start=start,
                    period_end=end,
                    status=CommitmentStatus.ACTIVE,
                    is_applicant=False,
                )
                for record_id, aid_type_id, civil_id, start, end in part
            ],
            # PostgreSQL: a row the exclusion constraint refuses is left out, not the batch.
            # SQLite runs one writer at a time: what was read still holds.
            skip_conflicts=connection.vendor == "postgresql",
        )
    result.reserved += inserted
    if inserted == len(missing):
        return clashes, set()
    return clashes, _left_out(missing)


def _left_out(tried: list[Key]) -> set[Pair]:
    """The (aid type, person) pairs of the rows tried whose row is not there."""
    pairs = {(aid_type_id, civil_id) for _record, aid_type_id, civil_id, _s, _e in tried}
    there: set[Key] = set()
    people = sorted({civil_id for _aid_type_id, civil_id in pairs})
    for chunk in _chunks(people):
        there.update(
            AidCommitment.all_sources.filter(
                benefit_record__isnull=False,
                status__in=BINDING,
                civil_id__in=chunk,
                aid_type_id__in={aid_type_id for aid_type_id, _civil_id in pairs},
            ).values_list(
                "benefit_record_id", "aid_type_id", "civil_id", "period_start", "period_end"
            )
        )
    return {(key[1], key[2]) for key in tried if key not in there}


def _conflict_open(
    request_id: int, cover: StateCover, *, actor: User | None, at: datetime.datetime
) -> CoverageConflict | None:
    """Open the conflict of a charity's case covering a person the state covers too, unless
    one waits already for that case and person, or the ministry has decided this case against
    this benefit already (a later file changing the benefit's amount, or the state taking back
    days, must not ask it again)."""
    if (
        CoverageConflict.objects.filter(aid_request_id=request_id, civil_id=cover.civil_id)
        .filter(Q(status=ConflictStatus.OPEN) | Q(benefit_record_id=cover.benefit_record_id))
        .exists()
    ):
        return None
    aid_request = AidRequest.objects.select_related("aid_type", "applicant").get(pk=request_id)
    conflict = CoverageConflict.objects.create(
        aid_request=aid_request,
        benefit_record_id=cover.benefit_record_id,
        aid_type_id=cover.aid_type_id,
        civil_id=cover.civil_id,
        opened_at=at,
        opened_by=actor,
    )
    audit_record(
        actor=actor,
        action="coverage_conflict.open",
        target=conflict,
        organisation_id=aid_request.claimed_by_id,
        applicant_id=aid_request.applicant_id,
        data={
            "request": request_id,
            "held_by_benefit_record": cover.benefit_record_id,
            "civil_id": "…" + cover.civil_id[-4:],
        },
    )
    notify_organisations(conflict, kind="coverage_conflict_opened")
    return conflict
