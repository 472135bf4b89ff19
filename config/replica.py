"""Reads of the statistics, drill-downs and exports from a PostgreSQL streaming replica.

With ``DATABASE_REPLICA_URL`` set, settings add the ``replica`` alias, ``ReplicaRouter`` and
``ReadYourWritesMiddleware``. Nothing reads from the replica unless it asks, narrowly::

    with replica_reads():
        figures = statistics(period)

Inside such a block the router sends reads to the replica, except:

- every write, always (``db_for_write`` is the primary);
- a read while the primary has a transaction open (it must see that transaction's writes, and
  what it reads may decide a write): the test suite's transactions read the primary this way;
- read-your-writes: a request that already wrote, or comes from a browser that wrote less than
  ``DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS`` ago (a signed cookie the middleware sets after
  any request that wrote, or any successful POST: the claim writes with raw SQL, past the
  router), reads the primary;
- a background job that must see what was committed before it was queued (an export) passes
  the primary's WAL position of that moment (``primary_wal_lsn()``); the block waits up to
  ``DATABASE_REPLICA_WAIT_SECONDS`` for the replica to have replayed it, else reads the primary;
- a replica that cannot be reached: the primary (logged).

The choice is made once when the block starts, so one page or one export reads one source from
start to end (a write inside the block, like the audit entry of a download, goes to the
primary and marks the person for their next requests, without switching the block).
Without the replica every block reads the primary, as before.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

REPLICA = "replica"
#: The cookie that keeps a browser's reads on the primary for a while after it wrote (signed:
#: its own timestamp is the window's start, so it cannot be stretched).
COOKIE = "musaada_wrote"
_SALT = "config.replica.read-your-writes"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _RequestReads:
    """What one request has done so far that keeps its reads on the primary."""

    wrote_recently: bool = False  # the browser's cookie: a write in the last few seconds
    wrote: bool = False  # this request wrote


#: The request being served (set by the middleware); None in Celery tasks and commands.
_request: contextvars.ContextVar[_RequestReads | None] = contextvars.ContextVar(
    "replica_request", default=None
)
#: The alias reads go to inside a ``replica_reads()`` block; None outside any block.
_block_alias: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "replica_block_alias", default=None
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


def read_your_writes_seconds() -> int:
    return int(getattr(settings, "DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS", 15))


def wait_seconds() -> float:
    return float(getattr(settings, "DATABASE_REPLICA_WAIT_SECONDS", 5.0))


def primary_wal_lsn() -> str | None:
    """The primary's current WAL position (``pg_current_wal_lsn()``); None without a replica.

    Everything committed before this call is at or before it; a replica that has replayed up
    to it has all of that.
    """
    if not configured():
        return None
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


def replica_has_replayed(lsn: str) -> bool:
    """Whether the replica has replayed the primary's WAL up to ``lsn``."""
    with connections[REPLICA].cursor() as cursor:
        # NULL when the alias is no standby (then it is the primary itself, and current).
        cursor.execute(
            "SELECT COALESCE(pg_last_wal_replay_lsn() >= %s::pg_lsn, NOT pg_is_in_recovery())",
            [lsn],
        )
        return bool(cursor.fetchone()[0])


def _replica_current(after_lsn: str | None) -> bool:
    """The replica answers, and (given a WAL position) has replayed it within the wait."""
    deadline = time.monotonic() + wait_seconds()
    try:
        if after_lsn is None:
            connections[REPLICA].ensure_connection()
            return True
        while not replica_has_replayed(after_lsn):
            if time.monotonic() >= deadline:
                logger.warning(
                    "replica has not replayed %s after %ss; reading the primary",
                    after_lsn,
                    wait_seconds(),
                )
                return False
            time.sleep(0.05)
        return True
    except DatabaseError:
        logger.warning("replica unreachable; reading the primary", exc_info=True)
        return False


def _source(after_lsn: str | None) -> str:
    if not configured():
        return DEFAULT_DB_ALIAS
    request = _request.get()
    if request is not None and (request.wrote or request.wrote_recently):
        return DEFAULT_DB_ALIAS  # read-your-writes
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return DEFAULT_DB_ALIAS
    return REPLICA if _replica_current(after_lsn) else DEFAULT_DB_ALIAS


@contextmanager
def replica_reads(*, after_lsn: str | None = None) -> Iterator[str]:
    """Send this block's reads to the replica when it may (see the module); yields the alias."""
    alias = _block_alias.get() or _source(after_lsn)
    token = _block_alias.set(alias)
    try:
        yield alias
    finally:
        _block_alias.reset(token)


T = TypeVar("T")


def in_this_block(rows: Iterator[T]) -> Iterator[T]:
    """``rows`` (a lazy iterator, e.g. a streamed response's body) read with the source of the
    block it is made in, even when it is consumed after the block has ended."""
    context = contextvars.copy_context()  # now, not at the first row (hence no ``yield`` here)

    def in_context() -> Iterator[T]:
        while True:
            try:
                yield context.run(next, rows)
            except StopIteration:
                return

    return in_context()


def note_write() -> None:
    request = _request.get()
    if request is not None:
        request.wrote = True


class ReplicaRouter:
    """Writes to the primary; reads inside a ``replica_reads()`` block to the block's source."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str:
        alias = _block_alias.get()
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            # Explicitly the primary (not None): an object read inside a block must not carry
            # its later lazy reads to the replica.
            return DEFAULT_DB_ALIAS
        return alias

    def db_for_write(self, model: type[Any], **hints: Any) -> str:
        note_write()
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # both aliases hold the same rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS  # the replica replays the primary's migrations


class ReadYourWritesMiddleware:
    """After a request that wrote, the browser's reads go to the primary for a while."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        window = read_your_writes_seconds()
        recent = (
            request.get_signed_cookie(COOKIE, default=None, salt=_SALT, max_age=window) is not None
        )
        state = _RequestReads(wrote_recently=recent)
        token = _request.set(state)
        try:
            response = self.get_response(request)
        finally:
            _request.reset(token)
        if state.wrote or (request.method in UNSAFE_METHODS and response.status_code < 400):
            response.set_signed_cookie(
                COOKIE,
                "1",
                salt=_SALT,
                max_age=window,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
