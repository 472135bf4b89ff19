"""The ledger is held by the database: an allocation is checked and counted by a trigger.

Before an ``Allocation`` row is inserted, the trigger checks that
- the allocation's kind is its gift's kind and its aid type is its payment's request's aid type;
- the gift belongs to the organisation that made the payment, and a fund gift's fund is that
  aid type;
- the ministry's table (``GiftKindAidType``) lets that kind fund that aid type (checked at the
  moment of allocating: removing a pair later leaves past allocations alone, which a composite
  foreign key would not allow);
- the payment is not funded beyond its amount;
and then adds the amount to ``Gift.allocated``. That update takes the gift's row lock (so
concurrent allocations of one gift queue on it) and the CHECK ``gift_ledger_within_amount``
refuses the one that would give out more than the gift brought in. ``Gift.allocated`` is
therefore always the sum of the gift's allocations, whoever writes the row.

Allocations are append-only: PostgreSQL refuses UPDATE and DELETE (TRUNCATE, a statement, still
works for the test flush, as for the audit trail); SQLite refuses UPDATE (Django flushes SQLite
test databases with DELETE). Each branch runs only on its own database.
"""

from django.db import migrations

PG_FORWARD = [
    """
    CREATE OR REPLACE FUNCTION donations_allocation_insert() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
        gift RECORD;
        paid RECORD;
    BEGIN
        SELECT g.kind, g.fund_id, g.organisation_id INTO gift
            FROM donations_gift g WHERE g.id = NEW.gift_id;
        SELECT p.organisation_id, p.amount, r.aid_type_id INTO paid
            FROM aid_requests_payment p JOIN aid_requests_aidrequest r ON r.id = p.aid_request_id
            WHERE p.id = NEW.payment_id;
        IF gift.kind <> NEW.kind OR paid.aid_type_id <> NEW.aid_type_id
           OR gift.organisation_id <> paid.organisation_id
           OR (gift.fund_id IS NOT NULL AND gift.fund_id <> NEW.aid_type_id) THEN
            RAISE EXCEPTION 'allocation_mismatch: gift % cannot fund payment %',
                NEW.gift_id, NEW.payment_id USING ERRCODE = 'check_violation';
        END IF;
        IF NOT EXISTS (
            SELECT 1 FROM donations_giftkindaidtype a
            WHERE a.kind = NEW.kind AND a.aid_type_id = NEW.aid_type_id
        ) THEN
            RAISE EXCEPTION 'allocation_kind_not_allowed: % may not fund aid type %',
                NEW.kind, NEW.aid_type_id USING ERRCODE = 'check_violation';
        END IF;
        IF (SELECT COALESCE(SUM(a.amount), 0) FROM donations_allocation a
            WHERE a.payment_id = NEW.payment_id) + NEW.amount > paid.amount THEN
            RAISE EXCEPTION 'allocation_beyond_payment: payment % is funded already',
                NEW.payment_id USING ERRCODE = 'check_violation';
        END IF;
        -- Takes the gift's row lock; gift_ledger_within_amount refuses an overdraft.
        UPDATE donations_gift SET allocated = allocated + NEW.amount WHERE id = NEW.gift_id;
        RETURN NEW;
    END
    $$
    """,
    """
    CREATE TRIGGER allocation_insert BEFORE INSERT ON donations_allocation
    FOR EACH ROW EXECUTE FUNCTION donations_allocation_insert()
    """,
    """
    CREATE OR REPLACE FUNCTION donations_allocation_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'allocation_append_only: allocations are never changed (% refused)',
            TG_OP USING ERRCODE = 'check_violation';
    END
    $$
    """,
    """
    CREATE TRIGGER allocation_append_only BEFORE UPDATE OR DELETE ON donations_allocation
    FOR EACH ROW EXECUTE FUNCTION donations_allocation_append_only()
    """,
]
PG_BACKWARD = [
    "DROP TRIGGER IF EXISTS allocation_append_only ON donations_allocation",
    "DROP FUNCTION IF EXISTS donations_allocation_append_only()",
    "DROP TRIGGER IF EXISTS allocation_insert ON donations_allocation",
    "DROP FUNCTION IF EXISTS donations_allocation_insert()",
]

SQLITE_FORWARD = [
    """
    CREATE TRIGGER allocation_mismatch BEFORE INSERT ON donations_allocation
    WHEN NOT EXISTS (
        SELECT 1 FROM donations_gift g, aid_requests_payment p, aid_requests_aidrequest r
        WHERE g.id = NEW.gift_id AND p.id = NEW.payment_id AND r.id = p.aid_request_id
          AND g.kind = NEW.kind AND r.aid_type_id = NEW.aid_type_id
          AND g.organisation_id = p.organisation_id
          AND (g.fund_id IS NULL OR g.fund_id = NEW.aid_type_id)
    )
    BEGIN SELECT RAISE(ABORT, 'allocation_mismatch: the gift cannot fund this payment'); END
    """,
    """
    CREATE TRIGGER allocation_kind_not_allowed BEFORE INSERT ON donations_allocation
    WHEN NOT EXISTS (
        SELECT 1 FROM donations_giftkindaidtype a
        WHERE a.kind = NEW.kind AND a.aid_type_id = NEW.aid_type_id
    )
    BEGIN SELECT RAISE(ABORT, 'allocation_kind_not_allowed: not allowed by the ministry'); END
    """,
    """
    CREATE TRIGGER allocation_beyond_payment BEFORE INSERT ON donations_allocation
    WHEN ROUND((SELECT COALESCE(SUM(a.amount), 0) FROM donations_allocation a
                WHERE a.payment_id = NEW.payment_id) + NEW.amount, 3)
         > (SELECT p.amount FROM aid_requests_payment p WHERE p.id = NEW.payment_id)
    BEGIN SELECT RAISE(ABORT, 'allocation_beyond_payment: the payment is funded already'); END
    """,
    # SQLite keeps decimals as floating point: the sum is rounded to the money's 3 places.
    """
    CREATE TRIGGER allocation_count AFTER INSERT ON donations_allocation
    BEGIN
        UPDATE donations_gift SET allocated = ROUND(allocated + NEW.amount, 3)
        WHERE id = NEW.gift_id;
    END
    """,
    """
    CREATE TRIGGER allocation_no_update BEFORE UPDATE ON donations_allocation
    BEGIN SELECT RAISE(ABORT, 'allocation_append_only: allocations are never changed'); END
    """,
]
SQLITE_BACKWARD = [
    f"DROP TRIGGER IF EXISTS {name}"
    for name in (
        "allocation_mismatch",
        "allocation_kind_not_allowed",
        "allocation_beyond_payment",
        "allocation_count",
        "allocation_no_update",
    )
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            # No parameters: the "%" of RAISE's format string is not a placeholder.
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("donations", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
