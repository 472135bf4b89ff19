"""The README's snippet that checks a delivery accepts what Musaada signs, and nothing else."""

from __future__ import annotations

import re
import time
from pathlib import Path

from webhooks.signing import signature

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_checker():
    text = README.read_text(encoding="utf-8")
    [code] = [
        block
        for block in re.findall(r"```python\n(.*?)```", text, flags=re.S)
        if "def musaada_delivery_ok" in block
    ]
    namespace: dict = {}
    exec(code, namespace)  # noqa: S102  # our own README
    return namespace["musaada_delivery_ok"]


def test_the_readme_snippet_verifies_a_signature():
    check = readme_checker()
    body = b'{"event":"case.claimed","data":{"case_id":1}}'
    now = str(int(time.time()))
    headers = {"X-Musaada-Timestamp": now, "X-Musaada-Signature": signature("whsec_x", now, body)}
    assert check("whsec_x", headers, body)
    assert not check("whsec_y", headers, body)
    assert not check("whsec_x", headers, body + b" ")
    old = str(int(time.time()) - 3600)
    stale = {"X-Musaada-Timestamp": old, "X-Musaada-Signature": signature("whsec_x", old, body)}
    assert not check("whsec_x", stale, body)
