"""The rows behind a figure: the events it counts, newest first, one keyset page at a time
(the list and its export), and the cases that need an organisation now (overdue)."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractMonth, ExtractYear
from django.utils import timezone

from aid_requests.models import AidRequest, AidType, Payment, RequestStatus, request_reference
from applicants.models import Governorate
from charities.models import Organisation
from config.dates import day_start
from dedup.models import PreventedDuplicate
from reports.events import BY_BASIS, Basis, EventSource
from reports.selectors.filters import STATES, Period, RequestFilters, name_of, names_of

S = RequestStatus

REQUESTS_PAGE_SIZE = 50
#: A claim is "due soon" this many days before the claim deadline releases it.
CLAIM_WARNING_DAYS = 3


def claim_warning_cutoff(now: datetime.datetime | None = None) -> datetime.datetime:
    """Claims made at or before this moment are due soon or overdue: within
    ``CLAIM_WARNING_DAYS`` of the claim deadline, or past it."""
    days = max(settings.CLAIM_DEADLINE_DAYS - CLAIM_WARNING_DAYS, 0)
    return (now or timezone.now()) - datetime.timedelta(days=days)


def overdue_condition(today: datetime.date | None = None) -> Q:
    """Held cases that need the organisation now (``annotate_overdue`` first):

    * a claim not yet approved, made ``CLAIM_DEADLINE_DAYS - CLAIM_WARNING_DAYS`` days ago or
      more (due soon, or overdue and about to be released);
    * an approved or paying case whose next payment's month of coverage is over without that
      payment (period N pays month N of the coverage: ``charities.services.payments.period_start``).
    """
    today = today or timezone.localdate()
    cutoff = claim_warning_cutoff(day_start(today + datetime.timedelta(days=1)))
    claims_due = Q(status=S.CLAIMED, claimed_at__lt=cutoff)
    payment_due = Q(
        status__in=(S.APPROVED, S.PAYING),
        paid_periods__lt=Coalesce(F("approved_payments"), 0),
        months_elapsed__gte=F("paid_periods") + 1,
    )
    return claims_due | payment_due


def annotate_overdue(requests: QuerySet[AidRequest], today: datetime.date | None = None) -> Any:
    """Add ``paid_periods`` (payments recorded) and ``months_elapsed`` (whole months from the
    start of coverage to ``today``) for ``overdue_condition``."""
    today = today or timezone.localdate()
    paid = (
        Payment.objects.filter(aid_request=OuterRef("pk"))
        .order_by()
        .values("aid_request")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return requests.annotate(
        paid_periods=Coalesce(Subquery(paid, output_field=IntegerField()), 0),
        months_elapsed=Value(today.year * 12 + today.month)
        - ExtractYear("coverage_start") * 12
        - ExtractMonth("coverage_start")
        - Case(When(coverage_start__day__gt=today.day, then=1), default=0),
    )


@dataclass(frozen=True)
class DrillRow:
    """One row of a list behind a figure: the event and its request (no personal data)."""

    key: int
    when: datetime.datetime | datetime.date
    request_id: int
    status: str
    aid_type: str
    governorate: str
    organisation: str
    amount: Decimal | None

    @property
    def reference(self) -> str:
        return request_reference(self.request_id)

    @property
    def status_label(self) -> str:
        return str(RequestStatus(self.status).label) if self.status in S.values else self.status


@dataclass(frozen=True)
class _Source:
    """How one basis reads its events: the model's rows, the path to their request, the
    event's time, organisation and amount."""

    rows: Callable[[Period], QuerySet[Any]]
    request: str  # "" (the row is the request) or "aid_request__"
    when: str
    organisation: str
    amount: str


def _event_rows(event: EventSource) -> Callable[[Period], QuerySet[Any]]:
    """The events of a kind in a period: by its time, or by its date (a payment's)."""

    def rows(period: Period) -> QuerySet[Any]:
        events = event.rows().filter(**event.counted)
        if isinstance(events.model._meta.get_field(event.month), DateTimeField):
            return events.filter(
                **{f"{event.month}__gte": period.start_at, f"{event.month}__lt": period.end_before}
            )
        return events.filter(**{f"{event.month}__range": (period.start, period.end)})

    return rows


SOURCES: dict[str, _Source] = {
    Basis.SUBMITTED: _Source(
        lambda p: AidRequest.objects.filter(
            submitted_at__gte=p.start_at, submitted_at__lt=p.end_before
        ),
        "",
        "submitted_at",
        "claimed_by_id",
        "amount_requested",
    ),
    Basis.CURRENT: _Source(
        lambda p: AidRequest.objects.all(), "", "submitted_at", "claimed_by_id", "amount_requested"
    ),
    # Every other list is the events of one kind (``reports.events``), as the rollups count them.
    **{
        basis: _Source(
            _event_rows(event), "aid_request__", event.month, event.organisation, event.shown_amount
        )
        for basis, event in BY_BASIS.items()
    },
}


def rows_behind(filters: RequestFilters) -> QuerySet[Any]:
    """The events a figure counts, newest first, as ``values()`` rows."""
    source = SOURCES.get(filters.basis, SOURCES[Basis.SUBMITTED])
    r, period = source.request, filters.period
    rows = source.rows(period)
    if period.aid_type_id:
        rows = rows.filter(**{f"{r}aid_type_id": period.aid_type_id})
    if filters.governorate_id:
        rows = rows.filter(**{f"{r}governorate_id": filters.governorate_id})
    if filters.organisation_id:
        rows = rows.filter(**{source.organisation: filters.organisation_id})
    if filters.state in STATES:
        rows = rows.filter(**{f"{r}status__in": STATES[filters.state]})
    if filters.overdue:
        overdue = annotate_overdue(AidRequest.objects.all()).filter(overdue_condition())
        rows = rows.filter(**{f"{r}pk__in" if r else "pk__in": overdue.values("pk")})
    return rows.order_by("-pk").values(
        "pk",
        source.when,
        "aid_request_id" if r else "pk",
        f"{r}status",
        f"{r}aid_type_id",
        f"{r}governorate_id",
        source.organisation,
        source.amount,
    )


@dataclass(frozen=True)
class Names:
    aid_types: dict[int, str]
    governorates: dict[int, str]
    organisations: dict[int, str]

    @classmethod
    def load(cls) -> Names:
        return cls(names_of(AidType), names_of(Governorate), names_of(Organisation))


def drill_rows(
    filters: RequestFilters, rows: Iterable[dict[str, Any]], names: Names
) -> Iterator[DrillRow]:
    source = SOURCES.get(filters.basis, SOURCES[Basis.SUBMITTED])
    r = source.request
    for row in rows:
        organisation = row[source.organisation]
        yield DrillRow(
            key=row["pk"],
            when=row[source.when],
            request_id=row["aid_request_id" if r else "pk"],
            status=row[f"{r}status"],
            aid_type=names.aid_types.get(row[f"{r}aid_type_id"], ""),
            governorate=names.governorates.get(row[f"{r}governorate_id"], ""),
            organisation=names.organisations.get(organisation, "") if organisation else "",
            amount=row[source.amount],
        )


@dataclass(frozen=True)
class RequestPage:
    rows: list[DrillRow]
    next_cursor: int | None


def requests_page(
    filters: RequestFilters, *, after: int | None = None, limit: int | None = None
) -> RequestPage:
    """One keyset page, newest event first: a deep page costs the same as the first."""
    limit = limit or REQUESTS_PAGE_SIZE
    query = rows_behind(filters)
    if after:
        query = query.filter(pk__lt=after)
    found = list(query[: limit + 1])
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        next_cursor = found[-1]["pk"]
    used = {row[SOURCES.get(filters.basis, SOURCES[Basis.SUBMITTED]).organisation] for row in found}
    names = Names(
        names_of(AidType),
        names_of(Governorate),
        {o.pk: name_of(o) for o in Organisation.objects.filter(pk__in=[u for u in used if u])},
    )
    return RequestPage(rows=list(drill_rows(filters, found, names)), next_cursor=next_cursor)


def payments_in(period: Period, organisation_id: int | None = None) -> QuerySet[Payment]:
    payments = Payment.objects.filter(paid_on__range=(period.start, period.end))
    if period.aid_type_id:
        payments = payments.filter(aid_request__aid_type_id=period.aid_type_id)
    if organisation_id:
        payments = payments.filter(organisation_id=organisation_id)
    return payments


def blocked_in(period: Period, organisation_id: int | None = None) -> QuerySet[PreventedDuplicate]:
    """The duplicates prevented in the range: first refused in it, each once (an organisation's:
    those whose first refusal was its claim)."""
    blocked = PreventedDuplicate.objects.filter(
        first_refused_at__gte=period.start_at, first_refused_at__lt=period.end_before
    )
    if period.aid_type_id:
        blocked = blocked.filter(aid_type_id=period.aid_type_id)
    if organisation_id:
        blocked = blocked.filter(organisation_id=organisation_id)
    return blocked
