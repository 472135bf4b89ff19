"""The request lifecycle of DESIGN.md as data: which moves exist, and who may make them.

    submitted ─► screened ─► open ─► claimed ─► approved ─► paying ─► closed
                    │          ▲        │
                    ▼          └────────┘ released / claim expired
                ineligible                  (withdrawn, rejected at any step)

Appeals: ineligible or rejected ─► appealed ─► open (overturned) | back (upheld).
``aid_requests.services`` is the only code that changes a request's status, always through
``TRANSITIONS``; anything else is an ``IllegalTransition``.
"""

from __future__ import annotations

import enum

from aid_requests.models import RequestStatus as S


class Actor(enum.StrEnum):
    SYSTEM = "system"
    APPLICANT = "applicant"
    CHARITY = "charity"
    MINISTRY = "ministry"


#: (from, to) → who may make that move.
TRANSITIONS: dict[tuple[str, str], frozenset[Actor]] = {
    (S.SUBMITTED, S.SCREENED): frozenset({Actor.SYSTEM}),
    (S.SCREENED, S.OPEN): frozenset({Actor.SYSTEM}),
    (S.SCREENED, S.INELIGIBLE): frozenset({Actor.SYSTEM}),
    (S.OPEN, S.CLAIMED): frozenset({Actor.CHARITY}),
    (S.CLAIMED, S.OPEN): frozenset({Actor.CHARITY, Actor.SYSTEM}),  # released / claim expired
    (S.CLAIMED, S.APPROVED): frozenset({Actor.CHARITY}),
    (S.APPROVED, S.PAYING): frozenset({Actor.CHARITY}),
    (S.PAYING, S.CLOSED): frozenset({Actor.CHARITY}),
    # withdrawn by the applicant while not yet approved
    (S.SUBMITTED, S.WITHDRAWN): frozenset({Actor.APPLICANT}),
    (S.SCREENED, S.WITHDRAWN): frozenset({Actor.APPLICANT}),
    (S.OPEN, S.WITHDRAWN): frozenset({Actor.APPLICANT}),
    (S.CLAIMED, S.WITHDRAWN): frozenset({Actor.APPLICANT}),
    # rejected by the charity holding the case, or by the ministry at any live step
    (S.OPEN, S.REJECTED): frozenset({Actor.MINISTRY}),
    (S.CLAIMED, S.REJECTED): frozenset({Actor.CHARITY, Actor.MINISTRY}),
    (S.APPROVED, S.REJECTED): frozenset({Actor.CHARITY, Actor.MINISTRY}),
    # appeals
    (S.INELIGIBLE, S.APPEALED): frozenset({Actor.APPLICANT}),
    (S.REJECTED, S.APPEALED): frozenset({Actor.APPLICANT}),
    (S.APPEALED, S.OPEN): frozenset({Actor.MINISTRY}),  # overturned
    (S.APPEALED, S.INELIGIBLE): frozenset({Actor.MINISTRY}),  # upheld
    (S.APPEALED, S.REJECTED): frozenset({Actor.MINISTRY}),  # upheld
}

TERMINAL = frozenset({S.CLOSED, S.WITHDRAWN})
WITHDRAWABLE = frozenset(f for (f, t) in TRANSITIONS if t == S.WITHDRAWN)
APPEALABLE = frozenset(f for (f, t) in TRANSITIONS if t == S.APPEALED)


def is_allowed(from_status: str, to_status: str, actor: Actor) -> bool:
    return actor in TRANSITIONS.get((from_status, to_status), frozenset())
