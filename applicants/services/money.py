"""Steps 3 and 4 of the profile: the household's monthly income sources and obligations.

One set of steps serves both lists (``_money_*``); ``held_statuses`` is passed on to the
history (see ``applicants.services.history``).
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import TypeVar

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import User
from applicants.exceptions import InvalidValueError
from applicants.models import IncomeSource, MonthlyObligation
from applicants.services.history import (
    History,
    changed_fields,
    locked_profile,
    locked_row,
    snapshot,
)
from applicants.validators import validate_monthly_amount
from audit.services import audit_record

_MONEY_FIELDS = ("kind", "amount", "description")
_Money = TypeVar("_Money", IncomeSource, MonthlyObligation)
_FILS = Decimal("0.001")


def _checked_amount(amount: Decimal) -> Decimal:
    """``amount`` to the fils, or InvalidValueError (negative, below 0.001, absurdly high)."""
    try:
        validate_monthly_amount(amount)
    except ValidationError as error:
        raise InvalidValueError(error, "amount") from None
    return amount.quantize(_FILS)


def _money_add(
    *,
    model: type[_Money],
    action: str,
    actor: User,
    kind: str,
    amount: Decimal,
    description: str,
    held_statuses: Collection[str],
    ip_address: str | None,
) -> _Money:
    amount = _checked_amount(amount)
    with transaction.atomic(durable=True):
        profile = locked_profile(actor)
        row = model.objects.create(
            profile=profile, kind=kind, amount=amount, description=description.strip()
        )
        History(profile=profile, actor=actor, held_statuses=held_statuses).added(
            row, snapshot(row, _MONEY_FIELDS)
        )
        audit_record(
            actor=actor,
            action=action,
            target=row,
            applicant_id=actor.pk,
            data={"kind": kind, "amount": str(amount)},
            ip_address=ip_address,
        )
    return row


def _money_update(
    *,
    row: _Money,
    action: str,
    actor: User,
    kind: str,
    amount: Decimal,
    description: str,
    held_statuses: Collection[str],
    ip_address: str | None,
) -> _Money:
    amount = _checked_amount(amount)
    with transaction.atomic(durable=True):
        profile = locked_profile(actor)
        locked = locked_row(type(row), pk=row.pk, profile=profile)
        before = snapshot(locked, _MONEY_FIELDS)
        locked.kind, locked.amount, locked.description = kind, amount, description.strip()
        locked.save()
        after = snapshot(locked, _MONEY_FIELDS)
        History(profile=profile, actor=actor, held_statuses=held_statuses).updated(
            locked, before, after
        )
        audit_record(
            actor=actor,
            action=action,
            target=locked,
            applicant_id=actor.pk,
            data={"fields": changed_fields(before, after)},
            ip_address=ip_address,
        )
    return locked


def _money_remove(
    *,
    row: _Money,
    action: str,
    actor: User,
    held_statuses: Collection[str],
    ip_address: str | None,
) -> None:
    with transaction.atomic(durable=True):
        profile = locked_profile(actor)
        locked = locked_row(type(row), pk=row.pk, profile=profile)
        History(profile=profile, actor=actor, held_statuses=held_statuses).removed(
            locked, snapshot(locked, _MONEY_FIELDS)
        )
        audit_record(
            actor=actor,
            action=action,
            target=locked,
            applicant_id=actor.pk,
            data={"kind": locked.kind, "amount": str(locked.amount)},
            ip_address=ip_address,
        )
        locked.delete()


def income_source_add(
    *,
    actor: User,
    kind: str,
    amount: Decimal,
    description: str = "",
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> IncomeSource:
    return _money_add(
        model=IncomeSource,
        action="income_source.add",
        actor=actor,
        kind=kind,
        amount=amount,
        description=description,
        held_statuses=held_statuses,
        ip_address=ip_address,
    )


def income_source_update(
    *,
    actor: User,
    income: IncomeSource,
    kind: str,
    amount: Decimal,
    description: str = "",
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> IncomeSource:
    return _money_update(
        row=income,
        action="income_source.update",
        actor=actor,
        kind=kind,
        amount=amount,
        description=description,
        held_statuses=held_statuses,
        ip_address=ip_address,
    )


def income_source_remove(
    *,
    actor: User,
    income: IncomeSource,
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> None:
    _money_remove(
        row=income,
        action="income_source.remove",
        actor=actor,
        held_statuses=held_statuses,
        ip_address=ip_address,
    )


def monthly_obligation_add(
    *,
    actor: User,
    kind: str,
    amount: Decimal,
    description: str = "",
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> MonthlyObligation:
    return _money_add(
        model=MonthlyObligation,
        action="monthly_obligation.add",
        actor=actor,
        kind=kind,
        amount=amount,
        description=description,
        held_statuses=held_statuses,
        ip_address=ip_address,
    )


def monthly_obligation_update(
    *,
    actor: User,
    obligation: MonthlyObligation,
    kind: str,
    amount: Decimal,
    description: str = "",
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> MonthlyObligation:
    return _money_update(
        row=obligation,
        action="monthly_obligation.update",
        actor=actor,
        kind=kind,
        amount=amount,
        description=description,
        held_statuses=held_statuses,
        ip_address=ip_address,
    )


def monthly_obligation_remove(
    *,
    actor: User,
    obligation: MonthlyObligation,
    held_statuses: Collection[str],
    ip_address: str | None = None,
) -> None:
    _money_remove(
        row=obligation,
        action="monthly_obligation.remove",
        actor=actor,
        held_statuses=held_statuses,
        ip_address=ip_address,
    )
