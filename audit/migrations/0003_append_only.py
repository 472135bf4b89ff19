"""The audit trail is append-only in the database itself.

PostgreSQL: a row-level BEFORE UPDATE OR DELETE trigger raises, whoever runs the statement
(the application, a psql session, a migration). TRUNCATE is a statement, not a row operation,
so it still works: Django's test flush uses it, and a deliberate maintenance wipe (restoring
a backup, a test database) needs it. Giving the application's database role no TRUNCATE
privilege is the production safeguard for that path (docs: production).

SQLite: an UPDATE trigger only. Django flushes SQLite test databases with DELETE, so a DELETE
trigger would break every transactional test; the model and queryset guards still refuse deletes.
Note: SQLite rebuilds a table (and loses its triggers) when a later migration alters a column;
such a migration must create ``audit_entry_no_update`` again (tests/audit proves it is there).

Each branch runs only on its own database (as dedup 0002).
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_append_only: the audit trail is append-only (% refused on entry %)',
            TG_OP, OLD.id;
    END
    $$
    """,
    """
    CREATE TRIGGER audit_entry_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry",
    "DROP FUNCTION IF EXISTS audit_entry_append_only()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry
    BEGIN SELECT RAISE(ABORT, 'audit_append_only: the audit trail is append-only'); END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_entry_no_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # No parameters: the "%" of RAISE's format string is not a placeholder.
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_trail_indexes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
