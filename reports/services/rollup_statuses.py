"""The rollup figures of requests as they stand now, re-counted for the cells of the requests
that changed: ``MonthlyStatusFigures`` (requests submitted in a month by where they stand) and
``MonthlyDurations`` (histograms of days to claim and to first payment)."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict

from django.db.models import Count, Min, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate, TruncMonth

from aid_requests.models import AidRequest, Payment, TimelineEntry
from config.dates import day_start, next_month
from dedup.models import AidCommitment
from reports.models import DurationMeasure, MonthlyDurations, MonthlyStatusFigures
from reports.services.rollup_events import BATCH, GovKey, chunks, month_of


def history_statuses() -> list[MonthlyStatusFigures]:
    rows = (
        AidRequest.objects.annotate(month=TruncMonth("submitted_at"))
        .values("month", "aid_type_id", "governorate_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        MonthlyStatusFigures(
            month=month_of(row["month"]),
            aid_type_id=row["aid_type_id"],
            governorate_id=row["governorate_id"],
            status=row["status"],
            count=row["n"],
        )
        for row in rows
    ]


def status_counts(
    month: datetime.date, requests: QuerySet[AidRequest]
) -> list[MonthlyStatusFigures]:
    """Requests submitted in ``month`` by (aid type, governorate, status now)."""
    rows = (
        requests.filter(
            submitted_at__gte=day_start(month), submitted_at__lt=day_start(next_month(month))
        )
        .values("aid_type_id", "governorate_id", "status")
        .annotate(n=Count("*"))  # not COUNT(id): the index alone answers (index-only scan)
        .order_by()
    )
    return [
        MonthlyStatusFigures(
            month=month,
            aid_type_id=row["aid_type_id"],
            governorate_id=row["governorate_id"],
            status=row["status"],
            count=row["n"],
        )
        for row in rows
    ]


def duration_counts(
    month: datetime.date | None, requests: QuerySet[AidRequest]
) -> list[MonthlyDurations]:
    """Histograms of whole local days submission → (current) claim and claim → first payment
    of the requests claimed in ``month`` (None: ever), grouped by the database by day."""
    claimed = requests.filter(claimed_at__isnull=False)
    if month is not None:
        claimed = claimed.filter(
            claimed_at__gte=day_start(month), claimed_at__lt=day_start(next_month(month))
        )
    claimed = claimed.annotate(claim_day=TruncDate("claimed_at"))
    counts: Counter[tuple[datetime.date, int, str, int]] = Counter()
    for row in (
        claimed.annotate(submit_day=TruncDate("submitted_at"))
        .values("aid_type_id", "claim_day", "submit_day")
        .annotate(n=Count("*"))
        .order_by()
    ):
        days = (row["claim_day"] - row["submit_day"]).days
        key = (month_of(row["claim_day"]), row["aid_type_id"])
        counts[(*key, DurationMeasure.TO_CLAIM.value, days)] += row["n"]
    first_paid = (
        Payment.objects.filter(aid_request=OuterRef("pk"))
        .order_by()
        .values("aid_request")
        .annotate(first=Min("paid_on"))
        .values("first")
    )
    for row in (
        claimed.annotate(first_paid=Subquery(first_paid))
        .filter(first_paid__isnull=False)
        .values("aid_type_id", "claim_day", "first_paid")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        days = (row["first_paid"] - row["claim_day"]).days
        key = (month_of(row["claim_day"]), row["aid_type_id"])
        counts[(*key, DurationMeasure.TO_PAYMENT.value, days)] += row["n"]
    return [
        MonthlyDurations(month=m, aid_type_id=aid_type_id, measure=measure, days=days, count=n)
        for (m, aid_type_id, measure, days), n in counts.items()
    ]


def touched_request_ids(since: datetime.datetime) -> set[int]:
    """Requests whose status, claim or first payment may have changed since ``since``: each
    source is its own indexed range query (an OR of them would scan the requests)."""
    ids: set[int] = set(
        AidRequest.objects.filter(updated_at__gte=since).values_list("pk", flat=True)
    )
    ids.update(TimelineEntry.objects.filter(at__gte=since).values_list("aid_request_id", flat=True))
    ids.update(
        Payment.objects.filter(recorded_at__gte=since).values_list("aid_request_id", flat=True)
    )
    for moment in ("created_at", "released_at"):
        ids.update(
            AidCommitment.objects.filter(**{f"{moment}__gte": since}).values_list(
                "aid_request_id", flat=True
            )
        )
    return ids


def cells_of(
    request_ids: set[int],
) -> tuple[set[GovKey], set[tuple[datetime.date, int]]]:
    """The status cells (submission month, aid type, governorate) and duration cells (claim
    month, aid type: the current claim's and every earlier claim's) of these requests."""
    status: set[GovKey] = set()
    durations: set[tuple[datetime.date, int]] = set()
    for chunk in chunks(request_ids):
        for row in AidRequest.objects.filter(pk__in=chunk).values(
            "submitted_at", "claimed_at", "aid_type_id", "governorate_id"
        ):
            month = month_of(row["submitted_at"])
            status.add((month, row["aid_type_id"], row["governorate_id"]))
            if row["claimed_at"] is not None:
                durations.add((month_of(row["claimed_at"]), row["aid_type_id"]))
        for created_at, aid_type_id in AidCommitment.objects.filter(
            aid_request_id__in=chunk, is_applicant=True
        ).values_list("created_at", "aid_type_id"):
            durations.add((month_of(created_at), aid_type_id))
    return status, durations


def recount_status(cells: set[GovKey]) -> int:
    """Re-count the statuses of the requests submitted in each cell: per month, one delete and
    one grouped count over the month's requests of the cells' aid types and governorates, an
    index-only scan (``reports_request_status_cell``), of which the cells' groups are kept."""
    by_month: dict[datetime.date, set[tuple[int, int]]] = defaultdict(set)
    for month, aid_type_id, governorate_id in cells:
        by_month[month].add((aid_type_id, governorate_id))
    rows = 0
    for month, pairs in sorted(by_month.items()):
        aid_types = sorted({aid_type_id for aid_type_id, _governorate in pairs})
        governorates = sorted({governorate for _aid_type, governorate in pairs})
        requests = AidRequest.objects.filter(
            aid_type_id__in=aid_types, governorate_id__in=governorates
        )
        counts = [
            c for c in status_counts(month, requests) if (c.aid_type_id, c.governorate_id) in pairs
        ]
        cell = Q()
        for aid_type_id, governorate_id in pairs:
            cell |= Q(aid_type_id=aid_type_id, governorate_id=governorate_id)
        MonthlyStatusFigures.objects.filter(cell, month=month).delete()
        rows += len(MonthlyStatusFigures.objects.bulk_create(counts, BATCH))
    return rows


def recount_durations(cells: set[tuple[datetime.date, int]]) -> int:
    """Re-count the duration histograms of each (claim month, aid type) cell: one delete and
    one grouped count per month."""
    by_month: dict[datetime.date, set[int]] = defaultdict(set)
    for month, aid_type_id in cells:
        by_month[month].add(aid_type_id)
    rows = 0
    for month, aid_types in sorted(by_month.items()):
        MonthlyDurations.objects.filter(month=month, aid_type_id__in=aid_types).delete()
        counts = duration_counts(month, AidRequest.objects.filter(aid_type_id__in=aid_types))
        rows += len(MonthlyDurations.objects.bulk_create(counts, BATCH))
    return rows
