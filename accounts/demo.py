"""Demo data for a fresh portal: reference data, organisations, staff and applicants.

Everything is keyed by a natural key (code, licence number, e-mail, civil ID) and generated from
a fixed random seed, so running the seed again changes nothing.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from aid_requests.models import (
    HELD_STATUSES,
    AidRequest,
    AidScope,
    AidType,
    Beneficiaries,
    Payment,
    PaymentMethod,
    RequestStatus,
    TimelineEntry,
)
from aid_requests.periods import coverage_end
from aid_requests.scoring import screen
from aid_requests.services import household_snapshot
from applicants.models import (
    ApplicantProfile,
    Document,
    DocumentKind,
    Gender,
    Governorate,
    HouseholdMember,
    IncomeKind,
    IncomeSource,
    Kinship,
    MonthlyObligation,
    ObligationKind,
)
from applicants.validators import PDF
from charities.models import Organisation, OrganisationKind, OrganisationStatus, StaffMembership
from config.dates import add_months
from dedup.models import AidCommitment, CommitmentStatus
from identity.civil_id import make_kw_civil_id

DEMO_PASSWORD = "musaada-demo"  # noqa: S105 — printed by seed_demo; never used in production

GOVERNORATES = [
    ("capital", "العاصمة", "Capital"),
    ("hawalli", "حولي", "Hawalli"),
    ("farwaniya", "الفروانية", "Farwaniya"),
    ("ahmadi", "الأحمدي", "Ahmadi"),
    ("jahra", "الجهراء", "Jahra"),
    ("mubarak-al-kabeer", "مبارك الكبير", "Mubarak Al-Kabeer"),
]

AID_TYPES = [
    {
        "code": "needy-families",
        "name_ar": "الأسر المتعففة",
        "name_en": "Needy families",
        "description_ar": "مساعدة شهرية للأسر محدودة الدخل.",
        "description_en": "Monthly help for low-income households.",
        "scope": AidScope.HOUSEHOLD,
        "coverage_months": 6,
        "max_amount": Decimal("1500.000"),
        "required_documents": ["civil_id_copy", "salary_certificate"],
        "max_income_per_capita": Decimal("150.000"),
    },
    {
        "code": "rent-allowance",
        "name_ar": "بدل إيجار",
        "name_en": "Rent allowance",
        "description_ar": "مساهمة في إيجار مسكن الأسرة.",
        "description_en": "A contribution to the household's rent.",
        "scope": AidScope.HOUSEHOLD,
        "coverage_months": 6,
        "max_amount": Decimal("1200.000"),
        "required_documents": ["civil_id_copy", "rent_contract"],
        "max_income_per_capita": Decimal("200.000"),
    },
    {
        "code": "student-aid",
        "name_ar": "مساعدة طلبة",
        "name_en": "Student aid",
        "description_ar": "رسوم دراسية ومستلزمات لفصل دراسي.",
        "description_en": "Fees and supplies for one term.",
        "scope": AidScope.PERSON,
        "coverage_months": 5,
        "max_amount": Decimal("800.000"),
        "required_documents": ["civil_id_copy", "student_enrolment"],
        "max_income_per_capita": Decimal("250.000"),
        "beneficiaries": Beneficiaries.MEMBER,  # a child of the household
    },
    {
        "code": "medical-treatment",
        "name_ar": "علاج مرضى",
        "name_en": "Medical treatment",
        "description_ar": "مساعدة لمرة واحدة في تكاليف العلاج.",
        "description_en": "One-off help with the cost of treatment.",
        "scope": AidScope.PERSON,
        "coverage_months": 0,
        "max_amount": Decimal("3000.000"),
        "required_documents": ["civil_id_copy", "medical_report"],
        "max_income_per_capita": None,
        "beneficiaries": Beneficiaries.APPLICANT_OR_MEMBER,  # the patient
    },
]

# (slug, Arabic name, English name, kind, licence, status, aid type codes, governorate codes)
ORGANISATIONS = [
    (
        "alnoor",
        "جمعية النور الخيرية",
        "Al-Noor Charity Society",
        OrganisationKind.CHARITY,
        "MSA-CH-1001",
        OrganisationStatus.ACTIVE,
        None,
        None,
    ),
    (
        "alkhair",
        "مبرة الخير",
        "Al-Khair Charitable Foundation",
        OrganisationKind.FOUNDATION,
        "MSA-FD-2002",
        OrganisationStatus.ACTIVE,
        ["needy-families", "medical-treatment"],
        ["capital", "hawalli", "farwaniya"],
    ),
    (
        "rawda",
        "جمعية الروضة التعاونية",
        "Rawda Cooperative Society",
        OrganisationKind.COOPERATIVE,
        "MSA-CO-3003",
        OrganisationStatus.ACTIVE,
        ["needy-families", "rent-allowance"],
        ["capital", "hawalli"],
    ),
    (
        "jahra",
        "لجنة تنمية الجهراء الاجتماعية",
        "Jahra Social Development Committee",
        OrganisationKind.COMMITTEE,
        "MSA-SC-4004",
        OrganisationStatus.ACTIVE,
        ["needy-families", "student-aid"],
        ["jahra"],
    ),
    (
        "alamal",
        "جمعية الأمل الخيرية",
        "Al-Amal Charity Society",
        OrganisationKind.CHARITY,
        "MSA-CH-5005",
        OrganisationStatus.PENDING,
        ["needy-families"],
        ["ahmadi"],
    ),
]

MALE = [
    ("محمد", "Mohammad"),
    ("أحمد", "Ahmad"),
    ("عبدالله", "Abdullah"),
    ("خالد", "Khaled"),
    ("فهد", "Fahad"),
    ("سعود", "Saud"),
    ("يوسف", "Yousef"),
    ("علي", "Ali"),
    ("حمد", "Hamad"),
    ("ناصر", "Nasser"),
]
FEMALE = [
    ("فاطمة", "Fatima"),
    ("مريم", "Maryam"),
    ("نورة", "Noura"),
    ("سارة", "Sara"),
    ("هيا", "Haya"),
    ("دانة", "Dana"),
    ("شيخة", "Shaikha"),
    ("منيرة", "Munira"),
    ("لطيفة", "Latifa"),
    ("عائشة", "Aisha"),
]
FAMILIES = [
    ("العنزي", "Al-Enezi"),
    ("المطيري", "Al-Mutairi"),
    ("الشمري", "Al-Shammari"),
    ("الرشيدي", "Al-Rashidi"),
    ("العجمي", "Al-Ajmi"),
    ("الظفيري", "Al-Dhafiri"),
    ("الكندري", "Al-Kandari"),
    ("الفضلي", "Al-Fadhli"),
    ("الهاجري", "Al-Hajri"),
    ("الدوسري", "Al-Dosari"),
]

#: Well-known applicant civil IDs (valid Kuwaiti numbers) for the README and browser tests.
KNOWN_APPLICANTS = ["285031401239", "301070945674", "260123100424"]
APPLICANT_NOTES = [
    "identity not verified yet, profile unfinished",
    "verified, profile complete, no request yet",
    "verified, with a request",
]

APPLICANT_COUNT = 30


@dataclass
class SeedReport:
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, login, note)
    counts: dict[str, int] = field(default_factory=dict)


def _staff(email: str, name: str, role: Role) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, role=role)
    user.full_name, user.role = name, role
    user.save(update_fields=["full_name", "role"])
    EmailAddress.objects.update_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


@transaction.atomic
def seed(now: datetime.datetime | None = None) -> SeedReport:
    """Create or refresh the demo data set; safe to run any number of times."""
    now = now or timezone.now()
    report = SeedReport()

    governorates = {
        code: Governorate.objects.update_or_create(
            code=code, defaults={"name_ar": ar, "name_en": en}
        )[0]
        for code, ar, en in GOVERNORATES
    }
    aid_types = {
        spec["code"]: AidType.objects.update_or_create(
            code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"}
        )[0]
        for spec in AID_TYPES
    }

    admin = _staff("admin@musaada.test", "مدير النظام — وزارة الشؤون", Role.MINISTRY_ADMIN)
    if not admin.is_staff:
        admin.is_staff = admin.is_superuser = True
        admin.save(update_fields=["is_staff", "is_superuser"])
    _staff("official@musaada.test", "موظف الوزارة", Role.MINISTRY_OFFICIAL)
    report.logins += [
        ("ministry admin", "admin@musaada.test", "also opens /django-admin/"),
        ("ministry official", "official@musaada.test", ""),
    ]

    organisations: dict[str, Organisation] = {}
    for slug, ar, en, kind, licence, status, type_codes, gov_codes in ORGANISATIONS:
        org, _created = Organisation.objects.update_or_create(
            licence_number=licence,
            defaults={
                "name_ar": ar,
                "name_en": en,
                "kind": kind,
                "status": status,
                "email": f"info@{slug}.test",
                "phone": "+965 2200 0000",
            },
        )
        org.aid_types.set([aid_types[c] for c in (type_codes or aid_types)])
        org.governorates.set([governorates[c] for c in (gov_codes or governorates)])
        organisations[slug] = org
        for role, label in ((Role.MANAGER, "مدير"), (Role.CASEWORKER, "باحث اجتماعي")):
            email = f"{role.value}@{slug}.test"
            user = _staff(email, f"{label} — {ar}", role)
            StaffMembership.objects.update_or_create(
                user=user, defaults={"organisation": org, "is_active": True}
            )
            report.logins.append((f"{role.label} ({en})", email, status.label))

    statuses = [s for s, _label in RequestStatus.choices]
    gov_list = list(governorates.values())
    type_list = list(aid_types.values())
    for index in range(APPLICANT_COUNT):
        # One generator per applicant: the same applicant gets the same data on every run,
        # whatever earlier runs already created.
        rng = random.Random(2026 * 1000 + index)
        female = index % 3 == 1
        first = (FEMALE if female else MALE)[index % 10]
        family = FAMILIES[(index * 7) % 10]
        if index < len(KNOWN_APPLICANTS):
            civil_id = KNOWN_APPLICANTS[index]
        else:
            born = datetime.date(
                1960 + rng.randrange(40), rng.randrange(1, 13), rng.randrange(1, 29)
            )
            civil_id = make_kw_civil_id(born, 100 + index * 37)
        birth = _birth_from_kw(civil_id)
        user = User.objects.filter(civil_id=civil_id).first()
        if user is None:
            user = User.objects.create_user(
                civil_id=civil_id, password=DEMO_PASSWORD, role=Role.APPLICANT
            )
        user.full_name = f"{first[0]} {family[0]}"
        user.mobile, user.mobile_verified = f"+9655{index:03d}{1000 + index:04d}", True
        # The first applicant is left unverified so the identity step can be demonstrated.
        user.identity_verified_at = (
            None if index == 0 else now - datetime.timedelta(days=40 + index)
        )
        user.save(update_fields=["full_name", "mobile", "mobile_verified", "identity_verified_at"])
        governorate = gov_list[index % len(gov_list)]
        profile, _created = ApplicantProfile.objects.update_or_create(
            user=user,
            defaults={
                "name_ar": f"{first[0]} {family[0]}",
                "name_en": f"{first[1]} {family[1]}",
                "birth_date": birth,
                "gender": Gender.FEMALE if female else Gender.MALE,
                "nationality": "الكويت",
                "governorate": governorate,
                "area": governorate.name_ar,
                "address": f"قطعة {index % 9 + 1}، شارع {index + 10}، منزل {index + 3}",
            },
        )
        _seed_household(rng, profile, index)
        _seed_money(profile, index, now)
        if index > 0:
            _seed_documents(profile, now)
            _seed_consent(profile, now)
        if index < 3:
            report.logins.append(("applicant", civil_id, APPLICANT_NOTES[index]))
        if index < 2:
            continue  # the first two show the identity step and a first request, from scratch
        status = statuses[index % len(statuses)]
        aid_type = type_list[index % len(type_list)]
        _seed_request(rng, user, profile, aid_type, status, organisations, now, index)

    report.counts = {
        "governorates": Governorate.objects.count(),
        "aid types": AidType.objects.count(),
        "organisations": Organisation.objects.count(),
        "staff": User.objects.exclude(role=Role.APPLICANT).count(),
        "applicants": User.objects.filter(role=Role.APPLICANT).count(),
        "household members": HouseholdMember.objects.count(),
        "income sources": IncomeSource.objects.count(),
        "monthly obligations": MonthlyObligation.objects.count(),
        "requests": AidRequest.objects.count(),
    }
    return report


def _seed_consent(profile: ApplicantProfile, now: datetime.datetime) -> None:
    """Complete profiles have agreed to the privacy notice (the first applicant has not)."""
    if profile.consented_at is None:
        profile.consented_at = now
        profile.save(update_fields=["consented_at"])


def _birth_from_kw(civil_id: str) -> datetime.date:
    century = 1900 if civil_id[0] == "2" else 2000
    return datetime.date(century + int(civil_id[1:3]), int(civil_id[3:5]), int(civil_id[5:7]))


def _seed_money(profile: ApplicantProfile, index: int, now: datetime.datetime) -> None:
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


def _seed_household(rng: random.Random, profile: ApplicantProfile, index: int) -> None:
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


def _seed_request(
    rng: random.Random,
    user: User,
    profile: ApplicantProfile,
    aid_type: AidType,
    status: str,
    organisations: dict[str, Organisation],
    now: datetime.datetime,
    index: int,
) -> None:
    if AidRequest.objects.filter(applicant=user, aid_type=aid_type).exists():
        return
    submitted = now - datetime.timedelta(days=3 + index)
    if status == RequestStatus.CLOSED:
        # A closed case has had every payment of its coverage: payment N pays month N, so the
        # request was submitted at least that many months ago.
        months = max(1, aid_type.coverage_months)
        submitted = now - datetime.timedelta(days=31 * months + 3 + index)
    start = timezone.localdate(submitted)
    claimed_by = None
    if status in HELD_STATUSES:
        claimed_by = next(
            (
                org
                for org in organisations.values()
                if org.is_active
                and org.aid_types.filter(pk=aid_type.pk).exists()
                and org.governorates.filter(pk=profile.governorate_id).exists()
            ),
            organisations["alnoor"],
        )
    amount = (aid_type.max_amount * Decimal(rng.randrange(30, 100)) / 100).quantize(
        Decimal("0.001")
    )
    snapshot = household_snapshot(user)
    result = screen(
        snapshot,
        threshold=aid_type.max_income_per_capita,
        required_documents=list(aid_type.required_documents),
        documents_attached=frozenset(profile.documents.values_list("kind", flat=True)),
    )
    # Aid only a household member may receive (student aid) is for the first child listed.
    beneficiary = None
    if not aid_type.applicant_may_benefit:
        beneficiary = (
            profile.members.filter(kinship__in=(Kinship.SON, Kinship.DAUGHTER)).first()
            or profile.members.first()
        )
        if beneficiary is None:
            return
    screening = result.as_json()
    screening["eligible"] = status not in (RequestStatus.INELIGIBLE, RequestStatus.SUBMITTED)
    if status == RequestStatus.INELIGIBLE and not screening["reasons"]:
        screening["reasons"] = [{"code": "documents_missing", "kinds": ["rent_contract"]}]
    if status != RequestStatus.INELIGIBLE:
        screening["reasons"] = []
    aid_request = AidRequest.objects.create(
        applicant=user,
        aid_type=aid_type,
        amount_requested=amount,
        justification="طلب تجريبي من بيانات العرض.",
        status=status,
        governorate=profile.governorate,  # type: ignore[misc]
        household_size=profile.household_size,
        need_score=None if status == RequestStatus.SUBMITTED else result.score,
        screening={} if status == RequestStatus.SUBMITTED else screening,
        coverage_start=start,
        coverage_end=coverage_end(start, aid_type.coverage_months),
        claimed_by=claimed_by,
        claimed_at=submitted + datetime.timedelta(days=1) if claimed_by else None,
        submitted_at=submitted,
        beneficiary_member=beneficiary,
        beneficiary_civil_id=beneficiary.civil_id if beneficiary else None,
    )
    aid_request.documents.set(profile.documents.all())
    TimelineEntry.objects.create(
        aid_request=aid_request,
        from_status="",
        to_status=RequestStatus.SUBMITTED,
        actor=user,
        at=submitted,
    )
    if status != RequestStatus.SUBMITTED:
        TimelineEntry.objects.create(
            aid_request=aid_request,
            from_status=RequestStatus.SUBMITTED,
            to_status=status,
            at=submitted + datetime.timedelta(days=1),
            note="بيانات العرض" if status != RequestStatus.INELIGIBLE else "",
        )
    if claimed_by is None:
        return
    # A held case holds its aid slots, as a real claim would (the rule applies to demo data).
    binding = status != RequestStatus.CLAIMED
    people = [(beneficiary.civil_id, True) if beneficiary else (user.civil_id or "", True)]
    if aid_type.scope == AidScope.HOUSEHOLD:
        people += [(m, False) for m in profile.members.values_list("civil_id", flat=True)]
    AidCommitment.objects.bulk_create(
        AidCommitment(
            aid_request=aid_request,
            organisation=claimed_by,
            aid_type=aid_type,
            civil_id=civil_id,
            is_applicant=is_applicant,
            period_start=aid_request.coverage_start,
            period_end=aid_request.coverage_end,
            status=CommitmentStatus.ACTIVE if binding else CommitmentStatus.RESERVED,
        )
        for civil_id, is_applicant in people
    )
    # Reserved when the demo claim was made (the statistics measure time to first payment
    # from it), not when the seed ran.
    AidCommitment.objects.filter(aid_request=aid_request).update(created_at=aid_request.claimed_at)
    if status == RequestStatus.CLAIMED:
        return
    periods = max(1, aid_type.coverage_months)
    aid_request.approved_payments = periods
    aid_request.approved_amount = (amount / periods).quantize(Decimal("0.001"))
    aid_request.approved_at = submitted + datetime.timedelta(days=2)
    aid_request.save(update_fields=["approved_payments", "approved_amount", "approved_at"])
    paid = {RequestStatus.PAYING: 1, RequestStatus.CLOSED: periods}.get(status, 0)
    staff = User.objects.filter(membership__organisation=claimed_by, role=Role.MANAGER).first()
    for period in range(1, paid + 1):
        Payment.objects.create(
            aid_request=aid_request,
            organisation=claimed_by,
            period=period,
            amount=aid_request.approved_amount,
            # Payment N pays month N of the coverage, and never before the approval.
            paid_on=max(
                add_months(start, period - 1),
                timezone.localdate(aid_request.approved_at) + datetime.timedelta(days=1),
            ),
            method=PaymentMethod.BANK_TRANSFER,
            reference=f"DEMO-{aid_request.pk}-{period}",
            recorded_by=staff,
            recorded_at=now,
        )


PDF_DEMO = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _seed_documents(profile: ApplicantProfile, now: datetime.datetime) -> None:
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
