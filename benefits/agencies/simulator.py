"""The embedded default: answers from the benefit records already in the database.

With no agency to ask (``make run``, tests, a deployment before its agency links exist) the
records imported with ``benefits_import`` are the agencies' answer, so a refresh finds every
record unchanged. It reads only active agencies, as a live lookup would ask only those.
"""

from __future__ import annotations

from benefits.agencies.base import AgencyBenefit
from benefits.models import BenefitRecord


class SimulatorLookup:
    name = "simulator"

    def lookup(self, civil_id: str) -> list[AgencyBenefit]:
        records = (
            BenefitRecord.objects.filter(civil_id=civil_id, agency__is_active=True)
            .select_related("agency", "kind")
            .order_by("agency__code", "reference")
        )
        return [
            AgencyBenefit(
                agency=record.agency.code,
                benefit=record.kind.code,
                monthly_amount=record.monthly_amount,
                start_date=record.start_date,
                end_date=record.end_date,
                reference=record.reference,
            )
            for record in records
        ]
