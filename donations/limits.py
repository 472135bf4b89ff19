"""Abuse limits of the guest's SMS code: so many codes per mobile number and per address in a
window (the gift form is public: without them it would send text messages to any number).

Sliding-window counters in the cache, keyed by an HMAC so the cache never holds a mobile number
or an address in clear (as ``identity.services``' limits).
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import salted_hmac


def _key(kind: str, value: str) -> str:
    digest = salted_hmac("donations.rate-limit", value).hexdigest()[:32]
    return f"donations:limit:{kind}:{digest}"


def _take(key: str, *, limit: int, window: int, now: float) -> bool:
    """Record one use and say whether it is within ``limit`` (read-modify-write without a lock:
    two at the same moment may both pass the last free slot, which costs one text message)."""
    recent = [stamp for stamp in cache.get(key, []) if stamp > now - window]
    if len(recent) >= limit:
        return False
    recent.append(now)
    cache.set(key, recent, window)
    return True


def code_allowed(*, mobile: str, client_ip: str | None) -> bool:
    """Whether one more code may be sent to ``mobile`` asked from ``client_ip`` now."""
    now = timezone.now().timestamp()
    window = settings.DONATIONS_CODE_LIMIT_WINDOW_SECONDS
    if client_ip and not _take(
        _key("ip", client_ip), limit=settings.DONATIONS_CODE_LIMIT_PER_IP, window=window, now=now
    ):
        return False
    return _take(
        _key("mobile", mobile),
        limit=settings.DONATIONS_CODE_LIMIT_PER_MOBILE,
        window=window,
        now=now,
    )
