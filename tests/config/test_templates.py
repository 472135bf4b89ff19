"""Template rules that keep right-to-left pages whole."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# A grid column (``col-…``) that is itself left-to-right breaks the row in Arabic: the value
# drops below its label. Numbers, e-mails and IDs are isolated inside it instead (<bdi>).
LTR_COLUMN = re.compile(r'<(?:dd|div|td|th)\b[^>]*class="[^"]*\bcol-[^"]*"[^>]*dir="ltr"')
LTR_COLUMN_REVERSED = re.compile(r'<(?:dd|div|td|th)\b[^>]*dir="ltr"[^>]*class="[^"]*\bcol-')


def test_no_grid_column_is_itself_left_to_right():
    offenders = [
        f"{path.relative_to(TEMPLATES)}:{number}"
        for path in TEMPLATES.rglob("*.html")
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if LTR_COLUMN.search(line) or LTR_COLUMN_REVERSED.search(line)
    ]
    assert offenders == []
