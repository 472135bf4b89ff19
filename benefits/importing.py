"""Reading an import file and checking its rows; no database writes (``benefits.services`` loads).

A file is CSV (UTF-8, with or without a byte-order mark) or XLSX (its first sheet), chosen by
the file's extension. Its first row is the header: the columns of ``COLUMNS``, named exactly,
in any order; other columns are ignored. Lines are numbered as a spreadsheet numbers its rows:
the header is line 1, the first data row line 2 (a CSV record with a quoted line break counts
as one line). Completely empty rows are skipped.

Each data row is checked on its own (``RowChecker.check``) and is either a ``GoodRow`` or a
``BadRow`` with every reason found. Dates are ISO ``YYYY-MM-DD`` or ``DD/MM/YYYY`` (day first,
as Gulf agencies write them; never month first), or real date cells in XLSX.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from accounts.civil_id import ARABIC_INDIC_DIGITS, parse_civil_id
from benefits.exceptions import ImportFileError
from benefits.models import Agency, BenefitKind

COLUMNS = (
    "civil_id",
    "agency",
    "benefit",
    "monthly_amount",
    "start_date",
    "end_date",
    "reference",
)
#: Below 10⁹ with 3 decimals: what ``BenefitRecord.monthly_amount`` (12 digits) holds.
MAX_AMOUNT = Decimal("1000000000")
REFERENCE_MAX_LENGTH = 64

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAY_FIRST_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawRow:
    """One data row: its line number and its cells by column name (None when missing)."""

    line: int
    cells: dict[str, Any]


class ImportFile:
    """An import file opened for reading: ``total`` data rows, ``rows()`` yields them.

    Opening checks the format, the encoding (CSV: the whole file is read once to count its
    rows, so a bad byte anywhere is found before anything is loaded) and the header.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.kind = path.suffix.lower().lstrip(".")
        if self.kind not in {"csv", "xlsx"}:
            raise ImportFileError(_("Only CSV and XLSX files can be imported."))
        if not path.is_file():
            raise ImportFileError(_("The file %(name)s does not exist.") % {"name": path.name})
        header: list[Any] | None = None
        total = 0
        try:
            for index, values in enumerate(self._values()):
                if index == 0:
                    header = values
                else:
                    total += 1
        except UnicodeDecodeError:
            raise ImportFileError(_("The CSV file is not in UTF-8.")) from None
        except csv.Error as error:
            raise ImportFileError(
                _("The file cannot be read: %(error)s") % {"error": error}
            ) from None
        self.columns = self._column_positions(header or [])
        self.total = total

    def _values(self) -> Iterator[list[Any]]:
        if self.kind == "csv":
            with self.path.open(encoding="utf-8-sig", newline="") as stream:
                yield from csv.reader(stream)
            return
        import openpyxl  # only XLSX needs it

        try:
            workbook = openpyxl.load_workbook(self.path, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a file that is no XLSX
            raise ImportFileError(
                _("The file cannot be read: %(error)s") % {"error": error}
            ) from None
        try:
            sheet = workbook.worksheets[0]
            for row in sheet.iter_rows(values_only=True):
                yield list(row)
        finally:
            workbook.close()

    @staticmethod
    def _column_positions(header: list[Any]) -> dict[str, int]:
        names = [str(name).strip() if name is not None else "" for name in header]
        repeated = sorted({name for name in names if name in COLUMNS and names.count(name) > 1})
        if repeated:
            raise ImportFileError(
                _("These columns appear more than once in the header: %(columns)s.")
                % {"columns": ", ".join(repeated)}
            )
        missing = [column for column in COLUMNS if column not in names]
        if missing:
            raise ImportFileError(
                _("The header lacks these columns: %(columns)s. It must name: %(expected)s.")
                % {"columns": ", ".join(missing), "expected": ", ".join(COLUMNS)}
            )
        return {column: names.index(column) for column in COLUMNS}

    def rows(self) -> Iterator[RawRow | None]:
        """Every data row in order; None for an empty row (it still counts in ``total``)."""
        values = self._values()
        next(values, None)  # the header
        for index, row in enumerate(values):
            if all(value is None or str(value).strip() == "" for value in row):
                yield None
                continue
            cells = {
                column: row[position] if position < len(row) else None
                for column, position in self.columns.items()
            }
            yield RawRow(line=index + 2, cells=cells)


# --- checking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class GoodRow:
    line: int
    civil_id: str
    agency_id: int
    kind_id: int
    monthly_amount: Decimal
    start_date: datetime.date
    end_date: datetime.date | None
    reference: str

    @property
    def key(self) -> tuple[int, str]:
        return (self.agency_id, self.reference)


@dataclass(frozen=True)
class BadRow:
    line: int
    civil_id: str
    reason: str


def cell_text(value: Any) -> str:
    """A cell as text: spreadsheet numbers without a trailing ``.0`` (civil IDs typed as
    numbers), dates in ISO form."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return str(value).strip()


class RowChecker:
    """Checks rows against the agencies and benefits in the database (read once), and
    remembers each (agency, reference) seen, so that a repeat later in the file is an error."""

    def __init__(self) -> None:
        self.agencies = {agency.code: agency for agency in Agency.objects.all()}
        kinds = BenefitKind.objects.only("agency", "code")
        self.kinds = {(kind.agency_id, kind.code): kind.pk for kind in kinds}
        self.seen: dict[tuple[int, str], int] = {}

    def check(self, row: RawRow) -> GoodRow | BadRow:
        cells = row.cells
        reasons: list[str] = []
        civil_id = self._civil_id(cell_text(cells["civil_id"]), reasons)
        agency_id, kind_id = self._agency_and_kind(
            cell_text(cells["agency"]), cell_text(cells["benefit"]), reasons
        )
        amount = self._amount(cells["monthly_amount"], reasons)
        start = self._date(cells["start_date"], reasons, end=False)
        end = self._date(cells["end_date"], reasons, end=True)
        if start is not None and end is not None and end < start:
            reasons.append(_("The end date is before the start date."))
        reference = cell_text(cells["reference"])
        if not reference:
            reasons.append(_("The reference is empty."))
        elif len(reference) > REFERENCE_MAX_LENGTH:
            reasons.append(
                _("The reference is longer than %(count)d characters.")
                % {"count": REFERENCE_MAX_LENGTH}
            )
        elif agency_id is not None:
            first = self.seen.setdefault((agency_id, reference), row.line)
            if first != row.line:
                reasons.append(
                    _("The reference %(reference)s was already given on line %(line)d.")
                    % {"reference": reference, "line": first}
                )
        if (
            reasons
            or civil_id is None
            or agency_id is None
            or kind_id is None
            or amount is None
            or start is None
        ):
            return BadRow(
                line=row.line, civil_id=cell_text(cells["civil_id"]), reason="; ".join(reasons)
            )
        return GoodRow(
            line=row.line,
            civil_id=civil_id,
            agency_id=agency_id,
            kind_id=kind_id,
            monthly_amount=amount,
            start_date=start,
            end_date=end,
            reference=reference,
        )

    @staticmethod
    def _civil_id(text: str, reasons: list[str]) -> str | None:
        if not text:
            reasons.append(_("The civil ID is empty."))
            return None
        try:
            return parse_civil_id(text).number
        except ValidationError as error:
            reasons.extend(str(message) for message in error.messages)
            return None

    def _agency_and_kind(
        self, agency_code: str, benefit_code: str, reasons: list[str]
    ) -> tuple[int | None, int | None]:
        agency = self.agencies.get(agency_code)
        if agency is None or not agency.is_active:
            reasons.append(_("Unknown agency: %(agency)s.") % {"agency": agency_code or "—"})
            return None, None
        kind_id = self.kinds.get((agency.pk, benefit_code))
        if kind_id is None:
            reasons.append(
                _("The agency %(agency)s has no benefit %(benefit)s.")
                % {"agency": agency_code, "benefit": benefit_code or "—"}
            )
        return agency.pk, kind_id

    @staticmethod
    def _amount(value: Any, reasons: list[str]) -> Decimal | None:
        text = cell_text(value).translate(ARABIC_INDIC_DIGITS)
        try:
            amount = Decimal(text)
        except InvalidOperation:
            amount = None
        if amount is None or not amount.is_finite():
            reasons.append(_("The monthly amount is not a number."))
            return None
        if amount < 0:
            reasons.append(_("The monthly amount is negative."))
            return None
        if amount != amount.quantize(Decimal("0.001")):
            reasons.append(_("The monthly amount has more than 3 decimals."))
            return None
        if amount >= MAX_AMOUNT:
            reasons.append(_("The monthly amount is too large."))
            return None
        return amount.quantize(Decimal("0.001"))

    @staticmethod
    def _date(value: Any, reasons: list[str], *, end: bool) -> datetime.date | None:
        """The start date (required) or the end date (empty: open-ended)."""
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = cell_text(value).translate(ARABIC_INDIC_DIGITS)
        if not text:
            if not end:
                reasons.append(_("The start date is empty."))
            return None
        try:
            if _ISO_DATE.match(text):
                return datetime.date.fromisoformat(text)
            day_first = _DAY_FIRST_DATE.match(text)
            if day_first:
                day, month, year = (int(part) for part in day_first.groups())
                return datetime.date(year, month, day)
        except ValueError:
            pass
        if end:
            message = _("The end date is not a date (YYYY-MM-DD or DD/MM/YYYY): %(value)s.")
        else:
            message = _("The start date is not a date (YYYY-MM-DD or DD/MM/YYYY): %(value)s.")
        reasons.append(message % {"value": text})
        return None
