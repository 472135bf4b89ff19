"""Shared fixtures, and the rule for tests that need real services.

Tests marked ``postgres``, ``replica``, ``redis`` or ``browser`` run whenever the service is
there. Elsewhere they skip with the reason shown in the summary (``-ra``), so ``make test``
passes on a bare machine; under ``CI=true`` a missing service fails the test instead (for the
replica: ``REQUIRE_REPLICA=1``, which CI sets), so CI proves everything.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.db import connection, connections

IN_CI = os.environ.get("CI") == "true"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def redis_url() -> str:
    return os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            return True
    except OSError:
        return False


def closed_port() -> int:
    """A local TCP port nothing listens on (an outage: connecting is refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return candidate if Path(candidate).exists() else shutil.which("chromium")


def _missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"required under CI=true: {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _require_services(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        # The SQLite pass of CI skips these on purpose; the PostgreSQL pass runs them (and
        # fails at once if PostgreSQL is missing, because it is the test database).
        pytest.skip("needs PostgreSQL (DATABASE_URL is not a PostgreSQL URL)")
    if request.node.get_closest_marker("replica") and "replica" not in connections:
        # Like the postgres marker: the SQLite pass of CI has no replica; its PostgreSQL pass
        # sets REQUIRE_REPLICA=1 (checked at the start), so there these tests cannot skip.
        pytest.skip("needs a PostgreSQL streaming replica (DATABASE_REPLICA_URL is not set)")
    if request.node.get_closest_marker("redis") and not _reachable(redis_url()):
        _missing(f"Redis is not reachable at {redis_url()}")
    if request.node.get_closest_marker("browser") and chromium_path() is None:
        _missing("Chromium is not installed (apt-get install chromium)")


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            raise pytest.UsageError("REQUIRE_POSTGRES=1 but DATABASE_URL is not PostgreSQL")
    if os.environ.get("REQUIRE_REPLICA") == "1" and not os.environ.get("DATABASE_REPLICA_URL"):
        raise pytest.UsageError("REQUIRE_REPLICA=1 but DATABASE_REPLICA_URL is not set")


@pytest.fixture
def artifacts_dir() -> Path:
    path = ARTIFACTS / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Rate-limit counters and cached values never leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _case_file_matches_its_reference() -> Iterator[None]:
    """Every case page rendered in a test is compared with the template ``{% case_file %}``
    replaced (tests/charities/case_file_check.py)."""
    from django.test.signals import template_rendered

    from tests.charities.case_file_check import check

    template_rendered.connect(check, dispatch_uid="case-file-reference")
    yield
    template_rendered.disconnect(dispatch_uid="case-file-reference")
