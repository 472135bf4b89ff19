"""A small registry for the beneficiary picture and the figures by source, at known dates.

Today is 2026-03-15 (Asia/Kuwait). Civil IDs are ``civil_id_for(n)``.

* Family F — applicant A (n=1), spouse M1 (n=2), son M2 (n=3). Needy-families aid (household)
  from 2026-01-01 to 2026-06-30, claimed and approved on 2026-01-01 for 150.000 × 6, paid on
  2026-01-10 and 2026-02-10: A, M1 and M2 are covered January to June.
  M1 also receives a disability allowance from Social Security, 120.000 a month, from
  2025-10-01 to 2026-02-28: M1 received from both sources in January and February 2026.
* Person S (n=10) — in no household: Social Welfare's monthly assistance, 200.000, from
  2025-06-01 until further notice; Social Welfare's housing allowance, 80.000, 2025-01-01 to
  2025-05-31; Social Security's family allowance, 50.000, from 2026-03-01 until further notice.
* Applicant B (n=20), no household members: needy-families aid from 2026-02-01 to
  2026-07-31, claimed on 2026-02-01 and not approved (a reserved commitment: it covers B).
* Applicant X (n=30): a claim released (a released commitment covers nobody), and an open
  request (no charity holds it): X is served by nobody.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from accounts.models import Role
from aid_requests.models import AidRequest, AidType, PaymentMethod
from applicants.models import HouseholdMember
from benefits.models import Agency, BenefitKind, BenefitRecord, ImportBatch, ImportStatus
from charities.services.cases import aid_request_release
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve, payment_record
from tests.factories import GovernorateFactory, civil_id_for
from tests.factories.cases import caseworker, family, needy_aid_type, on, open_request

KUWAIT = ZoneInfo("Asia/Kuwait")
TODAY = datetime.date(2026, 3, 15)
D = datetime.date


def benefit(
    civil_id: str,
    agency: str,
    kind: str,
    amount: str,
    start: datetime.date,
    end: datetime.date | None = None,
    *,
    reference: str,
) -> BenefitRecord:
    """One record as an import would leave it (its batch: a finished file)."""
    batch, _created = ImportBatch.objects.get_or_create(
        sha256="f" * 64,
        defaults={
            "file_name": "agencies-2026-03.csv",
            "started_at": datetime.datetime(2026, 3, 1, 9, tzinfo=KUWAIT),
            "finished_at": datetime.datetime(2026, 3, 1, 9, 5, tzinfo=KUWAIT),
            "status": ImportStatus.DONE,
        },
    )
    agency_row = Agency.objects.get(code=agency)
    return BenefitRecord.objects.create(
        civil_id=civil_id,
        agency=agency_row,
        kind=BenefitKind.objects.get(agency=agency_row, code=kind),
        monthly_amount=Decimal(amount),
        start_date=start,
        end_date=end,
        reference=reference,
        batch=batch,
    )


@dataclass
class PictureWorld:
    needy: AidType
    a: str
    m1: str
    m2: str
    s: str
    b: str
    x: str
    family_case: AidRequest
    b_case: AidRequest
    manager: Any


def build_picture_world() -> PictureWorld:
    capital = GovernorateFactory(code="capital")
    needy = needy_aid_type()
    a, m1, m2, s, b, x = (civil_id_for(n) for n in (1, 2, 3, 10, 20, 30))
    applicant_a = family(capital, member_civil_ids=[m1, m2], applicant_civil_id=a)
    profile = applicant_a.applicant_profile
    profile.name_ar, profile.name_en = "أحمد الكويتي", "Ahmad Al-Kuwaiti"
    profile.save(update_fields=["name_ar", "name_en"])
    HouseholdMember.objects.filter(civil_id=m1).update(name="مريم الكويتي")
    HouseholdMember.objects.filter(civil_id=m2).update(name="سالم الكويتي")
    manager = caseworker([needy], [capital], role=Role.MANAGER)

    with on(D(2026, 1, 1)):
        family_case = open_request(
            applicant_a, needy, capital, start=D(2026, 1, 1), amount="900.000"
        )
        aid_request_claim(aid_request_id=family_case.pk, actor=manager)
        aid_request_approve(
            aid_request_id=family_case.pk, actor=manager, amount=Decimal("150"), payments=6
        )
    for day in (D(2026, 1, 10), D(2026, 2, 10)):
        with on(day):
            payment_record(
                aid_request_id=family_case.pk,
                actor=manager,
                amount=Decimal("150"),
                paid_on=day,
                method=PaymentMethod.BANK_TRANSFER,
            )

    applicant_b = family(capital, applicant_civil_id=b)
    with on(D(2026, 2, 1)):
        b_case = open_request(applicant_b, needy, capital, start=D(2026, 2, 1))
        aid_request_claim(aid_request_id=b_case.pk, actor=manager)

    applicant_x = family(capital, applicant_civil_id=x)
    with on(D(2026, 1, 5)):
        released = open_request(applicant_x, needy, capital, start=D(2026, 1, 5))
        aid_request_claim(aid_request_id=released.pk, actor=manager)
        aid_request_release(aid_request_id=released.pk, actor=manager, reason="wrong area")

    benefit(m1, "social_security", "disability_allowance", "120.000", D(2025, 10, 1),
            D(2026, 2, 28), reference="SS-M1")  # fmt: skip
    benefit(s, "social_welfare", "monthly_assistance", "200.000", D(2025, 6, 1),
            reference="SW-S1")  # fmt: skip
    benefit(s, "social_welfare", "housing_allowance", "80.000", D(2025, 1, 1), D(2025, 5, 31),
            reference="SW-S2")  # fmt: skip
    benefit(s, "social_security", "family_allowance", "50.000", D(2026, 3, 1),
            reference="SS-S3")  # fmt: skip
    family_case.refresh_from_db()
    b_case.refresh_from_db()
    return PictureWorld(needy, a, m1, m2, s, b, x, family_case, b_case, manager)
