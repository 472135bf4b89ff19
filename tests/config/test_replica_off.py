"""Without DATABASE_REPLICA_URL (make run, the SQLite suite) nothing reads from elsewhere."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

from config.replica import primary_wal_lsn, replica_reads


@pytest.fixture(autouse=True)
def _no_replica() -> None:
    if "replica" in settings.DATABASES:
        pytest.skip("a replica is configured (tests/config/test_replica.py tests that case)")


def test_without_a_replica_every_block_reads_the_primary():
    assert "config.replica.ReadYourWritesMiddleware" not in settings.MIDDLEWARE
    assert not getattr(settings, "DATABASE_ROUTERS", [])
    with replica_reads() as alias:
        assert alias == DEFAULT_DB_ALIAS
    assert primary_wal_lsn() is None  # exports are queued without a WAL position
