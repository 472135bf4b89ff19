"""Screening: eligibility reasons and the need score (0–100) with its breakdown.

Pure functions over a ``HouseholdSnapshot`` so every figure can be checked by hand; the
breakdown is stored with the request and shown to the applicant and to charities.

Need score = income points + dependant points + disability points + student points:

* income (0–60): 60 × (1 − per-capita income after obligations ÷ threshold), clamped to 0–60.
  The threshold is the aid type's maximum per-capita income, or 250 KWD when it has none.
  A household whose obligations exceed its income (per capita ≤ 0) gets all 60.
* dependants (0–20): 5 per household member other than the applicant, at most 4 counted.
* disability (0–10): 5 per member with a disability, at most 2 counted.
* students (0–10): 5 per member who is a student, at most 2 counted.

Each part is rounded half-up to a whole point after it is computed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DEFAULT_THRESHOLD = Decimal("250")
INCOME_POINTS = 60
DEPENDANT_POINTS, DEPENDANT_CAP = 5, 4
DISABILITY_POINTS, DISABILITY_CAP = 5, 2
STUDENT_POINTS, STUDENT_CAP = 5, 2


@dataclass(frozen=True)
class HouseholdSnapshot:
    """What screening needs to know about an applicant's household, in KWD per month."""

    household_size: int
    income_total: Decimal
    obligations_total: Decimal
    disabled_members: int = 0
    student_members: int = 0
    profile_complete: bool = True
    document_kinds: frozenset[str] = field(default_factory=frozenset)

    @property
    def per_capita(self) -> Decimal:
        net = self.income_total - self.obligations_total
        return (net / self.household_size).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Screening:
    eligible: bool
    reasons: list[dict[str, Any]]
    score: int
    breakdown: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        return {"eligible": self.eligible, "reasons": self.reasons, "breakdown": self.breakdown}


def _points(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def need_score(
    snapshot: HouseholdSnapshot, threshold: Decimal | None
) -> tuple[int, list[dict[str, Any]]]:
    """The score and its parts: ``[{"part", "value", "points", "max"}, …]``."""
    limit = threshold if threshold and threshold > 0 else DEFAULT_THRESHOLD
    per_capita = snapshot.per_capita
    share = max(Decimal(0), min(Decimal(1), 1 - per_capita / limit))
    income = _points(INCOME_POINTS * share)
    dependants = snapshot.household_size - 1
    parts: list[dict[str, Any]] = [
        {
            "part": "income",
            "value": str(per_capita),
            "threshold": str(limit),
            "points": income,
            "max": INCOME_POINTS,
        },
        {
            "part": "dependants",
            "value": dependants,
            "points": DEPENDANT_POINTS * min(dependants, DEPENDANT_CAP),
            "max": DEPENDANT_POINTS * DEPENDANT_CAP,
        },
        {
            "part": "disability",
            "value": snapshot.disabled_members,
            "points": DISABILITY_POINTS * min(snapshot.disabled_members, DISABILITY_CAP),
            "max": DISABILITY_POINTS * DISABILITY_CAP,
        },
        {
            "part": "students",
            "value": snapshot.student_members,
            "points": STUDENT_POINTS * min(snapshot.student_members, STUDENT_CAP),
            "max": STUDENT_POINTS * STUDENT_CAP,
        },
    ]
    return sum(int(p["points"]) for p in parts), parts


def screen(
    snapshot: HouseholdSnapshot,
    *,
    threshold: Decimal | None,
    required_documents: list[str],
    documents_attached: frozenset[str],
) -> Screening:
    """Eligibility (with exact reasons) and the need score of one request."""
    reasons: list[dict[str, Any]] = []
    if not snapshot.profile_complete:
        reasons.append({"code": "profile_incomplete"})
    missing = [kind for kind in required_documents if kind not in documents_attached]
    if missing:
        reasons.append({"code": "documents_missing", "kinds": missing})
    if threshold is not None and snapshot.per_capita > threshold:
        reasons.append(
            {
                "code": "income_above_threshold",
                "per_capita": str(snapshot.per_capita),
                "threshold": str(threshold),
            }
        )
    score, breakdown = need_score(snapshot, threshold)
    return Screening(eligible=not reasons, reasons=reasons, score=score, breakdown=breakdown)
