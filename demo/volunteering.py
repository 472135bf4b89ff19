"""Paid volunteering in the demo: Al-Khair is licensed for the programme and publishes three
open opportunities (keyed by their English title; the dates follow the day of the seed), and
one volunteer already works on a fourth, with weeks of hours logged."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from applicants.models import Governorate
from charities.models import Organisation
from volunteering.models import Opportunity, StipendBasis, WorkKind
from volunteering.services.applications import (
    application_accept,
    application_shortlist,
    application_submit,
)
from volunteering.services.hours import hours_confirm, hours_log

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


#: The opportunity a demo volunteer already works on: it started two weeks before the first run
#: of the seed, takes applications until that day, and has one seat.
RUNNING = {
    "title_en": "Homework club helper",
    "title_ar": "مساعد نادي الواجبات",
    "description_en": "Help pupils with their homework after school, three afternoons a week.",
    "description_ar": "مساعدة التلاميذ في واجباتهم بعد المدرسة، ثلاث أمسيات في الأسبوع.",
    "kind": WorkKind.EDUCATION,
    "governorate": "hawalli",
    "place": "مركز الخير للأسرة — حولي",
    "hours_per_week": 12,
    "seats": 1,
    "stipend_basis": StipendBasis.HOURLY,
    "rate": Decimal("1.250"),
    "min_age": 18,
    "skills": "Patience; basic mathematics.",
}
#: The weeks the organisation logged: the first confirmed by the volunteer, the second waiting.
LOGGED_HOURS = [Decimal("12"), Decimal("10.5")]


def seed_placement(
    organisation: Organisation,
    manager: User,
    volunteer: User,
    governorates: dict[str, Governorate],
    now: datetime.datetime,
) -> bool:
    """A volunteer placed on ``RUNNING`` through the services a real placement goes through:
    applied, shortlisted and accepted (the stipend aid approved for its months), two weeks'
    hours logged, the first confirmed by the volunteer. Made once, on the first run (False
    after): its dates, audit entries and notices are those of that day, as a real placement's.

    Runs outside the seed's transaction: each service is its own durable transaction.
    """
    if Opportunity.objects.filter(organisation=organisation, title_en=RUNNING["title_en"]).exists():
        return False
    today = timezone.localdate(now)
    starts = today - datetime.timedelta(days=15)  # weeks 1 and 2 begun, week 3 begins today-1
    opportunity = Opportunity.objects.create(
        **{**RUNNING, "governorate": governorates[str(RUNNING["governorate"])]},
        organisation=organisation,
        starts_on=starts,
        ends_on=starts + datetime.timedelta(days=90),
        closes_on=today,
        created_by=manager,
        created_at=now - datetime.timedelta(days=30),
    )
    application = application_submit(
        opportunity_id=opportunity.pk,
        applicant=volunteer,
        note="I help my younger brothers with their homework every evening.",
    )
    application_shortlist(application_id=application.pk, actor=manager)
    application_accept(application_id=application.pk, actor=manager)
    logs = [
        hours_log(application_id=application.pk, actor=manager, week=week, hours=hours)
        for week, hours in enumerate(LOGGED_HOURS, start=1)
    ]
    hours_confirm(hour_log_id=logs[0].pk, volunteer=volunteer)
    return True
