"""Coverage periods: the window an aid type covers from a start date."""

from __future__ import annotations

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def coverage_end(start: datetime.date, coverage_months: int) -> datetime.date:
    """Last day covered (inclusive). One-off aid (0 months) covers its start day only."""
    if coverage_months == 0:
        return start
    return add_months(start, coverage_months) - datetime.timedelta(days=1)
