"""Reads of the benefits app for the layers above it, limited to what they may show."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from benefits.models import BenefitRecord
from dedup.models import UNTIL_FURTHER_NOTICE


@dataclass(frozen=True)
class ExcludingBenefit:
    """What a charity may know of an excluding benefit: what, from whom, until when (None:
    until further notice) — not the agency's reference, not the amount."""

    benefit: str
    agency: str
    until: datetime.date | None


def excluding_benefit(record_id: int, *, until: datetime.date) -> ExcludingBenefit:
    """The benefit of a state commitment (``until``: the commitment's end), named in the
    current language."""
    record = BenefitRecord.objects.select_related("kind", "agency").get(pk=record_id)
    return ExcludingBenefit(
        benefit=str(record.kind),
        agency=str(record.agency),
        until=None if until >= UNTIL_FURTHER_NOTICE else until,
    )
