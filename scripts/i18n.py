"""Translation catalogues without GNU gettext at run time.

    python scripts/i18n.py compile   # .po → .mo with polib (pure Python: no msgfmt needed)
    python scripts/i18n.py check     # fail when a catalogue is out of date

``check`` fails when a compiled .mo differs from its .po, when an Arabic entry is untranslated
or fuzzy, and — where xgettext is installed (CI installs gettext) — when the source has strings
the .po does not know. Without xgettext that last part is skipped with a visible notice, unless
CI=true, where it is required.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import polib

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "locale"
LANGUAGES = ["ar"]
MAKEMESSAGES = [
    sys.executable,
    "manage.py",
    "makemessages",
    "--no-location",
    "--no-obsolete",
    "--ignore=.venv/*",
    "--ignore=static/vendor/*",
    "--ignore=staticfiles/*",
    "--ignore=var/*",
    "--ignore=tests/*",
    "--ignore=bench/*",
]


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "django.po"


def compile_all() -> None:
    for language in LANGUAGES:
        po = polib.pofile(str(po_path(language)))
        po.save_as_mofile(str(po_path(language).with_suffix(".mo")))
        print(f"compiled {po_path(language).relative_to(ROOT)}")


def _keys(po: polib.POFile) -> set[tuple[str | None, str]]:
    return {(entry.msgctxt, entry.msgid) for entry in po if not entry.obsolete}


def check() -> int:
    problems: list[str] = []
    for language in LANGUAGES:
        path = po_path(language)
        po = polib.pofile(str(path))
        for entry in po:
            if entry.obsolete:
                continue
            if "fuzzy" in entry.flags:
                problems.append(f"{language}: fuzzy: {entry.msgid!r}")
            elif not entry.translated():
                problems.append(f"{language}: untranslated: {entry.msgid!r}")
        with tempfile.TemporaryDirectory() as tmp:
            fresh = Path(tmp) / "django.mo"
            po.save_as_mofile(str(fresh))
            if fresh.read_bytes() != path.with_suffix(".mo").read_bytes():
                problems.append(f"{language}: django.mo is stale; run `make messages`")

    if shutil.which("xgettext"):
        for language in LANGUAGES:
            path = po_path(language)
            saved = path.read_bytes()
            try:
                subprocess.run(
                    [*MAKEMESSAGES, "-l", language],
                    cwd=ROOT,
                    check=True,  # noqa: S603
                    capture_output=True,
                )
                extracted = _keys(polib.pofile(str(path)))
            finally:
                path.write_bytes(saved)
            known = _keys(polib.pofile(str(path)))
            for _ctxt, msgid in sorted(extracted - known, key=lambda k: k[1]):
                problems.append(f"{language}: missing from the catalogue: {msgid!r}")
            for _ctxt, msgid in sorted(known - extracted, key=lambda k: k[1]):
                problems.append(f"{language}: no longer in the source: {msgid!r}")
    elif os.environ.get("CI") == "true":
        problems.append(
            "xgettext is not installed; CI must check the catalogues against the source"
        )
    else:
        print("i18n: xgettext not found, source extraction check skipped (runs in CI)")

    for problem in problems:
        print(problem)
    if problems:
        print(f"i18n: {len(problems)} problem(s); run `make messages` and translate.")
        return 1
    print("i18n: catalogues are up to date")
    return 0


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "compile":
        compile_all()
    elif command == "check":
        sys.exit(check())
    else:
        sys.exit(f"unknown command {command!r}; use compile or check")
