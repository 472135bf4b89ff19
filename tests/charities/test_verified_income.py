"""A submission asks the state agencies (a stub on loopback) about the household, then screens
with the verified income: the agency up, down, answering badly, and not knowing the person.

The family (see ``family_of_four``): four people, a salary of 600 declared and no state
benefit, rent 200; the rent allowance's limit is 150 a person. Worked by hand in
tests/aid_requests/test_scoring.py:
  declared only: (600 − 200) ÷ 4 = 100.000 → income 60 × (1 − 100/150) = 20, dependants 15 → 35;
  with 200 verified: (600 + 200 − 200) ÷ 4 = 150.000 → income 0, dependants 15 → 15 (flagged).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from aid_requests.exceptions import AmountNotAllowed
from aid_requests.models import AidRequest, RequestStatus
from applicants.models import IncomeKind, IncomeSource
from audit.models import AuditEntry
from benefits.income import verified_income_at_submission
from benefits.models import (
    BenefitKind,
    BenefitRecord,
    ImportBatch,
    ImportSource,
    ImportStatus,
)
from charities.request_steps import aid_request_submit
from tests.benefits.stub import benefit
from tests.factories.applicants import make_ready_applicant
from tests.identity.stubs import Reply

pytestmark = pytest.mark.django_db


def pension_kind() -> BenefitKind:
    return BenefitKind.objects.get(agency__code="social_security", code="retirement_pension")


def family_of_four():
    """Salary 600, rent 200, the applicant and three members (none disabled or a student)."""
    user, _docs = make_ready_applicant(members=3, disabled=0, students=0, documents=())
    return user


def held_record(civil_id: str, amount: str = "200.000", reference: str = "SS-1") -> BenefitRecord:
    """A record imported before the submission (what the portal holds when an agency is down)."""
    now = timezone.now()
    batch = ImportBatch.objects.create(
        file_name="earlier.csv",
        sha256="0" * 64,
        started_at=now,
        finished_at=now,
        status=ImportStatus.DONE,
    )
    return BenefitRecord.objects.create(
        civil_id=civil_id,
        agency=pension_kind().agency,
        kind=pension_kind(),
        monthly_amount=Decimal(amount),
        start_date=datetime.date(2024, 1, 1),
        reference=reference,
        batch=batch,
    )


def submit(user, aid_type) -> AidRequest:
    aid_request = aid_request_submit(
        applicant=user, aid_type=aid_type, amount=Decimal("900"), justification="الإيجار"
    )
    aid_request.refresh_from_db()
    return aid_request


def submitted_entry(aid_request) -> dict:
    entry = AuditEntry.objects.get(action="aid_request.submitted", object_id=str(aid_request.pk))
    return entry.data["verified_income"]


def test_the_agency_answers_and_the_verified_income_enters_screening(agency, rent):
    user = family_of_four()
    agency.people[user.civil_id] = [benefit(1, monthly_amount="200.000")]
    aid_request = submit(user, rent)
    assert aid_request.status == RequestStatus.OPEN
    assert aid_request.need_score == 15  # 35 on the declared income alone
    assert aid_request.declared_income == Decimal("600.000")
    assert aid_request.verified_income == Decimal("200.000")
    assert aid_request.income_below_verified is True
    assert aid_request.screening["income"] == {
        "declared": "600.000",
        "declared_state": "0.000",
        "verified": "200.000",
        "counted": "800.000",
        "below_verified": True,
        "verified_from": "agencies",
    }
    assert agency.lookups() == 4  # the applicant and the three members
    # The answer was loaded as the agency's record, in a lookup batch audited for the applicant.
    record = BenefitRecord.objects.get(civil_id=user.civil_id)
    assert record.batch.source == ImportSource.LOOKUP
    looked_up = AuditEntry.objects.get(action="benefits.looked_up")
    assert looked_up.actor == user
    assert len(looked_up.data["refreshed"]) == 4
    assert submitted_entry(aid_request) == {"total": "200.000", "from": "agencies"}


def test_an_agency_that_does_not_answer_leaves_the_records_held(agency, rent):
    user = family_of_four()
    held_record(user.civil_id)
    for _ in range(3):
        agency.fail_next("503")
    aid_request = submit(user, rent)
    # The submission goes through, screened with what the portal already held.
    assert aid_request.status == RequestStatus.OPEN
    assert aid_request.verified_income == Decimal("200.000")
    assert aid_request.need_score == 15
    assert aid_request.screening["income"]["verified_from"] == "records_held"
    assert submitted_entry(aid_request) == {"total": "200.000", "from": "records_held"}
    # One person's try and two retries, then nobody else is asked: the applicant waits once.
    assert agency.lookups() == 3
    looked_up = AuditEntry.objects.get(action="benefits.looked_up")
    assert looked_up.data["refreshed"] == []
    assert {reason for _id, reason in looked_up.data["not_refreshed"]} == {"agency_unavailable"}
    assert len(looked_up.data["not_refreshed"]) == 4


def test_a_timeout_is_an_agency_that_does_not_answer(agency, rent):
    user = family_of_four()
    for _ in range(3):
        agency.fail_next("slow", delay=0.5)
    aid_request = submit(user, rent)
    assert aid_request.status == RequestStatus.OPEN
    assert aid_request.verified_income == Decimal("0.000")  # nothing held
    assert aid_request.need_score == 35
    assert aid_request.income_below_verified is False
    assert aid_request.screening["income"]["verified_from"] == "records_held"


def test_a_malformed_answer_keeps_that_persons_records_and_says_so(agency, rent):
    user = family_of_four()
    held_record(user.civil_id)
    agency.people[user.civil_id] = Reply(200, raw=b'{"civil_id": "')
    aid_request = submit(user, rent)
    assert aid_request.status == RequestStatus.OPEN
    assert aid_request.verified_income == Decimal("200.000")
    assert aid_request.screening["income"]["verified_from"] == "records_held"
    assert agency.lookups() == 4  # a bad answer is not an agency down: the others are asked
    assert BenefitRecord.objects.get().reference == "SS-1"  # untouched


def test_an_unknown_person_is_an_answer_with_nothing_verified(agency, rent):
    user = family_of_four()
    aid_request = submit(user, rent)  # the stub knows no one: 404 person_not_found
    assert aid_request.verified_income == Decimal("0.000")
    assert aid_request.income_below_verified is False
    assert aid_request.need_score == 35
    assert aid_request.screening["income"]["verified_from"] == "agencies"


def test_an_ended_record_is_ended_by_the_answer_before_screening(agency, rent):
    # The portal holds an open-ended pension of 200; the agency now says it ended last year.
    user = family_of_four()
    held_record(user.civil_id)
    agency.people[user.civil_id] = [benefit(1, monthly_amount="200.000", end_date="2025-01-31")]
    aid_request = submit(user, rent)
    assert aid_request.verified_income == Decimal("0.000")
    assert aid_request.need_score == 35


def test_a_members_benefit_counts_for_the_household(agency, rent):
    user = family_of_four()
    member = user.applicant_profile.members.order_by("civil_id").first()
    agency.people[member.civil_id] = [benefit(7, monthly_amount="200.000")]
    aid_request = submit(user, rent)
    assert aid_request.verified_income == Decimal("200.000")
    assert aid_request.need_score == 15


def test_with_the_simulator_the_records_held_are_the_answer_and_nothing_is_asked(rent):
    user = family_of_four()
    held_record(user.civil_id)
    aid_request = submit(user, rent)
    assert aid_request.verified_income == Decimal("200.000")
    assert aid_request.screening["income"]["verified_from"] == "records"
    assert not ImportBatch.objects.filter(source=ImportSource.LOOKUP).exists()
    assert not AuditEntry.objects.filter(action="benefits.looked_up").exists()


def test_a_refused_submission_asks_no_agency(agency, rent):
    user = family_of_four()
    with pytest.raises(AmountNotAllowed):
        aid_request_submit(
            applicant=user, aid_type=rent, amount=Decimal("99999"), justification="x"
        )
    assert agency.lookups() == 0


def test_misconfigured_settings_still_let_the_submission_through(agency, rent, settings):
    settings.BENEFITS_AGENCY_KEYS = {agency.code: "wrong-key"}
    user = family_of_four()
    held_record(user.civil_id)
    verified = verified_income_at_submission(applicant=user, aid_type=rent)
    assert (verified.total, str(verified.source)) == (Decimal("200.000"), "records_held")
    assert agency.lookups() == 1  # refused once; nobody else is asked


def test_a_declared_social_security_line_is_not_counted_twice(agency, rent):
    # The family also declares social security 200; the agency verifies the same 200.
    # Counted: 800 declared − 200 state lines + max(200, 200) = 800 → (800 − 200) ÷ 4 = 150.000:
    # income 0, dependants 15 → 15, not flagged. Adding the verified 200 on top would make
    # 1000 → 200.000 a person, above the limit of 150: ineligible.
    user = family_of_four()
    IncomeSource.objects.create(
        profile=user.applicant_profile, kind=IncomeKind.SOCIAL_SECURITY, amount=Decimal(200)
    )
    agency.people[user.civil_id] = [benefit(1, monthly_amount="200.000")]
    aid_request = submit(user, rent)
    assert aid_request.status == RequestStatus.OPEN
    assert aid_request.need_score == 15
    assert aid_request.declared_income == Decimal("800.000")
    assert aid_request.income_below_verified is False
    assert aid_request.screening["income"]["declared_state"] == "200.000"
    assert aid_request.screening["income"]["counted"] == "800.000"
