"""The events the statistics count: the one table of them.

Each kind of event is a raw row (a claim, a closure, a payment, …) that never changes once
written. ``EVENTS`` says, per kind, where its rows are, which cell (month × aid type ×
governorate, and organisation) it counts in and which figures it adds to. Everything else is
read from this table: the incremental and the full rollup refresh
(``reports.services.rollup_events``), the figures the rollup tables hold (``EVENT_FIGURES``),
which of them are amounts, and the list behind each figure (``reports.selectors.drilldown``).
A new figure is a field of ``MonthlyFigures`` and ``MonthlyOrganisationFigures`` and a line
here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from aid_requests.models import Payment, RequestStatus, TimelineEntry
from dedup.models import AidCommitment, PreventedDuplicate, SavedAmountAdjustment
from reports.models import RollupEvent

S = RequestStatus


class Basis:
    """Which rows a figure counts (the drill-down list's ``basis``): one row per event, so the
    list has exactly as many rows as the figure says."""

    SUBMITTED = "submitted"  # requests submitted in the range
    CLAIMED = "claimed"  # claims made in the range (one per claim, released ones included)
    CLOSED = "closed"  # closures in the range
    PAID = "paid"  # payments dated in the range
    BLOCKED = "blocked"  # duplicates prevented, first refused in the range (once each)
    RELEASED = "released"  # claims released by the deadline in the range
    CURRENT = "current"  # no date: requests as they stand now
    ALL = (SUBMITTED, CLAIMED, CLOSED, PAID, BLOCKED, RELEASED, CURRENT)


def released_holder() -> Subquery:
    """The organisation whose claim a deadline release (a timeline entry) ended: the one of the
    applicant's commitment most recently created before the release (the release clears the
    request's organisation)."""
    return Subquery(
        AidCommitment.objects.filter(
            aid_request=OuterRef("aid_request"),
            is_applicant=True,
            created_at__lte=OuterRef("at"),
        )
        .order_by("-created_at", "-organisation_id")
        .values("organisation_id")[:1]
    )


@dataclass(frozen=True)
class EventSource:
    """One kind of event: its rows, the columns of its cell, and what it adds there."""

    kind: str  # RollupEvent: how AppliedEvent remembers it
    rows: Callable[[], QuerySet[Any]]  # every event of the kind
    written: str  # when the row was written: the incremental refresh's window
    #: The time (or date) whose local month the event counts in; also the drill-down's date.
    month: str = ""
    aid_type: str = ""
    governorate: str = ""
    organisation: str = ""
    #: figure → the column it adds up ("": one per event). None: the event only moves the
    #: coverage (``CoverageFigures``), which reads the commitments themselves.
    figures: dict[str, str] = field(default_factory=dict)
    #: Only the rows matching these add to the figures (the others are still seen).
    counted: dict[str, Any] = field(default_factory=dict)
    #: False: the full rebuild leaves it out, its effect being in another event's row already.
    in_history: bool = True
    #: The list behind its figures, and the amount that list shows.
    basis: str = ""
    shown_amount: str = ""


# The order of the figures here is the order of the pages' tables and of the exports.
EVENTS: tuple[EventSource, ...] = (
    # A commitment reserved: a claim when it is the applicant's (household members' slots are
    # reserved with it). Both kinds move the coverage.
    EventSource(
        kind=RollupEvent.COMMITTED,
        rows=lambda: AidCommitment.objects.all(),
        written="created_at",
        month="created_at",
        aid_type="aid_type_id",
        governorate="aid_request__governorate_id",
        organisation="organisation_id",
        figures={"claims": ""},
        counted={"is_applicant": True},
        basis=Basis.CLAIMED,
        shown_amount="aid_request__amount_requested",
    ),
    EventSource(
        kind=RollupEvent.RELEASED_COMMITMENT,
        rows=lambda: AidCommitment.objects.filter(released_at__isnull=False),
        written="released_at",
    ),
    EventSource(
        kind=RollupEvent.CLOSURE,
        rows=lambda: TimelineEntry.objects.filter(to_status=S.CLOSED),
        written="at",
        month="at",
        aid_type="aid_request__aid_type_id",
        governorate="aid_request__governorate_id",
        organisation="aid_request__claimed_by_id",
        figures={"closures": ""},
        basis=Basis.CLOSED,
        shown_amount="aid_request__approved_amount",
    ),
    # Counted in the month it was paid in, found by when it was recorded.
    EventSource(
        kind=RollupEvent.PAYMENT,
        rows=lambda: Payment.objects.all(),
        written="recorded_at",
        month="paid_on",
        aid_type="aid_request__aid_type_id",
        governorate="aid_request__governorate_id",
        organisation="organisation_id",
        figures={"payments_count": "", "payments_amount": "amount"},
        basis=Basis.PAID,
        shown_amount="amount",
    ),
    # A duplicate prevented counts once, in the month of its first refusal (not every try).
    EventSource(
        kind=RollupEvent.PREVENTED,
        rows=lambda: PreventedDuplicate.objects.all(),
        written="first_refused_at",
        month="first_refused_at",
        aid_type="aid_type_id",
        governorate="aid_request__governorate_id",
        organisation="organisation_id",
        figures={"blocked_count": "", "blocked_amount": "amount_saved"},
        basis=Basis.BLOCKED,
        shown_amount="amount_saved",
    ),
    # A duplicate's amount saved cut later (the holding case ended early): the change goes to
    # the month and cell the duplicate counts in. The full rebuild reads the cut amount_saved.
    EventSource(
        kind=RollupEvent.ADJUSTED,
        rows=lambda: SavedAmountAdjustment.objects.all(),
        written="at",
        month="prevented__first_refused_at",
        aid_type="prevented__aid_type_id",
        governorate="prevented__aid_request__governorate_id",
        organisation="prevented__organisation_id",
        figures={"blocked_amount": "delta"},
        in_history=False,
    ),
    # A claim released by the deadline: claimed → open with no actor.
    EventSource(
        kind=RollupEvent.RELEASE,
        rows=lambda: TimelineEntry.objects.filter(
            from_status=S.CLAIMED, to_status=S.OPEN, actor__isnull=True
        ).annotate(holder=released_holder()),
        written="at",
        month="at",
        aid_type="aid_request__aid_type_id",
        governorate="aid_request__governorate_id",
        organisation="holder",
        figures={"released_by_deadline": ""},
        basis=Basis.RELEASED,
        shown_amount="aid_request__amount_requested",
    ),
)

#: The additive figures of the monthly tables, in the order the pages show them.
EVENT_FIGURES: tuple[str, ...] = tuple(
    dict.fromkeys(name for event in EVENTS for name in event.figures)
)
#: The figures that are amounts (KWD) rather than counts.
MONEY_FIGURES = frozenset(
    name for event in EVENTS for name, column in event.figures.items() if column
)
#: Which list is behind each event figure (of the events adding to it, the first with a list).
EVENT_BASIS: dict[str, str] = {
    name: event.basis for event in reversed(EVENTS) if event.basis for name in event.figures
}
#: The event kind behind each list.
BY_BASIS: dict[str, EventSource] = {event.basis: event for event in EVENTS if event.basis}
