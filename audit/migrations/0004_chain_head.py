"""The audit chain's head in one statement (issue 19), PostgreSQL only.

``audit_chain_head(key)`` takes the chain's advisory lock (held to the end of the transaction)
and then reads the newest entry's hash. One round trip instead of two, and the lock is held
one round trip less: the hash is read the moment the lock is granted.

The function is VOLATILE, so its query after the lock takes a snapshot of its own (READ
COMMITTED): it sees the entry that the previous holder committed while this one waited, as the
separate statement did. tests/audit/test_chain_concurrency.py appends from many processes at
once and verifies the chain.

SQLite runs one writer at a time and reads the head with a plain query (audit.services).
"""

from django.db import migrations

FORWARD = """
    CREATE OR REPLACE FUNCTION audit_chain_head(lock_key bigint) RETURNS varchar
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock(lock_key);
        RETURN (SELECT entry_hash FROM audit_auditentry ORDER BY id DESC LIMIT 1);
    END
    $$
"""
BACKWARD = "DROP FUNCTION IF EXISTS audit_chain_head(bigint)"


def _run(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_append_only")]

    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
