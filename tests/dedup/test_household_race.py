"""A member added to a claimed household while another organisation claims that member's own
request, at the same moment (real threads, each on its own connection; PostgreSQL: exclusion
constraint and advisory locks, SQLite: IMMEDIATE transactions and the trigger)."""

from __future__ import annotations

import pytest

from applicants.models import HouseholdMember, Kinship
from charities.exceptions import DuplicateAid
from charities.services.claim import aid_request_claim
from dedup import household_steps
from dedup.models import BINDING, AidCommitment, ConflictStatus, CoverageConflict
from tests.concurrency import outcome, run_together
from tests.factories import civil_id_for
from tests.factories.cases import caseworker, family, open_request

pytestmark = pytest.mark.django_db(transaction=True)
ROUNDS = 8


def payable_commitments(civil_id: str) -> list[AidCommitment]:
    """Binding commitments of ``civil_id`` on cases no open coverage conflict holds back."""
    held_back = CoverageConflict.objects.filter(status=ConflictStatus.OPEN).values("aid_request_id")
    return list(
        AidCommitment.objects.filter(civil_id=civil_id, status__in=BINDING).exclude(
            aid_request_id__in=held_back
        )
    )


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_member_joining_a_claimed_household_while_their_own_request_is_claimed(
    capital, needy, round_
):
    person = civil_id_for(6_000_000 + round_)
    household = family(capital)
    household_case = open_request(household, needy, capital)
    aid_request_claim(aid_request_id=household_case.pk, actor=caseworker([needy], [capital]))
    own_case = open_request(family(capital, applicant_civil_id=person), needy, capital)
    other_organisation = caseworker([needy], [capital])

    def join() -> str:
        household_steps.household_member_add(
            actor=household,
            civil_id=person,
            name="فرد",
            kinship=Kinship.BROTHER,
            birth_date=None,
            has_disability=False,
            is_student=False,
        )
        return "joined"

    def claim() -> str:
        aid_request_claim(aid_request_id=own_case.pk, actor=other_organisation)
        return "claimed"

    results = [outcome(r, {DuplicateAid: "duplicate"}) for r in run_together(join, claim)]

    # The family change is always recorded; the person is covered once, whatever the order.
    assert results[0] == "joined"
    assert results[1] in {"claimed", "duplicate"}
    assert HouseholdMember.objects.filter(profile__user=household, civil_id=person).exists()
    assert AidCommitment.objects.filter(civil_id=person, status__in=BINDING).count() == 1
    assert len(payable_commitments(person)) == 1
    if results[1] == "claimed":
        # The claim came first: the household's case is held back until the ministry decides.
        conflict = CoverageConflict.objects.get(status=ConflictStatus.OPEN)
        assert conflict.aid_request_id == household_case.pk
        assert conflict.held.aid_request_id == own_case.pk
    else:
        assert AidCommitment.objects.get(civil_id=person).aid_request_id == household_case.pk
        assert not CoverageConflict.objects.exists()


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_member_joining_while_the_household_request_itself_is_claimed(capital, needy, round_):
    """Both go through (no deadlock: the member change takes the request row before any audit
    entry, as the claim does) and the person is covered exactly once, whichever commits first:
    the claim reads the household again once it holds the row (the change extends the claimed
    case's commitments when it comes second)."""
    person = civil_id_for(6_100_000 + round_)
    household = family(capital)
    household_case = open_request(household, needy, capital)
    staff = caseworker([needy], [capital])

    def join() -> str:
        household_steps.household_member_add(
            actor=household,
            civil_id=person,
            name="فرد",
            kinship=Kinship.SON,
            birth_date=None,
            has_disability=False,
            is_student=False,
        )
        return "joined"

    def claim() -> str:
        aid_request_claim(aid_request_id=household_case.pk, actor=staff)
        return "claimed"

    assert [outcome(r) for r in run_together(join, claim)] == ["joined", "claimed"]
    covering = AidCommitment.objects.filter(civil_id=person, status__in=BINDING)
    assert list(covering.values_list("aid_request_id", flat=True)) == [household_case.pk]
    assert not CoverageConflict.objects.exists()


@pytest.mark.postgres
def test_a_member_added_while_the_claim_waits_for_the_row_is_covered_by_the_claim(capital, needy):
    """The order that leaves a gap unless the claim reads the household again: the member
    change has saved the member and holds the request row when the claim's locking statement
    starts (its snapshot does not see the member); the change commits while the claim waits."""
    import threading

    from django.db import connection, transaction

    from aid_requests.models import AidRequest

    person = civil_id_for(6_200_000)
    household = family(capital)
    household_case = open_request(household, needy, capital)
    staff = caseworker([needy], [capital])
    holding = threading.Event()
    claimed: list[object] = []

    def claim() -> None:
        holding.wait(timeout=10)
        try:
            claimed.append(aid_request_claim(aid_request_id=household_case.pk, actor=staff))
        except Exception as error:  # shown by the assertion below
            claimed.append(error)
        finally:
            connection.close()

    claimer = threading.Thread(target=claim)
    claimer.start()
    try:
        with transaction.atomic():
            # As household_member_add does: the member saved, then the held requests locked.
            HouseholdMember.objects.create(
                profile=household.applicant_profile,
                civil_id=person,
                name="فرد",
                kinship=Kinship.SON,
            )
            AidRequest.objects.select_for_update().get(pk=household_case.pk)
            holding.set()
            _wait_until_someone_waits_for_a_row_lock()
    finally:
        holding.set()
        claimer.join(timeout=60)
    assert [type(result).__name__ for result in claimed] == ["AidRequest"]
    covered = AidCommitment.objects.filter(aid_request=household_case, status__in=BINDING)
    assert person in set(covered.values_list("civil_id", flat=True))


def _wait_until_someone_waits_for_a_row_lock() -> None:
    import time

    from django.db import connections

    # A second connection of this thread's alias would share the transaction: ask through a
    # fresh one (pg_locks is live, not a snapshot).
    other = connections.create_connection("default")
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with other.cursor() as cursor:
                cursor.execute(  # this database only: the server may run other test databases
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid IN"
                    " (SELECT pid FROM pg_stat_activity WHERE datname = current_database())"
                )
                if cursor.fetchone()[0]:
                    return
            time.sleep(0.02)
        raise AssertionError("the claim never waited for the request row")
    finally:
        other.close()
