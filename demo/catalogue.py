"""The demo data set's fixed tables: reference data, organisations, names and known logins.

``bench/generate.py`` reads the governorates and aid types too, so the benchmark's catalogue is
the demo's.
"""

from __future__ import annotations

from decimal import Decimal

from aid_requests.models import AidScope, Beneficiaries
from charities.models import OrganisationKind, OrganisationStatus

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
        ["needy-families", "medical-treatment", "paid-volunteering"],
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
#: The applicant placed as a paid volunteer at Al-Khair (demo.volunteering.seed_placement).
VOLUNTEER_INDEX = 4
VOLUNTEER_NOTE = "a placement at Al-Khair, one week of hours to confirm"
