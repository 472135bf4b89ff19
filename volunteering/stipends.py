"""Weeks, months and stipends of a placement: pure arithmetic, worked out by hand in
``tests/volunteering/test_stipends.py``.

- **Week** ``n`` of an opportunity is the seven days from ``starts_on + 7 (n - 1)``; the last
  week is the one the end date falls in.
- **Month** ``n`` (the payment period, as in ``charities.services.payments.period_start``) runs
  from ``add_months(starts_on, n - 1)`` to the day before the next one, cut at ``ends_on``.
- **A week belongs to the month its first day is in** (so a week crossing two months is paid
  with the first one, and every week is paid exactly once).
- **Per hour**: the month's stipend is rate × confirmed hours of its weeks, capped at
  rate × hours a week × the number of its weeks (hours logged beyond the opportunity's hours
  a week are not paid).
- **Per month**: the monthly rate, pro rata for a month cut short by the end date (days worked
  in it over the days of the full month), whatever hours were logged — the hours are still
  logged and confirmed, for the record and the certificate.
- Amounts are rounded half up to the fils (3 decimals).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from config.dates import add_months
from volunteering.models import Opportunity, StipendBasis

FILS = Decimal("0.001")
WEEK = datetime.timedelta(days=7)
DAY = datetime.timedelta(days=1)


def weeks(opportunity: Opportunity) -> int:
    """How many weeks the opportunity has."""
    return ((opportunity.ends_on - opportunity.starts_on).days // 7) + 1


def week_start(opportunity: Opportunity, week: int) -> datetime.date:
    return opportunity.starts_on + WEEK * (week - 1)


def months(opportunity: Opportunity) -> int:
    """How many months (payment periods) the opportunity has."""
    count = 0
    while add_months(opportunity.starts_on, count) <= opportunity.ends_on:
        count += 1
    return count


def month_range(opportunity: Opportunity, month: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of month ``month`` of the work (the last one cut at the end date)."""
    start = add_months(opportunity.starts_on, month - 1)
    end = add_months(opportunity.starts_on, month) - DAY
    return start, min(end, opportunity.ends_on)


def month_of_week(opportunity: Opportunity, week: int) -> int:
    """The month a week is paid with: the one its first day is in."""
    day = week_start(opportunity, week)
    month = 1
    while add_months(opportunity.starts_on, month) <= day:
        month += 1
    return month


def weeks_of_month(opportunity: Opportunity, month: int) -> list[int]:
    return [w for w in range(1, weeks(opportunity) + 1) if month_of_week(opportunity, w) == month]


def _fils(amount: Decimal) -> Decimal:
    return amount.quantize(FILS, rounding=ROUND_HALF_UP)


def month_cap(opportunity: Opportunity, month: int) -> Decimal:
    """The most month ``month`` can pay."""
    if opportunity.stipend_basis == StipendBasis.MONTHLY:
        start, end = month_range(opportunity, month)
        full_days = (add_months(opportunity.starts_on, month) - start).days
        worked_days = (end - start).days + 1
        return _fils(opportunity.rate * worked_days / full_days)
    n_weeks = len(weeks_of_month(opportunity, month))
    return _fils(opportunity.rate * opportunity.hours_per_week * n_weeks)


def monthly_cap(opportunity: Opportunity) -> Decimal:
    """The most any month pays: the approved amount per payment of a placement's aid."""
    return max(month_cap(opportunity, m) for m in range(1, months(opportunity) + 1))


def total_cap(opportunity: Opportunity) -> Decimal:
    return sum((month_cap(opportunity, m) for m in range(1, months(opportunity) + 1)), Decimal(0))


def month_stipend(
    opportunity: Opportunity, month: int, confirmed_hours: Iterable[Decimal]
) -> Decimal:
    """The stipend of month ``month`` from the confirmed hours of its weeks."""
    cap = month_cap(opportunity, month)
    if opportunity.stipend_basis == StipendBasis.MONTHLY:
        return cap
    earned = _fils(opportunity.rate * sum(confirmed_hours, Decimal(0)))
    return min(earned, cap)
