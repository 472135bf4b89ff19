"""What the generator and the runner share: where the bench databases live."""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

DEFAULT_SERVER_URL = "postgres://postgres@127.0.0.1:5432/"
PROJECT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def server_url() -> str:
    """``BENCH_DATABASE_URL`` (a PostgreSQL server; any database name in it is ignored)."""
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_SERVER_URL)
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(
            f"bench: BENCH_DATABASE_URL must be a PostgreSQL URL (got {scheme or url!r}); "
            "the benchmark refuses to run on SQLite or anything else."
        )
    return url


def database_name(scale: int) -> str:
    return f"musaada_bench_{scale}"


def database_url(name: str) -> str:
    """The server URL with ``name`` as its database."""
    parts = urlsplit(server_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def conninfo(name: str) -> str:
    """A libpq URL for psycopg (``postgres://`` is understood as is)."""
    return database_url(name).replace("pgsql://", "postgresql://", 1)
