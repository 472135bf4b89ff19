"""Nafath (Saudi Arabia): request → the person picks our number in the app → signed callback.

``POST /api/v1/mfa/request`` {nationalId, service} answers {transId, random}; the person picks
``random`` in the Nafath app. We poll ``POST /api/v1/mfa/request/status`` (WAITING, COMPLETED,
REJECTED, EXPIRED) and Nafath POSTs {token, transId, requestId} to our callback. The proof is
the RS256 JWT, checked with the keys of ``/api/v1/mfa/jwk``: an unsigned COMPLETED from polling
is not proof, so the attempt stays pending until a signed token arrives (in the callback, or in
the status answer when Nafath includes one there).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from identity.providers.base import (
    CallbackResult,
    Clock,
    CorrelationMismatch,
    Flow,
    Outcome,
    ProviderError,
    ProviderMisconfigured,
    StartResult,
    TokenInvalid,
    UntrustedToken,
)
from identity.providers.http import HttpClient, Response
from identity.providers.jose import KeySet, unverified_claims, verify_jwt

if TYPE_CHECKING:
    from identity.models import VerificationAttempt

logger = logging.getLogger("identity.nafath")

REQUEST_PATH = "/api/v1/mfa/request"
STATUS_PATH = "/api/v1/mfa/request/status"
JWK_PATH = "/api/v1/mfa/jwk"


class NafathProvider:
    name = "nafath"
    flow: Flow = "push"

    def __init__(
        self,
        *,
        base_url: str,
        app_id: str,
        app_key: str,
        service: str,
        audience: str,
        http: HttpClient,
        clock: Clock,
        leeway: int,
        jwks_cache_seconds: int,
        jwks_refresh_cooldown: int,
        language: str = "ar",
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.app_id = app_id
        self.app_key = app_key
        self.service = service
        self.audience = audience
        self.http = http
        self.clock = clock
        self.leeway = leeway
        self.language = language
        self.keys = KeySet(
            self.base_url + JWK_PATH,
            http=http,
            cache_seconds=jwks_cache_seconds,
            refresh_cooldown=jwks_refresh_cooldown,
        )

    def _headers(self) -> dict[str, str]:
        return {"APP-ID": self.app_id, "APP-KEY": self.app_key}

    def _check_configured(self) -> None:
        if not self.base_url or not self.app_id or not self.app_key:
            raise ProviderMisconfigured("NAFATH_BASE_URL, NAFATH_APP_ID and NAFATH_APP_KEY")

    @staticmethod
    def _json(response: Response) -> dict[str, Any]:
        data = response.json()
        if not isinstance(data, dict):
            raise ProviderMisconfigured("Nafath's answer is not a JSON object")
        return data

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
        request_id = str(uuid.uuid4())
        query = urlencode({"local": self.language, "requestId": request_id})
        response = self.http.request(
            "POST",
            f"{self.base_url}{REQUEST_PATH}?{query}",
            json_body={"nationalId": civil_id, "service": self.service},
            headers=self._headers(),
        )
        if response.status == 404:
            raise ProviderError("not registered with Nafath", reason="not_enrolled")
        if response.status != 200:
            raise ProviderMisconfigured(f"request answered HTTP {response.status}")
        data = self._json(response)
        trans_id, number = data.get("transId"), data.get("random")
        if not isinstance(trans_id, str) or not trans_id or number in (None, ""):
            raise ProviderMisconfigured("the request answer has no transId or random")
        return StartResult(
            reference=trans_id, match_code=str(number), details={"request_id": request_id}
        )

    def poll(self, attempt: VerificationAttempt) -> Outcome:
        self._check_configured()
        response = self.http.request(
            "POST",
            self.base_url + STATUS_PATH,
            json_body={
                "nationalId": attempt.civil_id,
                "transId": attempt.provider_reference,
                "random": attempt.match_code,
            },
            headers=self._headers(),
        )
        if response.status == 404:
            return Outcome.expired(provider_status="HTTP 404")
        if response.status != 200:
            raise ProviderMisconfigured(f"status answered HTTP {response.status}")
        data = self._json(response)
        status = str(data.get("status") or "")
        if status == "WAITING":
            return Outcome.pending()
        if status == "REJECTED":
            return Outcome.rejected("user_cancelled", provider_status=status)
        if status == "EXPIRED":
            return Outcome.expired(provider_status=status)
        if status == "COMPLETED":
            token = data.get("token")
            if not token:
                # Not proof: wait for the signed callback (or the local expiry).
                return Outcome.pending()
            return self._outcome_from_token(token, expected_trans_id=attempt.provider_reference)
        logger.error("nafath: unknown status %r", status[:40])
        raise ProviderMisconfigured("unknown Nafath status")

    def parse_callback(self, payload: Mapping[str, Any]) -> CallbackResult:
        """Verify the callback's token; the attempt is the one named *inside* the token.

        A well-formed RS256 token that fails verification (a key Nafath does not publish, a bad
        signature, another audience, expired) and names a transaction — the same one as the
        callback's body, when the body names one — raises UntrustedToken with that transId,
        so the core can end that attempt in ``error`` / ``token_invalid``. Anything less (no
        token, not a JWT, another algorithm, no transId) is a plain TokenInvalid.
        """
        token = payload.get("token")
        if not isinstance(token, str):
            raise TokenInvalid("the callback carries no token")
        try:
            claims = self._claims(token)
        except TokenInvalid as exc:
            claimed = unverified_claims(token, algorithms=["RS256"]) or {}
            named = claimed.get("transId")
            if isinstance(named, str) and named and payload.get("transId") in (None, named):
                raise UntrustedToken(str(exc), reference=named) from exc
            raise
        trans_id = claims.get("transId")
        if not isinstance(trans_id, str) or not trans_id:
            raise TokenInvalid("the token names no transaction")
        if payload.get("transId") not in (None, trans_id):
            raise CorrelationMismatch("the callback's transId differs from its token's")
        return CallbackResult(
            reference=trans_id, outcome=self._outcome_from_claims(token, claims, trans_id)
        )

    def _claims(self, token: str) -> dict[str, Any]:
        return verify_jwt(
            token,
            keys=self.keys,
            algorithms=["RS256"],
            clock=self.clock,
            leeway=self.leeway,
            audience=self.audience,
        )

    def _outcome_from_token(self, token: str, *, expected_trans_id: str) -> Outcome:
        claims = self._claims(token)
        if claims.get("transId") != expected_trans_id:
            raise CorrelationMismatch("the token answers another transaction")
        return self._outcome_from_claims(token, claims, expected_trans_id)

    @staticmethod
    def _outcome_from_claims(token: str, claims: dict[str, Any], trans_id: str) -> Outcome:
        status = claims.get("status")
        if status == "COMPLETED":
            return Outcome.approved(
                national_id=str(claims.get("nationalId") or ""),
                evidence={"token": token, "claims": claims},
            )
        if status == "REJECTED":
            return Outcome.rejected("user_cancelled", provider_status="REJECTED", token=token)
        if status == "EXPIRED":
            return Outcome.expired(provider_status="EXPIRED", token=token)
        raise TokenInvalid("the token carries no known status")
