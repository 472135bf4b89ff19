"""Demo data for a fresh portal: reference data, organisations, staff and applicants.

Everything is keyed by a natural key (code, licence number, e-mail, civil ID) and generated from
a fixed random seed, so running the seed again changes nothing. ``manage.py seed_demo`` runs it.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone, translation

from accounts.civil_id import make_kw_civil_id
from accounts.models import Role, User
from aid_requests.models import AidRequest, AidType, RequestStatus
from applicants.models import (
    ApplicantProfile,
    Gender,
    Governorate,
    HouseholdMember,
    IncomeSource,
    MonthlyObligation,
)
from charities.models import Organisation, StaffMembership
from demo.applicants import (
    birth_from_kw,
    seed_consent,
    seed_documents,
    seed_household,
    seed_money,
)
from demo.benefits import seed_benefits
from demo.catalogue import (
    AID_TYPES,
    APPLICANT_COUNT,
    APPLICANT_NOTES,
    DEMO_PASSWORD,
    FAMILIES,
    FEMALE,
    GOVERNORATES,
    KNOWN_APPLICANTS,
    MALE,
    ORGANISATIONS,
    VOLUNTEER_INDEX,
    VOLUNTEER_NOTE,
)
from demo.donations import seed_donations
from demo.requests import seed_request
from demo.volunteering import seed_placement, seed_volunteering
from volunteering.models import Application, ApplicationStatus, Opportunity
from volunteering.programme import CODE as PROGRAMME_CODE
from volunteering.programme import paid_volunteering_type


@dataclass
class SeedReport:
    logins: list[tuple[str, str, str]] = field(default_factory=list)  # (role, login, note)
    counts: dict[str, int] = field(default_factory=dict)
    #: Civil IDs worth searching on the ministry's beneficiary picture: (civil ID, what shows).
    pictures: list[tuple[str, str]] = field(default_factory=list)
    #: The civil ID of the applicant placed as a paid volunteer.
    volunteer: str = ""


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


def seed(now: datetime.datetime | None = None) -> SeedReport:
    """Create or refresh the demo data set; safe to run any number of times."""
    now = now or timezone.now()
    report = _seed(now)
    # After the rest has committed: a volunteer's placement goes through the volunteering
    # services, each its own durable transaction (made on the first run only).
    manager = User.objects.get(email="manager@alkhair.test")  # Al-Khair: the programme's
    seed_placement(
        StaffMembership.objects.get(user=manager).organisation,
        manager,
        User.objects.get(civil_id=report.volunteer),
        {g.code: g for g in Governorate.objects.all()},
        now,
    )
    report.counts["requests"] = AidRequest.objects.count()  # the stipend aid's too
    report.counts["paid-volunteering opportunities"] = Opportunity.objects.count()
    report.counts["volunteer placements"] = Application.objects.filter(
        status=ApplicationStatus.ACCEPTED
    ).count()
    return report


@transaction.atomic
def _seed(now: datetime.datetime) -> SeedReport:
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
    # The paid-volunteering programme's entry (volunteering.programme), licensed below.
    aid_types[PROGRAMME_CODE] = paid_volunteering_type()

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
        every_type = [spec["code"] for spec in AID_TYPES]  # the programme: only where named
        org.aid_types.set([aid_types[c] for c in (type_codes or every_type)])
        org.governorates.set([governorates[c] for c in (gov_codes or governorates)])
        organisations[slug] = org
        for role, label in ((Role.MANAGER, "مدير"), (Role.CASEWORKER, "باحث اجتماعي")):
            email = f"{role.value}@{slug}.test"
            user = _staff(email, f"{label} — {ar}", role)
            StaffMembership.objects.update_or_create(
                user=user, defaults={"organisation": org, "is_active": True}
            )
            # The printed logins are in English, like the README's table of them.
            with translation.override("en"):
                report.logins.append((f"{role.label} ({en})", email, str(status.label)))

    # Paid volunteering: Al-Khair (licensed for the programme above) publishes a few.
    seed_volunteering(
        organisations["alkhair"],
        User.objects.get(email="manager@alkhair.test"),
        governorates,
        now,
    )

    statuses = [s for s, _label in RequestStatus.choices]
    gov_list = list(governorates.values())
    type_list = [aid_types[spec["code"]] for spec in AID_TYPES]  # applied for, not the programme
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
        birth = birth_from_kw(civil_id)
        user = User.objects.filter(civil_id=civil_id).first()  # type: ignore[assignment]
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
        seed_household(rng, profile, index)
        seed_money(profile, index, now)
        if index > 0:
            seed_documents(profile, now)
            seed_consent(profile, now)
        if index < 3:
            report.logins.append(("applicant", civil_id, APPLICANT_NOTES[index]))
        if index == VOLUNTEER_INDEX:
            report.volunteer = civil_id
            report.logins.append(("applicant, paid volunteer", civil_id, VOLUNTEER_NOTE))
        if index < 2:
            continue  # the first two show the identity step and a first request, from scratch
        request_status = statuses[index % len(statuses)]
        aid_type = type_list[index % len(type_list)]
        seed_request(rng, user, profile, aid_type, request_status, organisations, now, index)

    # The state's benefits, after the requests: one family is served by a charity's case and
    # by the state at once.
    benefits = seed_benefits(now, state_only_civil_id=KNOWN_APPLICANTS[1])
    if benefits.both:
        report.pictures.append((benefits.both, "a family served by a charity and by the state"))
    report.pictures += [
        (benefits.state_only, "an applicant served by the state only"),
        (benefits.not_registered, "a person only an agency knows"),
    ]

    gifts = seed_donations(now)  # after the payments: the demo gifts fund some of them

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
        "state benefit records": benefits.records,
        "gifts": gifts,
    }
    return report
