"""PDF documents in Arabic (right to left) and English: certificates and receipts.

fpdf2 writes the file; uharfbuzz shapes the Arabic letters (joined forms, ligatures) and fpdf2's
bidi algorithm orders mixed text, so a Latin name inside an Arabic line reads correctly. The fonts
are vendored in `config/pdf_fonts/` (Noto, SIL Open Font License): Noto Naskh Arabic for Arabic,
Noto Sans for Latin; each is the other's fallback, so a line may mix both scripts.

A document is built top to bottom and returned as bytes::

    document = PdfDocument(language="ar", title=_("Certificate of service"))
    document.heading(...)
    document.paragraph(...)
    document.facts([(label, value), ...])
    document.table([header, ...], [[cell, ...], ...])
    pdf_bytes = document.output()

Call it with the language active (`translation.override`) so that the labels passed in are in the
document's language. Nothing here reads the database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import Align, TableCellFillMode, XPos, YPos
from fpdf.fonts import FontFace

FONTS = Path(__file__).resolve().parent / "pdf_fonts"
ARABIC = "naskh"
LATIN = "notosans"

# fontTools reports every font subset at INFO; a document is not worth a page of log lines.
logging.getLogger("fontTools").setLevel(logging.WARNING)

_BAND = (13, 92, 99)
_BAND_LIGHT = (230, 240, 241)
_ROW_SHADE = (246, 249, 249)
_MARGIN = 18.0
_BODY = 11.0
_SMALL = 9.0
_HEADING = 18.0


class PdfDocument:
    """One A4 page (or more) with a title band, headings, paragraphs, facts and tables."""

    def __init__(self, *, language: str, title: str, subtitle: str = "", footer: str = "") -> None:
        self.rtl = language.split("-")[0] == "ar"
        self.footer_text = footer
        pdf = FPDF(orientation="portrait", unit="mm", format="A4")
        pdf.set_margins(_MARGIN, _MARGIN, _MARGIN)
        pdf.set_auto_page_break(auto=True, margin=_MARGIN + 6)
        pdf.set_title(title)
        pdf.set_lang("ar" if self.rtl else "en")
        pdf.set_creator("Musaada")
        for family, stem in ((ARABIC, "NotoNaskhArabic"), (LATIN, "NotoSans")):
            pdf.add_font(family, "", str(FONTS / f"{stem}-Regular.ttf"))
            pdf.add_font(family, "B", str(FONTS / f"{stem}-Bold.ttf"))
        first, second = (ARABIC, LATIN) if self.rtl else (LATIN, ARABIC)
        pdf.set_font(first, size=_BODY)
        pdf.set_fallback_fonts([second], exact_match=False)
        pdf.set_text_shaping(
            use_shaping_engine=True,
            direction="rtl" if self.rtl else "ltr",
        )
        pdf.add_page()
        self._pdf = pdf
        self._family = first
        self._title_band(title, subtitle)

    # The alignment that starts a line: right in Arabic, left in English.
    @property
    def _start(self) -> Align:
        return Align.R if self.rtl else Align.L

    def _title_band(self, title: str, subtitle: str) -> None:
        pdf = self._pdf
        pdf.set_fill_color(*_BAND)
        pdf.set_text_color(255, 255, 255)
        pdf.set_font(self._family, "B", _HEADING)
        pdf.cell(0, 14, title, fill=True, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)
        pdf.set_font(self._family, "", _BODY)
        if subtitle:
            pdf.ln(2)
            pdf.cell(0, 7, subtitle, align=Align.C, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(6)

    def heading(self, text: str) -> None:
        pdf = self._pdf
        pdf.ln(2)
        pdf.set_font(self._family, "B", _BODY + 2)
        pdf.cell(0, 8, text, align=self._start, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_draw_color(*_BAND)
        y = pdf.get_y()
        pdf.line(_MARGIN, y, pdf.w - _MARGIN, y)
        pdf.ln(2)
        pdf.set_font(self._family, "", _BODY)

    def paragraph(self, text: str, *, centred: bool = False) -> None:
        self._pdf.multi_cell(
            0,
            6,
            text,
            align=Align.C if centred else self._start,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        self._pdf.ln(2)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label and value pairs, the label in bold, one per line."""
        pdf = self._pdf
        label_width = 60.0
        value_width = pdf.w - 2 * _MARGIN - label_width
        for label, value in rows:
            y = pdf.get_y()
            cells = [(label, "B", label_width), (value, "", value_width)]
            if self.rtl:
                cells.reverse()
            x = _MARGIN
            heights = []
            for text, style, width in cells:
                pdf.set_xy(x, y)
                pdf.set_font(self._family, style, _BODY)
                pdf.multi_cell(width, 6.5, text, align=self._start, new_x=XPos.RIGHT)
                heights.append(pdf.get_y() - y)
                x += width
            pdf.set_xy(_MARGIN, y + max(6.5, *heights))
        pdf.set_font(self._family, "", _BODY)
        pdf.ln(2)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """A table with a header row; in Arabic the first column is on the right."""
        pdf = self._pdf
        pdf.set_font(self._family, "", _SMALL + 1)
        pdf.set_fill_color(255, 255, 255)
        with pdf.table(
            headings_style=FontFace(family=self._family, emphasis="BOLD", fill_color=_BAND_LIGHT),
            cell_fill_color=_ROW_SHADE,
            cell_fill_mode=TableCellFillMode.ROWS,
            line_height=6.5,
            text_align=self._start,
            first_row_as_headings=True,
        ) as table:
            for cells in [list(headers), *[list(row) for row in rows]]:
                row = table.row()
                for cell in reversed(cells) if self.rtl else cells:
                    row.cell(cell)
        pdf.set_font(self._family, "", _BODY)
        pdf.ln(3)

    def output(self) -> bytes:
        if self.footer_text:
            pdf = self._pdf
            # The footer sits inside the bottom margin: no page break for it.
            pdf.set_auto_page_break(auto=False)
            pdf.set_y(-_MARGIN - 4)
            pdf.set_font(self._family, "", _SMALL)
            pdf.set_text_color(90, 90, 90)
            pdf.cell(0, 5, self.footer_text, align=Align.C)
        return bytes(self._pdf.output())
