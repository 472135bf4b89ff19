"""``CoverageFigures``: the distinct people and households covered, rebuilt from the binding
commitments (two ordered passes), or moved for the people whose commitments were reserved or
released since the last refresh (see ``CoverageFigures`` for why the figure is exact)."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any

from config.dates import month_number
from dedup.models import BINDING, AidCommitment
from reports.models import CoverageFigures, CoverageKind, RollupEvent
from reports.services.rollup_events import BATCH, Seen, chunks

PairKey = tuple[str, int, int, int]  # kind, aid type key (0: any), month, previous (0: none)
Period_ = tuple[int, datetime.date, datetime.date]  # aid type, first day, last day
_KEY_COLUMN = {CoverageKind.PERSON: "civil_id", CoverageKind.HOUSEHOLD: "aid_request__applicant_id"}


class _Pairs:
    """Pair counts of ``CoverageFigures`` being added up, kept compact: a person covered for
    months a..b in one run adds (a, the month before the run) once and (m, m - 1) for every
    later month of the run; the latter are kept as +1 at a + 1 and -1 at b + 1 and summed
    at the end, so each run costs two operations however long it is."""

    def __init__(self) -> None:
        self.starts: Counter[PairKey] = Counter()
        self.steps: dict[tuple[str, int], Counter[int]] = defaultdict(Counter)

    def add(self, kind: str, periods: Iterable[Period_], sign: int = 1) -> None:
        """Add (or, with ``sign`` -1, take out) one person's or household's months: per aid
        type, and for any aid type."""
        by_type: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for aid_type_id, period_start, period_end in periods:
            by_type[aid_type_id].append((month_number(period_start), month_number(period_end)))
        if not by_type:
            return
        every = [interval for intervals in by_type.values() for interval in intervals]
        for aid_type_key, intervals in (*by_type.items(), (0, every)):
            steps = self.steps[(kind, aid_type_key)]
            previous = 0
            for first, last in _merged(intervals):
                self.starts[(kind, aid_type_key, first, previous)] += sign
                if last > first:
                    steps[first + 1] += sign
                    steps[last + 1] -= sign
                previous = last

    def counts(self) -> Counter[PairKey]:
        found = Counter(self.starts)
        for (kind, aid_type_key), steps in self.steps.items():
            running = 0
            marks = sorted(steps)
            if not marks:
                continue
            for number in range(marks[0], marks[-1] + 1):
                running += steps.get(number, 0)
                if running:
                    found[(kind, aid_type_key, number, number - 1)] += running
        return found


def _merged(intervals: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Month intervals merged into runs of consecutive months."""
    runs: list[tuple[int, int]] = []
    for first, last in sorted(intervals):
        if runs and first <= runs[-1][1] + 1:
            if last > runs[-1][1]:
                runs[-1] = (runs[-1][0], last)
        else:
            runs.append((first, last))
    return runs


def coverage_rebuild() -> int:
    """Two ordered passes over the binding commitments (by civil ID, by applicant), one
    person or household at a time, so memory stays flat however many there are."""
    pairs = _Pairs()
    for kind, column in _KEY_COLUMN.items():
        rows = (
            AidCommitment.objects.filter(status__in=BINDING)
            .order_by(column)
            .values_list(column, "aid_type_id", "period_start", "period_end")
            .iterator(chunk_size=20_000)
        )
        current: Any = None
        periods: list[Period_] = []
        for key, aid_type_id, period_start, period_end in rows:
            if key != current:
                pairs.add(kind, periods)
                current, periods = key, []
            periods.append((aid_type_id, period_start, period_end))
        pairs.add(kind, periods)
    counts = pairs.counts()
    CoverageFigures.objects.bulk_create(
        [
            CoverageFigures(kind=k, aid_type_key=t, month=m, previous=p, count=n)
            for (k, t, m, p), n in counts.items()
            if n
        ],
        batch_size=BATCH,
    )
    return len(counts)


def coverage_update(since: datetime.datetime, applied: dict[str, set[int]], seen: Seen) -> int:
    """Move the people and households whose commitments were reserved or released since the
    last run from their old months to their new ones in ``CoverageFigures``.

    No copy of anyone's months is kept: a commitment only ever goes reserved → active →
    released, so a person's months *as the last run counted them* are those of the
    commitments whose reservation that run had applied and whose release it had not — all the
    events older than ``since``, and those in ``applied``. Their months now: the binding
    commitments."""
    new_ids = {
        pk
        for kind in (RollupEvent.COMMITTED, RollupEvent.RELEASED_COMMITMENT)
        for pk, _at in seen.get(kind, [])
    }
    if not new_ids:
        return 0
    reserved = applied.get(RollupEvent.COMMITTED, set())
    released = applied.get(RollupEvent.RELEASED_COMMITMENT, set())

    def counted_before(c: dict[str, Any]) -> bool:
        was_reserved = c["created_at"] < since or c["pk"] in reserved
        was_released = c["released_at"] is not None and (
            c["released_at"] < since or c["pk"] in released
        )
        return was_reserved and not was_released

    keys: dict[str, set[Any]] = {kind: set() for kind in _KEY_COLUMN}
    for chunk in chunks(new_ids):
        for civil_id, applicant_id in AidCommitment.objects.filter(pk__in=chunk).values_list(
            "civil_id", "aid_request__applicant_id"
        ):
            keys[CoverageKind.PERSON].add(civil_id)
            keys[CoverageKind.HOUSEHOLD].add(applicant_id)
    delta = _Pairs()
    changed = 0
    for kind, column in _KEY_COLUMN.items():
        for chunk in chunks(sorted(keys[kind])):
            commitments: dict[Any, list[dict[str, Any]]] = defaultdict(list)
            # Only binding commitments and those released inside the window can count before
            # or now; each is an indexed read (the rule's index; the release time's index).
            mine_only = AidCommitment.objects.filter(**{f"{column}__in": chunk})
            for part in (
                mine_only.filter(status__in=BINDING),
                mine_only.filter(released_at__gte=since),
            ):
                for c in part.values(
                    "pk",
                    column,
                    "aid_type_id",
                    "period_start",
                    "period_end",
                    "status",
                    "created_at",
                    "released_at",
                ):
                    commitments[c[column]].append(c)
            for mine in commitments.values():
                before = [c for c in mine if counted_before(c)]
                now = [c for c in mine if c["status"] in BINDING]
                if [c["pk"] for c in before] == [c["pk"] for c in now]:
                    continue
                changed += 1
                delta.add(kind, [_period(c) for c in before], -1)
                delta.add(kind, [_period(c) for c in now])
    _apply_pair_delta(delta.counts())
    return changed


def _period(commitment: dict[str, Any]) -> Period_:
    return (commitment["aid_type_id"], commitment["period_start"], commitment["period_end"])


def _apply_pair_delta(delta: Counter[PairKey]) -> None:
    delta = Counter({key: n for key, n in delta.items() if n})
    if not delta:
        return
    existing: dict[PairKey, CoverageFigures] = {}
    for chunk in chunks(sorted({key[2] for key in delta})):
        for row in CoverageFigures.objects.filter(month__in=chunk):
            existing[(row.kind, row.aid_type_key, row.month, row.previous)] = row
    new: list[CoverageFigures] = []
    changed: list[CoverageFigures] = []
    gone: list[int] = []
    for key, n in delta.items():
        found = existing.get(key)
        if found is None:
            kind, aid_type_key, month, previous = key
            new.append(
                CoverageFigures(
                    kind=kind, aid_type_key=aid_type_key, month=month, previous=previous, count=n
                )
            )
        elif found.count + n == 0:
            gone.append(found.pk)
        else:
            found.count += n
            changed.append(found)
    CoverageFigures.objects.filter(pk__in=gone).delete()
    CoverageFigures.objects.bulk_create(new, batch_size=BATCH)
    CoverageFigures.objects.bulk_update(changed, ["count"], batch_size=BATCH)
