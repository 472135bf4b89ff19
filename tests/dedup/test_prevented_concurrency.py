"""Many organisations refused the same request at the same moment, with real threads, each on
its own connection, on the database under test (PostgreSQL in CI's first pass: ON CONFLICT DO
NOTHING on the unique pair; SQLite in the second: INSERT OR IGNORE): every try is kept, the
duplicate is counted once."""

from decimal import Decimal
from functools import partial

import pytest

from aid_requests.models import RequestStatus
from charities.exceptions import DuplicateAid
from charities.services.claim import aid_request_claim
from dedup.models import BlockedAttempt, PreventedDuplicate
from tests.concurrency import outcome, run_together
from tests.factories.cases import SHARED, caseworker, family, open_request

pytestmark = pytest.mark.django_db(transaction=True)
CLAIMERS = 12


def test_simultaneous_refusals_of_one_request_count_one_duplicate(capital, needy):
    holder = open_request(family(capital, [SHARED]), needy, capital)
    aid_request_claim(aid_request_id=holder.pk, actor=caseworker([needy], [capital]))
    # Household aid for a household only partly covered elsewhere (the spouse SHARED holds it
    # under the holder's case, the applicant not): every try is a refusal and the request stays
    # open — were everyone covered, the first refusal would take it out of the queue and the
    # others would find it no longer open.
    duplicate = open_request(family(capital, [SHARED]), needy, capital, amount="600")
    actors = [caseworker([needy], [capital]) for _ in range(CLAIMERS)]

    def claim(actor):
        aid_request_claim(aid_request_id=duplicate.pk, actor=actor)
        return "claimed"

    results = run_together(*(partial(claim, actor) for actor in actors))
    assert [outcome(r, {DuplicateAid: "duplicate"}) for r in results] == ["duplicate"] * CLAIMERS
    assert BlockedAttempt.objects.filter(aid_request=duplicate).count() == CLAIMERS
    prevented = PreventedDuplicate.objects.get()
    assert (prevented.aid_request_id, prevented.conflicting_request_id) == (
        duplicate.pk,
        holder.pk,
    )
    # Same coverage (six months from today) as the holder: all six overlap, so the whole
    # 600.000 (600.000 ÷ 6 = 100.000 a month × 6) — once, not 12 × 600.000.
    assert (prevented.overlap_months, prevented.amount_saved) == (6, Decimal("600.000"))
    assert prevented.civil_id == SHARED
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.covered_until) == (RequestStatus.OPEN, None)
    first = BlockedAttempt.objects.order_by("attempted_at", "pk").first()
    assert (prevented.organisation_id, prevented.first_refused_at) == (
        first.organisation_id,
        first.attempted_at,
    )


def test_simultaneous_refusals_of_two_requests_count_two(capital, needy):
    holder = open_request(family(capital, [SHARED]), needy, capital)
    aid_request_claim(aid_request_id=holder.pk, actor=caseworker([needy], [capital]))
    duplicates = [
        open_request(family(capital, [SHARED]), needy, capital, amount="300") for _ in range(2)
    ]
    jobs = [
        partial(
            aid_request_claim,
            aid_request_id=duplicates[n % 2].pk,
            actor=caseworker([needy], [capital]),
        )
        for n in range(CLAIMERS)
    ]
    results = run_together(*jobs)
    assert {outcome(r, {DuplicateAid: "duplicate"}) for r in results} == {"duplicate"}
    assert PreventedDuplicate.objects.count() == 2
    assert sorted(PreventedDuplicate.objects.values_list("amount_saved", flat=True)) == [
        Decimal("300.000"),
        Decimal("300.000"),
    ]


def test_the_database_counts_a_duplicate_once_without_the_request_lock(capital, needy):
    """The refusals are queued on the request's row lock in a claim; the count does not rely
    on it: recording the same refusal from many transactions at once writes one row."""
    from django.db import transaction

    from dedup import services as dedup
    from dedup.exceptions import AidAlreadyGranted

    holder = open_request(family(capital, [SHARED]), needy, capital)
    aid_request_claim(aid_request_id=holder.pk, actor=caseworker([needy], [capital]))
    duplicate = open_request(family(capital, applicant_civil_id=SHARED), needy, capital)
    held = holder.commitments.get(civil_id=SHARED)
    actors = [caseworker([needy], [capital]) for _ in range(CLAIMERS)]

    def record(actor):
        with transaction.atomic(durable=True):
            dedup.blocked_attempt_record(
                attempted_by=actor,
                organisation_id=actor.membership.organisation_id,
                aid_request_id=duplicate.pk,
                aid_type_id=needy.pk,
                conflict=AidAlreadyGranted(held, SHARED),
                amount=duplicate.amount_requested,
                coverage_start=duplicate.coverage_start,
                coverage_end=duplicate.coverage_end,
                coverage_months=needy.coverage_months,
            )
        return "recorded"

    results = run_together(*(partial(record, actor) for actor in actors))
    assert [outcome(r) for r in results] == ["recorded"] * CLAIMERS
    assert BlockedAttempt.objects.count() == CLAIMERS
    assert PreventedDuplicate.objects.count() == 1
