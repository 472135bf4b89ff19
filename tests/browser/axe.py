"""Accessibility checks with axe-core (vendored in ``tests/browser/vendor/axe-core``).

``serious_violations(page)`` runs axe on the page as it is and returns the critical and serious
violations (rule, impact, help and the first nodes' selectors), so an assertion shows what to
fix. The script is evaluated through the browser's protocol, not as a page script, so the
portal's Content-Security-Policy does not stand in its way.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
#: The rules of WCAG 2.1 A and AA (and axe's best practices are left out: they are advice).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def serious_violations(page: Any) -> list[dict[str, Any]]:
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    result = page.evaluate(
        """async (tags) => {
             const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
             return r.violations.map(v => ({
               id: v.id, impact: v.impact, help: v.help,
               nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ')),
             }));
           }""",
        TAGS,
    )
    return [v for v in result if v["impact"] in ("critical", "serious")]
