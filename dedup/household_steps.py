"""A household member added, changed or removed: the change and the coverage that follows it.

The household's aid covers its members, under the one-aid-type rule: a member who joins is
covered by every household aid the household holds now (``household_coverage_extend``), one
who leaves stops being covered at the end of the current period (``household_coverage_end``).
Each step below is one durable transaction holding both parts: ``applicants`` locks the
profile and checks the request (``*_begin``), the coverage follows, then ``applicants`` writes
the change with its history and audit entry (``*_finish``). The coverage comes before any audit
entry of the change: see ``household_coverage_extend`` for the lock order.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from accounts.models import User
from aid_requests.models import HELD_STATUSES
from applicants.models import HouseholdMember
from applicants.services import household
from applicants.services.household import MemberSaved
from dedup.services import household_coverage_end, household_coverage_extend


def household_member_add(
    *,
    actor: User,
    civil_id: str,
    name: str,
    kinship: str,
    birth_date: datetime.date | None,
    has_disability: bool,
    is_student: bool,
    ip_address: str | None = None,
) -> MemberSaved:
    """Add a member to ``actor``'s household.

    Refused (MemberError): an invalid civil ID, the applicant's own, one already in this
    household. A person already in another active household is saved *and* a
    PossibleDuplicate is recorded for the ministry (``listed_elsewhere`` tells the view).
    """
    with transaction.atomic(durable=True):
        adding = household.household_member_add_begin(actor=actor, civil_id=civil_id)
        # The household aid the household holds covers the new member too, under the same
        # rule as a claim; a refusal opens a coverage conflict and the member stays listed.
        # Before any audit entry of this change: see household_coverage_extend.
        household_coverage_extend(applicant_id=actor.pk, civil_id=adding.civil_id, actor=actor)
        return household.household_member_add_finish(
            change=adding,
            actor=actor,
            name=name,
            kinship=kinship,
            birth_date=birth_date,
            has_disability=has_disability,
            is_student=is_student,
            held_statuses=HELD_STATUSES,
            ip_address=ip_address,
        )


def household_member_update(
    *,
    actor: User,
    member: HouseholdMember,
    civil_id: str,
    name: str,
    kinship: str,
    birth_date: datetime.date | None,
    has_disability: bool,
    is_student: bool,
    ip_address: str | None = None,
) -> MemberSaved:
    """Change one of ``actor``'s members; a changed civil ID is checked like a new member."""
    with transaction.atomic(durable=True):
        change = household.household_member_update_begin(
            actor=actor, member=member, civil_id=civil_id
        )
        if change.member.civil_id != change.civil_id:
            # A corrected civil ID is another person for the rule: the new one is covered like
            # a new member (first: see household_coverage_extend), the old one's coverage ends
            # with the current period.
            household_coverage_extend(applicant_id=actor.pk, civil_id=change.civil_id, actor=actor)
            household_coverage_end(
                applicant_id=actor.pk, civil_id=change.member.civil_id, actor=actor
            )
        return household.household_member_update_finish(
            change=change,
            actor=actor,
            name=name,
            kinship=kinship,
            birth_date=birth_date,
            has_disability=has_disability,
            is_student=is_student,
            held_statuses=HELD_STATUSES,
            ip_address=ip_address,
        )


def household_member_remove(
    *, actor: User, member: HouseholdMember, ip_address: str | None = None
) -> None:
    """Remove one of ``actor``'s members (their possible duplicates stay for the ministry).

    Their coverage by the household's aid ends with the current period of each case.
    """
    with transaction.atomic(durable=True):
        change = household.household_member_remove_begin(actor=actor, member=member)
        household_coverage_end(applicant_id=actor.pk, civil_id=change.civil_id, actor=actor)
        household.household_member_remove_finish(
            change=change, actor=actor, held_statuses=HELD_STATUSES, ip_address=ip_address
        )
