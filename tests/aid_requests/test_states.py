"""The status machine against DESIGN.md's lifecycle, written out here by hand.

    submitted ─► screened ─► open ─► claimed ─► approved ─► paying ─► closed
                    │          ▲        │
                    ▼          └────────┘ released / claim expired
                ineligible                  (withdrawn, rejected at any step)

plus appeals (issue 4): ineligible or rejected ─► appealed ─► open | back. "Withdrawn" while
not yet approved (issue 4); "rejected at any step" as decided in docs/decisions.md: by the
ministry in the queue, by the holding charity once claimed (also while paying).

Every legal move is made through the one service that makes it, and leaves a timeline entry
(from, to, actor, note) and an audit entry; every other move is refused and changes nothing.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role, User
from aid_requests.exceptions import IllegalTransition
from aid_requests.models import AidRequest, RequestStatus, TimelineEntry
from aid_requests.services.appeals import aid_request_appeal
from aid_requests.services.lifecycle import aid_request_move, aid_request_reject_in_queue
from aid_requests.states import Actor, is_allowed
from audit.models import AuditEntry
from charities.request_steps import aid_request_submit
from charities.services.cases import aid_request_reject, aid_request_release, release_expired_claims
from charities.services.claim import aid_request_claim
from charities.services.payments import (
    aid_request_approve,
    aid_request_close,
    paid_through,
    payment_record,
)
from dedup.request_steps import aid_request_withdraw, appeal_decide
from tests.factories import AidRequestFactory, OrganisationFactory, StaffUserFactory
from tests.factories.applicants import make_ready_applicant
from tests.factories.cases import caseworker, family, open_request

pytestmark = pytest.mark.django_db

A, C, M, Y = Actor.APPLICANT, Actor.CHARITY, Actor.MINISTRY, Actor.SYSTEM
V = Actor.VOLUNTEER

#: (from, to, who) — the lifecycle of DESIGN.md and issue 4, and nothing else.
LEGAL = {
    ("submitted", "screened", Y),
    ("screened", "open", Y),
    ("screened", "ineligible", Y),
    ("open", "claimed", C),
    ("claimed", "open", C),  # released by the charity
    ("claimed", "open", Y),  # claim deadline passed
    ("claimed", "approved", C),
    ("approved", "paying", C),
    ("paying", "closed", C),
    ("submitted", "withdrawn", A),
    ("screened", "withdrawn", A),
    ("open", "withdrawn", A),
    ("claimed", "withdrawn", A),
    ("open", "rejected", M),
    ("claimed", "rejected", C),
    ("approved", "rejected", C),
    ("paying", "rejected", C),
    ("ineligible", "appealed", A),
    ("rejected", "appealed", A),
    ("appealed", "open", M),  # overturned
    ("appealed", "ineligible", M),  # upheld
    ("appealed", "rejected", M),  # upheld
    # paid volunteering (issue 15): a placement's stipend aid
    ("submitted", "claimed", C),  # made by the acceptance
    ("approved", "withdrawn", V),  # the volunteer leaves before any stipend
    ("paying", "closed", V),  # the volunteer leaves after a stipend
}
STATUSES = [
    "submitted",
    "screened",
    "ineligible",
    "open",
    "claimed",
    "approved",
    "paying",
    "closed",
    "withdrawn",
    "rejected",
    "appealed",
]
ILLEGAL = [
    (f, t, a)
    for f, t, a in itertools.product(STATUSES, STATUSES, list(Actor))
    if (f, t, a) not in LEGAL
]


def test_the_statuses_are_those_of_the_lifecycle():
    assert sorted(RequestStatus.values) == sorted(STATUSES)


def test_the_table_allows_exactly_the_moves_of_the_lifecycle():
    wrong = [
        (f, t, str(a))
        for f, t, a in itertools.product(STATUSES, STATUSES, list(Actor))
        if is_allowed(f, t, a) != ((f, t, a) in LEGAL)
    ]
    assert wrong == []


@pytest.mark.parametrize(("from_status", "to_status", "actor"), ILLEGAL)
def test_an_illegal_move_is_refused_and_changes_nothing(from_status, to_status, actor):
    aid_request = AidRequestFactory(status=from_status, claimed_by=OrganisationFactory())
    with pytest.raises(IllegalTransition):
        aid_request_move(aid_request=aid_request, to=to_status, actor=actor, user=None)
    aid_request.refresh_from_db()
    assert aid_request.status == from_status
    assert not TimelineEntry.objects.filter(aid_request=aid_request).exists()
    assert not AuditEntry.objects.exists()


# --- every legal move, through its service ------------------------------------------------


@dataclass
class Made:
    """What a service call did: the request, who acted (None: the system) and the note."""

    aid_request_id: int
    user: User | None
    note: str = ""


@pytest.fixture
def world(capital, needy, media):
    """An organisation licensed for needy-family aid in the capital, with its manager."""
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    return {"capital": capital, "needy": needy, "manager": manager, "admin": admin}


def _open(world) -> AidRequest:
    return open_request(family(world["capital"]), world["needy"], world["capital"])


def _claimed(world) -> AidRequest:
    aid_request = _open(world)
    aid_request_claim(aid_request_id=aid_request.pk, actor=world["manager"])
    return aid_request


def _approved(world) -> AidRequest:
    aid_request = _claimed(world)
    aid_request_approve(
        aid_request_id=aid_request.pk,
        actor=world["manager"],
        amount=Decimal("100.000"),
        payments=6,
    )
    return aid_request


def _pay(world, aid_request) -> None:
    payment_record(
        aid_request_id=aid_request.pk,
        actor=world["manager"],
        amount=Decimal("100.000"),
        paid_on=timezone.localdate(),
        method="bank_transfer",
    )


def _paying(world) -> AidRequest:
    aid_request = _approved(world)
    _pay(world, aid_request)
    return aid_request


def _submit(world, **applicant) -> Made:
    user, docs = make_ready_applicant(**applicant)
    aid_request = aid_request_submit(
        applicant=user,
        aid_type=world["needy"],
        amount=Decimal("500"),
        justification="نحتاج المساعدة",
        documents=docs,
    )
    return Made(aid_request.pk, None)


def _ineligible_submission(world) -> Made:
    world["needy"].max_income_per_capita = Decimal("50")
    world["needy"].save()
    made = _submit(world)  # 100.000 KWD a head is above the limit of 50
    made.note = "income_above_threshold"
    return made


def _withdraw_from(status: str) -> Callable[[dict], Made]:
    def make(world) -> Made:
        aid_request = AidRequestFactory(status=status, claimed_by=OrganisationFactory())
        aid_request_withdraw(
            aid_request_id=aid_request.pk, applicant=aid_request.applicant, note="لم أعد بحاجة"
        )
        return Made(aid_request.pk, aid_request.applicant, "لم أعد بحاجة")

    return make


def _release(world) -> Made:
    aid_request = _claimed(world)
    aid_request_release(aid_request_id=aid_request.pk, actor=world["manager"], reason="خارج قدرتنا")
    return Made(aid_request.pk, world["manager"], "خارج قدرتنا")


def _expire(world) -> Made:
    aid_request = _claimed(world)
    later = timezone.now() + datetime.timedelta(days=60)
    release_expired_claims(now=later)
    entry = TimelineEntry.objects.get(aid_request=aid_request, to_status="open", actor=None)
    assert "deadline" in entry.note  # the system says why
    return Made(aid_request.pk, None, entry.note)


def _claim(world) -> Made:
    aid_request = _open(world)
    aid_request_claim(aid_request_id=aid_request.pk, actor=world["manager"])
    return Made(aid_request.pk, world["manager"])


def _approve(world) -> Made:
    return Made(_approved(world).pk, world["manager"])


def _first_payment(world) -> Made:
    return Made(_paying(world).pk, world["manager"])


def _close(world) -> Made:
    aid_request = _paying(world)
    aid_request_close(aid_request_id=aid_request.pk, actor=world["manager"])
    # closed after 1 payment: the note says the aid now ends with the period paid
    end = paid_through(aid_request, 1).isoformat()
    return Made(
        aid_request.pk, world["manager"], f"أُغلق بعد صرف 1 من 6 أشهر: تنتهي المساعدة في {end}."
    )


def _reject_in_queue(world) -> Made:
    aid_request = _open(world)
    aid_request_reject_in_queue(
        aid_request_id=aid_request.pk, actor=world["admin"], reason="مستندات مزورة"
    )
    return Made(aid_request.pk, world["admin"], "مستندات مزورة")


def _charity_rejects(prepare: Callable[[dict], AidRequest]) -> Callable[[dict], Made]:
    def make(world) -> Made:
        aid_request = prepare(world)
        aid_request_reject(
            aid_request_id=aid_request.pk, actor=world["manager"], reason="الدخل أعلى من المصرح"
        )
        return Made(aid_request.pk, world["manager"], "الدخل أعلى من المصرح")

    return make


def _appeal_from(status: str) -> Callable[[dict], Made]:
    def make(world) -> Made:
        aid_request = AidRequestFactory(status=status)
        aid_request_appeal(
            aid_request_id=aid_request.pk,
            applicant=aid_request.applicant,
            reason="وضعنا تغير بعد القرار",
        )
        return Made(aid_request.pk, aid_request.applicant, "وضعنا تغير بعد القرار")

    return make


def _decide(appealed_status: str, *, overturn: bool) -> Callable[[dict], Made]:
    def make(world) -> Made:
        aid_request = AidRequestFactory(status=appealed_status)
        appeal = aid_request_appeal(
            aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
        )
        appeal_decide(
            appeal_id=appeal.pk, decided_by=world["admin"], overturn=overturn, note="راجعنا الملف"
        )
        return Made(aid_request.pk, world["admin"], "راجعنا الملف")

    return make


def _placement(world):
    """A volunteer accepted on a placement that started 40 days ago (tests.volunteering)."""
    from tests.volunteering.conftest import licensed_org, opportunity, staff, volunteer
    from volunteering.services import applications

    today = timezone.localdate()
    organisation = licensed_org(world["capital"])
    job = opportunity(
        organisation,
        world["capital"],
        starts_on=today - datetime.timedelta(days=40),
        ends_on=today + datetime.timedelta(days=60),
        closes_on=today,
    )
    person = volunteer(world["capital"])
    application = applications.application_submit(opportunity_id=job.pk, applicant=person)
    worker = staff(organisation)
    applications.application_accept(application_id=application.pk, actor=worker)
    application.refresh_from_db()
    return application, person, worker


def _accept_volunteer(world) -> Made:
    application, _person, worker = _placement(world)
    entry = TimelineEntry.objects.get(
        aid_request_id=application.aid_request_id, to_status="claimed"
    )
    assert entry.note.startswith("التطوع مقابل الأجر")
    return Made(application.aid_request_id, worker, entry.note)


def _volunteer_leaves(*, paid: bool) -> Callable[[dict], Made]:
    def make(world) -> Made:
        from volunteering.services import applications, hours

        application, person, worker = _placement(world)
        if paid:
            log = hours.hours_log(
                application_id=application.pk, actor=worker, week=1, hours=Decimal(5)
            )
            hours.hours_confirm(hour_log_id=log.pk, volunteer=person)
            hours.stipend_pay(
                application_id=application.pk,
                actor=worker,
                paid_on=timezone.localdate(),
                method="bank_transfer",
            )
        applications.application_withdraw(application_id=application.pk, applicant=person)
        to = "closed" if paid else "withdrawn"
        entry = TimelineEntry.objects.get(aid_request_id=application.aid_request_id, to_status=to)
        return Made(application.aid_request_id, person, entry.note)

    return make


#: (from, to, who) → the service call that makes that move.
THROUGH_SERVICE: dict[tuple[str, str, Actor], Callable[[dict], Made]] = {
    ("submitted", "screened", Y): _submit,
    ("screened", "open", Y): _submit,
    ("screened", "ineligible", Y): _ineligible_submission,
    ("open", "claimed", C): _claim,
    ("claimed", "open", C): _release,
    ("claimed", "open", Y): _expire,
    ("claimed", "approved", C): _approve,
    ("approved", "paying", C): _first_payment,
    ("paying", "closed", C): _close,
    ("submitted", "withdrawn", A): _withdraw_from("submitted"),
    ("screened", "withdrawn", A): _withdraw_from("screened"),
    ("open", "withdrawn", A): _withdraw_from("open"),
    ("claimed", "withdrawn", A): _withdraw_from("claimed"),
    ("open", "rejected", M): _reject_in_queue,
    ("claimed", "rejected", C): _charity_rejects(_claimed),
    ("approved", "rejected", C): _charity_rejects(_approved),
    ("paying", "rejected", C): _charity_rejects(_paying),
    ("ineligible", "appealed", A): _appeal_from("ineligible"),
    ("rejected", "appealed", A): _appeal_from("rejected"),
    ("appealed", "open", M): _decide("ineligible", overturn=True),
    ("appealed", "ineligible", M): _decide("ineligible", overturn=False),
    ("appealed", "rejected", M): _decide("rejected", overturn=False),
    ("submitted", "claimed", C): _accept_volunteer,
    ("approved", "withdrawn", V): _volunteer_leaves(paid=False),
    ("paying", "closed", V): _volunteer_leaves(paid=True),
}


def test_every_legal_move_has_a_service_case_below():
    assert set(THROUGH_SERVICE) == LEGAL


@pytest.mark.parametrize(
    ("from_status", "to_status", "actor"),
    sorted(LEGAL),
    ids=[f"{f}-{t}-{a}" for f, t, a in sorted(LEGAL)],
)
def test_every_legal_move_through_its_service_is_recorded(world, from_status, to_status, actor):
    made = THROUGH_SERVICE[(from_status, to_status, actor)](world)

    entries = TimelineEntry.objects.filter(
        aid_request_id=made.aid_request_id, from_status=from_status, to_status=to_status
    )
    assert entries.count() == 1
    entry = entries.get()
    assert (entry.actor, entry.note) == (made.user, made.note)
    assert entry.at is not None
    audits = AuditEntry.objects.filter(
        action=f"aid_request.{to_status}",
        object_type="aid_requests.aidrequest",
        object_id=str(made.aid_request_id),
        data__from=from_status,
    )
    assert audits.count() == 1
    audit = audits.get()
    assert audit.actor == made.user
    assert audit.data == {"from": from_status, "to": to_status, "note": made.note}
