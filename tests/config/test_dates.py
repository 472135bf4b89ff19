"""The one month module (config/dates.py): months added, started, ended, listed and numbered."""

from __future__ import annotations

import datetime

from config.dates import (
    add_months,
    month_end,
    month_number,
    month_of_number,
    month_start,
    months_between,
    next_month,
    period_end,
)

D = datetime.date


def test_adding_months_clamps_to_the_last_day_of_the_month():
    assert add_months(D(2025, 1, 31), 1) == D(2025, 2, 28)
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2025, 11, 15), 3) == D(2026, 2, 15)
    assert add_months(D(2025, 3, 31), -1) == D(2025, 2, 28)


def test_a_month_starts_ends_and_is_followed_across_a_year():
    assert month_start(D(2025, 12, 17)) == D(2025, 12, 1)
    assert month_end(D(2024, 2, 3)) == D(2024, 2, 29)
    assert month_end(D(2025, 12, 31)) == D(2025, 12, 31)
    assert next_month(D(2025, 12, 31)) == D(2026, 1, 1)


def test_months_between_lists_every_month_both_ends_included():
    assert months_between(D(2025, 11, 20), D(2026, 2, 1)) == [
        D(2025, 11, 1),
        D(2025, 12, 1),
        D(2026, 1, 1),
        D(2026, 2, 1),
    ]
    assert months_between(D(2025, 3, 1), D(2025, 2, 28)) == []


def test_consecutive_months_have_consecutive_numbers():
    assert month_number(D(2026, 1, 9)) - month_number(D(2025, 12, 31)) == 1


def test_a_month_number_gives_back_its_month():
    assert month_of_number(month_number(D(2025, 12, 31))) == D(2025, 12, 1)
    assert month_of_number(month_number(D(2025, 12, 31)) + 1) == D(2026, 1, 1)


def test_the_end_of_the_month_long_period_a_day_is_in():
    start = D(2025, 1, 31)
    assert period_end(start, D(2025, 1, 30)) == D(2025, 1, 30)  # not started: the day before
    assert period_end(start, D(2025, 1, 31)) == D(2025, 2, 27)
    assert period_end(start, D(2025, 2, 28)) == D(2025, 3, 30)
