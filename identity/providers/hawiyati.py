"""Hawiyati (Kuwait Mobile ID, PACI): availability → push → poll for the signed result.

PACI's API is not public (banks integrate under a service agreement), so this adapter is built on
the push-then-poll shape (the public Estonian Mobile-ID REST API has the same one) and reads
every path, field name, status string and claim from ``settings.HAWIYATI_MAPPING``: the real
specification changes that table, not this code.

Proof of identity is the signed result: an RS256 JWS, from a key published at the mapping's JWKS
path, for our audience, from the mapping's ``issuer`` (required: without it the adapter refuses to
start), whose claims carry our challenge and the civil ID that approved.
"""

from __future__ import annotations

import base64
import logging
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from identity.providers.base import (
    Clock,
    CorrelationMismatch,
    Flow,
    Outcome,
    ProviderError,
    ProviderMisconfigured,
    StartResult,
    TokenInvalid,
)
from identity.providers.http import HttpClient, Response
from identity.providers.jose import KeySet, verify_jwt

if TYPE_CHECKING:
    from identity.models import VerificationAttempt

logger = logging.getLogger("identity.hawiyati")


class HawiyatiProvider:
    name = "hawiyati"
    flow: Flow = "push"

    def __init__(
        self,
        *,
        base_url: str,
        client_id: str,
        client_secret: str,
        mapping: dict[str, Any],
        http: HttpClient,
        clock: Clock,
        leeway: int,
        jwks_cache_seconds: int,
        jwks_refresh_cooldown: int,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.mapping = mapping
        self.http = http
        self.clock = clock
        self.leeway = leeway
        self.keys = KeySet(
            self._url("jwks"),
            http=http,
            cache_seconds=jwks_cache_seconds,
            refresh_cooldown=jwks_refresh_cooldown,
        )

    # --- the mapping table -------------------------------------------------------------------
    def _url(self, name: str, **values: str) -> str:
        path = self.mapping["paths"][name].format(
            **{key: quote(value, safe="") for key, value in values.items()}
        )
        return path if path.startswith(("http://", "https://")) else self.base_url + path

    def _request_field(self, name: str) -> str:
        return self.mapping["request_fields"][name]

    def _response_field(self, data: dict[str, Any], name: str) -> Any:
        return data.get(self.mapping["response_fields"][name])

    def _headers(self) -> dict[str, str]:
        if self.mapping.get("auth") == "bearer":
            return {"Authorization": f"Bearer {self.client_secret}"}
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode()}

    def _json(self, response: Response) -> dict[str, Any]:
        data = response.json()
        if not isinstance(data, dict):
            raise ProviderMisconfigured("the provider's answer is not a JSON object")
        return data

    def _issuer(self) -> str:
        return str(self.mapping.get("issuer") or "")

    def _check_configured(self) -> None:
        if not self.base_url or not self.client_id:
            raise ProviderMisconfigured("HAWIYATI_BASE_URL and HAWIYATI_CLIENT_ID must be set")
        if not self._issuer():
            # Without it a result signed by any key the JWKS publishes, for any issuer sharing
            # that key set, would be accepted: refuse to start rather than check less.
            raise ProviderMisconfigured("HAWIYATI_MAPPING has no issuer")

    # --- the flow ----------------------------------------------------------------------------
    def start(
        self,
        *,
        civil_id: str,
        challenge: str,
        display_text: str,
        redirect_uri: str = "",
        client_reference: str = "",
    ) -> StartResult:
        self._check_configured()
        availability = self.http.request(
            "POST",
            self._url("availability"),
            json_body={self._request_field("civil_id"): civil_id},
            headers=self._headers(),
        )
        if availability.status == 404:
            raise ProviderError("not enrolled", reason="not_enrolled")
        if availability.status != 200:
            raise ProviderMisconfigured(f"availability answered HTTP {availability.status}")
        if self._response_field(self._json(availability), "available") is not True:
            raise ProviderError("not enrolled", reason="not_enrolled")

        push = self.http.request(
            "POST",
            self._url("push"),
            json_body={
                self._request_field("civil_id"): civil_id,
                self._request_field("reference"): client_reference,
                self._request_field("challenge"): challenge,
                self._request_field("display_text"): display_text,
            },
            headers=self._headers(),
        )
        if push.status not in (200, 201):
            raise ProviderMisconfigured(f"push answered HTTP {push.status}")
        data = self._json(push)
        request_id = self._response_field(data, "request_id")
        if not isinstance(request_id, str) or not request_id:
            raise ProviderMisconfigured("the push answer has no request id")
        match_code = self._response_field(data, "match_code")
        return StartResult(reference=request_id, match_code=str(match_code or ""))

    def poll(self, attempt: VerificationAttempt) -> Outcome:
        self._check_configured()
        response = self.http.request(
            "GET",
            self._url("result", request_id=attempt.provider_reference),
            headers=self._headers(),
        )
        if response.status == 404:
            # The provider has forgotten the request: it ended on its side without an answer.
            return Outcome.expired(provider_status="HTTP 404")
        if response.status != 200:
            raise ProviderMisconfigured(f"result answered HTTP {response.status}")
        data = self._json(response)
        provider_status = str(self._response_field(data, "status") or "")
        outcome = self.mapping["statuses"].get(provider_status)
        if outcome == "pending":
            return Outcome.pending()
        if outcome == "rejected":
            return Outcome.rejected("user_cancelled", provider_status=provider_status)
        if outcome == "expired":
            return Outcome.expired(provider_status=provider_status)
        if outcome == "not_enrolled":
            return Outcome.error("not_enrolled", provider_status=provider_status)
        if outcome == "approved":
            return self._verified(attempt, self._response_field(data, "signed_result"))
        logger.error("hawiyati: status %r is not in HAWIYATI_MAPPING", provider_status[:40])
        raise ProviderMisconfigured("unknown provider status")

    def _verified(self, attempt: VerificationAttempt, token: Any) -> Outcome:
        if not isinstance(token, str) or not token:
            raise TokenInvalid("approved without a signed result")
        claims = verify_jwt(
            token,
            keys=self.keys,
            algorithms=self.mapping.get("algorithms", ["RS256"]),
            clock=self.clock,
            leeway=self.leeway,
            audience=self.mapping.get("audience") or self.client_id,
            issuer=self._issuer(),
            required=("exp", "iss"),
        )
        claim_names = self.mapping["claims"]
        if claims.get(claim_names["challenge"]) != attempt.nonce:
            raise CorrelationMismatch("the signed result answers another challenge")
        return Outcome.approved(
            national_id=str(claims.get(claim_names["civil_id"]) or ""),
            evidence={"signed_result": token, "claims": claims},
        )
