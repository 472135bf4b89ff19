"""Scan every commitment for pairs that break the one-aid-type rule (there must be none)."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

PAIRS_SQL = """
SELECT a.id, b.id, a.civil_id, a.aid_type_id, a.period_start, a.period_end,
       b.period_start, b.period_end, a.organisation_id, b.organisation_id
FROM dedup_aidcommitment AS a
JOIN dedup_aidcommitment AS b
  ON a.civil_id = b.civil_id AND a.aid_type_id = b.aid_type_id AND a.id < b.id
 AND a.period_start <= b.period_end AND b.period_start <= a.period_end
WHERE a.status IN ('reserved', 'active') AND b.status IN ('reserved', 'active')
ORDER BY a.civil_id, a.aid_type_id, a.id
"""


class Command(BaseCommand):
    help = "Print every pair of binding aid commitments that overlap; exit 1 if there is any."

    def handle(self, *args: object, **options: object) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM dedup_aidcommitment")
            total = cursor.fetchone()[0]
            cursor.execute(PAIRS_SQL)
            pairs = cursor.fetchall()
        for a, b, civil_id, aid_type, a_from, a_to, b_from, b_to, org_a, org_b in pairs:
            self.stdout.write(
                f"VIOLATION commitments {a} and {b}: civil ID …{civil_id[-4:]}, aid type "
                f"{aid_type}, {a_from}–{a_to} (organisation {org_a}) overlaps {b_from}–{b_to} "
                f"(organisation {org_b})"
            )
        self.stdout.write(f"dedup_audit: {total} commitments checked, {len(pairs)} violations")
        if pairs:
            raise CommandError(f"{len(pairs)} pairs of commitments break the one-aid-type rule")
