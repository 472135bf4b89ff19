"""The state's excluding benefits kept in step with the one-aid-type rule.

A benefit the ministry says excludes an aid type (``AidTypeBenefitRule``, effect ``excludes``)
holds that aid type for the person over the benefit's period: one binding commitment per
(record, excluding aid type), reserved through ``dedup.services.state_commitments_set`` under
the same database rule as a charity's claim. An open-ended benefit holds it until
``UNTIL_FURTHER_NOTICE``.

Called in the transaction that changes what they depend on:

- ``commitments_follow_records``: an import batch or a live lookup created or changed records
  (``benefits.services.plan_apply``): one pass per batch, only for the people whose records are
  of an excluding kind or already hold state commitments — nothing at all when no rule excludes;
- ``commitments_follow_rule``: the ministry added, changed or removed an excluding rule
  (``benefits.rules``): every person with a record of that kind, for that aid type;
- ``commitments_refill``: a charity's case that kept the state out of some days (a coverage
  conflict names it and the benefit) no longer holds them — released, rejected, closed early:
  the state takes them back. In a transaction of its own, right after the case's (called by
  ``charities.services``), and nightly for everyone such a conflict names (the steps below
  ``benefits`` — a withdrawal, an appeal, a household change — cannot call it).

Each pass recomputes, for its people and aid types, every cover from all their records, so a
benefit ended earlier shortens its commitment, a rule removed releases them, and two excluding
benefits of one person never refuse each other.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import transaction

from benefits.models import AidTypeBenefitRule, BenefitEffect, BenefitRecord
from dedup import services as dedup
from dedup.models import BINDING, UNTIL_FURTHER_NOTICE, AidCommitment, CoverageConflict

if TYPE_CHECKING:
    from accounts.models import User

#: Records per statement.
CHUNK = 1000


def excluding_rules() -> dict[int, set[int]]:
    """Benefit kind → the aid types it excludes (one query)."""
    rules: dict[int, set[int]] = defaultdict(set)
    for kind_id, aid_type_id in AidTypeBenefitRule.objects.filter(
        effect=BenefitEffect.EXCLUDES
    ).values_list("kind_id", "aid_type_id"):
        rules[kind_id].add(aid_type_id)
    return dict(rules)


def _covers(
    civil_ids: list[str], rules: dict[int, set[int]], aid_type_ids: set[int]
) -> list[dedup.StateCover]:
    covers = []
    for index in range(0, len(civil_ids), CHUNK):
        for pk, civil_id, kind_id, start, end in BenefitRecord.objects.filter(
            civil_id__in=civil_ids[index : index + CHUNK], kind_id__in=list(rules)
        ).values_list("pk", "civil_id", "kind_id", "start_date", "end_date"):
            for aid_type_id in rules[kind_id] & aid_type_ids:
                covers.append(
                    dedup.StateCover(
                        benefit_record_id=pk,
                        civil_id=civil_id,
                        aid_type_id=aid_type_id,
                        start=start,
                        end=end or UNTIL_FURTHER_NOTICE,
                    )
                )
    return covers


def commitments_follow_records(
    records: Iterable[BenefitRecord],
    *,
    changed: list[BenefitRecord],
    actor: User | None,
) -> dedup.StateSync | None:
    """After ``records`` were created and ``changed`` updated (in the caller's transaction):
    the state commitments of their people follow. None when nothing could have changed."""
    rules = excluding_rules()
    held: set[str] = set()
    aid_type_ids: set[int] = set().union(*rules.values()) if rules else set()
    if changed:
        # A changed record may hold commitments its kind no longer gives (a kind changed, a
        # rule removed meanwhile): they are looked at too.
        ids = [record.pk for record in changed]
        for index in range(0, len(ids), CHUNK):
            for civil_id, aid_type_id in AidCommitment.all_sources.filter(
                benefit_record_id__in=ids[index : index + CHUNK], status__in=BINDING
            ).values_list("civil_id", "aid_type_id"):
                held.add(civil_id)
                aid_type_ids.add(aid_type_id)
    people = {record.civil_id for record in [*records, *changed] if record.kind_id in rules} | held
    if not people:
        return None
    civil_ids = sorted(people)
    return dedup.state_commitments_set(
        aid_type_ids=aid_type_ids,
        civil_ids=civil_ids,
        covers=_covers(civil_ids, rules, aid_type_ids),
        actor=actor,
    )


def commitments_follow_rule(
    *, kind_ids: Iterable[int], aid_type_ids: Iterable[int], actor: User | None
) -> dedup.StateSync:
    """After an excluding rule of these kinds and aid types was added, changed or removed:
    the state commitments of everyone with a record of those kinds, for those aid types."""
    aid_types = set(aid_type_ids)
    civil_ids = sorted(
        set(
            BenefitRecord.objects.filter(kind_id__in=list(kind_ids)).values_list(
                "civil_id", flat=True
            )
        )
    )
    return dedup.state_commitments_set(
        aid_type_ids=aid_types,
        civil_ids=civil_ids,
        covers=_covers(civil_ids, excluding_rules(), aid_types),
        actor=actor,
    )


def commitments_refill(
    *, aid_request_id: int | None = None, actor: User | None = None
) -> dedup.StateSync | None:
    """The state takes back the days a charity's case held against its excluding benefits, once
    the case no longer holds them. ``aid_request_id``: the people of that case's conflicts with
    a benefit (one indexed query, nothing more when there are none — nearly always); None:
    everyone any such conflict names (the nightly pass). Runs in a durable transaction of its
    own, after the case's has committed (the rule's locks come before the audit chain's)."""
    conflicts = CoverageConflict.objects.filter(benefit_record__isnull=False)
    if aid_request_id is not None:
        conflicts = conflicts.filter(aid_request_id=aid_request_id)
    people = sorted(set(conflicts.values_list("civil_id", flat=True)))
    if not people:
        return None
    rules = excluding_rules()
    if not rules:
        return None
    aid_type_ids: set[int] = set().union(*rules.values())
    with transaction.atomic(durable=True):
        return dedup.state_commitments_set(
            aid_type_ids=aid_type_ids,
            civil_ids=people,
            covers=_covers(people, rules, aid_type_ids),
            actor=actor,
        )
