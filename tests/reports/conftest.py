"""A year of registry activity built through the real services, at known moments.

2025, Asia/Kuwait:

* Feb 10  request F (needy, household, Capital; applicant + member SHARED) submitted
* Feb 12  Al-Noor claims F; Feb 13 approves 150.000 × 6; pays Feb 20 and Mar 20; closes Mar 21
* Feb 15  request W (needy, Capital; applicant SHARED) submitted; Feb 16 Al-Khair's claim of W
          is refused (SHARED already covered by F): a blocked attempt of 600.000
* Mar 5   request S (student, person, Hawalli) submitted; Mar 6 Al-Noor claims it and never
          approves; released by the deadline on Mar 25; claimed again Apr 2, approved 200.000 × 1
          Apr 3, paid Apr 10
* Apr 1   request R (needy, Capital) submitted; Al-Khair claims it Apr 1 and holds it (overdue)
* 2024-12-20 request P (student, Capital) submitted; Al-Noor claims it 2025-01-05 (a claim
          inside the year for a request submitted before it); approved Jan 6, never paid
* May 5   request I (needy, Hawalli) found ineligible (built directly: screening is not under test)

And ``build_random_world``: a seeded random year of a few hundred requests.
"""

from __future__ import annotations

import contextlib
import datetime
import random
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import AidRequest, AidType, PaymentMethod, RequestStatus
from charities.exceptions import DuplicateAid
from charities.services import cases
from charities.services.cases import aid_request_reject, aid_request_release
from charities.services.claim import aid_request_claim
from charities.services.payments import (
    aid_request_approve,
    aid_request_close,
    next_period,
    payment_record,
    period_opens_on,
)
from reports.services.rollups import rollups_refresh
from tests.factories import (
    AidRequestFactory,
    CharityStaffFactory,
    GovernorateFactory,
    OrganisationFactory,
    StaffUserFactory,
    civil_id_for,
)
from tests.factories.cases import (
    SHARED,
    family,
    needy_aid_type,
    open_request,
    rent_aid_type,
    student_aid_type,
)

KUWAIT = ZoneInfo("Asia/Kuwait")


def at(month: int, day: int, hour: int = 10, year: int = 2025) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=KUWAIT)


def pay_p_in_june(world: World) -> None:
    """Al-Noor's manager records P's first payment, 300 KWD dated 1 June 2025, now (P was
    approved in January and never paid): what a later refresh must bring into the figures."""
    payment_record(
        aid_request_id=world.requests["P"].pk,
        actor=world.alnoor.memberships.get(user__role="manager").user,
        amount=Decimal("300"),
        paid_on=datetime.date(2025, 6, 1),
        method=PaymentMethod.CHEQUE,
    )


def release_expired_claims() -> list[int]:
    """The deadline release of ``charities.services.cases``, as the Celery beat task runs it."""
    return cases.release_expired_claims()


@dataclass
class World:
    needy: AidType
    student: AidType
    capital: object
    hawalli: object
    alnoor: object
    alkhair: object
    requests: dict[str, AidRequest]


@pytest.fixture
def official(db):
    return StaffUserFactory(role=Role.MINISTRY_OFFICIAL)


@pytest.fixture
def world(db, settings) -> World:
    settings.CLAIM_DEADLINE_DAYS = 14
    needy = needy_aid_type()
    student = student_aid_type(coverage_months=0)
    capital = GovernorateFactory(code="capital", name_en="Capital", name_ar="العاصمة")
    hawalli = GovernorateFactory(code="hawalli", name_en="Hawalli", name_ar="حولي")
    alnoor = OrganisationFactory(
        name_en="Al-Noor", aid_types=[needy, student], governorates=[capital, hawalli]
    )
    alkhair = OrganisationFactory(name_en="Al-Khair", aid_types=[needy], governorates=[capital])
    noor_worker = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=alnoor)
    noor_manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=alnoor)
    khair_worker = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=alkhair)
    requests: dict[str, AidRequest] = {}

    def pay(request: AidRequest, amount: str, paid_on: datetime.date) -> None:
        payment_record(
            aid_request_id=request.pk,
            actor=noor_manager,
            amount=Decimal(amount),
            paid_on=paid_on,
            method=PaymentMethod.BANK_TRANSFER,
        )

    with time_machine.travel(at(12, 20, year=2024), tick=False):
        requests["P"] = open_request(family(capital), student, capital, amount="300")
    with time_machine.travel(at(1, 5), tick=False):
        aid_request_claim(aid_request_id=requests["P"].pk, actor=noor_worker)
    with time_machine.travel(at(1, 6), tick=False):
        aid_request_approve(
            aid_request_id=requests["P"].pk, actor=noor_manager, amount=Decimal("300"), payments=1
        )
    with time_machine.travel(at(2, 10), tick=False):
        requests["F"] = open_request(family(capital, [SHARED]), needy, capital, amount="900")
    with time_machine.travel(at(2, 12), tick=False):
        aid_request_claim(aid_request_id=requests["F"].pk, actor=noor_worker)
    with time_machine.travel(at(2, 13), tick=False):
        aid_request_approve(
            aid_request_id=requests["F"].pk, actor=noor_manager, amount=Decimal("150"), payments=6
        )
    with time_machine.travel(at(2, 15), tick=False):
        wife = family(capital, applicant_civil_id=SHARED)
        requests["W"] = open_request(wife, needy, capital, amount="600")
    with time_machine.travel(at(2, 16), tick=False), pytest.raises(DuplicateAid):
        aid_request_claim(aid_request_id=requests["W"].pk, actor=khair_worker)
    with time_machine.travel(at(2, 20), tick=False):
        pay(requests["F"], "150", datetime.date(2025, 2, 20))
    with time_machine.travel(at(3, 5), tick=False):
        requests["S"] = open_request(family(hawalli), student, hawalli, amount="200")
    with time_machine.travel(at(3, 6), tick=False):
        aid_request_claim(aid_request_id=requests["S"].pk, actor=noor_worker)
    with time_machine.travel(at(3, 20), tick=False):
        pay(requests["F"], "150", datetime.date(2025, 3, 20))
    with time_machine.travel(at(3, 21), tick=False):
        aid_request_close(aid_request_id=requests["F"].pk, actor=noor_manager)
    with time_machine.travel(at(3, 25), tick=False):
        assert release_expired_claims() == [requests["S"].pk]
    with time_machine.travel(at(4, 1), tick=False):
        requests["R"] = open_request(family(capital), needy, capital, amount="500")
        aid_request_claim(aid_request_id=requests["R"].pk, actor=khair_worker)
    with time_machine.travel(at(4, 2), tick=False):
        aid_request_claim(aid_request_id=requests["S"].pk, actor=noor_worker)
    with time_machine.travel(at(4, 3), tick=False):
        aid_request_approve(
            aid_request_id=requests["S"].pk, actor=noor_manager, amount=Decimal("200"), payments=1
        )
    with time_machine.travel(at(4, 10), tick=False):
        pay(requests["S"], "200", datetime.date(2025, 4, 10))
    with time_machine.travel(at(5, 5), tick=False):
        requests["I"] = AidRequestFactory(
            aid_type=needy, governorate=hawalli, status=RequestStatus.INELIGIBLE
        )
    for request in requests.values():
        request.refresh_from_db()
    return World(
        needy=needy,
        student=student,
        capital=capital,
        hawalli=hawalli,
        alnoor=alnoor,
        alkhair=alkhair,
        requests=requests,
    )


# --- a seeded random year -------------------------------------------------------------------


@dataclass
class RandomWorld:
    aid_types: list[AidType]
    governorates: list[object]
    organisations: list[object]
    requests: list[AidRequest]
    refreshes: int = 0


def build_random_world(
    seed: int, *, families: int = 150, refresh_every_days: int | None = None
) -> RandomWorld:
    """A year (2025) of activity at random moments, all through the real services: requests
    submitted, claimed (some refused by the rule: families share members), approved, paid
    month by month, closed, released by hand or by the deadline, rejected; a few ineligible.

    With ``refresh_every_days``, the rollups are refreshed as beat would (the first run is a
    full one) every so many simulated days, a minute after that day's activity — so the next
    run's window overlaps events the previous run already counted.
    """
    from aid_requests.exceptions import AidRequestError
    from charities.exceptions import CharityError
    from config.dates import add_months

    rng = random.Random(seed)
    needy = needy_aid_type(code=f"needy-{seed}")
    rent = rent_aid_type(code=f"rent-{seed}", coverage_months=3, max_amount=Decimal("900"))
    student = student_aid_type(code=f"student-{seed}", coverage_months=0)
    aid_types = [needy, rent, student]
    governorates = [
        GovernorateFactory(code=f"g{seed}-{n}", name_en=f"Gov {n}", name_ar=f"محافظة {n}")
        for n in range(3)
    ]
    organisations, staff = [], []
    for n in range(4):
        organisation = OrganisationFactory(
            name_en=f"Org {n}", aid_types=aid_types, governorates=governorates
        )
        organisations.append(organisation)
        staff.append(
            (
                CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=organisation),
                CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation),
            )
        )
    # Some civil IDs are members of two households (a spouse applying again elsewhere).
    shared = [civil_id_for(900_000 + seed * 100 + n) for n in range(12)]
    kuwait_days = [datetime.date(2025, 1, 1) + datetime.timedelta(days=d) for d in range(365)]
    requests: list[AidRequest] = []
    world = RandomWorld(aid_types, governorates, organisations, requests)
    next_refresh = kuwait_days[0] + datetime.timedelta(days=refresh_every_days or 0)

    def act(request: AidRequest, moment: datetime.datetime) -> None:
        request.refresh_from_db()
        org_index = rng.randrange(len(organisations))
        worker, manager = staff[org_index]
        if request.claimed_by_id:
            org_index = next(
                i for i, o in enumerate(organisations) if o.pk == request.claimed_by_id
            )
            worker, manager = staff[org_index]
        status = request.status
        roll = rng.random()
        if status == RequestStatus.OPEN:
            aid_request_claim(aid_request_id=request.pk, actor=worker)
        elif status == RequestStatus.CLAIMED:
            if roll < 0.6:
                aid_type = request.aid_type
                payments = max(1, aid_type.coverage_months)
                amount = (aid_type.max_amount / payments).quantize(Decimal("1"))
                aid_request_approve(
                    aid_request_id=request.pk,
                    actor=manager,
                    amount=amount - rng.randrange(0, 20),
                    payments=payments,
                )
            elif roll < 0.75:
                aid_request_release(aid_request_id=request.pk, actor=manager, reason="not for us")
            elif roll < 0.8:
                aid_request_reject(
                    aid_request_id=request.pk, actor=manager, reason="documents missing"
                )
            # else: leave it to the deadline
        elif status in (RequestStatus.APPROVED, RequestStatus.PAYING):
            period = next_period(request)
            today = timezone.localdate(moment)
            if period is None or roll < 0.1:
                if request.payments.exists():
                    aid_request_close(aid_request_id=request.pk, actor=manager)
            elif period_opens_on(request, period) <= today:
                paid_on = max(
                    period_opens_on(request, period),
                    today - datetime.timedelta(days=rng.randrange(0, 5)),
                )
                payment_record(
                    aid_request_id=request.pk,
                    actor=manager,
                    amount=request.approved_amount,
                    paid_on=min(paid_on, today),
                    method=PaymentMethod.BANK_TRANSFER,
                )

    for index, day in enumerate(kuwait_days):
        moment = datetime.datetime.combine(day, datetime.time(9), tzinfo=KUWAIT) + (
            datetime.timedelta(minutes=rng.randrange(0, 600))
        )
        with time_machine.travel(moment, tick=False):
            if len(requests) < families and rng.random() < families / 250:
                members = [shared[rng.randrange(len(shared))]] if rng.random() < 0.3 else []
                governorate = rng.choice(governorates)
                aid_type = rng.choice(aid_types)
                applicant = family(governorate, members)
                if rng.random() < 0.07:
                    requests.append(
                        AidRequestFactory(
                            applicant=applicant,
                            aid_type=aid_type,
                            governorate=governorate,
                            status=RequestStatus.INELIGIBLE,
                        )
                    )
                else:
                    start = add_months(day, rng.randrange(0, 2))
                    amount = str(rng.randrange(100, 700))
                    requests.append(
                        open_request(applicant, aid_type, governorate, start=start, amount=amount)
                    )
            live = [r for r in requests if r.status != RequestStatus.INELIGIBLE]
            for request in rng.sample(live, min(len(live), 4)):
                # Refused by the rule (recorded), too early, not allowed: as in life.
                with contextlib.suppress(AidRequestError, CharityError):
                    act(request, moment)
            if index % 5 == 0:
                release_expired_claims()
        if refresh_every_days and day >= next_refresh:
            with time_machine.travel(moment + datetime.timedelta(minutes=1), tick=False):
                rollups_refresh()
            world.refreshes += 1
            next_refresh = day + datetime.timedelta(days=refresh_every_days)
    for request in requests:
        request.refresh_from_db()
    return world
