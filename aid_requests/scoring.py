"""Screening: eligibility reasons and the need score (0–100) with its breakdown.

Pure functions over a ``HouseholdSnapshot`` so every figure can be checked by hand; the
breakdown is stored with the request and shown to the applicant and to charities.

Need score = income points + dependant points + disability points + student points:

* income (0–60): 60 × (1 − per-capita income after obligations ÷ threshold), clamped to 0–60.
  The threshold is the aid type's maximum per-capita income, or 250 KWD when it has none.
  A household whose obligations exceed its income (per capita ≤ 0) gets all 60.
  The income counted is the declared income with its state-benefit part replaced by the
  larger of what was declared and what the state agencies verified (``HouseholdSnapshot.
  income_counted``): a state benefit is counted once, and never below what either side says.
* dependants (0–20): 5 per household member other than the applicant, at most 4 counted.
* disability (0–10): 5 per member with a disability, at most 2 counted.
* students (0–10): 5 per member who is a student, at most 2 counted.

Each part is rounded half-up to a whole point after it is computed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

DEFAULT_THRESHOLD = Decimal("250")
INCOME_POINTS = 60
DEPENDANT_POINTS, DEPENDANT_CAP = 5, 4
DISABILITY_POINTS, DISABILITY_CAP = 5, 2
STUDENT_POINTS, STUDENT_CAP = 5, 2


class VerifiedFrom(enum.StrEnum):
    """Where the verified income of a submission came from (kept in the screening record)."""

    #: The agencies answered for every person just now; their records were refreshed first.
    AGENCIES = "agencies"
    #: An agency did not answer for someone (timeout, 5xx after retries, malformed answer):
    #: the records already held were used for them.
    RECORDS_HELD = "records_held"
    #: No agency link (the simulator): the records held are the agencies' answer.
    RECORDS = "records"


@dataclass(frozen=True)
class VerifiedIncome:
    """The household's monthly state benefits that count as income for the aid type, as the
    state agencies report them (a total only: never which agency, benefit or record)."""

    total: Decimal
    source: VerifiedFrom


@dataclass(frozen=True)
class HouseholdSnapshot:
    """What screening needs to know about an applicant's household, in KWD per month.

    ``income_total`` is everything declared; ``declared_state_income`` the part of it declared
    as state benefits (``applicants.selectors.STATE_BENEFIT_INCOME_KINDS``); ``verified_income``
    the state benefits verified with the agencies, None when they were not asked (requests
    screened before the link, the demo).
    """

    household_size: int
    income_total: Decimal
    obligations_total: Decimal
    disabled_members: int = 0
    student_members: int = 0
    profile_complete: bool = True
    document_kinds: frozenset[str] = field(default_factory=frozenset)
    declared_state_income: Decimal = Decimal(0)
    verified_income: Decimal | None = None

    @property
    def income_counted(self) -> Decimal:
        """The declared income, its state-benefit lines replaced by the larger of those lines
        and the verified total (so a benefit both declared and verified counts once)."""
        if self.verified_income is None:
            return self.income_total
        state = max(self.declared_state_income, self.verified_income)
        return self.income_total - self.declared_state_income + state

    @property
    def below_verified(self) -> bool:
        """The flag for the charity: the applicant declared less state income than the agencies
        verified (so also whenever the whole declared income is below the verified one)."""
        return self.verified_income is not None and (
            self.declared_state_income < self.verified_income
        )

    @property
    def per_capita(self) -> Decimal:
        net = self.income_counted - self.obligations_total
        return (net / self.household_size).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Screening:
    eligible: bool
    reasons: list[dict[str, Any]]
    score: int
    breakdown: list[dict[str, Any]]

    income: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        data = {"eligible": self.eligible, "reasons": self.reasons, "breakdown": self.breakdown}
        if self.income is not None:
            data["income"] = self.income
        return data


def _kwd(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP))


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
    income_part: dict[str, Any] = {
        "part": "income",
        "value": str(per_capita),
        "threshold": str(limit),
        "points": income,
        "max": INCOME_POINTS,
    }
    if snapshot.verified_income is not None:
        # Shown apart: what was declared, what the agencies verified (a total), what counted.
        income_part["declared"] = _kwd(snapshot.income_total)
        income_part["verified"] = _kwd(snapshot.verified_income)
    parts: list[dict[str, Any]] = [
        income_part,
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
    verified_from: VerifiedFrom | None = None,
) -> Screening:
    """Eligibility (with exact reasons) and the need score of one request; ``verified_from``
    says where the snapshot's verified income came from (kept in the income record)."""
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
    return Screening(
        eligible=not reasons,
        reasons=reasons,
        score=score,
        breakdown=breakdown,
        income=_income_record(snapshot, verified_from),
    )


def _income_record(
    snapshot: HouseholdSnapshot, verified_from: VerifiedFrom | None
) -> dict[str, Any] | None:
    """What screening used of the income, kept so the case file can show it without asking
    the agencies again; None when the agencies were not asked."""
    if snapshot.verified_income is None:
        return None
    return {
        "declared": _kwd(snapshot.income_total),
        "declared_state": _kwd(snapshot.declared_state_income),
        "verified": _kwd(snapshot.verified_income),
        "counted": _kwd(snapshot.income_counted),
        "below_verified": snapshot.below_verified,
        "verified_from": str(verified_from or ""),
    }
