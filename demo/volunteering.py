"""Paid volunteering in the demo: Al-Khair is licensed for the programme and publishes three
open opportunities (keyed by their English title; the dates follow the day of the seed)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from accounts.models import User
from applicants.models import Governorate
from charities.models import Organisation
from volunteering.models import Opportunity, StipendBasis, WorkKind

OPPORTUNITIES = [
    {
        "title_en": "Reading club assistant",
        "title_ar": "مساعد نادي القراءة",
        "description_en": "Help children choose books and run the weekly reading circle.",
        "description_ar": "مساعدة الأطفال في اختيار الكتب وإدارة حلقة القراءة الأسبوعية.",
        "kind": WorkKind.EDUCATION,
        "governorate": "capital",
        "place": "مكتبة الخير — الشرق",
        "hours_per_week": 12,
        "seats": 3,
        "stipend_basis": StipendBasis.HOURLY,
        "rate": Decimal("1.250"),
        "min_age": 18,
        "skills": "Patience with children; reading aloud in Arabic.",
    },
    {
        "title_en": "Food basket packing",
        "title_ar": "تجهيز السلال الغذائية",
        "description_en": "Pack and check the monthly food baskets before distribution.",
        "description_ar": "تعبئة السلال الغذائية الشهرية ومراجعتها قبل التوزيع.",
        "kind": WorkKind.RELIEF,
        "governorate": "hawalli",
        "place": "مستودع الخير — حولي",
        "hours_per_week": 16,
        "seats": 5,
        "stipend_basis": StipendBasis.HOURLY,
        "rate": Decimal("1.000"),
        "min_age": 18,
        "skills": "",
    },
    {
        "title_en": "Front desk for the family office",
        "title_ar": "استقبال مكتب الأسرة",
        "description_en": "Welcome visitors, book appointments and answer the phone.",
        "description_ar": "استقبال المراجعين وحجز المواعيد والرد على الهاتف.",
        "kind": WorkKind.ADMINISTRATION,
        "governorate": "farwaniya",
        "place": "مبرة الخير — الفروانية",
        "hours_per_week": 20,
        "seats": 2,
        "stipend_basis": StipendBasis.MONTHLY,
        "rate": Decimal("150.000"),
        "min_age": 21,
        "skills": "Basic computer use; Arabic and English.",
    },
]


def seed_volunteering(
    organisation: Organisation,
    manager: User,
    governorates: dict[str, Governorate],
    now: datetime.datetime,
) -> int:
    """The opportunities (applications open ten days, work from the third week for three
    months); the number of them."""
    today = now.date()
    for spec in OPPORTUNITIES:
        values = dict(spec)
        values["governorate"] = governorates[str(spec["governorate"])]
        starts = today + datetime.timedelta(days=14)
        Opportunity.objects.update_or_create(
            organisation=organisation,
            title_en=spec["title_en"],
            defaults={
                **values,
                "starts_on": starts,
                "ends_on": starts + datetime.timedelta(days=90),
                "closes_on": today + datetime.timedelta(days=10),
                "created_by": manager,
                "created_at": now,
            },
        )
    return len(OPPORTUNITIES)
