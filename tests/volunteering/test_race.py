"""Twenty acceptances at once for three seats (real threads; PostgreSQL in CI's first pass,
SQLite's IMMEDIATE transactions in the second)."""

from functools import partial

import pytest

from dedup.models import AidCommitment
from tests.concurrency import outcome, run_together
from tests.factories.cases import on
from tests.volunteering.conftest import opportunity, volunteer
from volunteering.exceptions import NoSeatsLeft
from volunteering.models import Application, ApplicationStatus
from volunteering.services import applications

pytestmark = pytest.mark.django_db(transaction=True)
APPLICANTS = 20


def test_twenty_accepted_at_once_for_three_seats_gives_exactly_three(org, capital, caseworker):
    job = opportunity(org, capital, seats=3)
    with on(job.closes_on):
        pending = [
            applications.application_submit(opportunity_id=job.pk, applicant=volunteer(capital))
            for _ in range(APPLICANTS)
        ]

    def accept(application_id):
        applications.application_accept(application_id=application_id, actor=caseworker)
        return "accepted"

    with on(job.closes_on):
        results = run_together(*(partial(accept, a.pk) for a in pending))
    outcomes = sorted(outcome(r, {NoSeatsLeft: "full"}) for r in results)
    assert outcomes == ["accepted"] * 3 + ["full"] * (APPLICANTS - 3)
    job.refresh_from_db()
    assert job.accepted_count == 3
    assert Application.objects.filter(status=ApplicationStatus.ACCEPTED).count() == 3
    assert AidCommitment.objects.count() == 3
