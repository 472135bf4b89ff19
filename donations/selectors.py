"""Reads of donations, each scoped to who asks.

What a donor sees of where the money went is aid type, governorate, month and amount — never a
person, a case or its reference.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.http import Http404

from accounts.models import User
from aid_requests.models import AidType
from charities.models import Organisation, OrganisationStatus
from donations.models import Allocation, Gift, GiftStatus


def gift_for_token(token: str) -> Gift:
    """The gift of a donor's link (404 for any other token)."""
    gift = (
        Gift.objects.select_related("organisation", "fund").filter(token=token).first()
        if token
        else None
    )
    if gift is None:
        raise Http404
    return gift


def gifts_of(user: User) -> QuerySet[Gift]:
    """A signed-in donor's own gifts: those given signed in, and those given as a guest from
    the same mobile number — confirmed by SMS on the gift and verified on the account."""
    mine = Q(donor=user)
    if user.mobile and user.mobile_verified:
        mine |= Q(donor=None, mobile=user.mobile, mobile_confirmed_at__isnull=False)
    return Gift.objects.filter(mine).select_related("organisation", "fund")


@dataclass(frozen=True)
class Trace:
    aid_type: Any
    governorate: Any
    month: Any
    amount: Decimal


def trace_of(gift: Gift) -> list[Trace]:
    """Where the gift went: one line per allocation, no person and no case."""
    rows = Allocation.objects.filter(gift=gift).select_related(
        "aid_type", "payment__aid_request__governorate"
    )
    return [
        Trace(
            aid_type=a.aid_type,
            governorate=a.payment.aid_request.governorate,
            month=a.payment.paid_on.replace(day=1),
            amount=a.amount,
        )
        for a in rows.order_by("payment__paid_on", "id")
    ]


def active_organisations() -> QuerySet[Organisation]:
    return Organisation.objects.filter(status=OrganisationStatus.ACTIVE).prefetch_related(
        "aid_types"
    )


@dataclass
class FundLine:
    fund: Any
    kind: str
    kind_label: str
    received: Decimal = Decimal(0)
    allocated: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)

    @property
    def available(self) -> Decimal:
        return self.received - self.allocated - self.refunded


def organisation_funds(organisation: Organisation) -> list[FundLine]:
    """The organisation's paid gifts by fund and kind: received, allocated, refunded, left."""
    lines: dict[tuple[int | None, str], FundLine] = {}
    gifts = Gift.objects.filter(organisation=organisation, status=GiftStatus.PAID).select_related(
        "fund"
    )
    for gift in gifts:
        line = lines.setdefault(
            (gift.fund_id, gift.kind),
            FundLine(fund=gift.fund, kind=gift.kind, kind_label=gift.get_kind_display()),
        )
        line.received += gift.amount
        line.allocated += gift.allocated
        line.refunded += gift.refunded
    return sorted(lines.values(), key=lambda x: (x.fund is not None, str(x.fund or ""), x.kind))


def organisation_gifts(organisation: Organisation) -> QuerySet[Gift]:
    """The organisation's paid gifts, newest first (no donor's details)."""
    return Gift.objects.filter(organisation=organisation, status=GiftStatus.PAID).select_related(
        "fund"
    )


@dataclass
class FlowLine:
    organisation: Any
    inflow: Decimal = Decimal(0)
    outflow: Decimal = Decimal(0)
    refunded: Decimal = Decimal(0)
    by_aid_type: dict[Any, Decimal] = field(default_factory=dict)
    waits: list[float] = field(default_factory=list)

    @property
    def unallocated(self) -> Decimal:
        return self.inflow - self.outflow - self.refunded

    @property
    def median_wait(self) -> float | None:
        return round(statistics.median(self.waits), 1) if self.waits else None

    @property
    def average_wait(self) -> float | None:
        return round(statistics.fmean(self.waits), 1) if self.waits else None


def ministry_flows() -> list[FlowLine]:
    """Per organisation: gifts in, allocations out (by aid type), unallocated, and the days
    between a gift's payment and each of its allocations (median and average)."""
    flows: dict[int, FlowLine] = {}
    organisations = {o.pk: o for o in Organisation.objects.filter(gifts__isnull=False).distinct()}
    totals = (
        Gift.objects.filter(status=GiftStatus.PAID)
        .values("organisation")
        .annotate(inflow=Sum("amount"), outflow=Sum("allocated"), refunded=Sum("refunded"))
    )
    for row in totals:
        flows[row["organisation"]] = FlowLine(
            organisation=organisations.get(row["organisation"]),
            inflow=row["inflow"] or Decimal(0),
            outflow=row["outflow"] or Decimal(0),
            refunded=row["refunded"] or Decimal(0),
        )
    # Outflow by aid type, summed by the database.
    sums = Allocation.objects.values_list("gift__organisation", "aid_type").annotate(
        total=Sum("amount")
    )
    aid_types = AidType.objects.in_bulk()
    for org_id, aid_type_id, total in sums:
        if org_id in flows:
            flows[org_id].by_aid_type[aid_types[aid_type_id]] = total
    # The waits: one (organisation, allocated at, paid at) row per allocation, streamed.
    waits = Allocation.objects.values_list("gift__organisation", "created_at", "gift__paid_at")
    for org_id, allocated_at, paid_at in waits.iterator(chunk_size=5000):
        if org_id in flows and paid_at is not None:
            days = (allocated_at - paid_at).total_seconds() / 86400
            flows[org_id].waits.append(max(0.0, days))
    return sorted(flows.values(), key=lambda x: str(x.organisation))
