"""Indexes the statistics rollups and drill-down lists need on other apps' tables.

They belong to the reports' queries, so they live here (the other apps' models are not
changed). ``IF NOT EXISTS``: an app may later declare the same index by the same name.
On PostgreSQL they are built ``CONCURRENTLY`` (no write lock on millions of rows), hence a
non-atomic migration.
"""

from django.db import migrations

INDEXES = [
    ("reports_request_submitted_at", "aid_requests_aidrequest", "(submitted_at)", ""),
    ("reports_request_claimed_at", "aid_requests_aidrequest", "(claimed_at)", ""),
    ("reports_request_updated_at", "aid_requests_aidrequest", "(updated_at)", ""),
    ("reports_timeline_at", "aid_requests_timelineentry", "(at, to_status)", ""),
    ("reports_payment_recorded_at", "aid_requests_payment", "(recorded_at)", ""),
    ("reports_commitment_created_at", "dedup_aidcommitment", "(created_at)", ""),
    ("reports_commitment_released_at", "dedup_aidcommitment", "(released_at)", ""),
    # Distinct beneficiaries: binding commitments overlapping a range, read from the index
    # alone (period_end first: a recent range skips everything that ended before it).
    (
        "reports_commitment_overlap",
        "dedup_aidcommitment",
        "(period_end, period_start, aid_type_id, civil_id, aid_request_id)",
        "WHERE status IN ('reserved', 'active')",
    ),
]


def create(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, table, columns, where in INDEXES:
        schema_editor.execute(
            f"CREATE INDEX {concurrently}IF NOT EXISTS {name} ON {table} {columns} {where}"
        )


def drop(apps, schema_editor):
    concurrently = "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""
    for name, _table, _columns, _where in INDEXES:
        schema_editor.execute(f"DROP INDEX {concurrently}IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("reports", "0002_statistics_rollups_exports"),
        ("aid_requests", "0004_casemessage"),
        ("dedup", "0002_one_aid_type_rule"),
    ]

    operations = [migrations.RunPython(create, drop)]
