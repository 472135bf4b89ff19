"""The rule follows the beneficiary: one child listed in two households (divorced parents), a
student-aid request from each parent for that child, twenty organisations claiming both at the
same moment with real threads — the child is covered once.

Runs on the database under test, like test_concurrency: PostgreSQL (exclusion constraint,
advisory locks) and SQLite (IMMEDIATE transactions, trigger).
"""

from functools import partial

import pytest

from aid_requests.models import AidRequest, AidType, Beneficiaries, RequestStatus
from applicants.models import HouseholdMember
from charities.exceptions import DuplicateAid, NoLongerOpen
from charities.services.claim import aid_request_claim
from dedup.models import BINDING, AidCommitment, BlockedAttempt
from tests.concurrency import outcome, run_together
from tests.factories import civil_id_for
from tests.factories.cases import SHARED, caseworker, family, open_request, student_aid_type

pytestmark = pytest.mark.django_db(transaction=True)
CLAIMERS = 20


@pytest.fixture
def student_aid(db) -> AidType:
    return student_aid_type(code="student-aid", beneficiaries=Beneficiaries.MEMBER)


def request_for_child(parent, aid_type, governorate):
    """The parent's open request for the child with civil ID ``SHARED`` in their household."""
    child = HouseholdMember.objects.get(profile__user=parent, civil_id=SHARED)
    aid_request = open_request(parent, aid_type, governorate)
    AidRequest.objects.filter(pk=aid_request.pk).update(
        beneficiary_member=child, beneficiary_civil_id=child.civil_id
    )
    return aid_request


def test_two_parents_ask_student_aid_for_one_child_and_twenty_claims_cover_it_once(
    capital, student_aid
):
    # Each parent's household: a spouse (their new one) and the child.
    mother = family(capital, [civil_id_for(5_100_001), SHARED])
    father = family(capital, [civil_id_for(5_100_002), SHARED])
    requests = [request_for_child(parent, student_aid, capital) for parent in (mother, father)]
    actors = [caseworker([student_aid], [capital]) for _ in range(CLAIMERS)]

    def claim(aid_request_id, actor):
        aid_request_claim(aid_request_id=aid_request_id, actor=actor)
        return "claimed"

    # Ten organisations on each request, all at once.
    jobs = [partial(claim, requests[n % 2].pk, actor) for n, actor in enumerate(actors)]
    results = run_together(*jobs)
    outcomes = [outcome(r, {DuplicateAid: "duplicate", NoLongerOpen: "taken"}) for r in results]

    assert outcomes.count("claimed") == 1, outcomes
    assert outcomes.count("duplicate") >= 1, outcomes  # the other request, refused as such
    assert set(outcomes) <= {"claimed", "duplicate", "taken"}, outcomes
    statuses = sorted(
        AidRequest.objects.filter(pk__in=[r.pk for r in requests]).values_list("status", flat=True)
    )
    assert statuses == [RequestStatus.CLAIMED, RequestStatus.OPEN]
    binding = AidCommitment.objects.filter(status__in=BINDING)
    # The child is reserved once; neither parent's own civil ID is.
    assert list(binding.values_list("civil_id", flat=True)) == [SHARED]
    assert not binding.filter(civil_id__in=[mother.civil_id, father.civil_id]).exists()
    assert BlockedAttempt.objects.filter(civil_id=SHARED).exists()
