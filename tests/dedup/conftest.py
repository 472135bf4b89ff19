"""Cases for the one-aid-type rule: families with members, open requests, organisations."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Role
from aid_requests.models import AidScope, AidType, RequestStatus
from aid_requests.periods import coverage_end
from applicants.models import ApplicantProfile, HouseholdMember, Kinship
from tests.factories import (
    AidRequestFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    GovernorateFactory,
    OrganisationFactory,
    civil_id_for,
)


@pytest.fixture
def capital(db):
    return GovernorateFactory(code="capital")


@pytest.fixture
def needy(db) -> AidType:
    return AidType.objects.create(
        code="needy",
        name_ar="الأسر المتعففة",
        name_en="Needy families",
        scope=AidScope.HOUSEHOLD,
        coverage_months=6,
        max_amount=Decimal("1500"),
    )


@pytest.fixture
def student(db) -> AidType:
    return AidType.objects.create(
        code="student",
        name_ar="مساعدة طلبة",
        name_en="Student aid",
        scope=AidScope.PERSON,
        coverage_months=5,
        max_amount=Decimal("800"),
    )


def family(governorate, member_civil_ids=(), applicant_civil_id=None):
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


def open_request(applicant, aid_type, governorate, *, start=None, amount="300.000"):
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
    organisation = OrganisationFactory(aid_types=aid_types, governorates=governorates, **org)
    return CharityStaffFactory(role=role, membership__organisation=organisation)


def later(months: int) -> datetime.date:
    from config.dates import add_months

    return add_months(timezone.localdate(), months)


# Far from the factories' sequences (which start at 0), so no factory user ever takes it.
SHARED = civil_id_for(5_000_777)
