"""The nightly refresh: whom it asks (the people of live requests) and its place in the beat
schedule."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings

from accounts.models import User
from aid_requests.models import HELD_STATUSES, LIVE_STATUSES, RequestStatus
from benefits.agencies.base import AgencyMisconfigured
from benefits.models import BenefitRecord
from benefits.people import live_case_civil_ids
from benefits.tasks import refresh_live_cases
from tests.benefits.stub import PREFIX, benefit
from tests.factories import (
    AidRequestFactory,
    ApplicantProfileFactory,
    HouseholdMemberFactory,
    OrganisationFactory,
)

pytestmark = pytest.mark.django_db


def household(members: int = 2) -> list[str]:
    """An applicant with a profile and ``members`` household members: their civil IDs."""
    profile = ApplicantProfileFactory()
    others = [HouseholdMemberFactory(profile=profile).civil_id for _ in range(members)]
    return [profile.user.civil_id, *others]


def request_for(people: list[str], status: str) -> None:
    applicant = User.objects.get(civil_id=people[0])
    held = status in HELD_STATUSES
    AidRequestFactory(
        applicant=applicant, status=status, claimed_by=OrganisationFactory() if held else None
    )


@pytest.fixture
def cases() -> dict[str, list[str]]:
    """One household per status of interest, and one applicant with two requests."""
    families = {
        "open": household(2),
        "claimed": household(1),
        "appealed": household(0),
        "closed": household(2),
        "withdrawn": household(1),
        "rejected": household(0),
        "both": household(1),  # one closed request and one paying: live
    }
    for status in ("open", "claimed", "appealed", "closed", "withdrawn", "rejected"):
        request_for(families[status], status)
    request_for(families["both"], RequestStatus.CLOSED)
    request_for(families["both"], RequestStatus.PAYING)
    household(1)  # a profile without any request
    return families


def test_the_live_cases_are_the_applicants_and_households_of_live_requests(cases):
    assert {"open", "claimed", "appealed", "paying"} <= set(LIVE_STATUSES)
    assert not {"closed", "withdrawn", "rejected"} & set(LIVE_STATUSES)
    live = sorted({*cases["open"], *cases["claimed"], *cases["appealed"], *cases["both"]})
    assert live_case_civil_ids() == live


def test_the_nightly_task_asks_the_agency_about_exactly_the_live_cases(cases, agency):
    agency.people[cases["open"][1]] = [benefit(1)]
    outcome = refresh_live_cases.apply().get()
    asked = sorted(r.path.removeprefix(PREFIX) for r in agency.requests)
    assert asked == live_case_civil_ids()
    assert outcome == {
        "refreshed": len(asked),
        "not_refreshed": 0,
        "created": 1,
        "updated": 0,
        "ended": 0,
    }
    assert BenefitRecord.objects.get().civil_id == cases["open"][1]


def test_the_nightly_task_fails_loudly_when_misconfigured(cases, agency, settings):
    settings.BENEFITS_AGENCY_KEYS = {agency.code: "wrong-key"}
    with pytest.raises(AgencyMisconfigured):
        refresh_live_cases.apply().get()


def test_the_nightly_refresh_is_in_the_beat_schedule():
    entry = django_settings.CELERY_BEAT_SCHEDULE["benefits-refresh-live-cases"]
    assert entry["task"] == refresh_live_cases.name == "benefits.tasks.refresh_live_cases"
