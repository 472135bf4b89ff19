"""``get_lookup``: the adapter ``settings.BENEFITS_LOOKUP`` names, built from the settings."""

from __future__ import annotations

from django.conf import settings

from benefits.agencies.base import AgencyLookup, AgencyMisconfigured
from benefits.agencies.http import HttpAgencyLookup
from benefits.agencies.simulator import SimulatorLookup
from benefits.models import Agency, BenefitKind
from identity.providers.http import HttpClient


def known_benefits() -> dict[str, frozenset[str]]:
    """Each active agency's benefit codes (an agency without benefits is listed, empty)."""
    known: dict[str, set[str]] = {
        code: set() for code in Agency.objects.filter(is_active=True).values_list("code", flat=True)
    }
    for agency, kind in BenefitKind.objects.filter(agency__is_active=True).values_list(
        "agency__code", "code"
    ):
        known[agency].add(kind)
    return {agency: frozenset(kinds) for agency, kinds in known.items()}


def get_lookup(name: str | None = None) -> AgencyLookup:
    name = name or settings.BENEFITS_LOOKUP
    if name == "simulator":
        return SimulatorLookup()
    if name == "http":
        return HttpAgencyLookup(
            urls=settings.BENEFITS_AGENCY_URLS,
            keys=settings.BENEFITS_AGENCY_KEYS,
            known=known_benefits(),
            http=HttpClient(
                connect_timeout=settings.BENEFITS_HTTP_CONNECT_TIMEOUT,
                read_timeout=settings.BENEFITS_HTTP_READ_TIMEOUT,
                service="benefits agency",
            ),
            retries=settings.BENEFITS_HTTP_RETRIES,
            backoff=settings.BENEFITS_HTTP_BACKOFF_SECONDS,
        )
    raise AgencyMisconfigured(f"unknown benefits lookup {name!r}")
