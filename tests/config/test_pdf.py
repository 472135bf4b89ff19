"""PDF documents: Arabic shaped and right to left, English left to right, fonts embedded."""

import io

import pypdf
import pytest

from config.pdf import PdfDocument


def build(language: str) -> bytes:
    arabic = language == "ar"
    document = PdfDocument(
        language=language,
        title="شهادة خدمة" if arabic else "Certificate of service",
        subtitle="مساعدة" if arabic else "Musaada",
        footer="VOL-0000012",
    )
    document.paragraph(
        "تشهد الجمعية بأن Ahmed Al-Sabah تطوع لديها." if arabic else "Ahmed volunteered."
    )
    document.heading("التفاصيل" if arabic else "Details")
    document.facts([("الاسم" if arabic else "Name", "أحمد الصباح / Ahmed Al-Sabah")])
    document.table(
        ["الشهر", "الساعات"] if arabic else ["Month", "Hours"],
        [["أكتوبر 2026", "48"]] if arabic else [["October 2026", "48"]],
    )
    return document.output()


def positions(pdf: bytes) -> dict[str, float]:
    """Each run of text on the first page and the x where it starts."""
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    found: dict[str, float] = {}

    def visit(text, cm, tm, font_dict, font_size):  # type: ignore[no-untyped-def]
        if text.strip():
            found[text.strip()] = tm[4] * cm[0] + cm[4]

    page.extract_text(visitor_text=visit)
    return found


def fonts(pdf: bytes) -> set[str]:
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    return {str(font["/BaseFont"]) for font in page["/Resources"]["/Font"].values()}


def test_an_arabic_document_is_shaped_right_to_left_and_mixes_latin_names():
    pdf = build("ar")
    assert pdf.startswith(b"%PDF-")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    # The shaped glyphs map back to the letters typed, so the text can be searched and copied.
    for words in ("شهادة خدمة", "التفاصيل", "Ahmed Al-Sabah", "أحمد الصباح", "VOL-0000012"):
        assert words in text
    assert any("NotoNaskhArabic" in name for name in fonts(pdf))
    assert any("NotoSans" in name and "Arabic" not in name for name in fonts(pdf)), fonts(pdf)
    # A heading starts at the right margin in Arabic.
    page_width = float(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width)
    heading_x = next(x for text, x in positions(pdf).items() if "التفاصيل" in text)
    assert heading_x > page_width / 2


def test_an_english_document_runs_left_to_right():
    pdf = build("en")
    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for words in ("Certificate of service", "Details", "Month", "October 2026", "48"):
        assert words in text
    page_width = float(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox.width)
    heading_x = next(x for text, x in positions(pdf).items() if text == "Details")
    assert heading_x < page_width / 4


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_long_table_flows_onto_a_second_page(language):
    document = PdfDocument(language=language, title="T")
    document.table(["A", "B"], [[str(n), "x" * 20] for n in range(120)])
    reader = pypdf.PdfReader(io.BytesIO(document.output()))
    assert len(reader.pages) >= 2
    assert "119" in reader.pages[-1].extract_text()


def test_the_footer_stays_on_the_last_page():
    reader = pypdf.PdfReader(io.BytesIO(build("en")))
    assert len(reader.pages) == 1
    assert "VOL-0000012" in reader.pages[0].extract_text()
