"""The README's configuration table is the contract: every variable the settings read is in it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_environment_variable_of_the_settings_is_documented():
    # settings.py and the modules it imports its parts from (settings_identity.py, …)
    settings = "\n".join(p.read_text() for p in sorted((ROOT / "config").glob("settings*.py")))
    readme = (ROOT / "README.md").read_text()
    names = set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z_]+)"', settings))
    assert len(names) > 40  # the pattern still finds the variables
    undocumented = sorted(name for name in names if f"`{name}`" not in readme)
    assert undocumented == []


def test_the_ci_script_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in readme
    assert re.search(r"^[^#\n]*\bmake test\b", ci, flags=re.MULTILINE)
