"""No doubled full stop in what people read: "..", "،.", "。." or " ." (an ellipsis "..." or
"…" is not one), in the translated catalogue (English and Arabic), in the templates' text, and
where a template puts a full stop after a translated string that already ends with one (in
either language). The rendered pages are scanned too, by the all-pages walk
(tests/browser/test_accessibility.py, ``doubled_stops``)."""

from __future__ import annotations

import re
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "ar" / "LC_MESSAGES" / "django.po"

#: Two stops that are not an ellipsis, a stop after an Arabic comma or a CJK stop, a stop after
#: a space (not the start of a number or of "..."), a comma after a stop.
DOUBLED = re.compile(r"(?<![.\w])\.\.(?!\.)|(?<=\w)\.\.(?!\.)|[،。]\.|\.[،]|[ \t]\.(?![\w./])")
STOPS = (".", "。", "،", "؟", "?")
#: A translated string in a template followed at once by a stop of the template's own.
_TAG = re.compile(r"\{%\s*(?:trans|translate)\s+\"([^\"]*)\"[^%]*%\}([.،。])")
_BLOCK = re.compile(
    r"\{%\s*(?:blocktrans|blocktranslate)\b[^%]*%\}(.*?)"
    r"\{%\s*end(?:blocktrans|blocktranslate)\s*%\}([.،。])",
    re.S,
)


def doubled_stops(text: str) -> list[str]:
    """Each doubled stop of ``text`` with a little context."""
    return [text[max(0, m.start() - 30) : m.end() + 10] for m in DOUBLED.finditer(text)]


def templates() -> list[Path]:
    return sorted(p for p in (ROOT / "templates").rglob("*.html") if "admin" not in p.parts)


@pytest.fixture(scope="module")
def arabic() -> dict[str, str]:
    return {e.msgid: e.msgstr for e in polib.pofile(str(CATALOGUE)) if not e.obsolete}


def test_the_detector_finds_doubles_and_leaves_ellipses_alone():
    for doubled in ("Saved..", "تم الحفظ،.", "Done .", "完了。.", "وصل.، ثم"):
        assert doubled_stops(doubled), doubled
    for fine in ("Loading...", "Sending…", "1.5 hours", "…1234", "e.g. this", "v2.0."):
        assert not doubled_stops(fine), fine


@pytest.mark.parametrize("language", ["en", "ar"])
def test_no_message_of_the_catalogue_has_a_doubled_stop(language, arabic):
    found = [
        (msgid, text)
        for msgid, msgstr in arabic.items()
        for text in ([msgid] if language == "en" else [msgstr])
        if doubled_stops(text)
    ]
    assert found == []


def test_no_template_text_has_a_doubled_stop():
    found = []
    for path in templates():
        source = path.read_text()
        # The text between tags and template code, as written in the file.
        text = re.sub(r"\{[%{#].*?[%}#]\}", "x", source, flags=re.S)
        text = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", "", text, flags=re.S)
        found += [(path.name, hit) for hit in doubled_stops(text)]
    assert found == []


def test_no_template_puts_a_stop_after_a_translation_that_has_one(arabic):
    found = []
    for path in templates():
        source = path.read_text()
        pieces = [(m.group(1), m.group(2)) for m in _TAG.finditer(source)]
        pieces += [(" ".join(m.group(1).split()), m.group(2)) for m in _BLOCK.finditer(source)]
        for msgid, stop in pieces:
            for text in (msgid, arabic.get(msgid, "")):
                if text.rstrip().endswith(STOPS):
                    found.append((path.name, msgid, text, stop))
    assert found == []
