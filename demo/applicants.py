"""The demo applicants' own data: household, income and obligations, documents, consent."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.core.files.base import ContentFile

from accounts.civil_id import make_kw_civil_id
from applicants.models import (
    ApplicantProfile,
    Document,
    DocumentKind,
    HouseholdMember,
    IncomeKind,
    IncomeSource,
    Kinship,
    MonthlyObligation,
    ObligationKind,
)
from applicants.validators import PDF
from demo.catalogue import FEMALE, MALE


def seed_household(rng: random.Random, profile: ApplicantProfile, index: int) -> None:
    if profile.members.exists():
        return
    size = index % 6
    for member_no in range(size):
        kinship = (
            Kinship.SPOUSE
            if member_no == 0
            else rng.choice([Kinship.SON, Kinship.DAUGHTER, Kinship.MOTHER])
        )
        born = datetime.date(1965 + rng.randrange(50), rng.randrange(1, 13), rng.randrange(1, 29))
        names = FEMALE if kinship in (Kinship.SPOUSE, Kinship.DAUGHTER, Kinship.MOTHER) else MALE
        HouseholdMember.objects.create(
            profile=profile,
            civil_id=make_kw_civil_id(born, 5000 + index * 10 + member_no),
            name=f"{rng.choice(names)[0]} {profile.name_ar.split(' ')[-1]}",
            kinship=kinship,
            birth_date=born,
            has_disability=rng.random() < 0.1,
            is_student=kinship in (Kinship.SON, Kinship.DAUGHTER) and rng.random() < 0.5,
        )


def seed_money(profile: ApplicantProfile, index: int, now: datetime.datetime) -> None:
    """A salary or pension (some with a second income), rent and sometimes a loan.

    Its own generator, so adding it did not change the data the applicant's generator makes.
    The first applicant's profile is left unconfirmed so the profile steps can be demonstrated.
    """
    rng = random.Random(3026 * 1000 + index)
    if not profile.incomes.exists():
        main = IncomeKind.PENSION if index % 4 == 3 else IncomeKind.SALARY
        IncomeSource.objects.create(
            profile=profile, kind=main, amount=Decimal(rng.randrange(250, 1200))
        )
        if index % 3 == 0:
            IncomeSource.objects.create(
                profile=profile, kind=IncomeKind.SOCIAL_SECURITY, amount=Decimal("150.000")
            )
    if not profile.obligations.exists():
        MonthlyObligation.objects.create(
            profile=profile, kind=ObligationKind.RENT, amount=Decimal(rng.randrange(150, 450))
        )
        if index % 2 == 1:
            MonthlyObligation.objects.create(
                profile=profile,
                kind=ObligationKind.LOANS,
                amount=Decimal(rng.randrange(50, 300)),
            )
    if index > 0 and profile.obligations_confirmed_at is None:
        profile.household_confirmed_at = profile.household_confirmed_at or now
        profile.incomes_confirmed_at = profile.incomes_confirmed_at or now
        profile.obligations_confirmed_at = now
        profile.save(
            update_fields=[
                "household_confirmed_at",
                "incomes_confirmed_at",
                "obligations_confirmed_at",
            ]
        )


PDF_DEMO = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def seed_documents(profile: ApplicantProfile, now: datetime.datetime) -> None:
    """Small PDF documents of the kinds the seed aid types ask for."""
    if profile.documents.exists():
        return
    for kind in (
        DocumentKind.CIVIL_ID_COPY,
        DocumentKind.SALARY_CERTIFICATE,
        DocumentKind.RENT_CONTRACT,
    ):
        document = Document(
            profile=profile,
            kind=kind,
            original_name=f"{kind}.pdf",
            content_type=PDF,
            size=len(PDF_DEMO),
        )
        document.file.save(f"{kind}.pdf", ContentFile(PDF_DEMO), save=True)
    profile.documents_confirmed_at = now
    profile.save(update_fields=["documents_confirmed_at"])


def seed_consent(profile: ApplicantProfile, now: datetime.datetime) -> None:
    """Complete profiles have agreed to the privacy notice (the first applicant has not)."""
    if profile.consented_at is None:
        profile.consented_at = now
        profile.save(update_fields=["consented_at"])


def birth_from_kw(civil_id: str) -> datetime.date:
    century = 1900 if civil_id[0] == "2" else 2000
    return datetime.date(century + int(civil_id[1:3]), int(civil_id[3:5]), int(civil_id[5:7]))
