"""Step 2 of the profile: the household members, and the possible duplicates they reveal.

A member change also changes who the household's aid covers, which is the rule's business
(``dedup``, a layer above). So the durable transaction of a member change is opened by
``dedup.household_steps``; the functions here are its two halves and run inside it:
``*_begin`` takes the locks and checks the request (no writes), then ``dedup`` extends or ends
the coverage, then ``*_finish`` writes the change, its history and its audit entry. The
coverage must come before any audit entry of the change (see
``dedup.services.household_coverage_extend``), hence the two halves.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import parse_civil_id
from accounts.models import Role, User
from applicants.exceptions import MemberError
from applicants.models import ApplicantProfile, HouseholdMember, PossibleDuplicate, ReviewStatus
from applicants.services.history import (
    History,
    changed_fields,
    lock_civil_id,
    locked_profile,
    locked_row,
    snapshot,
)
from audit.services import audit_record

_MEMBER_FIELDS = ("civil_id", "name", "kinship", "birth_date", "has_disability", "is_student")


@dataclass(frozen=True)
class MemberSaved:
    """A saved member, and whether the person is also listed in another active household."""

    member: HouseholdMember
    listed_elsewhere: bool


@dataclass(frozen=True)
class MemberAdding:
    """A member being added, between ``household_member_add_begin`` and ``_finish``."""

    #: The applicant's profile, locked.
    profile: ApplicantProfile
    #: The new member's civil ID, checked and locked.
    civil_id: str


@dataclass(frozen=True)
class MemberChange:
    """A member being changed or removed, between its ``*_begin`` and ``*_finish`` halves."""

    #: The applicant's profile, locked.
    profile: ApplicantProfile
    #: The member's row, locked, as it is before the change.
    member: HouseholdMember
    #: The member's civil ID after the change, checked and locked (when removed: the current).
    civil_id: str


def _member_summary(member: HouseholdMember) -> dict[str, Any]:
    return snapshot(member, _MEMBER_FIELDS)


def _check_member_civil_id(
    *, profile: ApplicantProfile, civil_id: str, exclude_pk: int | None = None
) -> str:
    try:
        number = parse_civil_id(civil_id).number
    except ValidationError as error:
        raise MemberError(" ".join(error.messages)) from None
    if number == profile.user.civil_id:
        raise MemberError(_("This is your own civil ID. You are counted in the household already."))
    same = profile.members.filter(civil_id=number)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise MemberError(_("This person is already listed in your household."))
    return number


def _record_duplicate(
    *,
    profile: ApplicantProfile,
    member: HouseholdMember | None,
    civil_id: str,
    other_applicant: User,
    other_profile: ApplicantProfile | None,
    other_member: HouseholdMember | None,
    actor: User,
) -> PossibleDuplicate:
    """Store (or refresh) one open possible duplicate for the ministry, audited."""
    duplicate = PossibleDuplicate.objects.filter(
        profile=profile,
        civil_id=civil_id,
        other_applicant=other_applicant,
        status=ReviewStatus.OPEN,
    ).first()
    if duplicate is None:
        duplicate = PossibleDuplicate(
            profile=profile, civil_id=civil_id, other_applicant=other_applicant
        )
    duplicate.member, duplicate.other_profile, duplicate.other_member = (
        member,
        other_profile,
        other_member,
    )
    duplicate.detected_at, duplicate.detected_by = timezone.now(), actor
    duplicate.save()
    audit_record(
        actor=actor,
        action="possible_duplicate.detect",
        target=duplicate,
        applicant_id=profile.user_id,
        data={
            "profile": profile.pk,
            "member": member.pk if member else None,
            "other_profile": other_profile.pk if other_profile else None,
            "other_member": other_member.pk if other_member else None,
            "other_applicant": other_applicant.pk,
        },
    )
    return duplicate


def _detect_member_listed_elsewhere(
    *, profile: ApplicantProfile, member: HouseholdMember, actor: User
) -> bool:
    """Record every other active household ``member``'s civil ID belongs to; True if any.

    Two ways to belong: listed there as a member, or being the applicant of an account (whose
    own household the person heads). Inactive accounts' households are not counted.
    """
    found = False
    elsewhere = (
        HouseholdMember.objects.filter(civil_id=member.civil_id, profile__user__is_active=True)
        .exclude(profile=profile)
        .select_related("profile__user")
        .order_by("pk")
    )
    for other in elsewhere:
        _record_duplicate(
            profile=profile,
            member=member,
            civil_id=member.civil_id,
            other_applicant=other.profile.user,
            other_profile=other.profile,
            other_member=other,
            actor=actor,
        )
        found = True
    account = (
        User.objects.filter(civil_id=member.civil_id, role=Role.APPLICANT, is_active=True)
        .exclude(pk=profile.user_id)
        .first()
    )
    if account is not None:
        _record_duplicate(
            profile=profile,
            member=member,
            civil_id=member.civil_id,
            other_applicant=account,
            other_profile=ApplicantProfile.objects.filter(user=account).first(),
            other_member=None,
            actor=actor,
        )
        found = True
    return found


def detect_applicant_listed_elsewhere(*, profile: ApplicantProfile, actor: User) -> None:
    """A new profile's applicant may already be a member of another household: record it."""
    elsewhere = (
        HouseholdMember.objects.filter(
            civil_id=profile.user.civil_id, profile__user__is_active=True
        )
        .exclude(profile=profile)
        .select_related("profile__user")
        .order_by("pk")
    )
    for other in elsewhere:
        # Already recorded from the other side when the member was added after this account.
        if PossibleDuplicate.objects.filter(
            member=other, other_applicant=profile.user, status=ReviewStatus.OPEN
        ).exists():
            continue
        _record_duplicate(
            profile=profile,
            member=None,
            civil_id=other.civil_id,
            other_applicant=other.profile.user,
            other_profile=other.profile,
            other_member=other,
            actor=actor,
        )


def household_member_add_begin(*, actor: User, civil_id: str) -> MemberAdding:
    """First half of adding a member to ``actor``'s household: locks and checks, no writes.

    Refused (MemberError): an invalid civil ID, the applicant's own, one already in this
    household.
    """
    profile = locked_profile(actor)
    number = _check_member_civil_id(profile=profile, civil_id=civil_id)
    lock_civil_id(number)
    return MemberAdding(profile=profile, civil_id=number)


def household_member_add_finish(
    *,
    change: MemberAdding,
    actor: User,
    name: str,
    kinship: str,
    birth_date: datetime.date | None,
    has_disability: bool,
    is_student: bool,
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> MemberSaved:
    """Second half of adding a member. A person already in another active household is saved
    *and* a PossibleDuplicate is recorded for the ministry (``listed_elsewhere`` tells the view).
    """
    profile, number = change.profile, change.civil_id
    member = HouseholdMember(
        profile=profile,
        civil_id=number,
        name=name.strip(),
        kinship=kinship,
        birth_date=birth_date or parse_civil_id(number).birth_date,
        has_disability=has_disability,
        is_student=is_student,
    )
    member.save()
    History(profile=profile, actor=actor, held_statuses=held_statuses).added(
        member, _member_summary(member)
    )
    audit_record(
        actor=actor,
        action="household_member.add",
        target=member,
        applicant_id=actor.pk,
        data={"civil_id": "…" + number[-4:], "kinship": kinship},
        ip_address=ip_address,
    )
    listed_elsewhere = _detect_member_listed_elsewhere(profile=profile, member=member, actor=actor)
    return MemberSaved(member=member, listed_elsewhere=listed_elsewhere)


def household_member_update_begin(
    *, actor: User, member: HouseholdMember, civil_id: str
) -> MemberChange:
    """First half of changing one of ``actor``'s members: locks and checks, no writes.

    A changed civil ID is checked like a new member's (MemberError).
    """
    profile = locked_profile(actor)
    locked = locked_row(HouseholdMember, pk=member.pk, profile=profile)
    number = _check_member_civil_id(profile=profile, civil_id=civil_id, exclude_pk=locked.pk)
    lock_civil_id(number)
    return MemberChange(profile=profile, civil_id=number, member=locked)


def household_member_update_finish(
    *,
    change: MemberChange,
    actor: User,
    name: str,
    kinship: str,
    birth_date: datetime.date | None,
    has_disability: bool,
    is_student: bool,
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> MemberSaved:
    """Second half of changing a member; a new civil ID is looked for in other households."""
    profile, number, locked = change.profile, change.civil_id, change.member
    before = _member_summary(locked)
    locked.civil_id, locked.name, locked.kinship = number, name.strip(), kinship
    locked.birth_date = birth_date or parse_civil_id(number).birth_date
    locked.has_disability, locked.is_student = has_disability, is_student
    locked.save()
    after = _member_summary(locked)
    History(profile=profile, actor=actor, held_statuses=held_statuses).updated(
        locked, before, after
    )
    audit_record(
        actor=actor,
        action="household_member.update",
        target=locked,
        applicant_id=actor.pk,
        data={"fields": changed_fields(before, after)},
        ip_address=ip_address,
    )
    listed_elsewhere = False
    if before["civil_id"] != number:
        listed_elsewhere = _detect_member_listed_elsewhere(
            profile=profile, member=locked, actor=actor
        )
    return MemberSaved(member=locked, listed_elsewhere=listed_elsewhere)


def household_member_remove_begin(*, actor: User, member: HouseholdMember) -> MemberChange:
    """First half of removing one of ``actor``'s members: the locks, no writes."""
    profile = locked_profile(actor)
    locked = locked_row(HouseholdMember, pk=member.pk, profile=profile)
    return MemberChange(profile=profile, civil_id=locked.civil_id, member=locked)


def household_member_remove_finish(
    *,
    change: MemberChange,
    actor: User,
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> None:
    """Second half of removing a member (their possible duplicates stay for the ministry)."""
    profile, locked = change.profile, change.member
    History(profile=profile, actor=actor, held_statuses=held_statuses).removed(
        locked, _member_summary(locked)
    )
    audit_record(
        actor=actor,
        action="household_member.remove",
        target=locked,
        applicant_id=actor.pk,
        data={"civil_id": "…" + locked.civil_id[-4:]},
        ip_address=ip_address,
    )
    locked.delete()
