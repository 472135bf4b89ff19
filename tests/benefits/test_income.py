"""``verified_monthly_income``: which records count as verified income for an aid type."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from benefits.income import verified_monthly_income
from benefits.models import (
    AidTypeBenefitRule,
    BenefitEffect,
    BenefitKind,
    BenefitRecord,
    ImportBatch,
    ImportStatus,
)
from tests.factories import civil_id_for
from tests.factories.cases import needy_aid_type, rent_aid_type

pytestmark = pytest.mark.django_db

ON = datetime.date(2026, 6, 15)
A, B, C = civil_id_for(1), civil_id_for(2), civil_id_for(3)


def kind(agency: str, code: str) -> BenefitKind:
    return BenefitKind.objects.get(agency__code=agency, code=code)


@pytest.fixture
def batch() -> ImportBatch:
    now = timezone.now()
    return ImportBatch.objects.create(
        file_name="f.csv",
        sha256="1" * 64,
        started_at=now,
        finished_at=now,
        status=ImportStatus.DONE,
    )


def record(batch, civil_id, benefit, amount, start, end=None, *, n):
    return BenefitRecord.objects.create(
        civil_id=civil_id,
        agency=benefit.agency,
        kind=benefit,
        monthly_amount=Decimal(amount),
        start_date=start,
        end_date=end,
        reference=f"R-{n}",
        batch=batch,
    )


def test_only_income_benefits_of_the_aid_type_paid_on_the_day_count(batch):
    needy, rent = needy_aid_type(), rent_aid_type()
    pension = kind("social_security", "retirement_pension")
    assistance = kind("social_welfare", "monthly_assistance")
    housing = kind("social_welfare", "housing_allowance")
    AidTypeBenefitRule.objects.create(aid_type=needy, kind=pension, effect=BenefitEffect.INCOME)
    AidTypeBenefitRule.objects.create(aid_type=needy, kind=assistance, effect=BenefitEffect.INCOME)
    AidTypeBenefitRule.objects.create(aid_type=needy, kind=housing, effect=BenefitEffect.EXCLUDES)
    AidTypeBenefitRule.objects.create(aid_type=rent, kind=housing, effect=BenefitEffect.INCOME)
    start = datetime.date(2026, 1, 1)
    record(batch, A, pension, "250.500", start, n=1)  # counts
    record(batch, B, assistance, "100.125", start, ON, n=2)  # ends on the day: counts
    record(batch, A, assistance, "75", start, ON - datetime.timedelta(days=1), n=3)  # ended
    record(batch, B, pension, "60", ON + datetime.timedelta(days=1), n=4)  # not yet started
    record(batch, A, housing, "90", start, n=5)  # excludes needy aid; not income for it
    record(batch, C, pension, "500", start, n=6)  # someone else
    # 250.500 + 100.125 = 350.625
    assert verified_monthly_income([A, B], needy, on=ON) == Decimal("350.625")
    assert verified_monthly_income([A, B], rent, on=ON) == Decimal("90.000")
    assert verified_monthly_income([], needy, on=ON) == Decimal("0.000")


def test_an_aid_type_without_income_rules_verifies_nothing(batch):
    record(batch, A, kind("social_security", "retirement_pension"), "250", ON, n=1)
    assert verified_monthly_income([A], needy_aid_type(), on=ON) == Decimal("0.000")
