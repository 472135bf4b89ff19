"""Every ministry table as rows, written as CSV or XLSX.

``table_for(kind, parameters)`` gives a ``Table`` (headers, a lazy row iterator, the number of
rows); ``write`` streams it into a file-like object. The same code serves the small exports
streamed at once and the big ones written by ``reports.tasks.build_export``.
CSV amounts are plain numbers with a dot and three decimals; XLSX amounts are numbers formatted
``#,##0.000``. No names or civil IDs are exported: requests appear by their reference.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reports import selectors
from reports.models import ExportFormat, ExportKind
from reports.selectors import Basis, Period, RequestFilters

#: Progress is reported every this many rows.
PROGRESS_EVERY = 1000


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: Iterable[list[Any]]
    total: int
    money_columns: frozenset[int] = frozenset()


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def period_from(parameters: dict[str, Any]) -> Period:
    default = Period.this_year()
    try:
        start = datetime.date.fromisoformat(str(parameters.get("start")))
        end = datetime.date.fromisoformat(str(parameters.get("end")))
    except ValueError:
        start, end = default.start, default.end
    return Period(start=start, end=end, aid_type_id=_int(parameters.get("aid_type")))


def request_filters_from(parameters: dict[str, Any]) -> RequestFilters:
    basis = parameters.get("basis")
    return RequestFilters(
        period=period_from(parameters),
        basis=basis if basis in Basis.ALL else Basis.SUBMITTED,
        governorate_id=_int(parameters.get("governorate")),
        organisation_id=_int(parameters.get("organisation")),
        state=parameters.get("state") or None,
        overdue=str(parameters.get("overdue", "")) in ("1", "true", "on"),
    )


def _named(obj: Any) -> str:
    if obj is None:
        return ""
    return str(obj.name_en if get_language() == "en" else obj.name_ar)


def _local(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def _breakdown_headers(first: str) -> list[str]:
    return [
        first,
        _("Requests submitted"),
        _("Claims"),
        _("Closed"),
        _("Payments"),
        _("Amount paid (KWD)"),
        _("Duplicates prevented"),
        _("Amount of duplicates prevented (KWD)"),
        _("Claims released by the deadline"),
    ]


def _breakdown(kind: str, period: Period) -> Table:
    first = {
        ExportKind.AID_TYPES: _("Aid type"),
        ExportKind.ORGANISATIONS: _("Organisation"),
        ExportKind.GOVERNORATES: _("Governorate"),
        ExportKind.MONTHS: _("Month"),
    }[ExportKind(kind)]
    breakdown = selectors.BREAKDOWNS[kind](period)
    rows = [
        [
            row.key.strftime("%Y-%m") if isinstance(row.key, datetime.date) else row.label,
            *(row.figures[name] for name in selectors.FIGURES),
        ]
        for row in breakdown.rows
    ]
    return Table(
        title=str(ExportKind(kind).label),
        headers=_breakdown_headers(first),
        rows=rows,
        total=len(rows),
        money_columns=frozenset({5, 7}),
    )


def _requests(parameters: dict[str, Any]) -> Table:
    filters = request_filters_from(parameters)
    query = (
        selectors.requests_behind(filters)
        .select_related("aid_type", "governorate", "claimed_by")
        .order_by("-pk")
    )

    def rows() -> Iterator[list[Any]]:
        for r in query.iterator(chunk_size=2000):
            yield [
                r.reference,
                _named(r.aid_type),
                _named(r.governorate),
                str(r.get_status_display()),
                r.amount_requested,
                r.approved_amount,
                _local(r.submitted_at),
                _named(r.claimed_by),
                _local(r.claimed_at),
            ]

    return Table(
        title=_("Requests"),
        headers=[
            _("Reference"),
            _("Aid type"),
            _("Governorate"),
            _("Status"),
            _("Amount requested (KWD)"),
            _("Approved per payment (KWD)"),
            _("Submitted at"),
            _("Claimed by"),
            _("Claimed at"),
        ],
        rows=rows(),
        total=query.count(),
        money_columns=frozenset({4, 5}),
    )


def _payments(parameters: dict[str, Any]) -> Table:
    query = (
        selectors.payments_in(period_from(parameters), _int(parameters.get("organisation")))
        .select_related("aid_request__aid_type", "aid_request__governorate", "organisation")
        .order_by("paid_on", "pk")
    )

    def rows() -> Iterator[list[Any]]:
        for p in query.iterator(chunk_size=2000):
            yield [
                p.paid_on.isoformat(),
                p.aid_request.reference,
                _named(p.aid_request.aid_type),
                _named(p.aid_request.governorate),
                _named(p.organisation),
                p.period,
                p.amount,
                str(p.get_method_display()),
            ]

    return Table(
        title=_("Payments"),
        headers=[
            _("Paid on"),
            _("Request"),
            _("Aid type"),
            _("Governorate"),
            _("Paid by"),
            _("Period"),
            _("Amount (KWD)"),
            _("Method"),
        ],
        rows=rows(),
        total=query.count(),
        money_columns=frozenset({6}),
    )


def _blocked(parameters: dict[str, Any]) -> Table:
    query = (
        selectors.blocked_in(period_from(parameters), _int(parameters.get("organisation")))
        .select_related("aid_type", "organisation", "aid_request__governorate")
        .order_by("attempted_at", "pk")
    )

    def rows() -> Iterator[list[Any]]:
        for b in query.iterator(chunk_size=2000):
            yield [
                _local(b.attempted_at),
                b.aid_request.reference,
                _named(b.aid_type),
                _named(b.aid_request.governorate),
                _named(b.organisation),
                b.amount,
            ]

    return Table(
        title=_("Duplicates prevented"),
        headers=[
            _("Attempted at"),
            _("Request"),
            _("Aid type"),
            _("Governorate"),
            _("Organisation"),
            _("Amount that would have been paid (KWD)"),
        ],
        rows=rows(),
        total=query.count(),
        money_columns=frozenset({5}),
    )


def table_for(kind: str, parameters: dict[str, Any]) -> Table:
    if kind in selectors.BREAKDOWNS:
        return _breakdown(kind, period_from(parameters))
    if kind == ExportKind.REQUESTS:
        return _requests(parameters)
    if kind == ExportKind.PAYMENTS:
        return _payments(parameters)
    if kind == ExportKind.BLOCKED:
        return _blocked(parameters)
    raise ValueError(f"unknown export kind {kind!r}")


def filename(kind: str, file_format: str, parameters: dict[str, Any]) -> str:
    period = period_from(parameters)
    return f"musaada-{kind}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{file_format}"


def _csv_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.3f}"
    return "" if value is None else value


def write(
    table: Table,
    file_format: str,
    target: IO[bytes],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``table`` into ``target``; returns the number of data rows written."""
    count = 0
    if file_format == ExportFormat.CSV:
        text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(table.headers)
        for row in table.rows:
            writer.writerow([_csv_value(v) for v in row])
            count += 1
            if on_progress and count % PROGRESS_EVERY == 0:
                on_progress(count)
        text.flush()
        text.detach()
        return count
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31])
    if get_language() == "ar":
        sheet.sheet_view.rightToLeft = True
    bold = Font(bold=True)
    header = []
    for title in table.headers:
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        cells = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if index in table.money_columns and value is not None:
                cell.number_format = "#,##0.000"
            cells.append(cell)
        sheet.append(cells)
        count += 1
        if on_progress and count % PROGRESS_EVERY == 0:
            on_progress(count)
    workbook.save(target)
    return count


def stream_csv(table: Table) -> Iterator[bytes]:
    """CSV as a generator of byte chunks (for a StreamingHttpResponse)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM: spreadsheet programs then read the Arabic as UTF-8
    writer.writerow(table.headers)
    for n, row in enumerate(table.rows, start=1):
        writer.writerow([_csv_value(v) for v in row])
        if n % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
