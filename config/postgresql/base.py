"""Django's PostgreSQL backend, with a health check that costs no round trip (issue 19).

With ``CONN_HEALTH_CHECKS`` Django checks a kept connection before its first use in each
request by sending ``SELECT 1``: one round trip on every request that reads the database, one
of the case page's sixteen. This backend first asks the socket instead. An idle connection has
nothing to read: the server sends nothing unasked. A connection the server closed (a restart,
``pg_terminate_backend``, a failover that reset it) has its farewell message or the end of
the stream waiting. Only then, or when psycopg itself says the connection is broken, does it
run Django's own check (``SELECT 1``), which fails and has the connection replaced, as before.

What neither check sees is a server that vanished without closing anything (a dropped route):
Django's ``SELECT 1`` would wait for it as the request's first query does, until
``connect_timeout`` or TCP gives up.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    def close_if_health_check_failed(self) -> None:
        # Django's own test (BaseDatabaseWrapper.close_if_health_check_failed); the stubs do
        # not name these two attributes.
        enabled, done = self.health_check_enabled, self.health_check_done  # type: ignore[attr-defined,has-type]
        if self.connection is None or not enabled or done:
            return
        if self._may_be_closed() and not self.is_usable():
            self.close()
        self.health_check_done = True

    def _may_be_closed(self) -> bool:
        """False only when the connection is certainly open: psycopg holds it as open and idle,
        and the server has sent nothing since the last reply."""
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return True
        info = connection.info
        if info.status != pq.ConnStatus.OK or info.transaction_status != pq.TransactionStatus.IDLE:
            return True
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return True
        return bool(readable)
