"""Each client's own limit of calls a minute (``ApiClient.rate_limit``).

DRF's sliding-window throttle, keyed by the client, in the default cache: Redis in production,
so every web process counts the same calls.
"""

from __future__ import annotations

from typing import Any

from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiToken


class ClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def __init__(self) -> None:  # the rate is the client's, read per request
        self.rate: str | None = None
        self.num_requests, self.duration = 0, 60

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if not isinstance(request.auth, ApiToken):
            return None  # anonymous: refused by the permission check anyway
        return f"throttle_api_client_{request.auth.client_id}"

    def allow_request(self, request: Any, view: Any) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        self.rate = f"{request.auth.client.rate_limit}/m"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
