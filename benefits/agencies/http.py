"""The agencies' HTTPS JSON lookup: one GET per agency and civil ID, with a Bearer key.

The wire format (ours to agree with each agency; also in docs/decisions.md)::

    GET {base URL}/v1/benefits/{civil_id}
    Authorization: Bearer {key}        Accept: application/json

    200 {"civil_id": "285031401239",
         "benefits": [{"benefit": "retirement_pension", "monthly_amount": "250.500",
                       "start_date": "2024-01-01", "end_date": null, "reference": "SS-1"}]}
    404 {"error": "person_not_found"}  the agency does not know the person: no benefits

A person the agency knows but pays nothing is ``200`` with ``"benefits": []``; both answers
mean an empty list. Amounts are JSON strings (never floats) with at most 3 decimals; dates are
ISO ``YYYY-MM-DD``; ``end_date`` null or absent is open-ended; the agency is the one whose URL
was asked; other fields are ignored. A 404 with any other body means our URL is wrong
(``AgencyMisconfigured``).

Timeouts, resets, 5xx and 429 are retried ``retries`` times, waiting ``backoff``, then twice
that, …; then ``AgencyUnavailable``. 401/403 are ``AgencyMisconfigured`` at once. Any field
that is not as above makes the whole answer ``AgencyAnswerInvalid``: nothing of it is used.
The transport (connect/read timeouts, no redirects, the size cap) is the identity providers'
``HttpClient``.
"""

from __future__ import annotations

import datetime
import json
import logging
import time
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import quote

from benefits.agencies.base import (
    AgencyAnswerInvalid,
    AgencyBenefit,
    AgencyMisconfigured,
    AgencyUnavailable,
)
from identity.providers.base import ProviderMisconfigured, ProviderUnavailable
from identity.providers.http import HttpClient, Response

logger = logging.getLogger("benefits.agencies")

#: The documented body of "this agency does not know the person".
UNKNOWN_PERSON = {"error": "person_not_found"}
#: Below 10⁹ with 3 decimals: what ``BenefitRecord.monthly_amount`` holds.
MAX_AMOUNT = Decimal("1000000000")
REFERENCE_MAX_LENGTH = 64


class HttpAgencyLookup:
    """Asks every configured agency in turn; one failing agency fails the whole lookup (a
    person is refreshed from all agencies or not at all)."""

    name = "http"

    def __init__(
        self,
        *,
        urls: Mapping[str, str],
        keys: Mapping[str, str],
        known: Mapping[str, frozenset[str]],
        http: HttpClient,
        retries: int,
        backoff: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``known``: each active agency's benefit codes (an answer naming another is
        invalid)."""
        if not urls:
            raise AgencyMisconfigured("no agency URL is configured")
        for code in urls:
            if code not in known:
                raise AgencyMisconfigured(f"the agency {code!r} is not an active agency")
            if not urls[code] or not keys.get(code):
                raise AgencyMisconfigured(f"the agency {code!r} has no URL or no key")
        self.urls = {code: url.rstrip("/") for code, url in sorted(urls.items())}
        self.keys = dict(keys)
        self.known = known
        self.http = http
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep

    def lookup(self, civil_id: str) -> list[AgencyBenefit]:
        benefits: list[AgencyBenefit] = []
        for agency in self.urls:
            benefits.extend(self._lookup_one(agency, civil_id))
        return benefits

    # --- one agency ---------------------------------------------------------------------------
    def _lookup_one(self, agency: str, civil_id: str) -> list[AgencyBenefit]:
        response = self._get(agency, f"{self.urls[agency]}/v1/benefits/{quote(civil_id, safe='')}")
        if response.status == 404:
            if _json_or_none(response) == UNKNOWN_PERSON:
                return []
            raise AgencyMisconfigured(f"{agency}: 404 without the unknown-person answer")
        if response.status != 200:
            raise AgencyAnswerInvalid(f"{agency}: unexpected HTTP {response.status}")
        data = _json_or_none(response)
        if not isinstance(data, dict) or data.get("civil_id") != civil_id:
            raise AgencyAnswerInvalid(f"{agency}: not an answer about this civil ID")
        items = data.get("benefits")
        if not isinstance(items, list):
            raise AgencyAnswerInvalid(f"{agency}: 'benefits' is not a list")
        benefits = [self._benefit(agency, item) for item in items]
        references = [benefit.reference for benefit in benefits]
        if len(set(references)) != len(references):
            raise AgencyAnswerInvalid(f"{agency}: a reference is given twice")
        return benefits

    def _get(self, agency: str, url: str) -> Response:
        headers = {
            "Authorization": f"Bearer {self.keys[agency]}",
            "User-Agent": "Musaada-benefits/1",
        }
        attempt = 0
        while True:
            try:
                return self.http.request("GET", url, headers=headers)
            except ProviderMisconfigured as exc:
                logger.error("agency %s refused our key or URL (%s)", agency, exc)
                raise AgencyMisconfigured(f"{agency}: {exc}") from exc
            except ProviderUnavailable as exc:
                if attempt >= self.retries:
                    logger.warning("agency %s unavailable after %d tries", agency, attempt + 1)
                    raise AgencyUnavailable(f"{agency}: {exc}") from exc
                self.sleep(self.backoff * 2**attempt)
                attempt += 1

    def _benefit(self, agency: str, item: Any) -> AgencyBenefit:
        if not isinstance(item, dict) or not {"benefit", "monthly_amount", "start_date"} <= set(
            item
        ):
            raise AgencyAnswerInvalid(f"{agency}: a benefit lacks a required field")
        benefit = item["benefit"]
        if not isinstance(benefit, str) or benefit not in self.known[agency]:
            raise AgencyAnswerInvalid(f"{agency}: unknown benefit {benefit!r}")
        if "agency" in item and item["agency"] != agency:
            raise AgencyAnswerInvalid(f"{agency}: a benefit of another agency")
        reference = item.get("reference")
        if not isinstance(reference, str) or not reference.strip():
            raise AgencyAnswerInvalid(f"{agency}: a benefit without a reference")
        if len(reference.strip()) > REFERENCE_MAX_LENGTH:
            raise AgencyAnswerInvalid(f"{agency}: a reference is too long")
        start = _date(agency, item["start_date"], "start_date")
        end = None if item.get("end_date") is None else _date(agency, item["end_date"], "end_date")
        if end is not None and end < start:
            raise AgencyAnswerInvalid(f"{agency}: the end date is before the start date")
        return AgencyBenefit(
            agency=agency,
            benefit=benefit,
            monthly_amount=_amount(agency, item["monthly_amount"]),
            start_date=start,
            end_date=end,
            reference=reference.strip(),
        )


def _json_or_none(response: Response) -> Any:
    if response.content_type != "application/json":
        return None
    try:
        return json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        if response.status == 200:
            raise AgencyAnswerInvalid("the answer is not JSON") from None
        return None


def _amount(agency: str, value: Any) -> Decimal:
    if not isinstance(value, str):
        raise AgencyAnswerInvalid(f"{agency}: the amount is not a string")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise AgencyAnswerInvalid(f"{agency}: the amount is not a number") from None
    if not amount.is_finite() or amount < 0 or amount >= MAX_AMOUNT:
        raise AgencyAnswerInvalid(f"{agency}: the amount is out of range")
    if amount != amount.quantize(Decimal("0.001")):
        raise AgencyAnswerInvalid(f"{agency}: the amount has more than 3 decimals")
    return amount.quantize(Decimal("0.001"))


def _date(agency: str, value: Any, name: str) -> datetime.date:
    if not isinstance(value, str) or len(value) != 10:
        raise AgencyAnswerInvalid(f"{agency}: {name} is not a YYYY-MM-DD string")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise AgencyAnswerInvalid(f"{agency}: {name} is not a date") from None
