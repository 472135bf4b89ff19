"""Simultaneous claims with real threads, each on its own database connection.

Runs on the database under test: PostgreSQL in CI's first pass (exclusion constraint, advisory
locks, deadlock retries), SQLite in the second (IMMEDIATE transactions, trigger).
"""

from functools import partial
from io import StringIO

import pytest
from django.core.management import call_command

from accounts.models import Role
from aid_requests.models import AidRequest, RequestStatus
from charities.exceptions import DuplicateAid, NoLongerOpen
from charities.services.cases import aid_request_release
from charities.services.claim import aid_request_claim
from dedup.models import BINDING, AidCommitment, BlockedAttempt, CommitmentStatus
from dedup.request_steps import aid_request_withdraw
from tests.concurrency import outcome, run_together
from tests.factories import civil_id_for
from tests.factories.cases import SHARED, caseworker, family, open_request

pytestmark = pytest.mark.django_db(transaction=True)
CLAIMERS = 20


def race(jobs):
    """Run every (request id, actor) claim at the same moment; return outcome names."""

    def claim(aid_request_id, actor):
        aid_request_claim(aid_request_id=aid_request_id, actor=actor)
        return "claimed"

    results = run_together(*(partial(claim, *job) for job in jobs))
    return sorted(outcome(r, {DuplicateAid: "duplicate", NoLongerOpen: "taken"}) for r in results)


def audit_is_clean():
    out = StringIO()
    call_command("dedup_audit", stdout=out)
    return ", 0 violations" in out.getvalue()


def test_twenty_organisations_claim_the_same_request_one_wins(capital, needy):
    aid_request = open_request(family(capital, [civil_id_for(1)]), needy, capital)
    actors = [caseworker([needy], [capital]) for _ in range(CLAIMERS)]
    outcomes = race([(aid_request.pk, actor) for actor in actors])
    assert outcomes == ["claimed"] + ["taken"] * (CLAIMERS - 1)
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.CLAIMED
    assert AidCommitment.objects.count() == 2
    assert audit_is_clean()


def test_one_person_in_twenty_households_is_covered_once(capital, needy):
    requests = [open_request(family(capital, [SHARED]), needy, capital) for _ in range(CLAIMERS)]
    actors = [caseworker([needy], [capital]) for _ in range(CLAIMERS)]
    outcomes = race([(r.pk, a) for r, a in zip(requests, actors, strict=True)])
    assert outcomes == ["claimed"] + ["duplicate"] * (CLAIMERS - 1)
    assert AidCommitment.objects.filter(civil_id=SHARED).count() == 1
    assert BlockedAttempt.objects.count() == CLAIMERS - 1
    assert audit_is_clean()


def test_applicant_in_one_case_and_member_in_the_others_is_covered_once(capital, needy):
    own = open_request(family(capital, applicant_civil_id=SHARED), needy, capital)
    others = [open_request(family(capital, [SHARED]), needy, capital) for _ in range(CLAIMERS - 1)]
    actors = [caseworker([needy], [capital]) for _ in range(CLAIMERS)]
    outcomes = race([(r.pk, a) for r, a in zip([own, *others], actors, strict=True)])
    assert outcomes == ["claimed"] + ["duplicate"] * (CLAIMERS - 1)
    assert AidCommitment.objects.filter(civil_id=SHARED).count() == 1
    assert audit_is_clean()


def test_different_aid_types_for_one_person_all_succeed_at_once(capital, needy, student):
    applicant = family(capital)
    jobs = [
        (open_request(applicant, aid_type, capital).pk, caseworker([aid_type], [capital]))
        for aid_type in (needy, student)
    ]
    assert race(jobs) == ["claimed", "claimed"]
    assert audit_is_clean()


@pytest.mark.parametrize("first", ["family-first", "spouse-first"])
def test_a_spouse_and_her_husbands_family_claimed_at_once_only_one_wins(capital, needy, first):
    """Household aid: the wife (SHARED) is a member of her husband's household and applies on
    her own too. Two organisations claim both requests at the same moment, in either order."""
    husband = family(capital, [SHARED, civil_id_for(2)])
    family_request = open_request(husband, needy, capital)
    wife = family(capital, applicant_civil_id=SHARED)
    own_request = open_request(wife, needy, capital)
    jobs = [
        (family_request.pk, caseworker([needy], [capital])),
        (own_request.pk, caseworker([needy], [capital])),
    ]
    if first == "spouse-first":
        jobs.reverse()
    assert race(jobs) == ["claimed", "duplicate"]
    statuses = dict(
        AidRequest.objects.filter(pk__in=[family_request.pk, own_request.pk]).values_list(
            "pk", "status"
        )
    )
    assert sorted(statuses.values()) == [RequestStatus.CLAIMED, RequestStatus.OPEN]
    (winner,) = [pk for pk, status in statuses.items() if status == RequestStatus.CLAIMED]
    (loser,) = [pk for pk, status in statuses.items() if status == RequestStatus.OPEN]
    binding = AidCommitment.objects.filter(status__in=BINDING)
    assert binding.filter(civil_id=SHARED).count() == 1
    assert set(binding.values_list("aid_request", flat=True)) == {winner}
    blocked = BlockedAttempt.objects.get()
    assert (blocked.aid_request_id, blocked.civil_id) == (loser, SHARED)
    assert blocked.conflicting.aid_request_id == winner
    assert audit_is_clean()


def test_a_released_request_is_claimed_again_by_exactly_one_of_twenty(capital, needy):
    aid_request = open_request(family(capital, [civil_id_for(1)]), needy, capital)
    first = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request_claim(aid_request_id=aid_request.pk, actor=first)
    aid_request_release(aid_request_id=aid_request.pk, actor=first, reason="لا ميزانية")
    actors = [caseworker([needy], [capital]) for _ in range(CLAIMERS)]
    outcomes = race([(aid_request.pk, actor) for actor in actors])
    assert outcomes == ["claimed"] + ["taken"] * (CLAIMERS - 1)
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.CLAIMED
    assert aid_request.claimed_by in {a.membership.organisation for a in actors}
    commitments = aid_request.commitments
    assert commitments.filter(status__in=BINDING).count() == 2
    assert set(commitments.filter(status__in=BINDING).values_list("organisation", flat=True)) == {
        aid_request.claimed_by_id
    }
    assert commitments.filter(status=CommitmentStatus.RELEASED).count() == 2
    assert audit_is_clean()


def test_a_released_person_is_covered_again_by_exactly_one_of_twenty_households(capital, needy):
    """The slot the release freed is a person's, not only a request's: twenty other households
    listing the same person race for it, and one gets it."""
    held = open_request(family(capital, [SHARED]), needy, capital)
    first = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request_claim(aid_request_id=held.pk, actor=first)
    aid_request_release(aid_request_id=held.pk, actor=first, reason="لا ميزانية")
    requests = [open_request(family(capital, [SHARED]), needy, capital) for _ in range(CLAIMERS)]
    actors = [caseworker([needy], [capital]) for _ in range(CLAIMERS)]
    outcomes = race([(r.pk, a) for r, a in zip(requests, actors, strict=True)])
    assert outcomes == ["claimed"] + ["duplicate"] * (CLAIMERS - 1)
    assert AidCommitment.objects.filter(civil_id=SHARED, status__in=BINDING).count() == 1
    assert audit_is_clean()


@pytest.mark.parametrize("round_", range(5))
def test_the_applicant_withdraws_while_an_organisation_claims(capital, needy, round_):
    """Whichever comes first, the request ends withdrawn and holds no aid slot: a claim that
    comes second finds it no longer open, a withdrawal that comes second frees the slots."""
    applicant = family(capital, [civil_id_for(7_000 + round_)])
    aid_request = open_request(applicant, needy, capital)
    actor = caseworker([needy], [capital])

    def withdraw():
        aid_request_withdraw(aid_request_id=aid_request.pk, applicant=applicant)
        return "withdrawn"

    def claim():
        aid_request_claim(aid_request_id=aid_request.pk, actor=actor)
        return "claimed"

    withdrawal, claiming = (
        outcome(r, {NoLongerOpen: "taken"}) for r in run_together(withdraw, claim)
    )
    assert withdrawal == "withdrawn"  # the applicant always gets out
    assert claiming in ("claimed", "taken")
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.WITHDRAWN
    assert not AidCommitment.objects.filter(aid_request=aid_request, status__in=BINDING).exists()
    moves = list(aid_request.timeline.order_by("at", "pk").values_list("to_status", flat=True))
    # exactly one of them moved it out of the queue: the claim (then withdrawn) or the withdrawal
    assert moves == (["claimed", "withdrawn"] if claiming == "claimed" else ["withdrawn"])
    assert audit_is_clean()
