"""Aid requests: the aid-type catalogue and the requests applicants submit.

One module per topic; this package is their public face (``from aid_requests.models import
AidRequest``), and importing it registers every model of the app with Django.
"""

from aid_requests.models.appeals import Appeal, AppealDecision
from aid_requests.models.catalogue import AidScope, AidType, Beneficiaries
from aid_requests.models.payments import Payment, PaymentMethod
from aid_requests.models.requests import (
    AGE_BANDS,
    HELD_STATUSES,
    LIVE_STATUSES,
    AidRequest,
    CaseMessage,
    RequestStatus,
    TimelineEntry,
    age_band,
    held_by,
    request_reference,
)

__all__ = [
    "AGE_BANDS",
    "HELD_STATUSES",
    "LIVE_STATUSES",
    "AidRequest",
    "AidScope",
    "AidType",
    "Appeal",
    "AppealDecision",
    "Beneficiaries",
    "CaseMessage",
    "Payment",
    "PaymentMethod",
    "RequestStatus",
    "TimelineEntry",
    "age_band",
    "held_by",
    "request_reference",
]
