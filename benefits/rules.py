"""The ministry's rules per aid type (which benefits exclude it, which count as income), set and
removed; the state commitments of the excluding benefits follow in the same transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from audit.services import audit_record
from benefits.commitments import commitments_follow_rule
from benefits.exceptions import RuleInvalid
from benefits.models import AidTypeBenefitRule, BenefitEffect

if TYPE_CHECKING:
    from accounts.models import User


def benefit_rule_set(
    *,
    actor: User,
    aid_type_id: int,
    kind_id: int,
    effect: str,
    rule_id: int | None = None,
) -> AidTypeBenefitRule:
    """Add a rule (``rule_id`` None) or change one. When the rule excludes — or did before the
    change — the state commitments of everyone with a record of the kinds concerned follow:
    reserved, released, or opened as coverage conflicts where a charity holds the aid type."""
    if effect not in BenefitEffect.values:
        raise RuleInvalid
    with transaction.atomic(durable=True):
        before = None
        if rule_id is not None:
            before = AidTypeBenefitRule.objects.select_for_update().filter(pk=rule_id).first()
            if before is None:
                raise RuleInvalid
        elif AidTypeBenefitRule.objects.filter(aid_type_id=aid_type_id, kind_id=kind_id).exists():
            raise RuleInvalid
        rule = before or AidTypeBenefitRule()
        old = (rule.aid_type_id, rule.kind_id, rule.effect) if before is not None else None
        rule.aid_type_id, rule.kind_id, rule.effect = aid_type_id, kind_id, effect
        rule.save()
        excluding = [(aid_type_id, kind_id)] if effect == BenefitEffect.EXCLUDES else []
        if old is not None and old[2] == BenefitEffect.EXCLUDES:
            excluding.append((old[0], old[1]))
        if excluding:
            commitments_follow_rule(
                kind_ids={kind for _aid_type, kind in excluding},
                aid_type_ids={aid_type for aid_type, _kind in excluding},
                actor=actor,
            )
        audit_record(
            actor=actor,
            action="benefit_rule.set",
            target=rule,
            data={
                "aid_type": aid_type_id,
                "kind": kind_id,
                "effect": effect,
                "before": list(old) if old is not None else None,
            },
        )
    return rule


def benefit_rule_remove(*, actor: User, rule_id: int) -> None:
    """Remove a rule; an excluding one releases the state commitments it alone held."""
    with transaction.atomic(durable=True):
        rule = AidTypeBenefitRule.objects.select_for_update().filter(pk=rule_id).first()
        if rule is None:
            raise RuleInvalid
        aid_type_id, kind_id, effect = rule.aid_type_id, rule.kind_id, rule.effect
        audit_data = {"aid_type": aid_type_id, "kind": kind_id, "effect": effect}
        rule.delete()
        if effect == BenefitEffect.EXCLUDES:
            commitments_follow_rule(kind_ids={kind_id}, aid_type_ids={aid_type_id}, actor=actor)
        audit_record(
            actor=actor,
            action="benefit_rule.remove",
            target=None,
            data={"rule": rule_id, **audit_data},
        )
