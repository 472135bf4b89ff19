"""Builders of the cases most tests need: aid types, a family, its open request, charity staff.

Plain functions over the factories of ``tests.factories``. The aid types are created, never
looked up: a second one with the same code is a mistake in the test (unique code).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import time_machine
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import AidRequest, AidScope, AidType, RequestStatus
from aid_requests.periods import coverage_end
from applicants.models import ApplicantProfile, HouseholdMember, Kinship
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve
from config.dates import add_months
from dedup import household_steps
from tests.factories import (
    AidRequestFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    civil_id_for,
)

# Far from the factories' sequences (which start at 0), so no factory user ever takes it.
SHARED = civil_id_for(5_000_777)


def needy_aid_type(**fields: Any) -> AidType:
    """Household aid for needy families: six months, up to 1,500 KWD."""
    return AidType.objects.create(
        **{
            "code": "needy",
            "name_ar": "الأسر المتعففة",
            "name_en": "Needy families",
            "scope": AidScope.HOUSEHOLD,
            "coverage_months": 6,
            "max_amount": Decimal("1500"),
            **fields,
        }
    )


def student_aid_type(**fields: Any) -> AidType:
    """Person aid for students: five months, up to 800 KWD."""
    return AidType.objects.create(
        **{
            "code": "student",
            "name_ar": "مساعدة طلبة",
            "name_en": "Student aid",
            "scope": AidScope.PERSON,
            "coverage_months": 5,
            "max_amount": Decimal("800"),
            **fields,
        }
    )


def rent_aid_type(**fields: Any) -> AidType:
    """Household rent allowance: six months, up to 1,200 KWD."""
    return AidType.objects.create(
        **{
            "code": "rent",
            "name_ar": "بدل إيجار",
            "name_en": "Rent allowance",
            "scope": AidScope.HOUSEHOLD,
            "coverage_months": 6,
            "max_amount": Decimal("1200"),
            **fields,
        }
    )


def family(governorate, member_civil_ids=(), applicant_civil_id=None):
    """An applicant with a profile and these household members (a spouse first, then sons)."""
    applicant = ApplicantUserFactory(
        **({"civil_id": applicant_civil_id} if applicant_civil_id else {})
    )
    profile = ApplicantProfile.objects.create(
        user=applicant, name_ar="أسرة", governorate=governorate
    )
    for n, civil_id in enumerate(member_civil_ids):
        HouseholdMember.objects.create(
            profile=profile,
            civil_id=civil_id,
            name=f"فرد {n}",
            kinship=Kinship.SPOUSE if n == 0 else Kinship.SON,
        )
    return applicant


def open_request(applicant, aid_type, governorate, *, start=None, amount="300.000") -> AidRequest:
    """An open request, covering from ``start`` (today) for the aid type's months."""
    start = start or timezone.localdate()
    return AidRequestFactory(
        applicant=applicant,
        aid_type=aid_type,
        governorate=governorate,
        status=RequestStatus.OPEN,
        amount_requested=Decimal(amount),
        coverage_start=start,
        coverage_end=coverage_end(start, aid_type.coverage_months),
    )


def caseworker(aid_types, governorates, role=Role.CASEWORKER, **org):
    """A staff member of a new active organisation licensed for these aid types and places."""
    organisation = OrganisationFactory(aid_types=aid_types, governorates=governorates, **org)
    return CharityStaffFactory(role=role, membership__organisation=organisation)


def later(months: int) -> datetime.date:
    """Today plus ``months`` calendar months."""
    return add_months(timezone.localdate(), months)


def add_member(applicant, civil_id, name="فرد جديد"):
    """A son joins ``applicant``'s household (through the household step, coverage following)."""
    return household_steps.household_member_add(
        actor=applicant,
        civil_id=civil_id,
        name=name,
        kinship=Kinship.SON,
        birth_date=None,
        has_disability=False,
        is_student=False,
    )


def claimed_case(capital, needy, applicant, *, approve=False):
    """A request of ``applicant`` claimed by a new organisation's manager (approved for six
    payments of 150 when ``approve``); returns the request and the manager."""
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request = open_request(applicant, needy, capital, amount="900.000")
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    if approve:
        aid_request_approve(
            aid_request_id=aid_request.pk, actor=manager, amount=Decimal("150"), payments=6
        )
    aid_request.refresh_from_db()
    return aid_request, manager


def on(day: datetime.date) -> time_machine.travel:
    """Travel to noon of ``day`` in the portal's time zone (payments are dated "today")."""
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(12), tzinfo=timezone.get_current_timezone()),
        tick=False,
    )
