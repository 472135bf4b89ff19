"""config.cache.ResilientRedisCache: Redis when it answers, per-process memory when it does not."""

from __future__ import annotations

import logging
import threading

import pytest
import redis

from config.cache import ResilientRedisCache
from tests.conftest import closed_port, redis_url

OPTIONS = {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}}


def test_with_redis_down_values_and_counters_live_in_memory_shared_by_threads(caplog):
    location = f"redis://127.0.0.1:{closed_port()}/0"
    with caplog.at_level(logging.ERROR, logger="config.cache"):
        first = ResilientRedisCache(location, OPTIONS)
        first.set("tries", 0, 60)
        assert first.add("lock", 1, 60) is True
        assert first.add("lock", 1, 60) is False

        def count() -> None:
            # Django gives every thread its own cache object: they must count together.
            ResilientRedisCache(location, OPTIONS).incr("tries")

        threads = [threading.Thread(target=count) for _ in range(5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert first.get("tries") == 5
        assert first.get("missing", "default") == "default"

    [logged] = [r for r in caplog.records if r.name == "config.cache"]
    assert "Redis cache unreachable" in logged.getMessage()


@pytest.mark.redis
def test_with_redis_up_values_go_to_redis():
    location = redis_url().rsplit("/", 1)[0] + "/12"
    cache = ResilientRedisCache(location, OPTIONS)
    cache.set("resilience-probe", "here", 30)
    client = redis.Redis.from_url(location)
    try:
        assert any(b"resilience-probe" in key for key in client.scan_iter(match="*probe*"))
    finally:
        cache.delete("resilience-probe")
        client.close()
