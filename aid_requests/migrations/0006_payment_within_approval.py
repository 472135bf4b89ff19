"""A payment must be within the approval of its request: its period at most the number of
payments approved, its amount at most the amount approved per payment.

With ``one_payment_per_period`` this caps what a case can ever pay at the approved total,
whatever code path writes the row. PostgreSQL: a trigger function; SQLite: triggers. Each branch
runs only on its own database.
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION aid_requests_payment_within_approval() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM aid_requests_aidrequest r
            WHERE r.id = NEW.aid_request_id
              AND r.approved_payments IS NOT NULL
              AND NEW.period <= r.approved_payments
              AND NEW.amount <= r.approved_amount
        ) THEN
            RAISE EXCEPTION 'payment_outside_approval: payment % of % KWD is not approved',
                NEW.period, NEW.amount
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER payment_within_approval
    BEFORE INSERT OR UPDATE ON aid_requests_payment
    FOR EACH ROW EXECUTE FUNCTION aid_requests_payment_within_approval()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS payment_within_approval ON aid_requests_payment",
    "DROP FUNCTION IF EXISTS aid_requests_payment_within_approval()",
]

_SQLITE_CONDITION = """
    NOT EXISTS (
        SELECT 1 FROM aid_requests_aidrequest AS r
        WHERE r.id = NEW.aid_request_id
          AND r.approved_payments IS NOT NULL
          AND NEW.period <= r.approved_payments
          AND NEW.amount <= r.approved_amount
    )
"""
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER payment_within_approval_insert BEFORE INSERT ON aid_requests_payment
    WHEN {_SQLITE_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'payment_outside_approval: not within the approval'); END
    """,
    f"""
    CREATE TRIGGER payment_within_approval_update BEFORE UPDATE ON aid_requests_payment
    WHEN {_SQLITE_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'payment_outside_approval: not within the approval'); END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS payment_within_approval_insert",
    "DROP TRIGGER IF EXISTS payment_within_approval_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # params=None: the PL/pgSQL text has % placeholders of its own.
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("aid_requests", "0005_queue_indexes")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
