"""factory_boy factories for every model the tests build."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.civil_id import make_kw_civil_id
from accounts.models import Role, User
from aid_requests.models import AidRequest, AidScope, AidType, RequestStatus
from aid_requests.periods import coverage_end
from applicants.models import ApplicantProfile, Governorate, HouseholdMember, Kinship
from charities.models import Organisation, OrganisationKind, OrganisationStatus, StaffMembership

PASSWORD = "correct horse battery staple"


def civil_id_for(n: int) -> str:
    """A distinct valid Kuwaiti civil ID for each n below 6,000,000.

    Birth date from ``n % 12000``, serial block of 16 from ``n // 12000`` (``make_kw_civil_id``
    takes the first serial of the block with a valid check digit), so two different n never
    share both. (The former scheme repeated itself every 36,000 numbers.)
    """
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n % 12000)
    return make_kw_civil_id(born, (n // 12000) * 16)


class GovernorateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Governorate
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"gov-{n}")
    name_ar = factory.Sequence(lambda n: f"محافظة {n}")
    name_en = factory.Sequence(lambda n: f"Governorate {n}")


class AidTypeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AidType
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"aid-{n}")
    name_ar = factory.Sequence(lambda n: f"مساعدة {n}")
    name_en = factory.Sequence(lambda n: f"Aid {n}")
    scope = AidScope.HOUSEHOLD
    coverage_months = 6
    max_amount = Decimal("1000.000")


class StaffUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"staff{n}@example.test")
    full_name = factory.Faker("name")
    role = Role.MINISTRY_OFFICIAL
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):  # noqa: N805
        if create:
            obj.save()


class ApplicantUserFactory(StaffUserFactory):
    email = None
    civil_id = factory.Sequence(civil_id_for)
    role = Role.APPLICANT
    mobile = factory.Sequence(lambda n: f"+9655{n % 10000000:07d}")
    mobile_verified = True
    identity_verified_at = None

    class Params:
        verified = factory.Trait(identity_verified_at=factory.LazyFunction(timezone.now))


class ApplicantProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ApplicantProfile

    user = factory.SubFactory(ApplicantUserFactory)
    name_ar = "مستفيد تجريبي"
    name_en = "Test Applicant"
    governorate = factory.SubFactory(GovernorateFactory)


class HouseholdMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HouseholdMember

    profile = factory.SubFactory(ApplicantProfileFactory)
    civil_id = factory.Sequence(lambda n: civil_id_for(n + 50000))
    name = "فرد من الأسرة"
    kinship = Kinship.SON


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        skip_postgeneration_save = True

    name_ar = factory.Sequence(lambda n: f"جمعية {n}")
    name_en = factory.Sequence(lambda n: f"Charity {n}")
    kind = OrganisationKind.CHARITY
    licence_number = factory.Sequence(lambda n: f"LIC-{n:05d}")
    status = OrganisationStatus.ACTIVE

    @factory.post_generation
    def aid_types(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            obj.aid_types.set(extracted)

    @factory.post_generation
    def governorates(obj, create, extracted, **kwargs):  # noqa: N805
        if create and extracted:
            obj.governorates.set(extracted)


class CharityStaffFactory(StaffUserFactory):
    role = Role.CASEWORKER
    membership = factory.RelatedFactory(
        "tests.factories.StaffMembershipFactory", factory_related_name="user"
    )


class StaffMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffMembership

    user = factory.SubFactory(StaffUserFactory, role=Role.CASEWORKER)
    organisation = factory.SubFactory(OrganisationFactory)


class AidRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AidRequest

    applicant = factory.SubFactory(ApplicantUserFactory)
    aid_type = factory.SubFactory(AidTypeFactory)
    amount_requested = Decimal("250.000")
    status = RequestStatus.OPEN
    governorate = factory.SubFactory(GovernorateFactory)
    household_size = 3
    need_score = 50
    submitted_at = factory.LazyFunction(timezone.now)
    coverage_start = factory.LazyFunction(timezone.localdate)
    coverage_end = factory.LazyAttribute(
        lambda o: coverage_end(o.coverage_start, o.aid_type.coverage_months)
    )
