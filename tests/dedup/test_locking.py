"""The claim's lock order and its retry of deadlocks, on PostgreSQL, with real errors.

DESIGN.md: lock the request row, then one advisory lock per (aid type, civil ID) in sorted
order, then insert; retry a deadlock (40P01) or a serialization failure (40001) a few times and
nothing else. Every error below is provoked for real on a second connection — nothing mocked.
"""

from __future__ import annotations

import logging
import re
import threading
import time

import pytest
from django.db import DatabaseError, OperationalError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from aid_requests.models import AidRequest, RequestStatus
from charities.services.claim import _is_retryable, aid_request_claim
from dedup.models import AidCommitment
from tests.factories import civil_id_for
from tests.factories.cases import caseworker, family, open_request

pytestmark = pytest.mark.postgres
ROW_LOCK = re.compile(r'^SELECT .* FROM "?aid_requests_aidrequest"? .*FOR UPDATE', re.S)
# FOR UPDATE OF the request table (by its name or its alias), nothing else.
REQUEST_ROW_ONLY = re.compile(
    r'FROM (?:"aid_requests_aidrequest"|aid_requests_aidrequest (\w+)) .*'
    r'FOR UPDATE OF (?:"aid_requests_aidrequest"|\1)$',
    re.S,
)
ADVISORY = re.compile(
    r"pg_advisory_xact_lock\((\d+), hashtext\(person\.civil_id\)\) FROM unnest\('\{([\d,]+)\}'"
)


@pytest.mark.django_db
def test_a_claim_locks_the_request_row_then_each_person_in_sorted_order_then_inserts(
    capital, needy
):
    members = [civil_id_for(9), civil_id_for(3), civil_id_for(5), civil_id_for(7)]
    applicant = family(capital, members)
    aid_request = open_request(applicant, needy, capital)
    staff = caseworker([needy], [capital])
    with CaptureQueriesContext(connection) as captured:
        aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    sql = [query["sql"] for query in captured.captured_queries]

    row_locks = [n for n, s in enumerate(sql) if ROW_LOCK.match(s) and str(aid_request.pk) in s]
    advisory = [
        (n, aid_type, civil_id)
        for n, s in enumerate(sql)
        if (found := ADVISORY.search(s))
        for aid_type, people in [found.groups()]
        for civil_id in people.split(",")
    ]
    inserts = [n for n, s in enumerate(sql) if s.startswith('INSERT INTO "dedup_aidcommitment"')]
    writes = [n for n, s in enumerate(sql) if s.startswith(("INSERT", "UPDATE", "DELETE"))]

    assert len(row_locks) == 1
    assert len(inserts) == 1
    (row_lock,), (insert,) = row_locks, inserts
    # the request row only: not the joined aid type (every claim of a type would queue on it)
    assert REQUEST_ROW_ONLY.search(sql[row_lock])
    covered = sorted([applicant.civil_id, *members])
    assert [civil_id for _n, _type, civil_id in advisory] == covered  # sorted, each once
    # ...and taken in that order: one statement, the locks row by row in array order
    assert len({n for n, _t, _c in advisory}) == 1
    assert sql[advisory[0][0]].endswith("ORDER BY person.position")
    assert {int(aid_type) for _n, aid_type, _c in advisory} == {needy.pk}
    assert all(row_lock < n < insert for n, _t, _c in advisory)
    assert min(writes) == insert  # nothing is written before the slots are locked and checked
    assert AidCommitment.objects.filter(aid_request=aid_request).count() == len(covered)


# --- what the retry loop retries: real errors of PostgreSQL -----------------------------------


def other_connection():
    """A second connection to the test database (the test's own stays on its own)."""
    return connections.create_connection("default")


@pytest.fixture
def request_row(db, capital, needy):
    return open_request(family(capital), needy, capital)


@pytest.mark.django_db(transaction=True)
def test_a_lock_timeout_55p03_is_not_retried(request_row):
    other = other_connection()
    try:
        with transaction.atomic():
            AidRequest.objects.select_for_update().get(pk=request_row.pk)  # we hold the row
            with other.cursor() as cursor:
                cursor.execute("SET lock_timeout = '100ms'")
                with pytest.raises(OperationalError) as caught:
                    cursor.execute(
                        "SELECT id FROM aid_requests_aidrequest WHERE id = %s FOR UPDATE",
                        [request_row.pk],
                    )
    finally:
        other.close()
    assert caught.value.__cause__.sqlstate == "55P03"
    assert _is_retryable(caught.value) is False


@pytest.mark.django_db(transaction=True)
def test_a_serialization_failure_40001_is_retried(request_row):
    other = other_connection()
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
            cursor.execute(
                "SELECT need_score FROM aid_requests_aidrequest WHERE id = %s", [request_row.pk]
            )  # its snapshot is taken here
            AidRequest.objects.filter(pk=request_row.pk).update(need_score=11)  # and committed
            with pytest.raises(OperationalError) as caught:
                cursor.execute(
                    "UPDATE aid_requests_aidrequest SET need_score = 12 WHERE id = %s",
                    [request_row.pk],
                )
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    assert caught.value.__cause__.sqlstate == "40001"
    assert _is_retryable(caught.value) is True


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_40p01_is_retried(capital, needy):
    a = open_request(family(capital), needy, capital)
    b = open_request(family(capital), needy, capital)
    errors: list[OperationalError] = []
    holds_b = threading.Event()

    def lock(pk):
        AidRequest.objects.select_for_update().get(pk=pk)

    def other_side():
        try:
            with transaction.atomic():
                lock(b.pk)
                holds_b.set()
                lock(a.pk)
        except OperationalError as error:
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=other_side)
    try:
        with transaction.atomic():
            lock(a.pk)
            thread.start()
            assert holds_b.wait(10)
            lock(b.pk)  # each side now waits for the other: PostgreSQL ends one of them
    except OperationalError as error:
        errors.append(error)
    thread.join(30)
    assert len(errors) == 1
    assert errors[0].__cause__.sqlstate == "40P01"
    assert _is_retryable(errors[0]) is True


@pytest.mark.django_db(transaction=True)
def test_a_syntax_error_or_a_division_by_zero_is_not_retried(request_row):
    for statement, sqlstate in (("SELEC 1", "42601"), ("SELECT 1/0", "22012")):
        with pytest.raises(DatabaseError) as caught, connection.cursor() as cursor:
            cursor.execute(statement)
        assert caught.value.__cause__.sqlstate == sqlstate
        assert _is_retryable(caught.value) is False


# --- the loop itself, through a real deadlock inside a claim ----------------------------------


def wait_for_advisory_waiter(timeout: float = 10) -> None:
    """Until some backend waits for an advisory lock (pg_locks is live, not a snapshot)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(  # this database only: the server may run other test databases
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the claim never waited for its advisory lock")


@pytest.mark.django_db(transaction=True)
def test_a_claim_that_deadlocks_is_retried_and_succeeds(caplog, capital, student):
    """Another transaction holds the person's advisory lock and then wants the request row the
    claim has locked: a real deadlock inside the claim's retryable section. PostgreSQL aborts
    the claim (it waited first, so its deadlock check runs first); the claim tries again, waits
    for the other transaction to finish, and wins."""
    caplog.set_level(logging.INFO, logger="charities.services.claim")
    applicant = family(capital)
    aid_request = open_request(applicant, student, capital)
    staff = caseworker([student], [capital])
    outcome: list[str] = []

    def claim():
        try:
            aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
            outcome.append("claimed")
        except Exception as error:  # the test must show anything else
            outcome.append(f"{type(error).__name__}: {error}")
        finally:
            connection.close()

    thread = threading.Thread(target=claim)
    with transaction.atomic(), connection.cursor() as cursor:
        try:  # make sure this side is never the one PostgreSQL picks (needs a superuser)
            with transaction.atomic():
                cursor.execute("SET LOCAL deadlock_timeout = '20s'")
        except DatabaseError:
            pass  # the order of the waits alone already picks the claim
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [student.pk, applicant.civil_id]
        )
        thread.start()
        wait_for_advisory_waiter()  # the claim holds the row and waits for the person
        cursor.execute(
            "SELECT id FROM aid_requests_aidrequest WHERE id = %s FOR UPDATE", [aid_request.pk]
        )  # returns once PostgreSQL has aborted the claim's first attempt
    thread.join(60)
    assert outcome == ["claimed"]
    retries = [r.getMessage() for r in caplog.records if "retried after" in r.getMessage()]
    assert len(retries) == 1
    assert "deadlock detected" in retries[0]
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.CLAIMED
    assert aid_request.commitments.count() == 1
    assert aid_request.timeline.filter(to_status=RequestStatus.CLAIMED).count() == 1
