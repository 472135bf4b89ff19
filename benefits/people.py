"""Whose benefits the nightly refresh asks about: the people of live requests.

``benefits`` sits above ``aid_requests`` and ``applicants``, so it reads their models directly:
a request in ``LIVE_STATUSES`` brings its applicant and every member of the applicant's
household (the whole household's state income counts, whoever the beneficiary is). Closed,
withdrawn and rejected requests bring no one.
"""

from __future__ import annotations

from aid_requests.models import LIVE_STATUSES, AidRequest
from applicants.models import HouseholdMember


def live_case_civil_ids() -> list[str]:
    """The civil IDs, sorted and without repeats; two queries whatever the number of cases."""
    applicants = AidRequest.objects.filter(status__in=LIVE_STATUSES).values("applicant_id")
    own = AidRequest.objects.filter(
        status__in=LIVE_STATUSES, applicant__civil_id__isnull=False
    ).values_list("applicant__civil_id", flat=True)
    members = HouseholdMember.objects.filter(profile__user_id__in=applicants).values_list(
        "civil_id", flat=True
    )
    return sorted({civil_id for civil_id in [*own, *members] if civil_id})
