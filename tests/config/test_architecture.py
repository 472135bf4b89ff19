"""The structure of docs/architecture.md, checked from the source itself.

The import layers are checked by import-linter (`.importlinter`, run by `make test`); what it
cannot express is checked here: no app imports another app's private names, and no module
grows past the size at which the style guide says to split it by topic.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "aid_requests",
    "api",
    "applicants",
    "audit",
    "benefits",
    "charities",
    "config",
    "dedup",
    "demo",
    "donations",
    "identity",
    "notifications",
    "reports",
    "volunteering",
    "webhooks",
)
MAX_LINES = 500


def _sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        if (ROOT / app).is_dir()
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


def _private_imports(source: str, app: str) -> set[str]:
    """The other apps' ``_private`` names that ``source`` (a module of ``app``) imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] == app or node.module.split(".")[0] not in APPS:
                continue
            for alias in node.names:
                if alias.name.startswith("_"):
                    found.add(f"{node.module}.{alias.name}")
    return found


def test_the_sources_are_found():
    # A guard for the two tests below: an empty walk would make them pass vacuously.
    assert len(_sources()) > 100


def test_no_app_imports_another_apps_private_names():
    found = {
        (str(path.relative_to(ROOT)), name)
        for path in _sources()
        for name in _private_imports(
            path.read_text(encoding="utf-8"), path.relative_to(ROOT).parts[0]
        )
    }
    assert found == set()


def test_no_module_is_over_the_size_limit():
    sizes = {
        str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines())
        for path in _sources()
        if path.name != "gunicorn.conf.py"
    }
    over = {name for name, lines in sizes.items() if lines > MAX_LINES}
    assert over == set(), f"split these by topic (style guide): {over}"


def test_the_private_import_check_can_fail():
    source = "from aid_requests.services import _move, move\nfrom charities.x import _own\n"
    assert _private_imports(source, "charities") == {"aid_requests.services._move"}
