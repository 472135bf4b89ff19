"""Stipends worked out by hand (volunteering.stipends)."""

import datetime
from decimal import Decimal

from tests.volunteering.conftest import opportunity
from volunteering import stipends
from volunteering.models import StipendBasis


def test_three_confirmed_weeks_of_twelve_hours_at_1_250_pay_45(org, capital):
    job = opportunity(org, capital)  # 4 Jan – 3 Apr 2026, 12 h a week at 1.250
    # 3 × 12 h = 36 h; 36 × 1.250 = 45.000 (under the month's cap of 5 weeks × 12 h × 1.250)
    hours = [Decimal(12)] * 3
    assert stipends.month_stipend(job, 1, hours) == Decimal("45.000")


def test_the_months_weeks_by_their_first_day(org, capital):
    job = opportunity(org, capital)
    # Month 1 = 4 Jan – 3 Feb: weeks starting 4, 11, 18, 25 Jan and 1 Feb (the week of
    # 1–7 Feb crosses into month 2 and is paid with month 1, where it starts).
    assert stipends.weeks_of_month(job, 1) == [1, 2, 3, 4, 5]
    assert stipends.week_start(job, 6) == datetime.date(2026, 2, 8)
    assert stipends.weeks_of_month(job, 2) == [6, 7, 8, 9]  # 8, 15, 22 Feb, 1 Mar
    assert stipends.months(job) == 3
    assert stipends.weeks(job) == 13  # 4 Jan + 12 weeks = 29 Mar, the 13th week
    assert sum(len(stipends.weeks_of_month(job, m)) for m in (1, 2, 3)) == 13


def test_hours_beyond_the_weekly_hours_are_capped(org, capital):
    job = opportunity(org, capital)
    # Month 2 has 4 weeks: cap = 4 × 12 × 1.250 = 60.000; 4 × 14 h = 56 h × 1.250 = 70.000.
    assert stipends.month_cap(job, 2) == Decimal("60.000")
    assert stipends.month_stipend(job, 2, [Decimal(14)] * 4) == Decimal("60.000")
    # Month 1 has 5 weeks: 75.000, the most a month pays — the approval per payment.
    assert stipends.monthly_cap(job) == Decimal("75.000")


def test_fractional_hours_round_half_up_to_the_fils(org, capital):
    job = opportunity(org, capital, rate=Decimal("1.125"))
    # 7.5 h + 3.25 h = 10.75 h × 1.125 = 12.09375 → 12.094
    assert stipends.month_stipend(job, 1, [Decimal("7.5"), Decimal("3.25")]) == Decimal("12.094")


def test_a_monthly_stipend_is_pro_rata_in_a_month_cut_short(org, capital):
    job = opportunity(
        org,
        capital,
        stipend_basis=StipendBasis.MONTHLY,
        rate=Decimal("150.000"),
        ends_on=datetime.date(2026, 3, 20),
    )
    # Months: 4 Jan – 3 Feb, 4 Feb – 3 Mar, 4 Mar – 20 Mar (17 of the 31 days of 4 Mar – 3 Apr)
    assert stipends.month_stipend(job, 1, []) == Decimal("150.000")
    assert stipends.month_stipend(job, 2, []) == Decimal("150.000")
    # 150 × 17 / 31 = 82.2580… → 82.258
    assert stipends.month_stipend(job, 3, []) == Decimal("82.258")
    assert stipends.total_cap(job) == Decimal("382.258")
