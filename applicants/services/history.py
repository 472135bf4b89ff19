"""The steps every write of the applicants app shares: locks, snapshots and the history.

Which request statuses mean "a charity holds the profile" is the aid-request layer's knowledge
(``aid_requests.models.HELD_STATUSES``): the callers pass it in as ``held_statuses``.
"""

from __future__ import annotations

import datetime
from collections.abc import Collection
from decimal import Decimal
from typing import Any, TypeVar

from django.db import connection, models

from accounts.models import User
from applicants import selectors
from applicants.exceptions import ItemGoneError, ProfileMissingError
from applicants.models import (
    ApplicantProfile,
    ChangeKind,
    Document,
    HouseholdMember,
    IncomeSource,
    MonthlyObligation,
    ProfileChange,
)


def locked_profile(user: User) -> ApplicantProfile:
    profile = ApplicantProfile.objects.select_for_update().filter(user=user).first()
    if profile is None:
        raise ProfileMissingError
    return profile


Row = TypeVar("Row", HouseholdMember, IncomeSource, MonthlyObligation, Document)


def locked_row(model: type[Row], *, pk: int, profile: ApplicantProfile) -> Row:
    """Re-read one of the profile's rows under lock (it may have gone since the view read it)."""
    row = model.objects.select_for_update().filter(pk=pk, profile=profile).first()
    if row is None:
        raise ItemGoneError
    return row


#: Namespace of the advisory locks taken per civil ID (PostgreSQL's two-key lock space).
_CIVIL_ID_LOCK = 0x4D454D42  # "MEMB"


def lock_civil_id(number: str) -> None:
    """Serialise the "is this person in another household?" check per civil ID.

    Without it two households adding the same person at once on PostgreSQL would each miss the
    other's uncommitted row and neither would be flagged. SQLite runs one writer at a time
    (IMMEDIATE transactions), so there is nothing to do there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_CIVIL_ID_LOCK, int(number) % 2**31]
            )


def _plain(value: Any) -> Any:
    """A value as stored in ProfileChange (JSON): money and dates as text, rows by their pk."""
    if isinstance(value, Decimal | datetime.date):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    return value


def snapshot(instance: models.Model, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(name for name in before if before[name] != after[name])


class History:
    """Collects ProfileChange rows during a service call when the profile is held."""

    def __init__(
        self, *, profile: ApplicantProfile, actor: User, held_statuses: Collection[str]
    ) -> None:
        self.profile, self.actor = profile, actor
        self.enabled = selectors.is_profile_held(profile.user, held_statuses=held_statuses)

    def updated(
        self, instance: models.Model, before: dict[str, Any], after: dict[str, Any]
    ) -> None:
        for name, old in before.items():
            if old != after[name]:
                self._add(instance, ChangeKind.UPDATED, name, old, after[name])

    def added(self, instance: models.Model, summary: dict[str, Any]) -> None:
        self._add(instance, ChangeKind.ADDED, "", None, summary)

    def removed(self, instance: models.Model, summary: dict[str, Any]) -> None:
        self._add(instance, ChangeKind.REMOVED, "", summary, None)

    def _add(self, instance: models.Model, kind: str, field: str, old: Any, new: Any) -> None:
        if not self.enabled:
            return
        ProfileChange.objects.create(
            profile=self.profile,
            model=instance._meta.label_lower,
            object_id=str(instance.pk),
            kind=kind,
            field=field,
            old_value=old,
            new_value=new,
            changed_by=self.actor,
        )
