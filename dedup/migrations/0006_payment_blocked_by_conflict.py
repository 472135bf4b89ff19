"""No payment on a case while a coverage conflict of that case awaits the ministry.

Held by the database whatever code path writes the payment row. PostgreSQL: a trigger
function; SQLite: a trigger. Each branch runs only on its own database.
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION dedup_payment_without_open_conflict() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF EXISTS (
            SELECT 1 FROM dedup_coverageconflict c
            WHERE c.aid_request_id = NEW.aid_request_id AND c.status = 'open'
        ) THEN
            RAISE EXCEPTION 'payment_coverage_conflict: request % has an open coverage conflict',
                NEW.aid_request_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER payment_without_open_conflict
    BEFORE INSERT ON aid_requests_payment
    FOR EACH ROW EXECUTE FUNCTION dedup_payment_without_open_conflict()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS payment_without_open_conflict ON aid_requests_payment",
    "DROP FUNCTION IF EXISTS dedup_payment_without_open_conflict()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER payment_without_open_conflict BEFORE INSERT ON aid_requests_payment
    WHEN EXISTS (
        SELECT 1 FROM dedup_coverageconflict AS c
        WHERE c.aid_request_id = NEW.aid_request_id AND c.status = 'open'
    )
    BEGIN SELECT RAISE(ABORT, 'payment_coverage_conflict: open coverage conflict'); END
    """,
]
SQLITE_BACKWARD = ["DROP TRIGGER IF EXISTS payment_without_open_conflict"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the PL/pgSQL text has % placeholders of its own.
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("dedup", "0005_coverage_conflict"),
        ("aid_requests", "0007_submission_key"),
    ]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
