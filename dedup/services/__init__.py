"""The one-aid-type rule's writes, by topic; this package is their public face.

- ``ledger``: reserve, activate, shorten and release a case's commitments; blocked attempts.
- ``household``: a member joining or leaving a household whose household aid is held.
- ``adjudication``: the ministry resolves coverage conflicts and decides possible duplicates.
- ``state``: the state's excluding benefits as commitments (``state_commitments_set``).

The other apps call the rule through the names below (``from dedup import services as dedup``).
"""

from dedup.services.adjudication import coverage_conflict_resolve, possible_duplicate_decide
from dedup.services.household import household_coverage_end, household_coverage_extend
from dedup.services.ledger import (
    blocked_attempt_record,
    commitments_activate,
    commitments_release,
    commitments_reserve,
    commitments_shorten,
    covered_until,
    find_conflict,
    has_open_conflict,
)
from dedup.services.state import StateCover, StateSync, state_commitments_set

__all__ = [
    "StateCover",
    "StateSync",
    "blocked_attempt_record",
    "commitments_activate",
    "commitments_release",
    "commitments_reserve",
    "commitments_shorten",
    "coverage_conflict_resolve",
    "covered_until",
    "find_conflict",
    "has_open_conflict",
    "household_coverage_end",
    "household_coverage_extend",
    "possible_duplicate_decide",
    "state_commitments_set",
]
