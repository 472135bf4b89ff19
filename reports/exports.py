"""Every ministry table as rows, written as CSV or XLSX.

``table_for(kind, parameters)`` gives a ``Table`` (headers, a lazy row iterator, the number of
rows); ``write`` streams it into a file-like object. The same code serves the small exports
streamed at once and the big ones written by ``reports.tasks.build_export``.

Cells keep their type: counts and amounts are numbers (XLSX amounts formatted ``#,##0.000``,
CSV amounts written with a dot and three decimals), dates and times are real XLSX dates
(local time, Asia/Kuwait) shown day first as everywhere in the portal (``dd/mm/yyyy``); CSV is
data for other programs, so its dates stay ISO (``YYYY-MM-DD``, months ``YYYY-MM``), which no
program reads the wrong way round. Text is never taken for a formula: a CSV cell that starts with
``= + - @``, a tab or a carriage return gets a leading apostrophe (the usual defence against
CSV injection), and every XLSX text cell is written as a string, whatever it starts with —
an organisation named ``=HYPERLINK(…)`` on the public apply form stays text. No names or
civil IDs of applicants are exported: requests appear by their reference.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reports.events import MONEY_FIGURES, Basis
from reports.models import ExportFormat, ExportKind
from reports.selectors.drilldown import Names, blocked_in, drill_rows, payments_in, rows_behind
from reports.selectors.filters import Period, RequestFilters, name_of
from reports.selectors.overview import ministry_overview
from reports.selectors.statistics import BREAKDOWNS, statistics

#: Progress is reported every this many rows (setting ``REPORTS_EXPORT_PROGRESS_EVERY``).
PROGRESS_EVERY = 1000
#: What a spreadsheet program would read as the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def progress_every() -> int:
    return max(1, int(getattr(settings, "REPORTS_EXPORT_PROGRESS_EVERY", PROGRESS_EVERY)))


@dataclass
class Table:
    title: str
    headers: list[str]
    rows: Iterable[list[Any]]
    total: int
    money_columns: frozenset[int] = frozenset()
    #: Columns holding the first day of a month, shown as ``YYYY-MM``.
    month_columns: frozenset[int] = field(default_factory=frozenset)


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _month(value: Any) -> datetime.date | None:
    """``YYYY-MM`` or ``YYYY-MM-DD`` (the day is ignored: the ranges are whole months)."""
    text = str(value or "")
    try:
        return datetime.date.fromisoformat(f"{text[:7]}-01")
    except ValueError:
        return None


def period_from(parameters: dict[str, Any]) -> Period:
    default = Period.this_year()
    start, end = _month(parameters.get("start")), _month(parameters.get("end"))
    if start is None or end is None or end < start:
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
        overdue=str(parameters.get("overdue", "")) in ("1", "true", "on", "True"),
    )


FIGURE_HEADERS = {
    "submitted": lambda: _("Requests submitted"),
    "claims": lambda: _("Claims"),
    "closures": lambda: _("Closed"),
    "payments_count": lambda: _("Payments"),
    "payments_amount": lambda: _("Amount paid (KWD)"),
    "blocked_count": lambda: _("Duplicates prevented"),
    "blocked_amount": lambda: _("Amount of duplicates prevented (KWD)"),
    "released_by_deadline": lambda: _("Claims released by the deadline"),
}


def _breakdown(kind: str, period: Period) -> Table:
    first = {
        ExportKind.AID_TYPES: _("Aid type"),
        ExportKind.ORGANISATIONS: _("Organisation"),
        ExportKind.GOVERNORATES: _("Governorate"),
        ExportKind.MONTHS: _("Month"),
    }[ExportKind(kind)]
    breakdown = BREAKDOWNS[kind](period)
    names = breakdown.figures
    rows = [
        [row.key if kind == ExportKind.MONTHS else row.label, *(row.figures[n] for n in names)]
        for row in breakdown.rows
    ]
    return Table(
        title=str(ExportKind(kind).label),
        headers=[first, *(FIGURE_HEADERS[n]() for n in names)],
        rows=rows,
        total=len(rows),
        money_columns=frozenset(i + 1 for i, n in enumerate(names) if n in MONEY_FIGURES),
        month_columns=frozenset({0}) if kind == ExportKind.MONTHS else frozenset(),
    )


def _headline(period: Period) -> Table:
    """The statistics page's headline figures and its two "Requests" tables, one per row."""
    h = statistics(period).headline
    rows: list[list[Any]] = [
        [_("Beneficiaries (distinct civil IDs)"), h.beneficiaries],
        [_("Households helped"), h.households],
        [_("Requests submitted"), h.submitted],
        [_("of which open now"), h.open_now],
        [_("of which claimed, approved or paying now"), h.held_now],
        [_("of which closed now"), h.closed_now],
        [_("of which ineligible"), h.ineligible_now],
        [_("Claims made in the range"), h.claims],
        [_("Closed in the range"), h.closures],
        [_("Claims released by the deadline"), h.released_by_deadline],
        [_("Payments in the range"), h.payments],
        [_("Amount paid (KWD)"), h.amount_paid],
        [_("Duplicates prevented"), h.blocked_count],
        [_("Amount of duplicates prevented (KWD)"), h.blocked_amount],
        [_("Median days from submission to claim"), h.median_days_to_claim],
        [_("Median days from claim to first payment"), h.median_days_to_payment],
    ]
    return Table(
        title=str(ExportKind.HEADLINE.label),
        headers=[_("Figure"), _("Value")],
        rows=rows,
        total=len(rows),
    )


def _overview(kind: str) -> Table:
    overview = ministry_overview()
    rows: list[list[Any]]
    if kind == ExportKind.OVERVIEW_STATUS:
        headers = [_("Status"), _("Requests")]
        rows = [[str(label), n] for _value, label, n in overview.by_status]
    elif kind == ExportKind.OVERVIEW_AID_TYPES:
        headers = [_("Aid type"), _("Requests")]
        rows = [[name, n] for _pk, name, n in overview.by_aid_type]
    else:
        headers = [_("Status"), _("Organisations")]
        rows = [[str(label), n] for _value, label, n in overview.organisations]
    return Table(title=str(ExportKind(kind).label), headers=headers, rows=rows, total=len(rows))


def _requests(parameters: dict[str, Any]) -> Table:
    """The rows of the list behind a figure (one per event), as the list shows them."""
    filters = request_filters_from(parameters)
    query = rows_behind(filters)

    def rows() -> Iterator[list[Any]]:
        names = Names.load()
        events = drill_rows(filters, query.iterator(chunk_size=2000), names)
        for r in events:
            yield [
                r.when,
                r.reference,
                r.aid_type,
                r.governorate,
                r.status_label,
                r.organisation,
                r.amount,
            ]

    return Table(
        title=_("Requests"),
        headers=[
            _("Date"),
            _("Reference"),
            _("Aid type"),
            _("Governorate"),
            _("Status now"),
            _("Organisation"),
            _("Amount (KWD)"),
        ],
        rows=rows(),
        total=query.count(),
        money_columns=frozenset({6}),
    )


def _payments(parameters: dict[str, Any]) -> Table:
    query = (
        payments_in(period_from(parameters), _int(parameters.get("organisation")))
        .select_related("aid_request__aid_type", "aid_request__governorate", "organisation")
        .order_by("paid_on", "pk")
    )

    def rows() -> Iterator[list[Any]]:
        for p in query.iterator(chunk_size=2000):
            yield [
                p.paid_on,
                p.aid_request.reference,
                name_of(p.aid_request.aid_type),
                name_of(p.aid_request.governorate),
                name_of(p.organisation),
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
    """The duplicates prevented, once each (not every refused try): the statistics' figure."""
    query = (
        blocked_in(period_from(parameters), _int(parameters.get("organisation")))
        .select_related("aid_type", "organisation", "aid_request__governorate")
        .order_by("first_refused_at", "pk")
    )

    def rows() -> Iterator[list[Any]]:
        for b in query.iterator(chunk_size=2000):
            yield [
                b.first_refused_at,
                b.aid_request.reference,
                name_of(b.aid_type),
                name_of(b.aid_request.governorate),
                name_of(b.organisation),
                b.overlap_months,
                b.amount_saved,
            ]

    return Table(
        title=_("Duplicates prevented"),
        headers=[
            _("First refused at"),
            _("Request"),
            _("Aid type"),
            _("Governorate"),
            _("Organisation refused first"),
            _("Months overlapping"),
            _("Amount saved (KWD)"),
        ],
        rows=rows(),
        total=query.count(),
        money_columns=frozenset({6}),
    )


OVERVIEW_KINDS = (
    ExportKind.OVERVIEW_STATUS,
    ExportKind.OVERVIEW_AID_TYPES,
    ExportKind.OVERVIEW_ORGANISATIONS,
)


def table_for(kind: str, parameters: dict[str, Any]) -> Table:
    if kind in BREAKDOWNS:
        return _breakdown(kind, period_from(parameters))
    if kind == ExportKind.REQUESTS:
        return _requests(parameters)
    if kind == ExportKind.PAYMENTS:
        return _payments(parameters)
    if kind == ExportKind.BLOCKED:
        return _blocked(parameters)
    if kind == ExportKind.HEADLINE:
        return _headline(period_from(parameters))
    if kind in OVERVIEW_KINDS:
        return _overview(kind)
    raise ValueError(f"unknown export kind {kind!r}")


XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def content_type(file_format: str) -> str:
    """The media type of an export's file."""
    return XLSX_CONTENT_TYPE if file_format == ExportFormat.XLSX else CSV_CONTENT_TYPE


def filename(kind: str, file_format: str, parameters: dict[str, Any]) -> str:
    if kind in OVERVIEW_KINDS:
        return f"musaada-{kind}-{timezone.localdate():%Y%m%d}.{file_format}"
    period = period_from(parameters)
    return f"musaada-{kind}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{file_format}"


def safe_text(value: str) -> str:
    """Text a spreadsheet program will not run as a formula (CSV)."""
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _local(moment: datetime.datetime) -> datetime.datetime:
    """A naive local time (spreadsheets have no time zones)."""
    return timezone.localtime(moment).replace(tzinfo=None) if timezone.is_aware(moment) else moment


def _csv_value(value: Any, *, month: bool = False) -> Any:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value:.3f}"
    if isinstance(value, datetime.datetime):
        return f"{_local(value):%Y-%m-%d %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%Y-%m}" if month else value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def _csv_row(table: Table, row: list[Any]) -> list[Any]:
    return [_csv_value(v, month=i in table.month_columns) for i, v in enumerate(row)]


def _xlsx_cell(sheet: Any, table: Table, index: int, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, datetime.datetime):
        value = _local(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula, whatever the text starts with
    elif isinstance(value, datetime.datetime):
        cell.number_format = "dd/mm/yyyy hh:mm"
    elif isinstance(value, datetime.date):
        cell.number_format = "mm/yyyy" if index in table.month_columns else "dd/mm/yyyy"
    elif index in table.money_columns and value is not None:
        cell.number_format = "#,##0.000"
    return cell


def write(
    table: Table,
    file_format: str,
    target: IO[bytes],
    *,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write ``table`` into ``target``; returns the number of data rows written."""
    count, step = 0, progress_every()
    if file_format == ExportFormat.CSV:
        text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow([safe_text(h) for h in table.headers])
        for row in table.rows:
            writer.writerow(_csv_row(table, row))
            count += 1
            if on_progress and count % step == 0:
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
        cell.data_type = "s"
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_cell(sheet, table, i, v) for i, v in enumerate(row)])
        count += 1
        if on_progress and count % step == 0:
            on_progress(count)
    workbook.save(target)
    return count


def stream_csv(table: Table) -> Iterator[bytes]:
    """CSV as a generator of byte chunks (for a StreamingHttpResponse)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # a BOM: spreadsheet programs then read the Arabic as UTF-8
    writer.writerow([safe_text(h) for h in table.headers])
    for n, row in enumerate(table.rows, start=1):
        writer.writerow(_csv_row(table, row))
        if n % 500 == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()
