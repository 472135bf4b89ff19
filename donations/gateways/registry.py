"""``get_gateway``: the adapter ``settings.DONATIONS_GATEWAY`` names, built from the settings."""

from __future__ import annotations

from django.conf import settings

from donations.gateways.base import Gateway, GatewayError
from donations.gateways.http import HttpGateway
from donations.gateways.simulator import SimulatorGateway
from identity.providers.http import HttpClient


def get_gateway(name: str | None = None) -> Gateway:
    name = name or settings.DONATIONS_GATEWAY
    if name == "simulator":
        return SimulatorGateway()
    if name == "http":
        return HttpGateway(
            base_url=settings.DONATIONS_GATEWAY_URL,
            secret=settings.DONATIONS_GATEWAY_SECRET,
            merchant=settings.DONATIONS_GATEWAY_MERCHANT,
            http=HttpClient(
                connect_timeout=settings.DONATIONS_HTTP_CONNECT_TIMEOUT,
                read_timeout=settings.DONATIONS_HTTP_READ_TIMEOUT,
                service="payment gateway",
            ),
        )
    raise GatewayError(f"unknown payment gateway {name!r}")
