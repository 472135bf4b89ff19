"""Issue 19: a kept PostgreSQL connection is checked before its first use in each request
without a round trip when it is plainly open, and still replaced when the server closed it
(config/postgresql/base.py). The whole-portal restart is in test_database_restart.py."""

from __future__ import annotations

import time

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


@pytest.fixture
def kept():
    """A second connection to the test database, as a web worker keeps one between requests
    (the test's own runs inside its transaction)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL is not a PostgreSQL URL)")
    other = connection.copy()
    other.ensure_connection()
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    yield other, pid
    other.close()


def last_statement(pid: int) -> str:
    with connection.cursor() as cursor:
        # The statistics views are read once per transaction unless told to read them again.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return row[0] if row else ""


def new_request(other) -> None:
    """What Django does at the start of a request for a kept connection."""
    other.health_check_done = False


def test_an_open_idle_connection_is_used_without_sending_select_1(kept):
    other, pid = kept
    assert other.health_check_enabled
    new_request(other)
    with other.cursor() as cursor:
        cursor.execute("SELECT 42 AS first_of_the_request")
    assert "first_of_the_request" in last_statement(pid)
    # Had the check sent SELECT 1, the server would have seen it before the first statement;
    # the statement before it on this backend was the fixture's.
    new_request(other)
    other.close_if_health_check_failed()
    assert "first_of_the_request" in last_statement(pid)
    assert other.connection is not None


def test_a_connection_the_server_closed_is_replaced_before_use(kept):
    other, pid = kept
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 10
    while last_statement(pid) and time.monotonic() < deadline:  # the backend has gone
        time.sleep(0.02)
    new_request(other)
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        new_pid = cursor.fetchone()[0]
    assert new_pid != pid


def test_a_connection_left_in_a_transaction_gets_the_full_check(kept):
    """Not idle: the socket says nothing about it, so Django's SELECT 1 decides."""
    other, pid = kept
    other.connection.execute("BEGIN")
    assert other._may_be_closed()
    new_request(other)
    other.close_if_health_check_failed()
    assert last_statement(pid) == "SELECT 1"
    other.connection.execute("ROLLBACK")
