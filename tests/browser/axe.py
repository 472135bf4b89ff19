"""axe-core in the page under test: the accessibility rules of WCAG 2.x A and AA.

axe-core is vendored (``vendor/axe-core``, MPL-2.0, version in the file's first line): the
test machines reach no CDN. ``serious_violations`` injects it into the page and returns what
it finds at the "serious" or "critical" level, each as "rule: target".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = {"serious", "critical"}


def axe_results(page: Any) -> dict[str, Any]:
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the browser's debugging protocol, which the page's Content
        # Security Policy (script-src 'self', no inline script) does not govern.
        page.evaluate("() => {\n" + AXE.read_text(encoding="utf-8") + "\n}")
    return page.evaluate(  # type: ignore[no-any-return]
        "tags => window.axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )


def serious_violations(page: Any) -> list[str]:
    """Each serious or critical violation as ``rule (impact): selector — summary``."""
    found = []
    for violation in axe_results(page)["violations"]:
        if violation.get("impact") not in BLOCKING:
            continue
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = (node.get("failureSummary") or "").replace("\n", " ")[:200]
            found.append(f"{violation['id']} ({violation['impact']}): {target} — {summary}")
    return found
