"""manage.py audit_verify: an intact chain passes; a changed or removed row is found by id."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from audit.services import (
    CONTENT_CHANGED,
    ENTRY_MISSING,
    LINK_BROKEN,
    audit_chain_verify,
    audit_record,
    chain_digest,
    entry_content,
)
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def execute(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def verify(*args: str) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def verify_fails(*args: str) -> tuple[str, str]:
    out = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("audit_verify", *args, stdout=out)
    return out.getvalue(), str(failure.value)


@pytest.fixture
def chain(record):
    official = StaffUserFactory()
    return [
        record(
            f"test.step_{n}",
            actor=official,
            organisation_id=7,
            applicant_id=n,
            data={"n": n, "note": "ملاحظة"},
            ip_address="10.0.0.1",
        )
        for n in range(5)
    ]


def test_an_empty_trail_is_intact():
    assert verify().startswith("audit_verify: 0 entries checked, chain intact")


def test_an_intact_chain_passes_and_prints_its_head(chain):
    output = verify("--chunk-size", "2")  # several round trips of the streaming walk
    assert "audit_verify: 5 entries checked, chain intact" in output
    assert f"head: entry {chain[-1].pk} {chain[-1].entry_hash}" in output


def test_a_non_canonical_ipv6_address_still_verifies(record):
    # The database stores IPv6 compressed; the hash is taken over that stored form.
    entry = record(ip_address="2001:0db8:0000:0000:0000:0000:0000:0001")
    assert AuditEntry.objects.get(pk=entry.pk).ip_address == "2001:db8::1"
    assert audit_chain_verify().intact


@pytest.mark.usefixtures("unguarded_trail")
def test_changed_data_is_reported_with_the_entry_id(chain):
    tampered = chain[2]
    execute("UPDATE audit_auditentry SET data = %s WHERE id = %s", ['{"n": 99}', tampered.pk])
    output, error = verify_fails()
    assert f"chain broken at entry {tampered.pk}: {CONTENT_CHANGED}" in output
    assert "2 entries before it checked" in output
    assert str(tampered.pk) in error


@pytest.mark.usefixtures("unguarded_trail")
def test_a_changed_action_is_reported(chain):
    tampered = chain[0]
    execute("UPDATE audit_auditentry SET action = 'test.harmless' WHERE id = %s", [tampered.pk])
    report = audit_chain_verify()
    assert (report.broken_id, report.reason) == (tampered.pk, CONTENT_CHANGED)


@pytest.mark.usefixtures("unguarded_trail")
def test_a_deleted_middle_entry_breaks_the_link_of_the_next(chain):
    execute("DELETE FROM audit_auditentry WHERE id = %s", [chain[2].pk])
    output, _error = verify_fails()
    assert f"chain broken at entry {chain[3].pk}: {ENTRY_MISSING}" in output
    assert f"after entry {chain[1].pk}" in output


@pytest.mark.usefixtures("unguarded_trail")
def test_an_entry_relinked_past_others_is_a_broken_link(chain):
    # Pointing entry 3 at entry 0 would hide entries 1 and 2 if they were removed.
    execute(
        "UPDATE audit_auditentry SET previous_hash = %s WHERE id = %s",
        [chain[0].entry_hash, chain[3].pk],
    )
    report = audit_chain_verify()
    assert (report.broken_id, report.reason) == (chain[3].pk, LINK_BROKEN)
    assert f"links to entry {chain[0].pk}" in report.detail


def test_an_entry_appended_alone_is_one_statement_and_its_hash_verifies():
    """On PostgreSQL the lock, the head, the entry and its hash are one statement, the hash
    computed by the database exactly as ``chain_digest`` computes it (Arabic, symbols, an
    IPv6 address); on SQLite the head and the entry in one transaction."""
    first = audit_record(actor=None, action="test.first", data={"n": 1})
    with CaptureQueriesContext(connection) as queries:
        entry = audit_record(
            actor=None,
            action="test.unicode",
            data={"name": "مريم العلي", "note": '✓ 100% — "quoted" \\ back'},
            ip_address="2001:0db8:0000:0000:0000:0000:0000:0001",
        )
    sent = [q["sql"] for q in queries.captured_queries]
    if connection.vendor == "postgresql":
        assert len(sent) == 1
        assert "audit_chain_head" in sent[0]
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.previous_hash == first.entry_hash == entry.previous_hash
    assert stored.entry_hash == entry.entry_hash
    assert stored.entry_hash == chain_digest(stored.previous_hash, entry_content(stored))
    report = audit_chain_verify()
    assert report.broken_id is None, report
