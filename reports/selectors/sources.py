"""State benefits next to charity aid, across the registry: the people served by each source
in a month, and what each agency pays per month beside what charities paid.

Counted in SQL, never by looping over records in Python: the agencies' records may be a
million rows (the cost at that size: docs/benchmarks.md, "Beneficiaries by source").

* A charity beneficiary in a month: a civil ID with a binding commitment (reserved or active)
  whose period overlaps the month — the same people as the statistics page's "Beneficiaries
  (distinct civil IDs)" for that month.
* A state beneficiary in a month: a civil ID with a benefit record whose period (start to end,
  or open-ended) overlaps the month.
* What an agency pays in a month: the sum of the monthly amounts of its records active in
  that month (a record active for part of a month counts in full, as the agencies pay by
  month). Charities: the payments dated in the month.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum

from aid_requests.models import Payment
from benefits.models import Agency, BenefitRecord
from config.dates import add_months, month_end, month_start, months_between
from dedup.models import BINDING, AidCommitment
from reports.selectors.filters import name_of

#: The months of the table of amounts: the chosen month and the eleven before it.
MONTHS_SHOWN = 12
ZERO = Decimal("0.000")


@dataclass(frozen=True)
class SourceCounts:
    """People (distinct civil IDs) served in ``month`` by each source."""

    month: datetime.date
    charity_only: int
    state_only: int
    both: int

    @property
    def charity(self) -> int:
        return self.charity_only + self.both

    @property
    def state(self) -> int:
        return self.state_only + self.both

    @property
    def total(self) -> int:
        return self.charity_only + self.state_only + self.both


def _charity_people(first: datetime.date, last: datetime.date) -> QuerySet[AidCommitment]:
    return AidCommitment.objects.filter(
        status__in=BINDING, period_start__lte=last, period_end__gte=first
    )


def _active(first: datetime.date, last: datetime.date, prefix: str = "") -> Q:
    """A benefit record active on some day of [first, last]."""
    return Q(**{f"{prefix}start_date__lte": last}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": first})
    )


def _distinct(query: QuerySet) -> int:  # type: ignore[type-arg]
    return int(query.aggregate(n=Count("civil_id", distinct=True))["n"] or 0)


def beneficiaries_by_source(month: datetime.date) -> SourceCounts:
    """Three counts in SQL (charity, state, both); the rest is arithmetic."""
    first, last = month_start(month), month_end(month)
    charity = _charity_people(first, last)
    state = BenefitRecord.objects.filter(_active(first, last))
    charity_n = _distinct(charity)
    state_n = _distinct(state)
    both = _distinct(charity.filter(civil_id__in=state.values("civil_id")))
    return SourceCounts(
        month=first, charity_only=charity_n - both, state_only=state_n - both, both=both
    )


@dataclass(frozen=True)
class MonthAmounts:
    month: datetime.date
    by_agency: list[Decimal]  # in the order of ``AgencyTotals.agencies``
    state: Decimal
    charity: Decimal


@dataclass(frozen=True)
class AgencyTotals:
    agencies: list[str]
    months: list[MonthAmounts]  # newest first

    @property
    def agency_totals(self) -> list[Decimal]:
        return [
            sum((row.by_agency[i] for row in self.months), ZERO) for i in range(len(self.agencies))
        ]

    @property
    def state_total(self) -> Decimal:
        return sum((row.state for row in self.months), ZERO)

    @property
    def charity_total(self) -> Decimal:
        return sum((row.charity for row in self.months), ZERO)


def months_ending(month: datetime.date, count: int = MONTHS_SHOWN) -> list[datetime.date]:
    """``count`` months up to ``month``'s, oldest first, each as its first day."""
    return months_between(add_months(month_start(month), 1 - count), month)


def totals_by_agency(month: datetime.date) -> AgencyTotals:
    """What each agency pays per month over the ``MONTHS_SHOWN`` months up to ``month``, and
    what charities paid: two queries, each one pass with a filtered sum per month."""
    months = months_ending(month)
    first, last = months[0], month_end(months[-1])
    sums = {
        f"m{i}": Sum("monthly_amount", filter=_active(m, month_end(m)))
        for i, m in enumerate(months)
    }
    per_agency = {
        row["agency_id"]: row
        for row in BenefitRecord.objects.filter(_active(first, last))
        .values("agency_id")
        .annotate(**sums)
        .order_by()
    }
    paid = Payment.objects.filter(paid_on__range=(first, last)).aggregate(
        **{
            f"m{i}": Sum("amount", filter=Q(paid_on__range=(m, month_end(m))))
            for i, m in enumerate(months)
        }
    )
    agencies = [
        agency
        for agency in Agency.objects.order_by("code")
        if agency.is_active or agency.pk in per_agency
    ]
    rows = []
    for i, m in enumerate(months):
        amounts = [(per_agency.get(a.pk, {}).get(f"m{i}") or ZERO) for a in agencies]
        rows.append(
            MonthAmounts(
                month=m,
                by_agency=amounts,
                state=sum(amounts, ZERO),
                charity=paid[f"m{i}"] or ZERO,
            )
        )
    rows.reverse()
    return AgencyTotals(agencies=[name_of(a) for a in agencies], months=rows)
