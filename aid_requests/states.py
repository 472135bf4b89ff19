"""The request lifecycle of DESIGN.md as data: which moves exist, and who may make them.

    submitted ─► screened ─► open ─► claimed ─► approved ─► paying ─► closed
                    │          ▲        │
                    ▼          └────────┘ released / claim expired
                ineligible                  (withdrawn until approved; rejected at any step)

Appeals: ineligible or rejected ─► appealed ─► open (overturned) | back (upheld).
Every status change, whichever app makes it, goes through
``aid_requests.services.lifecycle.aid_request_move``, which checks it against ``TRANSITIONS``: a
move not listed there, or made by an actor not named for it, is an ``IllegalTransition``.

"Rejected at any step" means: by the ministry while the request waits in the queue (open; a
ministry administrator, with a reason), and by the charity holding the case once it is claimed,
approved or already paying (the charity stops the aid mid-way: the payments recorded stay, and
the case's aid slots are freed so that the coverage not yet paid may come from another
organisation). Submitted and screened are never seen from outside the submission transaction,
so nobody rejects (or withdraws) them; closed and withdrawn are final. The services that make
each move are named next to it in ``TRANSITIONS``.
"""

from __future__ import annotations

import enum

from aid_requests.models import RequestStatus as S


class Actor(enum.StrEnum):
    SYSTEM = "system"
    APPLICANT = "applicant"
    CHARITY = "charity"
    MINISTRY = "ministry"
    #: The applicant acting in the paid-volunteering programme on a placement's stipend aid
    #: (not on a request they applied for): its moves are listed apart below.
    VOLUNTEER = "volunteer"


#: (from, to) → who may make that move, and (in the comment) the services that make it.
TRANSITIONS: dict[tuple[str, str], frozenset[Actor]] = {
    # charities.request_steps.aid_request_submit (screening, aid_requests.services.submission,
    # runs in the submission transaction)
    (S.SUBMITTED, S.SCREENED): frozenset({Actor.SYSTEM}),
    (S.SCREENED, S.OPEN): frozenset({Actor.SYSTEM}),
    (S.SCREENED, S.INELIGIBLE): frozenset({Actor.SYSTEM}),
    # charities.services: aid_request_claim, aid_request_release / release_expired_claims,
    # aid_request_approve, payment_record (the first payment), aid_request_close
    (S.OPEN, S.CLAIMED): frozenset({Actor.CHARITY}),
    (S.CLAIMED, S.OPEN): frozenset({Actor.CHARITY, Actor.SYSTEM}),  # released / claim expired
    (S.CLAIMED, S.APPROVED): frozenset({Actor.CHARITY}),
    (S.APPROVED, S.PAYING): frozenset({Actor.CHARITY}),
    # (and by a volunteer leaving a placement: see paid volunteering below)
    (S.PAYING, S.CLOSED): frozenset({Actor.CHARITY, Actor.VOLUNTEER}),
    # dedup.request_steps.aid_request_withdraw: by the applicant while not yet approved
    (S.SUBMITTED, S.WITHDRAWN): frozenset({Actor.APPLICANT}),
    (S.SCREENED, S.WITHDRAWN): frozenset({Actor.APPLICANT}),
    (S.OPEN, S.WITHDRAWN): frozenset({Actor.APPLICANT}),
    (S.CLAIMED, S.WITHDRAWN): frozenset({Actor.APPLICANT}),
    # rejected: in the queue by the ministry
    # (aid_requests.services.lifecycle.aid_request_reject_in_queue), afterwards by the charity
    # holding the case (charities.services.cases.aid_request_reject)
    (S.OPEN, S.REJECTED): frozenset({Actor.MINISTRY}),
    (S.CLAIMED, S.REJECTED): frozenset({Actor.CHARITY}),
    (S.APPROVED, S.REJECTED): frozenset({Actor.CHARITY}),
    (S.PAYING, S.REJECTED): frozenset({Actor.CHARITY}),  # the charity stops the aid mid-way
    # appeals: aid_requests.services.appeals.aid_request_appeal, then
    # dedup.request_steps.appeal_decide
    (S.INELIGIBLE, S.APPEALED): frozenset({Actor.APPLICANT}),
    (S.REJECTED, S.APPEALED): frozenset({Actor.APPLICANT}),
    (S.APPEALED, S.OPEN): frozenset({Actor.MINISTRY}),  # overturned
    (S.APPEALED, S.INELIGIBLE): frozenset({Actor.MINISTRY}),  # upheld
    (S.APPEALED, S.REJECTED): frozenset({Actor.MINISTRY}),  # upheld
    # Paid volunteering (volunteering.services.applications): a placement's stipend aid is a
    # request the organisation makes for the volunteer it accepts. application_accept inserts
    # it as submitted and moves it at once, in the same transaction, to claimed (held by the
    # organisation, its slot reserved under the rule) and then approved (claimed ─► approved
    # above) for the opportunity's months; it never passes screening or the queue.
    # application_withdraw: the volunteer leaves the placement — withdrawn when no stipend
    # was paid yet, else closed after the last month paid.
    (S.SUBMITTED, S.CLAIMED): frozenset({Actor.CHARITY}),
    (S.APPROVED, S.WITHDRAWN): frozenset({Actor.VOLUNTEER}),
}

TERMINAL = frozenset({S.CLOSED, S.WITHDRAWN})
#: What an applicant may withdraw on the request's page (not a placement's aid: the volunteer
#: withdraws from the placement, in the volunteering pages).
WITHDRAWABLE = frozenset(
    f for (f, t), actors in TRANSITIONS.items() if t == S.WITHDRAWN and Actor.APPLICANT in actors
)
APPEALABLE = frozenset(f for (f, t) in TRANSITIONS if t == S.APPEALED)


def is_allowed(from_status: str, to_status: str, actor: Actor) -> bool:
    return actor in TRANSITIONS.get((from_status, to_status), frozenset())
