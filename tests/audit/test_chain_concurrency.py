"""The audit chain under simultaneous writers: real threads, each on its own connection.

Every entry must link to the one committed before it, however many transactions append at
once: on PostgreSQL the chain's advisory lock (taken, with the head read after it, by one
statement: audit migration 0004), on SQLite its one-writer-at-a-time transactions. A head read
before the lock was granted, or from the statement's starting snapshot, would link two entries
to one predecessor, which ``audit_chain_verify`` reports as a broken link.
"""

from __future__ import annotations

import time
from functools import partial

import pytest
from django.db import transaction

from audit.models import AuditEntry
from audit.services import audit_chain_verify, audit_record
from tests.concurrency import outcome, run_together

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS = 12
EACH = 4


def append(writer: int) -> str:
    for n in range(EACH):
        with transaction.atomic():
            audit_record(actor=None, action="test.simultaneous", data={"writer": writer, "n": n})
            # Hold the chain past the moment the others asked for it: each of them must read
            # the head this one is about to commit, not the one before it.
            time.sleep(0.005)
    return "appended"


def test_simultaneous_writers_make_one_unbroken_chain():
    results = run_together(*(partial(append, writer) for writer in range(WRITERS)))
    assert [outcome(r) for r in results] == ["appended"] * WRITERS
    report = audit_chain_verify()
    assert report.broken_id is None, report
    assert report.checked == WRITERS * EACH
    links = list(AuditEntry.objects.values_list("previous_hash", flat=True))
    assert len(set(links)) == len(links), "two entries link to the same predecessor"


def append_alone(writer: int) -> str:
    """Appends outside any transaction: on PostgreSQL each is one statement, its own
    transaction (no BEGIN or COMMIT around it)."""
    for n in range(EACH * 3):
        audit_record(actor=None, action="test.alone", data={"writer": writer, "n": n})
    return "appended"


def test_simultaneous_writers_outside_transactions_make_one_unbroken_chain():
    """The entry's id is drawn after the lock is granted: an id drawn before it would let a
    later id link to an earlier one, which ``audit_chain_verify`` reports as broken."""
    results = run_together(*(partial(append_alone, writer) for writer in range(WRITERS)))
    assert [outcome(r) for r in results] == ["appended"] * WRITERS
    report = audit_chain_verify()
    assert report.broken_id is None, report
    assert report.checked == WRITERS * EACH * 3
    links = list(AuditEntry.objects.values_list("previous_hash", flat=True))
    assert len(set(links)) == len(links), "two entries link to the same predecessor"
