"""Factories for what applicants declare with their profile (income, obligations, documents)."""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

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
from tests.factories import (
    ApplicantProfileFactory,
    ApplicantUserFactory,
    GovernorateFactory,
    civil_id_for,
)

#: A complete one-page PDF, as small as a reader accepts.
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 72 72]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def png_bytes() -> bytes:
    """A valid 1×1 white PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\xff\xff")
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


#: The start of a JFIF JPEG (SOI, APP0) and its end marker: enough to be recognised.
JPEG_BYTES = (
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
) + b"\xff\xd9"


class IncomeSourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IncomeSource

    profile = factory.SubFactory(ApplicantProfileFactory)
    kind = IncomeKind.SALARY
    amount = Decimal("500.000")


class MonthlyObligationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MonthlyObligation

    profile = factory.SubFactory(ApplicantProfileFactory)
    kind = ObligationKind.RENT
    amount = Decimal("200.000")


class DocumentFactory(factory.django.DjangoModelFactory):
    """A stored PDF; set ``settings.MEDIA_ROOT`` to a temporary folder in the test."""

    class Meta:
        model = Document

    profile = factory.SubFactory(ApplicantProfileFactory)
    kind = DocumentKind.CIVIL_ID_COPY
    content_type = PDF
    original_name = "civil-id.pdf"
    size = len(PDF_BYTES)
    file = factory.django.FileField(data=PDF_BYTES, filename="ignored.pdf")


class CompleteProfileFactory(ApplicantProfileFactory):
    """A profile whose personal step is complete (the list steps are not confirmed)."""

    user = factory.SubFactory("tests.factories.ApplicantUserFactory", mobile="+96551234567")
    gender = "m"
    nationality = "الكويت"
    area = "الروضة"
    address = "قطعة 3، شارع 5، منزل 7"


class ReadyProfileFactory(CompleteProfileFactory):
    """Every step done: verified identity, personal details, list steps confirmed, consent.

    ``consented_at=None`` gives a profile that lacks only the privacy consent.
    """

    user = factory.SubFactory(
        "tests.factories.ApplicantUserFactory", mobile="+96551234567", verified=True
    )
    household_confirmed_at = factory.LazyFunction(timezone.now)
    incomes_confirmed_at = factory.LazyFunction(timezone.now)
    obligations_confirmed_at = factory.LazyFunction(timezone.now)
    documents_confirmed_at = factory.LazyFunction(timezone.now)
    consented_at = factory.LazyFunction(timezone.now)


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
    """An applicant ready to apply in the capital, and their uploaded documents.

    Verified identity (unless ``verified=False``), every profile step done and consented;
    ``members`` household members (a spouse, then sons: the first ``disabled`` with a
    disability, the next ``students`` students; ``seed`` keeps their civil IDs apart between
    applicants), one salary and one rent unless zero, and a stored PDF per document kind. Set
    ``settings.MEDIA_ROOT`` to a temporary folder in the test.
    """
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
