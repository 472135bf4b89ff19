"""seed_demo: complete, valid and idempotent."""

from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from accounts.civil_id import parse_civil_id
from accounts.models import Role, User
from aid_requests.models import AidRequest, RequestStatus
from applicants.models import (
    ApplicantProfile,
    Document,
    Governorate,
    HouseholdMember,
    IncomeSource,
    MonthlyObligation,
)
from applicants.selectors import Step, completed_steps
from charities.models import Organisation

pytestmark = pytest.mark.django_db


def snapshot():
    return {
        "users": sorted(User.objects.values_list("email", "civil_id", "role"), key=str),
        "members": sorted(HouseholdMember.objects.values_list("civil_id", "kinship")),
        "requests": sorted(
            AidRequest.objects.values_list("applicant__civil_id", "aid_type__code", "status")
        ),
        "organisations": sorted(Organisation.objects.values_list("licence_number", "status")),
    }


def test_seed_demo_creates_the_demo_world_and_prints_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    output = out.getvalue()
    assert "admin@musaada.test" in output
    assert "official@musaada.test" in output
    assert "285031401239" in output
    assert "musaada-demo" in output

    assert Governorate.objects.count() == 6
    assert set(AidRequest.objects.values_list("aid_type__code", flat=True)) == {
        "needy-families",
        "rent-allowance",
        "student-aid",
        "medical-treatment",
        "paid-volunteering",  # the stipend of the demo's volunteer
    }
    assert Organisation.objects.count() == 5
    assert Organisation.objects.values("kind").distinct().count() == 4
    assert User.objects.filter(role=Role.APPLICANT).count() == 30
    assert User.objects.filter(role=Role.MINISTRY_OFFICIAL).count() == 1
    assert User.objects.filter(role=Role.MINISTRY_ADMIN).count() == 1
    assert set(AidRequest.objects.values_list("status", flat=True)) == set(RequestStatus.values)
    assert HouseholdMember.objects.count() > 30


def test_seeded_civil_ids_are_all_valid():
    call_command("seed_demo", stdout=StringIO())
    ids = list(User.objects.filter(role=Role.APPLICANT).values_list("civil_id", flat=True))
    ids += list(HouseholdMember.objects.values_list("civil_id", flat=True))
    assert len(ids) > 60  # 30 applicants and more than 30 household members
    invalid = []
    for civil_id in ids:
        try:
            parse_civil_id(civil_id, scheme="kw")
        except ValidationError:
            invalid.append(civil_id)
    assert invalid == []


def counts():
    from django.apps import apps

    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def test_seed_demo_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    first, first_counts = snapshot(), counts()
    assert first_counts["applicants.ApplicantProfile"] == 30
    call_command("seed_demo", stdout=StringIO())
    assert snapshot() == first
    # Nothing is added by a second run, in any table (sessions and the audit trail included).
    assert counts() == first_counts


def test_seeded_applicants_are_verified_with_complete_profiles_except_one():
    call_command("seed_demo", stdout=StringIO())
    applicants = list(User.objects.filter(role=Role.APPLICANT).order_by("pk"))
    unverified = [user for user in applicants if not user.is_identity_verified]
    assert [user.civil_id for user in unverified] == ["285031401239"]

    for user in applicants:
        profile = ApplicantProfile.objects.get(user=user)
        done = completed_steps(profile, user)
        if user.is_identity_verified:
            assert Step.REVIEW in done, (user.civil_id, set(Step) - done)
            assert profile.consented_at is not None
            assert Document.objects.filter(profile=profile).exists()
            assert IncomeSource.objects.filter(profile=profile).exists()
            assert MonthlyObligation.objects.filter(profile=profile).exists()
        else:
            # The unfinished one shows the identity step and the profile steps from scratch.
            assert Step.REVIEW not in done
            assert profile.consented_at is None
            assert not Document.objects.filter(profile=profile).exists()


def test_seeded_logins_work(client):
    call_command("seed_demo", stdout=StringIO())
    for login, target in (
        ("285031401239", "/"),
        ("caseworker@alnoor.test", "/"),
        ("official@musaada.test", "/"),
    ):
        client.logout()
        response = client.post("/accounts/login/", {"login": login, "password": "musaada-demo"})
        assert response.status_code == 302, login
        assert response["Location"] == target


def test_seed_demo_gives_the_beneficiary_picture_a_family_served_by_both():
    """State benefits for three people: a registered family that a charity's case also covers
    (some months received from both), an applicant served by the state only, and a person
    in no household. Every record's civil ID is valid; a second run adds none."""
    from benefits.models import BenefitRecord, ImportBatch
    from reports.selectors.picture import CHARITY, STATE, beneficiary_picture
    from reports.selectors.sources import beneficiaries_by_source

    out = StringIO()
    call_command("seed_demo", stdout=out)
    records = list(BenefitRecord.objects.all())
    assert len(records) == 4
    for record in records:
        parse_civil_id(record.civil_id, scheme="kw")
    assert ImportBatch.objects.count() == 1

    lines = out.getvalue().split("Beneficiary picture (")[1].splitlines()
    both, state_only, stranger = (line.split()[0] for line in lines[1:4])
    family = beneficiary_picture(both)
    assert family.in_registry
    assert family.sources == {CHARITY, STATE}
    assert family.overlaps, "no month received from both sources"
    month = family.overlaps[0].months[0]
    assert beneficiaries_by_source(month).both >= 1

    alone = beneficiary_picture(state_only)
    assert alone.in_registry
    assert alone.sources == {STATE}
    unknown = beneficiary_picture(stranger)
    assert not unknown.in_registry
    assert unknown.sources == {STATE}

    call_command("seed_demo", stdout=StringIO())
    assert BenefitRecord.objects.count() == 4


def test_the_printed_logins_are_the_readmes():
    """Every login seed_demo prints is in the README's table, in English, and the reverse."""
    import re
    from pathlib import Path

    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue().split("Demo logins", 1)[1].split("\n\n", 1)[0]
    logins = re.findall(r"\s(\S+@\S+\.test|\d{12})\s", printed + " ")
    readme = Path(__file__).resolve().parents[1].joinpath("README.md").read_text()
    section = readme.split("## Demo logins", 1)[1].split("\n## ", 1)[0]
    assert logins
    assert not re.search(r"[\u0600-\u06ff]", printed)
    for login in logins:
        # The README names the other organisations' staff by the organisation alone ("also
        # `alkhair`"): a login is documented literally or by its organisation.
        organisation = login.split("@")[1].removesuffix(".test") if "@" in login else login
        assert f"`{login}`" in section or f"`{organisation}`" in section, login
    for documented in re.findall(r"`(\S+@\S+\.test|\d{12})`", section):
        assert documented in logins, documented


def test_seed_demo_licenses_al_khair_for_paid_volunteering_with_open_opportunities():
    from volunteering.models import Opportunity
    from volunteering.selectors import public_opportunities

    call_command("seed_demo", stdout=StringIO())
    alkhair = Organisation.objects.get(licence_number="MSA-FD-2002")
    assert alkhair.aid_types.filter(code="paid-volunteering").exists()
    assert not Organisation.objects.exclude(pk=alkhair.pk).filter(
        aid_types__code="paid-volunteering"
    )
    # Three open ones, and the one the demo's volunteer works on (open until the seed's day).
    assert Opportunity.objects.filter(organisation=alkhair).count() == 4
    assert public_opportunities().count() == 4


def test_seed_demo_places_a_volunteer_through_the_real_flow():
    """The volunteer of the printed logins: accepted (the stipend aid approved for the
    placement's months, held by Al-Khair), two weeks logged, the first confirmed; the audit
    trail and the notices are those of the real services. A second run places nobody else."""
    from aid_requests.models import RequestStatus
    from audit.models import AuditEntry
    from notifications.models import Notification
    from volunteering.models import Application, ApplicationStatus, HourLog, HoursStatus

    out = StringIO()
    call_command("seed_demo", stdout=out)
    volunteer_line = next(line for line in out.getvalue().splitlines() if "paid volunteer" in line)
    civil_id = volunteer_line.split()[3]
    application = Application.objects.get(applicant__civil_id=civil_id)
    assert application.status == ApplicationStatus.ACCEPTED
    stipend = application.aid_request
    assert stipend.status == RequestStatus.APPROVED
    assert stipend.claimed_by == application.opportunity.organisation
    assert stipend.coverage_start == application.opportunity.starts_on
    assert list(
        HourLog.objects.filter(application=application).order_by("week").values_list("status")
    ) == [(HoursStatus.CONFIRMED,), (HoursStatus.LOGGED,)]
    assert set(
        AuditEntry.objects.filter(action__startswith="volunteering.").values_list(
            "action", flat=True
        )
    ) >= {
        "volunteering.applied",
        "volunteering.shortlisted",
        "volunteering.accepted",
        "volunteering.hours_logged",
        "volunteering.hours_confirmed",
    }
    assert Notification.objects.filter(recipient=application.applicant).exists()

    call_command("seed_demo", stdout=StringIO())
    assert Application.objects.count() == 1
    assert HourLog.objects.count() == 2


def test_the_demo_has_gifts_and_allocations_and_reconciles_clean():
    from donations.models import Allocation, Gift

    call_command("seed_demo", stdout=StringIO())
    assert Gift.objects.filter(reference__startswith="G-DEMO-").exists()
    assert Allocation.objects.exists()
    for gift in Gift.objects.all():
        assert gift.allocated == sum(a.amount for a in gift.allocations.all())
    out = StringIO()
    call_command("donations_reconcile", stdout=out)
    assert "clean" in out.getvalue()
