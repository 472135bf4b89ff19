"""What every agency-lookup adapter offers the refresh, and the errors it may raise.

An adapter translates one wire protocol, nothing more: it never writes to the database and
never decides what a changed record means (``benefits.lookup`` compares and loads). It answers
with every benefit the agencies pay one civil ID, each checked field by field; an answer it
cannot trust in full raises ``AgencyAnswerInvalid`` rather than returning part of it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class AgencyError(Exception):
    """The lookup of one civil ID failed; nothing may be written for that person."""

    reason = "agency_error"


class AgencyUnavailable(AgencyError):
    """Transient: a timeout, a refused or reset connection, a 5xx or 429 after the retries.
    The person is simply not refreshed this time."""

    reason = "agency_unavailable"


class AgencyMisconfigured(AgencyError):
    """Our side is wrong: 401/403, a missing URL or key, an unknown agency in the settings, a
    404 that is not the documented "unknown person" answer. Every lookup will fail alike."""

    reason = "misconfigured"


class AgencyAnswerInvalid(AgencyError):
    """The agency answered, but not as agreed: not JSON, a missing or mistyped field, an amount
    with more than 3 decimals, an end before the start, a benefit code we do not know."""

    reason = "answer_invalid"


@dataclass(frozen=True)
class AgencyBenefit:
    """One benefit one agency pays the person looked up, as the agency reports it."""

    agency: str  # the agency's code (``social_security``)
    benefit: str  # the benefit's code within that agency (``retirement_pension``)
    monthly_amount: Decimal
    start_date: datetime.date
    end_date: datetime.date | None
    reference: str  # the agency's own reference: with ``agency``, the record's key


class AgencyLookup(Protocol):
    """The adapter interface: ``name`` for the audit trail, ``lookup`` for one civil ID.

    ``lookup`` returns every benefit paid to ``civil_id`` by the agencies the adapter asks (an
    empty list for a person they do not know), or raises one of the ``AgencyError`` classes.
    """

    name: str

    def lookup(self, civil_id: str) -> list[AgencyBenefit]: ...
