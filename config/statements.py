"""Statements prepared once per connection, and where they must not be.

psycopg prepares a statement after it ran ``DATABASE_PREPARE_THRESHOLD`` times on a connection
(config/settings.py), and PostgreSQL may then keep one generic plan for it. A bulk job that
reads the table it is filling (the state-benefits import looks up each batch's references
among the rows the batches before it wrote) would keep the plan made while the table was
empty, a sequential scan, for the rest of the run: the 100,000-row import ran at 1,370 rows/s
instead of 10,800 (issue 19, docs/benchmarks.md). Such jobs run ``unprepared()``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def unprepared(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Within the block, statements on this connection are neither prepared nor run as
    prepared (PostgreSQL plans each with its parameters); the setting comes back after."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    raw = connection.connection
    before = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        if connection.connection is raw:  # not replaced meanwhile (closed after an error)
            raw.prepare_threshold = before
