"""Issue 19: ``{% case_file %}`` (charities/templatetags/case_file.py) writes the case page's
file in Python. Every case page a test renders is also rendered through the template it
replaced (``case_file_reference.html``, the old content block as it was) with the same
context, and the two must agree, whitespace between tags aside (tests/conftest.py connects
``check`` to Django's test-only ``template_rendered`` signal). The whole suite's case pages
(conflicts, read-only files, stipends, screening income, messages…) are the cases compared."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).with_name("case_file_reference.html")
CASE_PAGE = "charities/case_detail.html"
#: How many case pages were compared in this process (tests/charities/test_case_file.py).
compared = [0]


def normalised(html: str) -> str:
    html = re.sub(r"\s+", " ", html)
    return re.sub(r"\s*(<|>)\s*", r"\1", html).strip()


def both(context: Any, reference: str | None = None) -> tuple[str, str]:
    """(the reference template's markup, ``{% case_file %}``'s), from one context."""
    from django.template import engines

    engine = engines["django"].engine  # type: ignore[attr-defined]
    old = engine.from_string(reference or REFERENCE.read_text(encoding="utf-8")).render(context)
    new = engine.from_string("{% load case_file %}{% case_file %}").render(context)
    return normalised(old), normalised(new)


def check(sender: Any, template: Any, context: Any, **kwargs: Any) -> None:
    if getattr(template, "name", None) != CASE_PAGE:
        return
    old, new = both(context)
    if old != new:
        at = next(
            (i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b),
            min(len(old), len(new)),
        )
        raise AssertionError(
            f"{{% case_file %}} differs from its reference template at {at}:\n"
            f"reference: …{old[max(0, at - 200) : at + 200]}\n"
            f"case_file: …{new[max(0, at - 200) : at + 200]}"
        )
    compared[0] += 1
