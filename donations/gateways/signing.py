"""The gateway's signature: HMAC-SHA256 with the shared secret over ``<timestamp>.<body>``.

The timestamp (Unix seconds) travels in ``X-Gateway-Timestamp``, the hex signature in
``X-Gateway-Signature``. A notification is accepted only when the signature matches (compared in
constant time) and the timestamp is within ``DONATIONS_SIGNATURE_WINDOW_SECONDS`` of now, so an
old notification cannot be sent again later with its old signature (and a replay inside the
window finds its key taken: see ``GatewayNotification``).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings

TIMESTAMP_HEADER = "X-Gateway-Timestamp"
SIGNATURE_HEADER = "X-Gateway-Signature"


class SignatureInvalid(Exception):
    """Forged, altered, or stale: the notification is refused and changes nothing."""


def sign(body: bytes, *, timestamp: int, secret: str | None = None) -> str:
    key = (secret if secret is not None else settings.DONATIONS_GATEWAY_SECRET).encode()
    return hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_headers(body: bytes, *, secret: str | None = None) -> dict[str, str]:
    timestamp = int(time.time())
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(body, timestamp=timestamp, secret=secret),
    }


def verify(body: bytes, *, timestamp: str, signature: str, now: float | None = None) -> None:
    """Raise ``SignatureInvalid`` unless ``signature`` is ours over ``timestamp`` and ``body``
    and ``timestamp`` is within the window."""
    if not settings.DONATIONS_GATEWAY_SECRET:
        raise SignatureInvalid("no gateway secret is configured")
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        raise SignatureInvalid("the timestamp is not a number") from None
    now = time.time() if now is None else now
    if abs(now - stamp) > settings.DONATIONS_SIGNATURE_WINDOW_SECONDS:
        raise SignatureInvalid("the timestamp is outside the window")
    expected = sign(body, timestamp=stamp)
    if not hmac.compare_digest(expected, (signature or "").lower()):
        raise SignatureInvalid("the signature does not match")
