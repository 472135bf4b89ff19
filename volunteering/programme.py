"""The paid-volunteering programme's entry in the aid-type catalogue.

A stipend is aid of this type: organisations licensed for it (their ``aid_types``) may publish
opportunities, and each accepted volunteer's stipend is a request of this type, so the
one-aid-type rule, the statistics and the audit trail cover it like any other aid.

It is inactive in the catalogue's sense (``is_active=False``): nobody applies for it on the
apply page — the acceptance creates the request. ``max_amount`` is only the catalogue's
figure: a placement's approval is set from its opportunity (``volunteering.stipends``).
The catalogue's entries are created where the ministry's catalogue is (its pages, and the demo
seed: ``demo/catalogue.py``); ``paid_volunteering_type`` creates this one on first use where it
is missing (no data migration: the test databases start with an empty catalogue).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aid_requests.models import AidScope, AidType

CODE = "paid-volunteering"

FIELDS: dict[str, Any] = {
    "name_ar": "التطوع مقابل الأجر",
    "name_en": "Paid volunteering",
    "description_ar": "مكافأة شهرية مقابل عمل تطوعي لدى جهة مرخصة بدلاً من المساعدة المباشرة.",
    "description_en": (
        "A monthly stipend for volunteer work with a licensed organisation, instead of direct aid."
    ),
    "scope": AidScope.PERSON,
    "coverage_months": 12,
    "max_amount": Decimal("6000.000"),
    "is_active": False,
    "licensed_only": True,
}


def paid_volunteering_type() -> AidType:
    """The programme's aid type (created when missing)."""
    aid_type, _created = AidType.objects.get_or_create(code=CODE, defaults=FIELDS)
    return aid_type


def licensed_filter() -> dict[str, Any]:
    """Lookups of organisations licensed for the programme (``Organisation.objects.filter``)."""
    return {"aid_types__code": CODE, "status": "active"}
