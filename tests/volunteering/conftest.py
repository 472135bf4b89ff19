"""Fixtures of the paid-volunteering tests: a licensed organisation's staff, its opportunities
and verified applicants (built with the plain functions below)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Role
from applicants.models import ApplicantProfile
from tests.factories import ApplicantUserFactory, CharityStaffFactory, GovernorateFactory
from tests.factories import OrganisationFactory as _Org
from volunteering.models import Opportunity, StipendBasis, WorkKind
from volunteering.programme import paid_volunteering_type


def licensed_org(governorate, **fields):
    """An active organisation licensed for paid volunteering in ``governorate``."""
    return _Org(aid_types=[paid_volunteering_type()], governorates=[governorate], **fields)


def staff(organisation, role=Role.CASEWORKER):
    return CharityStaffFactory(role=role, membership__organisation=organisation)


def opportunity(organisation, governorate, **fields: Any) -> Opportunity:
    """Twelve hours a week at 1.250 KWD an hour, from 4 January 2026 for three months."""
    manager = staff(organisation, Role.MANAGER)
    values = {
        "title_ar": "مساعد مكتبة",
        "title_en": "Library assistant",
        "description_ar": "ترتيب الكتب ومساعدة الزوار.",
        "description_en": "Shelving books and helping visitors.",
        "kind": WorkKind.EDUCATION,
        "governorate": governorate,
        "place": "Kuwait City",
        "starts_on": datetime.date(2026, 1, 4),
        "ends_on": datetime.date(2026, 4, 3),
        "hours_per_week": 12,
        "seats": 3,
        "stipend_basis": StipendBasis.HOURLY,
        "rate": Decimal("1.250"),
        "closes_on": datetime.date(2026, 1, 3),
        **fields,
    }
    return Opportunity.objects.create(
        organisation=organisation, created_by=manager, created_at=timezone.now(), **values
    )


def volunteer(governorate, **fields):
    applicant = ApplicantUserFactory(verified=True, **fields)
    ApplicantProfile.objects.create(user=applicant, name_ar="متطوع", governorate=governorate)
    return applicant


@pytest.fixture
def capital(db):
    return GovernorateFactory(code="capital")


@pytest.fixture
def org(capital):
    return licensed_org(capital)


@pytest.fixture
def manager(org):
    return staff(org, Role.MANAGER)


@pytest.fixture
def caseworker(org):
    return staff(org)
