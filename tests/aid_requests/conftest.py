"""An applicant ready to apply: verified identity, complete profile, documents uploaded."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from aid_requests.models import AidScope, AidType
from applicants.models import (
    ApplicantProfile,
    Document,
    DocumentKind,
    Gender,
    HouseholdMember,
    IncomeKind,
    IncomeSource,
    Kinship,
    MonthlyObligation,
    ObligationKind,
)
from applicants.validators import PDF
from tests.dedup.conftest import capital, needy  # noqa: F401  # fixtures shared with dedup
from tests.factories import ApplicantUserFactory, GovernorateFactory, civil_id_for

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_ready_applicant(
    *,
    income="600",
    obligations="200",
    members=3,
    disabled=1,
    students=2,
    documents=(DocumentKind.CIVIL_ID_COPY, DocumentKind.RENT_CONTRACT),
    verified=True,
    seed=0,
):
    now = timezone.now()
    user = ApplicantUserFactory(verified=verified)
    profile = ApplicantProfile.objects.create(
        user=user,
        name_ar="أسرة الاختبار",
        name_en="Test Family",
        gender=Gender.MALE,
        nationality="الكويت",
        governorate=GovernorateFactory(code="capital"),
        area="الشامية",
        address="قطعة 1، شارع 2، منزل 3",
        household_confirmed_at=now,
        incomes_confirmed_at=now,
        obligations_confirmed_at=now,
        documents_confirmed_at=now,
        consented_at=now,
    )
    for n in range(members):
        HouseholdMember.objects.create(
            profile=profile,
            civil_id=civil_id_for(90000 + seed * 10 + n),
            name=f"فرد {n}",
            kinship=Kinship.SPOUSE if n == 0 else Kinship.SON,
            has_disability=n < disabled,
            is_student=0 < n <= students,
        )
    if Decimal(income):
        IncomeSource.objects.create(profile=profile, kind=IncomeKind.SALARY, amount=income)
    if Decimal(obligations):
        MonthlyObligation.objects.create(
            profile=profile, kind=ObligationKind.RENT, amount=obligations
        )
    docs = []
    for kind in documents:
        document = Document(
            profile=profile,
            kind=kind,
            original_name=f"{kind}.pdf",
            content_type=PDF,
            size=len(PDF_BYTES),
        )
        document.file.save(f"{kind}.pdf", ContentFile(PDF_BYTES), save=True)
        docs.append(document)
    return user, docs


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def rent_allowance(db) -> AidType:
    return AidType.objects.create(
        code="rent-allowance",
        name_ar="بدل إيجار",
        name_en="Rent allowance",
        scope=AidScope.HOUSEHOLD,
        coverage_months=6,
        max_amount=Decimal("1200.000"),
        required_documents=["civil_id_copy", "rent_contract"],
        max_income_per_capita=Decimal("150.000"),
    )


@pytest.fixture
def ready(media, rent_allowance):
    return make_ready_applicant()
