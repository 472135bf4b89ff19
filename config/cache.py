"""The Django cache on Redis, which keeps working (per process) while Redis is unreachable.

The cache holds rate-limit counters (allauth's sign-in, sign-up and reset limits, the identity
limits, the apply-to-join limit), the identity providers' signing keys and the simulator's
answers. With plain ``RedisCache`` every one of those calls raised while Redis was down, so
nobody could sign in or sign up (500). ``ResilientRedisCache`` answers from a local-memory
cache of its own process instead:

* limits keep applying, per process (a gunicorn worker counts what it sees), rather than
  failing open completely or locking everyone out;
* the outage is logged as an error once per ``LOG_EVERY_SECONDS`` (not once per call), and
  ``/healthz`` answers 503 meanwhile (it asks Redis itself);
* after a failure Redis is not asked again for ``RETRY_AFTER_SECONDS``, so a Redis that hangs
  costs one socket timeout per process and interval, not one per call;
* when Redis answers again it is used again; counters kept locally meanwhile are not copied
  over (a limit window starts afresh, the only leniency an outage buys).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

#: Errors that mean "Redis is not there" (not a wrong command or a bad value).
UNREACHABLE = (redis.ConnectionError, redis.TimeoutError, OSError)


@dataclass
class _Outage:
    """Whether one Redis location is down, shared by every thread of the process."""

    down_until: float = 0.0
    logged_at: float = float("-inf")


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


class ResilientRedisCache(RedisCache):
    """``RedisCache`` that answers from per-process memory while Redis is unreachable.

    Django makes one cache object per thread; the fallback memory and the outage state are per
    process (keyed by the Redis location), so the threads of a worker count limits together.
    """

    RETRY_AFTER_SECONDS = 5.0
    LOG_EVERY_SECONDS = 60.0

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        # LocMemCache keeps its data per name in the process: every thread shares this one.
        self._fallback = LocMemCache(
            f"redis-fallback:{server}",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 10_000}},
        )
        with _outages_lock:
            self._outage = _outages.setdefault(server, _Outage())

    def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if time.monotonic() >= self._outage.down_until:
            redis_method: Callable[..., Any] = getattr(super(), method)
            try:
                return redis_method(*args, **kwargs)
            except UNREACHABLE as error:
                self._went_down(error)
        return getattr(self._fallback, method)(*args, **kwargs)

    def _went_down(self, error: BaseException) -> None:
        now = time.monotonic()
        with _outages_lock:
            self._outage.down_until = now + self.RETRY_AFTER_SECONDS
            if now - self._outage.logged_at < self.LOG_EVERY_SECONDS:
                return
            self._outage.logged_at = now
        logger.error(
            "Redis cache unreachable (%s: %s); using a per-process memory cache "
            "(rate limits count per process) until it answers again",
            type(error).__name__,
            error,
        )

    def add(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("add", *args, **kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get", *args, **kwargs)

    def set(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set", *args, **kwargs)

    def touch(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("touch", *args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete", *args, **kwargs)

    def get_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("get_many", *args, **kwargs)

    def has_key(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("has_key", *args, **kwargs)

    def incr(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("incr", *args, **kwargs)

    def set_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("set_many", *args, **kwargs)

    def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._call("delete_many", *args, **kwargs)

    def clear(self) -> Any:
        self._fallback.clear()
        return self._call("clear")
