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
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Role
from aid_requests.models import AidRequest, AidScope, AidType, PaymentMethod, RequestStatus
from charities import services as charity
from charities.exceptions import DuplicateAid
from tests.dedup.conftest import SHARED, family, open_request
from tests.factories import (
    AidRequestFactory,
    CharityStaffFactory,
    GovernorateFactory,
    OrganisationFactory,
    StaffUserFactory,
)

KUWAIT = ZoneInfo("Asia/Kuwait")


def at(month: int, day: int, hour: int = 10, year: int = 2025) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, 0, tzinfo=KUWAIT)


def release_expired_claims() -> list[int]:
    """The deadline release of ``charities.services``, as the Celery beat task runs it."""
    return charity.release_expired_claims()


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
    needy = AidType.objects.create(
        code="needy",
        name_ar="الأسر المتعففة",
        name_en="Needy families",
        scope=AidScope.HOUSEHOLD,
        coverage_months=6,
        max_amount=Decimal("1500"),
    )
    student = AidType.objects.create(
        code="student",
        name_ar="مساعدة طلبة",
        name_en="Student aid",
        scope=AidScope.PERSON,
        coverage_months=0,
        max_amount=Decimal("800"),
    )
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
        charity.payment_record(
            aid_request_id=request.pk,
            actor=noor_manager,
            amount=Decimal(amount),
            paid_on=paid_on,
            method=PaymentMethod.BANK_TRANSFER,
        )

    with time_machine.travel(at(12, 20, year=2024), tick=False):
        requests["P"] = open_request(family(capital), student, capital, amount="300")
    with time_machine.travel(at(1, 5), tick=False):
        charity.aid_request_claim(aid_request_id=requests["P"].pk, actor=noor_worker)
    with time_machine.travel(at(1, 6), tick=False):
        charity.aid_request_approve(
            aid_request_id=requests["P"].pk, actor=noor_manager, amount=Decimal("300"), payments=1
        )
    with time_machine.travel(at(2, 10), tick=False):
        requests["F"] = open_request(family(capital, [SHARED]), needy, capital, amount="900")
    with time_machine.travel(at(2, 12), tick=False):
        charity.aid_request_claim(aid_request_id=requests["F"].pk, actor=noor_worker)
    with time_machine.travel(at(2, 13), tick=False):
        charity.aid_request_approve(
            aid_request_id=requests["F"].pk, actor=noor_manager, amount=Decimal("150"), payments=6
        )
    with time_machine.travel(at(2, 15), tick=False):
        wife = family(capital, applicant_civil_id=SHARED)
        requests["W"] = open_request(wife, needy, capital, amount="600")
    with time_machine.travel(at(2, 16), tick=False), pytest.raises(DuplicateAid):
        charity.aid_request_claim(aid_request_id=requests["W"].pk, actor=khair_worker)
    with time_machine.travel(at(2, 20), tick=False):
        pay(requests["F"], "150", datetime.date(2025, 2, 20))
    with time_machine.travel(at(3, 5), tick=False):
        requests["S"] = open_request(family(hawalli), student, hawalli, amount="200")
    with time_machine.travel(at(3, 6), tick=False):
        charity.aid_request_claim(aid_request_id=requests["S"].pk, actor=noor_worker)
    with time_machine.travel(at(3, 20), tick=False):
        pay(requests["F"], "150", datetime.date(2025, 3, 20))
    with time_machine.travel(at(3, 21), tick=False):
        charity.aid_request_close(aid_request_id=requests["F"].pk, actor=noor_manager)
    with time_machine.travel(at(3, 25), tick=False):
        assert release_expired_claims() == [requests["S"].pk]
    with time_machine.travel(at(4, 1), tick=False):
        requests["R"] = open_request(family(capital), needy, capital, amount="500")
        charity.aid_request_claim(aid_request_id=requests["R"].pk, actor=khair_worker)
    with time_machine.travel(at(4, 2), tick=False):
        charity.aid_request_claim(aid_request_id=requests["S"].pk, actor=noor_worker)
    with time_machine.travel(at(4, 3), tick=False):
        charity.aid_request_approve(
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
