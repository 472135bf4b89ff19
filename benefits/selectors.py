"""Reads of the benefits app: the ministry's pages (the imports are the ministry's own: no
organisation scoping; who may read them is ``Capability.IMPORT_BENEFITS``), and what the layers
above may show of an excluding benefit."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from benefits.models import BenefitRecord, ImportBatch
from dedup.models import UNTIL_FURTHER_NOTICE

RECENT_IMPORTS = 50


def import_batches_recent(*, limit: int = RECENT_IMPORTS) -> QuerySet[ImportBatch]:
    """The latest imports of every source (uploads, the command, the live lookup), newest
    first."""
    return ImportBatch.objects.select_related("started_by").order_by("-started_at", "-pk")[:limit]


def import_batch_get(pk: int) -> ImportBatch | None:
    return ImportBatch.objects.select_related("started_by").filter(pk=pk).first()


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
