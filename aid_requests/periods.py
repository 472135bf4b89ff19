"""Coverage periods: the window an aid type covers from a start date (the month arithmetic
itself is ``config.dates``)."""

from __future__ import annotations

import datetime

from config.dates import add_months


def coverage_end(start: datetime.date, coverage_months: int) -> datetime.date:
    """Last day covered (inclusive). One-off aid (0 months) covers its start day only."""
    if coverage_months == 0:
        return start
    return add_months(start, coverage_months) - datetime.timedelta(days=1)


def payment_month_start(coverage_start: datetime.date, period: int) -> datetime.date:
    """First day of the month of coverage that payment ``period`` pays (1 = the first month).

    Period N covers month N of the coverage: from its start moved N - 1 months. One-off aid has
    one period, starting with its coverage.
    """
    return add_months(coverage_start, period - 1)
