"""Covered elsewhere: an open request whose people all hold its aid type already leaves the
queues until that coverage ends (the writes are in ``charities.coverage``).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from aid_requests.models import AidRequest, RequestStatus
from aid_requests.periods import coverage_end
from charities import coverage
from dedup import services as dedup
from dedup.people import people_covered

S = RequestStatus


def request_covered_until(
    aid_request: AidRequest,
    household: Iterable[str],
    *,
    start: datetime.date | None = None,
) -> datetime.date | None:
    """The last day everyone the request covers holds its aid type elsewhere, or None.

    Over the request's coverage, or over the coverage it would have from ``start``.
    """
    people = people_covered(aid_request, household)
    end = aid_request.coverage_end
    if start is None:
        start = aid_request.coverage_start
    else:
        end = coverage_end(start, aid_request.aid_type.coverage_months)
    return dedup.covered_until(
        aid_type_id=aid_request.aid_type_id,
        civil_ids=[person.civil_id for person in people],
        start=start,
        end=end,
        exclude_request_id=aid_request.pk,
    )


def aid_request_check_coverage(aid_request: AidRequest) -> datetime.date | None:
    """Take an open request out of the queues when everyone it covers is covered elsewhere.

    Runs inside the caller's transaction with the request row locked (screening).
    """
    if aid_request.status != S.OPEN:
        return None
    until = request_covered_until(aid_request, coverage.household_civil_ids(aid_request))
    if until is not None:
        coverage.mark_covered(aid_request, until)
    return until


def return_covered_requests(*, today: datetime.date | None = None) -> list[int]:
    """Look again at every request out of the queue as covered elsewhere (Celery beat).

    Each is weighed as it would be claimed today: covering from today for its aid type's
    months. Nobody covered over that window any more (the coverage ended, or was cut to what
    was paid, or released) → back in the queue, its coverage starting today. Still covered but
    until another day (a commitment shortened, or a later one) → the new date, and the
    applicant is told. The ids of the requests returned.
    """
    today = today or timezone.localdate()
    candidates = list(
        AidRequest.objects.filter(status=S.OPEN, covered_until__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    returned = []
    for pk in candidates:
        with transaction.atomic(durable=True):
            aid_request = (
                AidRequest.objects.select_for_update(of=("self",))
                .select_related("aid_type", "applicant")
                .get(pk=pk)
            )
            if aid_request.status != S.OPEN or aid_request.covered_until is None:
                continue  # withdrawn, or claimed after a lazy return, meanwhile
            household = coverage.household_civil_ids(aid_request)
            until = request_covered_until(aid_request, household, start=today)
            if until is None:
                coverage.mark_returned(aid_request, today)
                returned.append(pk)
            elif until != aid_request.covered_until:
                coverage.mark_covered(aid_request, until)
    return returned
