"""The demo's state benefits: a few records as an agencies' file would bring them, so the
ministry's beneficiary picture and its figures by source have something to show.

* a family served by both: the household of the first demo case being paid (household aid)
  gets a Social Welfare monthly assistance for the applicant and a Social Security family
  allowance for the first member, both running through the case's coverage;
* a registered applicant with no charity case: a retirement pension (state only);
* a person in no household: a disability allowance (state only, not in the registry).

Keyed by the agency's reference and created once (``get_or_create``), like the rest of the
seed: a second run adds nothing.
"""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.civil_id import make_kw_civil_id
from aid_requests.models import AidRequest, AidScope, RequestStatus
from applicants.models import HouseholdMember
from benefits.models import Agency, BenefitKind, BenefitRecord, ImportBatch, ImportStatus
from config.dates import add_months, month_end, month_start

DEMO_FILE = "demo-agencies.csv"
#: Outside every demo household (their members' serials start at 5000).
NOT_REGISTERED = make_kw_civil_id(datetime.date(1958, 4, 9), 9100)


#: The agencies and benefits the demo uses, as benefits' migration 0002 creates them; created
#: here when missing (a test database flushed between tests has lost the migration's rows).
AGENCIES = {
    "social_security": (
        "المؤسسة العامة للتأمينات الاجتماعية",
        "Public Institution for Social Security",
    ),
    "social_welfare": ("إدارة المساعدات العامة", "Social Welfare (public assistance)"),
}
KINDS = {
    ("social_security", "retirement_pension"): ("معاش تقاعدي", "Retirement pension"),
    ("social_security", "disability_allowance"): ("بدل عجز", "Disability allowance"),
    ("social_security", "family_allowance"): ("علاوة أولاد", "Family allowance"),
    ("social_welfare", "monthly_assistance"): ("مساعدة شهرية", "Monthly assistance"),
}


def _kind(agency: str, kind: str) -> tuple[Agency, BenefitKind]:
    name_ar, name_en = AGENCIES[agency]
    agency_row, _created = Agency.objects.get_or_create(
        code=agency, defaults={"name_ar": name_ar, "name_en": name_en}
    )
    kind_ar, kind_en = KINDS[(agency, kind)]
    kind_row, _created = BenefitKind.objects.get_or_create(
        agency=agency_row, code=kind, defaults={"name_ar": kind_ar, "name_en": kind_en}
    )
    return agency_row, kind_row


@dataclass(frozen=True)
class DemoBenefits:
    both: str  # the civil ID of the applicant whose family is served by both
    state_only: str
    not_registered: str
    records: int


def _record(
    batch: ImportBatch,
    civil_id: str,
    agency: str,
    kind: str,
    amount: str,
    start: datetime.date,
    end: datetime.date | None,
    reference: str,
) -> None:
    agency_row, kind_row = _kind(agency, kind)
    BenefitRecord.objects.get_or_create(
        agency=agency_row,
        reference=reference,
        defaults={
            "civil_id": civil_id,
            "kind": kind_row,
            "monthly_amount": Decimal(amount),
            "start_date": start,
            "end_date": end,
            "batch": batch,
        },
    )


def seed_benefits(now: datetime.datetime, state_only_civil_id: str) -> DemoBenefits:
    today = timezone.localdate(now)
    batch, _created = ImportBatch.objects.get_or_create(
        sha256=hashlib.sha256(DEMO_FILE.encode()).hexdigest(),
        source="file",
        defaults={
            "file_name": DEMO_FILE,
            "started_at": now,
            "finished_at": now,
            "status": ImportStatus.DONE,
        },
    )
    case = (
        AidRequest.objects.filter(
            status=RequestStatus.PAYING,
            aid_type__scope=AidScope.HOUSEHOLD,
            applicant__applicant_profile__members__isnull=False,
        )
        .select_related("applicant")
        .order_by("applicant__civil_id")
        .first()
    )
    both = ""
    if case is not None:
        both = case.applicant.civil_id or ""
        # From a few months before the case until after it: the months of the case's coverage
        # are received from both.
        _record(batch, both, "social_welfare", "monthly_assistance", "180.000",
                month_start(add_months(case.coverage_start, -4)), None, "DEMO-SW-1")  # fmt: skip
        member = HouseholdMember.objects.filter(profile__user=case.applicant).order_by("pk").first()
        if member is not None:
            _record(batch, member.civil_id, "social_security", "family_allowance", "60.000",
                    month_start(add_months(case.coverage_start, -1)),
                    month_end(add_months(case.coverage_end, 1)), "DEMO-SS-1")  # fmt: skip
    _record(batch, state_only_civil_id, "social_security", "retirement_pension", "410.500",
            month_start(add_months(today, -20)), None, "DEMO-SS-2")  # fmt: skip
    _record(batch, NOT_REGISTERED, "social_security", "disability_allowance", "150.000",
            month_start(add_months(today, -9)), month_start(add_months(today, 2)),
            "DEMO-SS-3")  # fmt: skip
    batch_rows = BenefitRecord.objects.filter(batch=batch).count()
    ImportBatch.objects.filter(pk=batch.pk).exclude(rows_total=batch_rows).update(
        rows_total=batch_rows, rows_done=batch_rows, created_count=batch_rows
    )
    return DemoBenefits(
        both=both,
        state_only=state_only_civil_id,
        not_registered=NOT_REGISTERED,
        records=batch_rows,
    )
