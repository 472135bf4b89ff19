"""Calendar months and local days: the one place where months are added, started, ended,
numbered and listed, and where a local day becomes a moment.

Every month here is a ``datetime.date`` (a month as its first day); every day is local
(Asia/Kuwait, ``TIME_ZONE``). What a month means to an aid request (its coverage) is in
``aid_requests.periods``, built on these.
"""

from __future__ import annotations

import calendar
import datetime

from django.utils import timezone


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` moved by ``months`` calendar months, clamped to the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def period_end(start: datetime.date, day: datetime.date) -> datetime.date:
    """The last day of the month-long period counted from ``start`` (``start`` to the day
    before ``add_months(start, 1)``, and so on) that ``day`` is in; the day before ``start``
    when ``day`` is earlier."""
    months = 0
    while add_months(start, months) <= day:
        months += 1
    return add_months(start, months) - datetime.timedelta(days=1)


def month_start(day: datetime.date) -> datetime.date:
    """The first day of ``day``'s month."""
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    """The last day of ``day``'s month."""
    return next_month(day) - datetime.timedelta(days=1)


def next_month(day: datetime.date) -> datetime.date:
    """The first day of the month after ``day``'s."""
    return (day.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """Every month from ``start``'s to ``end``'s, both included (none when ``end`` is in an
    earlier month), each as its first day."""
    months = []
    month = month_start(start)
    while month <= end:
        months.append(month)
        month = next_month(month)
    return months


def month_number(day: datetime.date) -> int:
    """Months since the year 0: consecutive months are consecutive numbers."""
    return day.year * 12 + day.month - 1


def month_of_number(number: int) -> datetime.date:
    """The first day of the month ``month_number`` gave ``number``."""
    return datetime.date(number // 12, number % 12 + 1, 1)


def day_start(day: datetime.date) -> datetime.datetime:
    """Local midnight (Asia/Kuwait) at the start of ``day``, as an aware datetime."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def format_date(
    value: datetime.date | datetime.datetime, language: str, *, long: bool = True
) -> str:
    """``value`` written the one way ``language`` writes dates (config/formats): day first, the
    month by name when ``long`` ("3 December 2026" / "3 ديسمبر 2026"), else "03/12/2026".
    A datetime is written with its local time."""
    from django.utils import formats, translation

    with translation.override(language):
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
            name = "DATETIME_FORMAT" if long else "SHORT_DATETIME_FORMAT"
        else:
            name = "DATE_FORMAT" if long else "SHORT_DATE_FORMAT"
        return formats.date_format(value, name)


def format_month(month: datetime.date, language: str) -> str:
    """``month`` as its name and year ("December 2026" / "ديسمبر 2026")."""
    from django.utils import formats, translation

    with translation.override(language):
        return formats.date_format(month, "YEAR_MONTH_FORMAT")
