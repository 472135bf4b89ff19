"""The events of ``reports.events.EVENTS`` added to the two monthly tables
(``MonthlyFigures`` by governorate, ``MonthlyOrganisationFigures`` by organisation): the new
ones one by one (an incremental refresh sees a few minutes of them), or the whole history
grouped by month and cell by the database (a full refresh: one pass over each table)."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from config.dates import month_start
from reports.events import EVENT_FIGURES, EVENTS
from reports.models import MonthlyFigures, MonthlyOrganisationFigures

#: Rows per bulk insert, and ids per ``IN (…)`` list (SQLite allows 32,766 parameters).
BATCH = 2000

GovKey = tuple[datetime.date, int, int]  # month, aid type, governorate
OrgKey = tuple[datetime.date, int, int]  # month, aid type, organisation
#: The events a run has seen, by kind: (id, written at).
Seen = dict[str, list[tuple[int, datetime.datetime]]]


def chunks(values: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    chunk: list[Any] = []
    for value in values:
        chunk.append(value)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def month_of(value: datetime.date | datetime.datetime) -> datetime.date:
    """The local month (Asia/Kuwait) of an event's time or date — or of a ``TruncMonth``
    value (an aware local midnight for a time, a date for a date)."""
    if isinstance(value, datetime.datetime):
        return month_start(timezone.localdate(value))
    return month_start(value)


class EventSums:
    """Increments of the two monthly tables, keyed by cell."""

    def __init__(self) -> None:
        self.gov: dict[GovKey, Counter[str]] = defaultdict(Counter)
        self.org: dict[OrgKey, Counter[str]] = defaultdict(Counter)

    def add(
        self,
        month: datetime.date,
        aid_type_id: int,
        governorate_id: int,
        organisation_id: int | None,
        values: dict[str, Any],
    ) -> None:
        for name, value in values.items():
            self.gov[(month, aid_type_id, governorate_id)][name] += value or 0
            if organisation_id is not None:
                self.org[(month, aid_type_id, organisation_id)][name] += value or 0


def new_events(since: datetime.datetime, skip: dict[str, set[int]]) -> tuple[EventSums, Seen]:
    """The events written since ``since`` and not in ``skip``, one by one: their sums, and
    what was seen by kind as (id, written at)."""
    sums = EventSums()
    seen: Seen = defaultdict(list)
    for event in EVENTS:
        cell = (event.month, event.aid_type, event.governorate, event.organisation)
        columns = [*cell, *filter(None, event.figures.values()), *event.counted]
        rows = (
            event.rows()
            .filter(**{f"{event.written}__gte": since})
            .values(*dict.fromkeys(["pk", event.written, *(columns if event.figures else ())]))
        )
        for row in rows:
            if row["pk"] in skip.get(event.kind, ()):
                continue
            seen[event.kind].append((row["pk"], row[event.written]))
            if event.figures and all(row[k] == v for k, v in event.counted.items()):
                sums.add(
                    month_of(row[event.month]),
                    row[event.aid_type],
                    row[event.governorate],
                    row[event.organisation],
                    {name: row[c] if c else 1 for name, c in event.figures.items()},
                )
    return sums, seen


def history_events() -> EventSums:
    """Every event of the history, grouped by month and cell by the database: one pass over
    each table (a month at a time would join the whole requests table once per month)."""
    sums = EventSums()
    for event in EVENTS:
        if not (event.figures and event.in_history):
            continue
        cell = (event.aid_type, event.governorate, event.organisation)
        totals = {
            f"total_{name}": Sum(column) if column else Count("pk")
            for name, column in event.figures.items()
        }
        for row in (
            event.rows()
            .filter(**event.counted)
            .annotate(event_month=TruncMonth(event.month))
            .values("event_month", *cell)
            .annotate(**totals)
            .order_by()
        ):
            sums.add(
                month_of(row["event_month"]),
                row[event.aid_type],
                row[event.governorate],
                row[event.organisation],
                {name: row[f"total_{name}"] for name in event.figures},
            )
    return sums


def add_event_sums(sums: EventSums) -> int:
    """Add ``sums`` to the monthly tables (creating the missing rows); returns rows touched."""
    touched = 0
    tables: tuple[tuple[Any, dict[Any, Counter[str]], str], ...] = (
        (MonthlyFigures, sums.gov, "governorate_id"),
        (MonthlyOrganisationFigures, sums.org, "organisation_id"),
    )
    for model, increments, third in tables:
        if not increments:
            continue
        existing: dict[tuple[datetime.date, int, int], Any] = {}
        by_month: dict[datetime.date, set[int]] = defaultdict(set)
        for month, _aid_type, other in increments:
            by_month[month].add(other)
        for month, others in by_month.items():
            for chunk in chunks(others):
                for row in model.objects.filter(month=month, **{f"{third}__in": chunk}):
                    existing[(row.month, row.aid_type_id, getattr(row, third))] = row
        new: list[Any] = []
        changed: list[Any] = []
        for key, values in increments.items():
            row = existing.get(key)
            if row is None:
                month, aid_type_id, other = key
                new.append(model(month=month, aid_type_id=aid_type_id, **{third: other}, **values))
                continue
            for name, value in values.items():
                setattr(row, name, getattr(row, name) + value)
            changed.append(row)
        model.objects.bulk_create(new, batch_size=BATCH)
        model.objects.bulk_update(changed, EVENT_FIGURES, batch_size=BATCH)
        touched += len(new) + len(changed)
    return touched
