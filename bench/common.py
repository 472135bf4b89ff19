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
    """``musaada_bench_<scale>``, or ``<BENCH_DATABASE_PREFIX>_<scale>`` (several people
    benchmarking on one server each keep their own databases). The prefix must start with
    ``musaada_bench_``: the generator drops only databases named so."""
    prefix = os.environ.get("BENCH_DATABASE_PREFIX", "musaada_bench")
    if prefix != "musaada_bench" and not prefix.startswith("musaada_bench_"):
        sys.exit(f"bench: BENCH_DATABASE_PREFIX must start with 'musaada_bench_' (got {prefix!r})")
    return f"{prefix}_{scale}"


def database_url(name: str) -> str:
    """The server URL with ``name`` as its database."""
    parts = urlsplit(server_url())
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def conninfo(name: str) -> str:
    """A libpq URL for psycopg (``postgres://`` is understood as is)."""
    return database_url(name).replace("pgsql://", "postgresql://", 1)
