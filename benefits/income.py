"""Verified income: the state benefits that count as income for an aid type (the ministry's
``AidTypeBenefitRule`` with effect ``income``), summed over a household's civil IDs.

``verified_income_at_submission`` is what a submission asks before its durable transaction:
it refreshes the household's records from the agencies (the live lookup), then reads the
total from the records. When an agency does not answer (a timeout or a 5xx after the
adapter's retries, a malformed answer, our own settings wrong) the submission still goes on
with the records already held, and the figure says so (``VerifiedFrom.RECORDS_HELD``, kept in
the request's screening record and its audit entry). A person the agencies do not know is an
answer: no benefit, nothing verified for them.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import User
from aid_requests.models import AidType
from aid_requests.scoring import VerifiedFrom, VerifiedIncome
from applicants.selectors import household_civil_ids
from benefits.agencies.base import AgencyMisconfigured
from benefits.lookup import benefits_refresh
from benefits.models import AidTypeBenefitRule, BenefitEffect, BenefitRecord

logger = logging.getLogger("benefits.income")


def verified_monthly_income(
    civil_ids: Iterable[str], aid_type: AidType, *, on: datetime.date
) -> Decimal:
    """The monthly amounts of the benefits paid to these people on ``on`` (started by then,
    not ended before it) whose kind counts as income for ``aid_type``; one query."""
    counted = AidTypeBenefitRule.objects.filter(
        aid_type=aid_type, effect=BenefitEffect.INCOME
    ).values("kind_id")
    total = (
        BenefitRecord.objects.filter(
            civil_id__in=list(civil_ids), kind__in=counted, start_date__lte=on
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .aggregate(total=Sum("monthly_amount"))["total"]
    )
    return (total or Decimal(0)).quantize(Decimal("0.001"))


def verified_income_at_submission(
    *, applicant: User, aid_type: AidType, on: datetime.date | None = None
) -> VerifiedIncome:
    """Ask the agencies about the applicant and every household member (the household's
    income is one figure, whoever the beneficiary is), then total what counts as income.

    Runs outside any transaction: it is an HTTP call, and each person's records are written
    in their own. With the simulator (no agency link) nothing is asked: the records held are
    the agencies' answer. The first agency that stays unavailable stops the asking, so an
    applicant waits for one person's retries at most.
    """
    civil_ids = household_civil_ids(applicant)
    source = VerifiedFrom.RECORDS
    if settings.BENEFITS_LOOKUP != "simulator":
        try:
            result = benefits_refresh(
                civil_ids=civil_ids, actor=applicant, give_up_when_unavailable=True
            )
        except AgencyMisconfigured as error:
            logger.error("benefits lookup at submission not possible: %s", error)
            source = VerifiedFrom.RECORDS_HELD
        else:
            source = VerifiedFrom.RECORDS_HELD if result.not_refreshed else VerifiedFrom.AGENCIES
    total = verified_monthly_income(civil_ids, aid_type, on=on or timezone.localdate())
    return VerifiedIncome(total=total, source=source)
