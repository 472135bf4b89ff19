"""The one-aid-type rule in the database itself.

PostgreSQL: an exclusion constraint over reserved/active commitments (needs btree_gist for the
equality parts). SQLite: triggers that abort an overlapping insert, or an update that makes a
commitment binding again. Each branch runs only on its own database.
"""

from django.db import migrations

PG_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    """
    ALTER TABLE dedup_aidcommitment
    ADD CONSTRAINT dedup_one_aid_type_per_person
    EXCLUDE USING gist (
        civil_id WITH =,
        aid_type_id WITH =,
        daterange(period_start, period_end, '[]') WITH &&
    ) WHERE (status IN ('reserved', 'active'))
    """,
]
PG_BACKWARD = [
    "ALTER TABLE dedup_aidcommitment DROP CONSTRAINT IF EXISTS dedup_one_aid_type_per_person",
]

_SQLITE_CONDITION = """
    NEW.status IN ('reserved', 'active') AND EXISTS (
        SELECT 1 FROM dedup_aidcommitment AS c
        WHERE c.civil_id = NEW.civil_id
          AND c.aid_type_id = NEW.aid_type_id
          AND c.status IN ('reserved', 'active')
          AND c.id IS NOT NEW.id
          AND c.period_start <= NEW.period_end
          AND c.period_end >= NEW.period_start
    )
"""
SQLITE_FORWARD = [
    f"""
    CREATE TRIGGER dedup_overlap_insert BEFORE INSERT ON dedup_aidcommitment
    WHEN {_SQLITE_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'dedup_overlap: aid already granted for an overlapping period'); END
    """,
    f"""
    CREATE TRIGGER dedup_overlap_update BEFORE UPDATE ON dedup_aidcommitment
    WHEN {_SQLITE_CONDITION}
    BEGIN SELECT RAISE(ABORT, 'dedup_overlap: aid already granted for an overlapping period'); END
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS dedup_overlap_insert",
    "DROP TRIGGER IF EXISTS dedup_overlap_update",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("dedup", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": PG_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": PG_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
