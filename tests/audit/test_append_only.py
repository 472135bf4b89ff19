"""No audit entry can be changed or deleted: not by the model, the queryset or raw SQL."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.models import ProtectedError

from audit.exceptions import AuditTrailIsAppendOnly
from audit.models import AuditEntry
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db


def execute(sql: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_saving_an_existing_entry_again_is_refused(record):
    entry = record()
    entry.action = "test.rewritten"
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.save(update_fields=["action"])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.happened"


def test_an_entry_cannot_be_deleted(record):
    entry = record()
    with pytest.raises(AuditTrailIsAppendOnly):
        entry.delete()
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_queryset_update_and_delete_are_refused(record):
    entry = record()
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(action="test.rewritten")
    with pytest.raises(AuditTrailIsAppendOnly):
        AuditEntry.objects.all().delete()
    # bulk_update runs in its own atomic block; a savepoint keeps the test's transaction usable.
    with pytest.raises(AuditTrailIsAppendOnly), transaction.atomic():
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.happened"


def test_an_actor_with_entries_cannot_be_deleted(record):
    # The entries keep their actor: deleting the user is refused (PROTECT), never cascaded.
    official = StaffUserFactory()
    record(actor=official)
    with pytest.raises(ProtectedError):
        official.delete()


def test_sqlite_trigger_refuses_a_raw_update(record):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite trigger; PostgreSQL has its own test")
    entry = record()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("UPDATE audit_auditentry SET action = 'test.rewritten' WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.happened"


@pytest.mark.postgres
def test_postgres_trigger_refuses_raw_update_and_delete(record):
    entry = record()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("UPDATE audit_auditentry SET action = 'test.rewritten' WHERE id = %s", [entry.pk])
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        execute("DELETE FROM audit_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).action == "test.happened"


@pytest.mark.postgres
def test_postgres_still_allows_truncate_for_flushes_and_maintenance(record):
    record()
    # Inside the test's transaction (rolled back with it), whose deferred foreign-key checks of
    # the insert must run first: PostgreSQL refuses TRUNCATE with trigger events pending.
    execute("SET CONSTRAINTS ALL IMMEDIATE")
    execute("TRUNCATE audit_auditentry")
    assert not AuditEntry.objects.exists()
