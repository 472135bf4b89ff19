"""Read-only checks behind ``manage.py dedup_audit``, beyond the pairs of commitments.

``coverage_gaps``: the people a held request should cover but its binding commitments do not.
A request that is claimed, approved or paying should hold, for its aid type and over its
coverage period, a binding (reserved or active) commitment for

* its beneficiary — today the applicant (person aid reserves the applicant's civil ID);
* for household aid, also every *current* member of the applicant's household.

A person with no such commitment of that request is a gap, of one of two kinds:

* ``uncovered``: no binding commitment of that aid type overlaps the coverage at all, so
  another organisation could grant it to them again;
* ``covered elsewhere``: another request's commitment holds them (e.g. a member added to the
  household after the claim whose own request another charity then claimed): the person
  receives that aid type twice unless the ministry resolves it (a coverage conflict).

Plain SQL over the tables (no model of another app is imported), one pass, on PostgreSQL and
SQLite alike (dates compare as ISO text on SQLite).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from dedup.models import AidCommitment, ConflictStatus, CoverageConflict

# The people each held request should cover: its beneficiary (the household member the
# request names, or else the applicant) and, for household aid, every current household
# member.
_EXPECTED = """
SELECT r.id AS request_id, r.aid_type_id, r.status, r.coverage_start, r.coverage_end,
       COALESCE(NULLIF(r.beneficiary_civil_id, ''), u.civil_id) AS civil_id,
       'beneficiary' AS role
FROM aid_requests_aidrequest AS r
JOIN accounts_user AS u ON u.id = r.applicant_id
WHERE r.status IN ('claimed', 'approved', 'paying')
UNION ALL
SELECT r.id, r.aid_type_id, r.status, r.coverage_start, r.coverage_end,
       m.civil_id, 'household member'
FROM aid_requests_aidrequest AS r
JOIN aid_requests_aidtype AS t ON t.id = r.aid_type_id
JOIN applicants_applicantprofile AS p ON p.user_id = r.applicant_id
JOIN applicants_householdmember AS m ON m.profile_id = p.id
WHERE r.status IN ('claimed', 'approved', 'paying') AND t.scope = 'household'
"""

# Built from the module constant above, no input: S608 does not apply.
GAPS_SQL = f"""
WITH expected AS ({_EXPECTED})
SELECT e.request_id, e.aid_type_id, e.status, e.coverage_start, e.coverage_end, e.civil_id,
       e.role,
       (SELECT c.id FROM dedup_aidcommitment AS c
         WHERE c.civil_id = e.civil_id AND c.aid_type_id = e.aid_type_id
           AND c.aid_request_id <> e.request_id AND c.status IN ('reserved', 'active')
           AND c.period_start <= e.coverage_end AND e.coverage_start <= c.period_end
         ORDER BY c.id LIMIT 1) AS elsewhere_id
FROM expected AS e
WHERE NOT EXISTS (
    SELECT 1 FROM dedup_aidcommitment AS c
    WHERE c.aid_request_id = e.request_id AND c.civil_id = e.civil_id
      AND c.aid_type_id = e.aid_type_id AND c.status IN ('reserved', 'active')
      AND c.period_start <= e.coverage_end AND e.coverage_start <= c.period_end
)
ORDER BY e.request_id, e.civil_id
"""  # noqa: S608

COUNT_SQL = f"SELECT COUNT(*), COUNT(DISTINCT request_id) FROM ({_EXPECTED}) AS e"  # noqa: S608


@dataclass(frozen=True)
class CoverageGap:
    """One person a held request should cover and does not."""

    request_id: int
    aid_type_id: int
    status: str
    coverage: tuple[str, str]
    civil_id: str
    role: str  # "beneficiary" or "household member"
    elsewhere: tuple[int, int, int] | None  # (commitment, its request, its organisation)


def people_expected() -> tuple[int, int]:
    """(people, requests): how many people the held requests should cover."""
    with connection.cursor() as cursor:
        cursor.execute(COUNT_SQL)
        people, requests = cursor.fetchone()
    return int(people), int(requests)


def coverage_gaps() -> list[CoverageGap]:
    """Every person a claimed, approved or paying request should cover and whom none of its
    binding commitments covers, with the other request's commitment when one holds them."""
    with connection.cursor() as cursor:
        cursor.execute(GAPS_SQL)
        rows = cursor.fetchall()
    elsewhere_ids = [row[7] for row in rows if row[7] is not None]
    holders = {
        pk: (request, organisation)
        for pk, request, organisation in AidCommitment.all_sources.filter(
            pk__in=elsewhere_ids
        ).values_list("pk", "aid_request_id", "organisation_id")
    }
    return [
        CoverageGap(
            request_id=request_id,
            aid_type_id=aid_type_id,
            status=status,
            coverage=(str(start), str(end)),
            civil_id=civil_id,
            role=role,
            elsewhere=(elsewhere, *holders[elsewhere]) if elsewhere is not None else None,
        )
        for request_id, aid_type_id, status, start, end, civil_id, role, elsewhere in rows
    ]


def open_coverage_conflicts() -> list[str]:
    """The open coverage conflicts, oldest first, one line each. ``dedup_audit`` prints them
    and does not fail on them: an open conflict is known, holds the later case's payments
    (database trigger) and awaits the ministry."""
    conflicts = CoverageConflict.objects.filter(status=ConflictStatus.OPEN).order_by(
        "opened_at", "pk"
    )
    return [
        f"OPEN CONFLICT {conflict.pk}: request {conflict.aid_request_id} (aid type "
        f"{conflict.aid_type_id}) cannot cover …{conflict.civil_id[-4:]}, held by "
        + (
            f"commitment {conflict.held_id}"
            if conflict.held_id is not None
            else f"state benefit record {conflict.benefit_record_id}"
        )
        + f"; open since {conflict.opened_at:%Y-%m-%d}"
        for conflict in conflicts
    ]
