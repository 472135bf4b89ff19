"""Statistics, drill-downs and exports read from a real PostgreSQL streaming replica.

The replica (``DATABASE_REPLICA_URL``; CI makes one with ``.ci/replica``) replays the primary's
WAL. Pausing the replay (``pg_wal_replay_pause()``) is lag on demand: what the primary commits
then is not on the replica until the replay resumes. These tests commit for real (transactional
tests), so the replica has their rows. Every pause is resumed in a ``finally``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from aid_requests.models import AidRequest
from config.replica import COOKIE, REPLICA, primary_wal_lsn, replica_has_replayed, replica_reads
from reports.models import ExportStatus
from reports.services.exports import export_job_create
from reports.services.rollups import rollups_refresh
from tests.factories import AidRequestFactory, StaffUserFactory

#: Without a replica (the SQLite pass) the tests skip (the replica marker); naming an alias
#: that does not exist would be an error before that.
DATABASES = [DEFAULT_DB_ALIAS, REPLICA] if REPLICA in connections.settings else [DEFAULT_DB_ALIAS]
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.replica,  # required in CI (REQUIRE_REPLICA=1)
    pytest.mark.django_db(transaction=True, databases=DATABASES),
]


#: Replay is paused for the whole replica: one test at a time across every test process that
#: shares it (pytest-xdist workers, other checkouts), by a lock on the primary.
REPLICA_TESTS_LOCK = 7_190_019


@pytest.fixture(autouse=True)
def _one_replica_test_at_a_time() -> Iterator[None]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [REPLICA_TESTS_LOCK])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [REPLICA_TESTS_LOCK])


def caught_up(timeout: float = 30) -> None:
    """Wait until the replica has replayed everything the primary has committed so far."""
    lsn = primary_wal_lsn()
    assert lsn is not None
    deadline = time.monotonic() + timeout
    while not replica_has_replayed(lsn):
        assert time.monotonic() < deadline, "the replica did not catch up"
        time.sleep(0.05)


def _on_replica(sql: str) -> object:
    with connections[REPLICA].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def resume_replay() -> None:
    _on_replica("SELECT pg_wal_replay_resume()")


@contextmanager
def replay_paused() -> Iterator[None]:
    """The replica stops replaying (it still receives WAL): lag, until the block ends."""
    caught_up()
    _on_replica("SELECT pg_wal_replay_pause()")
    try:
        deadline = time.monotonic() + 10
        while _on_replica("SELECT pg_get_wal_replay_pause_state()") != "paused":
            assert time.monotonic() < deadline
            time.sleep(0.02)
        yield
    finally:
        resume_replay()


@contextmanager
def replica_queries() -> Iterator[list[str]]:
    """The SQL this process sends to the replica inside the block."""
    with CaptureQueriesContext(connections[REPLICA]) as captured:
        statements: list[str] = []
        yield statements
    statements.extend(query["sql"] for query in captured.captured_queries)


def only_reads(statements: list[str]) -> bool:
    return all(sql.lstrip().upper().startswith(("SELECT", "DECLARE")) for sql in statements)


def official_client(*, wrote: bool = False) -> Client:
    client = Client()
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))  # not through the site
    if wrote:
        # A write through the site (a small export is audited): the read-your-writes cookie.
        response = client.post(
            "/ministry/statistics/export/", {"kind": "overview_status", "file_format": "csv"}
        )
        assert response.status_code == 200
        b"".join(response.streaming_content)  # type: ignore[attr-defined]
        assert COOKIE in response.cookies
    return client


def requests_on_overview(client: Client) -> int:
    response = client.get("/ministry/")
    assert response.status_code == 200
    return int(response.context["overview"].requests_total)


def test_the_replica_alias_is_the_standby_copy_of_the_test_database():
    """In tests the replica alias is a test mirror of default: Django gives it the test
    database's name and keeps the replica's own host and port (physical replication copies
    the whole cluster, the test database included)."""
    replica = connections[REPLICA].settings_dict
    assert (replica["HOST"], replica["PORT"]) != (
        connection.settings_dict["HOST"],
        connection.settings_dict["PORT"],
    )
    assert _on_replica("SELECT pg_is_in_recovery()") is True
    assert _on_replica("SELECT current_database()") == connection.settings_dict["NAME"]


def test_statistics_read_the_replica_and_the_person_who_wrote_reads_the_primary(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the figures change only with a rollup refresh
    AidRequestFactory.create_batch(2)
    rollups_refresh(full=True)
    reader, writer = official_client(), official_client(wrote=True)
    with replay_paused(), replica_queries() as on_replica:
        AidRequestFactory.create_batch(3)
        rollups_refresh()
        assert requests_on_overview(reader) == 2  # the replica, behind
        assert requests_on_overview(writer) == 5  # read-your-writes: the primary
        # A write of the reader's own: from then on the reader reads the primary too.
        export = reader.post(
            "/ministry/statistics/export/", {"kind": "overview_status", "file_format": "csv"}
        )
        b"".join(export.streaming_content)  # type: ignore[attr-defined]
        assert requests_on_overview(reader) == 5
    assert on_replica, "nothing was read from the replica"
    assert only_reads(on_replica), on_replica  # the export's audit entry went to the primary
    caught_up()
    assert requests_on_overview(official_client()) == 5


def test_read_your_writes_ends_after_its_window(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = 3
    with replay_paused():
        AidRequestFactory()
        rollups_refresh(full=True)
        writer = official_client(wrote=True)
        assert requests_on_overview(writer) == 1
        time.sleep(3.2)
        assert requests_on_overview(writer) == 0  # the window is over: the replica again


def test_drill_down_lists_read_the_replica():
    reader = official_client()
    with replay_paused():
        late = AidRequestFactory()
        listed = reader.get("/ministry/statistics/requests/", {"basis": "current"})
        assert late.reference not in listed.content.decode()
        with replica_reads() as alias:
            assert alias == REPLICA
            assert not AidRequest.objects.filter(pk=late.pk).exists()
        assert AidRequest.objects.filter(pk=late.pk).exists()  # outside a block: the primary
        # The list as CSV: its rows are read while the response streams, after the view has
        # returned, still from the replica.
        exported = reader.post(
            "/ministry/statistics/export/",
            {"kind": "requests", "basis": "current", "file_format": "csv"},
        )
        body = b"".join(exported.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
        assert body.count("\n") >= 1  # the header
        assert late.reference not in body
    caught_up()
    listed = reader.get("/ministry/statistics/requests/", {"basis": "current"})
    assert late.reference in listed.content.decode()


def test_writes_inside_a_replica_block_go_to_the_primary():
    caught_up()
    with replica_queries() as on_replica, replica_reads() as alias:
        assert alias == REPLICA
        request = AidRequestFactory()
        AidRequest.objects.filter(pk=request.pk).update(need_score=42)
    assert only_reads(on_replica), on_replica
    assert AidRequest.objects.using(DEFAULT_DB_ALIAS).get(pk=request.pk).need_score == 42


def test_a_read_inside_a_primary_transaction_stays_on_the_primary():
    caught_up()
    from django.db import transaction

    with replica_reads(), transaction.atomic():
        request = AidRequestFactory()  # not committed: only this transaction sees it
        assert AidRequest.objects.filter(pk=request.pk).exists()


def test_an_export_queued_after_a_write_waits_for_the_replica_to_replay_it(settings):
    """The job carries the primary's WAL position at queueing; the replica, paused, resumes
    a second later, and the export (read from the replica) has the asker's rows."""
    settings.DATABASE_REPLICA_WAIT_SECONDS = 20
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    with replay_paused():
        AidRequestFactory.create_batch(4)
        timer = threading.Timer(1.0, resume_replay_from_thread)
        timer.start()
        try:
            with replica_queries() as on_replica:
                job = export_job_create(
                    actor=official,
                    kind="requests",
                    file_format="csv",
                    parameters={"basis": "current"},
                )
        finally:
            timer.join()
    job.refresh_from_db()
    assert (job.status, job.row_count) == (ExportStatus.DONE, 4)
    assert any("aid_requests_aidrequest" in sql for sql in on_replica)  # the rows: replica
    assert only_reads(on_replica), on_replica


def resume_replay_from_thread() -> None:
    try:
        resume_replay()
    finally:
        connections.close_all()  # this thread's connections


def test_an_export_reads_the_primary_when_the_replica_lags_too_long(settings, caplog):
    settings.DATABASE_REPLICA_WAIT_SECONDS = 0.5
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    with replay_paused():
        AidRequestFactory.create_batch(3)
        with replica_queries() as on_replica:
            job = export_job_create(
                actor=official, kind="requests", file_format="csv", parameters={"basis": "current"}
            )
    job.refresh_from_db()
    assert (job.status, job.row_count) == (ExportStatus.DONE, 3)
    assert not any("aid_requests_aidrequest" in sql for sql in on_replica)
    assert "reading the primary" in caplog.text
