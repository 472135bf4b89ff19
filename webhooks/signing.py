"""The signature of a delivery: HMAC-SHA256 of ``"<timestamp>.<body>"`` with the endpoint's
secret, sent as ``X-Musaada-Signature: sha256=<hex>`` beside ``X-Musaada-Timestamp``.

A receiver recomputes it over the raw body and the timestamp header, compares in constant
time, and refuses a timestamp more than a few minutes old (a replayed capture). See README.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


def secret_new() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def signature(secret: str, timestamp: int | str, body: str | bytes) -> str:
    raw = body.encode() if isinstance(body, str) else body
    message = str(timestamp).encode() + b"." + raw
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_valid(secret: str, timestamp: int | str, body: str | bytes, header: str) -> bool:
    return hmac.compare_digest(signature(secret, timestamp, body), header)
