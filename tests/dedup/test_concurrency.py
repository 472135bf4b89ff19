"""Simultaneous claims with real threads, each on its own database connection.

Runs on the database under test: PostgreSQL in CI's first pass (exclusion constraint, advisory
locks, deadlock retries), SQLite in the second (IMMEDIATE transactions, trigger).
"""

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from aid_requests.models import RequestStatus
from charities import services
from charities.exceptions import DuplicateAid, NoLongerOpen
from dedup.models import AidCommitment, BlockedAttempt
from tests.dedup.conftest import SHARED, caseworker, family, open_request
from tests.factories import civil_id_for

pytestmark = pytest.mark.django_db(transaction=True)
CLAIMERS = 20


def race(jobs):
    """Run every (request id, actor) claim at the same moment; return outcome names."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def claim(aid_request_id, actor):
        try:
            barrier.wait()
            services.aid_request_claim(aid_request_id=aid_request_id, actor=actor)
            result = "claimed"
        except DuplicateAid:
            result = "duplicate"
        except NoLongerOpen:
            result = "taken"
        except Exception as error:  # anything else is a bug the test must show
            result = f"error: {type(error).__name__}: {error}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=claim, args=job) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return sorted(outcomes)


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
