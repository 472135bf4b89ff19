"""The one-aid-type rule through the claim service, and in the database itself."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from aid_requests.models import RequestStatus
from audit.models import AuditEntry
from charities.exceptions import DuplicateAid, NoLongerOpen
from charities.services.cases import aid_request_release
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve
from dedup.exceptions import AidAlreadyGranted
from dedup.models import AidCommitment, BlockedAttempt, CommitmentStatus
from dedup.people import Person
from dedup.services.ledger import commitments_reserve, is_exclusion_violation
from tests.factories import civil_id_for
from tests.factories.cases import SHARED, caseworker, family, later, open_request

pytestmark = pytest.mark.django_db
S = RequestStatus


def test_claim_reserves_the_applicant_and_every_household_member(capital, needy):
    applicant = family(capital, [civil_id_for(1), civil_id_for(2)])
    aid_request = open_request(applicant, needy, capital)
    staff = caseworker([needy], [capital])
    aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED
    assert aid_request.claimed_by == staff.membership.organisation
    covered = set(aid_request.commitments.values_list("civil_id", "status"))
    assert covered == {
        (applicant.civil_id, "reserved"),
        (civil_id_for(1), "reserved"),
        (civil_id_for(2), "reserved"),
    }
    assert AuditEntry.objects.filter(action="aid_request.claimed").count() == 1


def test_person_aid_covers_only_the_applicant(capital, student):
    applicant = family(capital, [civil_id_for(1)])
    aid_request = open_request(applicant, student, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=caseworker([student], [capital]))
    assert list(aid_request.commitments.values_list("civil_id", flat=True)) == [applicant.civil_id]


def test_second_charity_cannot_claim_the_same_request(capital, needy):
    aid_request = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=caseworker([needy], [capital]))
    with pytest.raises(NoLongerOpen):
        aid_request_claim(aid_request_id=aid_request.pk, actor=caseworker([needy], [capital]))
    assert AidCommitment.objects.count() == 1


def test_spouse_cannot_collect_the_same_household_aid_again(capital, needy):
    husband = family(capital, [SHARED])  # the wife (SHARED) is a member of his household
    family_request = open_request(husband, needy, capital)
    aid_request_claim(aid_request_id=family_request.pk, actor=caseworker([needy], [capital]))
    wife = family(capital, applicant_civil_id=SHARED)
    own_request = open_request(wife, needy, capital, amount="450.000")
    second = caseworker([needy], [capital])
    with pytest.raises(DuplicateAid) as refusal:
        aid_request_claim(aid_request_id=own_request.pk, actor=second)
    assert refusal.value.held_until == family_request.coverage_end
    assert str(family_request.coverage_end.year) in str(refusal.value.message)
    own_request.refresh_from_db()
    assert own_request.status == S.OPEN
    assert not own_request.commitments.exists()
    blocked = BlockedAttempt.objects.get()
    held = AidCommitment.objects.get(aid_request=family_request, civil_id=SHARED)
    assert (
        blocked.attempted_by,
        blocked.organisation,
        blocked.aid_request,
        blocked.aid_type,
        blocked.amount,
        blocked.civil_id,
        blocked.conflicting,
    ) == (
        second,
        second.membership.organisation,
        own_request,
        needy,
        Decimal("450.000"),
        SHARED,
        held,
    )
    assert held.is_applicant is False  # she is held as a member of her husband's household


def test_the_same_charity_cannot_give_it_twice_either(capital, needy):
    staff = caseworker([needy], [capital])
    aid_request_claim(
        aid_request_id=open_request(family(capital, [SHARED]), needy, capital).pk, actor=staff
    )
    with pytest.raises(DuplicateAid):
        aid_request_claim(
            aid_request_id=open_request(family(capital, [SHARED]), needy, capital).pk, actor=staff
        )


def test_different_aid_types_for_the_same_person_all_succeed(capital, needy, student):
    applicant = family(capital)
    staff = caseworker([needy, student], [capital])
    for aid_type in (needy, student):
        aid_request_claim(aid_request_id=open_request(applicant, aid_type, capital).pk, actor=staff)
    assert AidCommitment.objects.filter(civil_id=applicant.civil_id).count() == 2


def test_periods_that_do_not_overlap_are_allowed(capital, needy):
    staff = caseworker([needy], [capital])
    aid_request_claim(
        aid_request_id=open_request(family(capital, [SHARED]), needy, capital).pk, actor=staff
    )
    after = open_request(family(capital, [SHARED]), needy, capital, start=later(6))
    aid_request_claim(aid_request_id=after.pk, actor=staff)
    assert AidCommitment.objects.filter(civil_id=SHARED).count() == 2


def _reserve(aid_request, organisation, needy, people):
    commitments_reserve(
        aid_request_id=aid_request.pk,
        organisation_id=organisation.pk,
        aid_type_id=needy.pk,
        people=people,
        start=aid_request.coverage_start,
        end=aid_request.coverage_end,
    )


def test_an_overlap_inside_one_reservation_is_refused_and_leaves_the_transaction_usable(
    capital, needy
):
    """The same civil ID twice in one reservation: no committed commitment conflicts, the
    database refuses the insert itself, the service turns that into the same refusal, and
    nothing is inserted — without a savepoint, the transaction is still usable after it."""
    aid_request = open_request(family(capital), needy, capital)
    organisation = caseworker([needy], [capital]).membership.organisation
    twice = [Person(civil_id=SHARED, is_applicant=True), Person(SHARED, is_applicant=False)]
    with transaction.atomic():
        with pytest.raises(AidAlreadyGranted) as refusal:
            _reserve(aid_request, organisation, needy, twice)
        assert (refusal.value.conflicting, refusal.value.civil_id) == (None, SHARED)
        assert not AidCommitment.objects.exists()
        # same transaction, no savepoint in between: the next reservation goes through
        _reserve(aid_request, organisation, needy, twice[:1])
    assert AidCommitment.objects.filter(civil_id=SHARED).count() == 1


def test_a_refusal_undoes_the_rows_of_the_people_who_were_free(capital, needy):
    """Three people, one of them already covered: none of the three is left reserved."""
    held = open_request(family(capital, [SHARED]), needy, capital)
    aid_request_claim(aid_request_id=held.pk, actor=caseworker([needy], [capital]))
    aid_request = open_request(family(capital), needy, capital)
    organisation = caseworker([needy], [capital]).membership.organisation
    people = [
        Person(civil_id_for(41), True),
        Person(SHARED, False),
        Person(civil_id_for(42), False),
    ]
    with transaction.atomic(), pytest.raises(AidAlreadyGranted) as refusal:
        _reserve(aid_request, organisation, needy, people)
    assert refusal.value.civil_id == SHARED
    assert refusal.value.conflicting.aid_request_id == held.pk
    assert not AidCommitment.objects.filter(aid_request=aid_request).exists()


def _overlap_is_let_through(aid_request, organisation, needy) -> bool:
    try:
        _reserve(aid_request, organisation, needy, [Person(SHARED, True), Person(SHARED, False)])
    except AidAlreadyGranted:
        return False
    return AidCommitment.objects.filter(civil_id=SHARED).count() == 2


@pytest.mark.postgres
def test_on_postgresql_the_refusal_is_the_exclusion_constraint(capital, needy):
    aid_request = open_request(family(capital), needy, capital)
    organisation = caseworker([needy], [capital]).membership.organisation
    with transaction.atomic():
        assert not _overlap_is_let_through(aid_request, organisation, needy)
        # the constraint, not the application, refuses: without it the same call goes through
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks: ALTER allowed
            cursor.execute(
                "ALTER TABLE dedup_aidcommitment DROP CONSTRAINT dedup_one_aid_type_per_person"
            )
        assert _overlap_is_let_through(aid_request, organisation, needy)
        transaction.set_rollback(True)  # the constraint comes back with the rollback
    # and what it raises to anyone who writes without ON CONFLICT is 23P01
    with transaction.atomic(), pytest.raises(IntegrityError) as error:
        _reserve_twice_with_the_orm(aid_request, organisation, needy)
    database_error = error.value.__cause__  # psycopg's own error
    assert database_error.sqlstate == "23P01"
    assert database_error.diag.constraint_name == "dedup_one_aid_type_per_person"
    assert is_exclusion_violation(error.value)
    assert not AidCommitment.objects.exists()


def test_on_sqlite_the_refusal_is_the_overlap_trigger(capital, needy):
    if connection.vendor != "sqlite":
        pytest.skip("the trigger exists on SQLite only (PostgreSQL: the test above)")
    aid_request = open_request(family(capital), needy, capital)
    organisation = caseworker([needy], [capital]).membership.organisation
    with transaction.atomic():
        assert not _overlap_is_let_through(aid_request, organisation, needy)
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER dedup_overlap_insert")
        assert _overlap_is_let_through(aid_request, organisation, needy)
        transaction.set_rollback(True)  # the trigger comes back with the rollback
    with transaction.atomic(), pytest.raises(IntegrityError, match="dedup_overlap"):
        _reserve_twice_with_the_orm(aid_request, organisation, needy)
    assert not AidCommitment.objects.exists()


def _reserve_twice_with_the_orm(aid_request, organisation, needy):
    AidCommitment.objects.bulk_create(
        [
            AidCommitment(
                aid_request=aid_request,
                organisation=organisation,
                aid_type=needy,
                civil_id=SHARED,
                period_start=aid_request.coverage_start,
                period_end=aid_request.coverage_end,
            )
            for _ in range(2)
        ]
    )


def test_a_released_slot_can_be_claimed_again(capital, needy):
    first = open_request(family(capital, [SHARED]), needy, capital)
    staff = caseworker([needy], [capital], role="manager")
    aid_request_claim(aid_request_id=first.pk, actor=staff)
    aid_request_release(aid_request_id=first.pk, actor=staff, reason="لا ميزانية")
    first.refresh_from_db()
    assert (first.status, first.claimed_by) == (S.OPEN, None)
    assert set(first.commitments.values_list("status", flat=True)) == {"released"}
    other = open_request(family(capital, [SHARED]), needy, capital)
    aid_request_claim(aid_request_id=other.pk, actor=caseworker([needy], [capital]))
    # and the first family can be claimed again too, now by someone else's slot? No: SHARED is
    # held again by `other`, so re-claiming `first` is refused.
    with pytest.raises(DuplicateAid):
        aid_request_claim(aid_request_id=first.pk, actor=staff)


def test_withdrawing_a_claimed_request_frees_its_slots(capital, needy):
    from dedup.request_steps import aid_request_withdraw

    applicant = family(capital, [SHARED])
    aid_request = open_request(applicant, needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=caseworker([needy], [capital]))
    aid_request_withdraw(aid_request_id=aid_request.pk, applicant=applicant)
    assert not AidCommitment.objects.filter(status__in=["reserved", "active"]).exists()


def _commitment(aid_request, organisation, civil_id, start, end, status="reserved"):
    return AidCommitment.objects.create(
        aid_request=aid_request,
        organisation=organisation,
        aid_type=aid_request.aid_type,
        civil_id=civil_id,
        period_start=start,
        period_end=end,
        status=status,
    )


def test_the_database_refuses_an_overlapping_commitment_whatever_the_code_path(capital, needy):
    aid_request = open_request(family(capital), needy, capital)
    organisation = caseworker([needy], [capital]).membership.organisation
    _commitment(aid_request, organisation, SHARED, later(0), later(6))
    with pytest.raises(IntegrityError), transaction.atomic():
        _commitment(aid_request, organisation, SHARED, later(5), later(8))
    # touching periods overlap too: both days are included
    with pytest.raises(IntegrityError), transaction.atomic():
        _commitment(aid_request, organisation, SHARED, later(6), later(9))
    _commitment(aid_request, organisation, SHARED, later(7), later(9))  # after: fine
    _commitment(aid_request, organisation, SHARED, later(0), later(6), status="released")


def test_the_database_refuses_reactivating_a_released_overlapping_commitment(capital, needy):
    aid_request = open_request(family(capital), needy, capital)
    organisation = caseworker([needy], [capital]).membership.organisation
    _commitment(aid_request, organisation, SHARED, later(0), later(6))
    released = _commitment(aid_request, organisation, SHARED, later(1), later(2), status="released")
    with pytest.raises(IntegrityError), transaction.atomic():
        AidCommitment.objects.filter(pk=released.pk).update(status=CommitmentStatus.ACTIVE)


def test_dedup_audit_is_clean_on_a_healthy_database(capital, needy, student):
    """Everything that looks like a pair but is not one: released, other type, later period."""
    staff = caseworker([needy, student], [capital], role="manager")
    released = open_request(family(capital, [SHARED, civil_id_for(3)]), needy, capital)
    aid_request_claim(aid_request_id=released.pk, actor=staff)  # 3 people
    aid_request_release(aid_request_id=released.pk, actor=staff, reason="لا ميزانية")
    held = open_request(family(capital, [SHARED]), needy, capital)
    aid_request_claim(aid_request_id=held.pk, actor=staff)  # SHARED + applicant
    aid_request_approve(
        aid_request_id=held.pk, actor=staff, amount=Decimal("100"), payments=6
    )  # active now, overlapping the released ones
    later_one = open_request(family(capital, [SHARED]), needy, capital, start=later(6))
    aid_request_claim(aid_request_id=later_one.pk, actor=staff)  # 2 people
    aid_request_claim(
        aid_request_id=open_request(family(capital, [SHARED]), student, capital).pk, actor=staff
    )  # student aid is person aid: the applicant only
    assert AidCommitment.objects.count() == 8
    out = StringIO()
    call_command("dedup_audit", stdout=out)  # raises CommandError on any violation
    assert out.getvalue().splitlines() == [
        "dedup_audit: 8 commitments checked, 0 violations",
        # held: applicant + SHARED; later_one: applicant + SHARED; the student: the applicant
        "dedup_audit: 5 people of 3 held requests checked, 0 uncovered, "
        "0 covered only by another request",
        "dedup_audit: 0 open coverage conflicts",
    ]


def test_dedup_audit_finds_pairs_that_break_the_rule(capital, needy):
    aid_request = open_request(family(capital), needy, capital)
    organisation = caseworker([needy], [capital]).membership.organisation
    # Simulate a restore from a backup taken without the guard (rolled back with the test).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE dedup_aidcommitment DROP CONSTRAINT dedup_one_aid_type_per_person"
            )
        else:
            cursor.execute("DROP TRIGGER dedup_overlap_insert")
    _commitment(aid_request, organisation, SHARED, later(0), later(6))
    _commitment(aid_request, organisation, SHARED, later(3), later(9))
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("dedup_audit", stdout=out)
    assert "VIOLATION" in out.getvalue()
    assert "1 violations" in out.getvalue()
