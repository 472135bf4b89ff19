"""OpenID Connect (UAE PASS, MOSIP eSignet, any OpenID provider): authorization code + PKCE.

Start sends the person to the provider's authorization endpoint with ``state`` (our reference),
``nonce`` and a PKCE S256 challenge; the callback exchanges the code (with the verifier) for an
ID token, which must be signed by a key of the provider's JWKS, issued by ``OIDC_ISSUER``, for
our client id, fresh, and carry our nonce. The national ID is the ``OIDC_ID_CLAIM`` claim
(``idn`` for UAE PASS, ``individual_id`` for eSignet), from the ID token or else from userinfo
(plain JSON over the authenticated channel, or a signed JWT). An account without that claim
(e.g. an unverified UAE PASS account) is rejected with ``assurance_too_low``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus, urlencode

from django.core.cache import cache

from identity.providers.base import (
    Clock,
    CorrelationMismatch,
    Flow,
    Outcome,
    ProviderError,
    ProviderMisconfigured,
    ProviderUnavailable,
    StartResult,
    TokenInvalid,
)
from identity.providers.http import HttpClient, Response
from identity.providers.jose import KeySet, verify_jwt

if TYPE_CHECKING:
    from identity.models import VerificationAttempt

logger = logging.getLogger("identity.oidc")

DISCOVERY_CACHE_SECONDS = 3600


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcProvider:
    name = "oidc"
    flow: Flow = "redirect"

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        id_claim: str,
        scopes: str,
        acr_values: str,
        token_auth_method: str,
        algorithms: list[str],
        http: HttpClient,
        clock: Clock,
        leeway: int,
        jwks_cache_seconds: int,
        jwks_refresh_cooldown: int,
    ) -> None:
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.id_claim = id_claim
        self.scopes = scopes
        self.acr_values = acr_values
        self.token_auth_method = token_auth_method
        self.algorithms = algorithms
        self.http = http
        self.clock = clock
        self.leeway = leeway
        self.jwks_cache_seconds = jwks_cache_seconds
        self.jwks_refresh_cooldown = jwks_refresh_cooldown

    # --- discovery ---------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        if not self.issuer or not self.client_id:
            raise ProviderMisconfigured("OIDC_ISSUER and OIDC_CLIENT_ID must be set")
        key = "identity:oidc-discovery:" + hashlib.sha256(self.issuer.encode()).hexdigest()[:24]
        cached = cache.get(key)
        if cached:
            return json.loads(cached)
        response = self.http.request(
            "GET", self.issuer.rstrip("/") + "/.well-known/openid-configuration"
        )
        if response.status != 200:
            raise ProviderMisconfigured(f"discovery answered HTTP {response.status}")
        document = response.json()
        if not isinstance(document, dict) or document.get("issuer") != self.issuer:
            raise ProviderMisconfigured("the discovery document names another issuer")
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(document.get(name), str):
                raise ProviderMisconfigured(f"the discovery document has no {name}")
        cache.set(key, json.dumps(document), DISCOVERY_CACHE_SECONDS)
        return document

    def _keys(self, document: dict[str, Any]) -> KeySet:
        return KeySet(
            document["jwks_uri"],
            http=self.http,
            cache_seconds=self.jwks_cache_seconds,
            refresh_cooldown=self.jwks_refresh_cooldown,
        )

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
        document = self.discovery()
        state = secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters, within PKCE's 43-128
        parameters = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": redirect_uri,
            "scope": self.scopes,
            "state": state,
            "nonce": challenge,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        if self.acr_values:
            parameters["acr_values"] = self.acr_values
        endpoint = document["authorization_endpoint"]
        separator = "&" if "?" in endpoint else "?"
        return StartResult(
            reference=state,
            redirect_url=f"{endpoint}{separator}{urlencode(parameters)}",
            code_verifier=verifier,
        )

    def poll(self, attempt: VerificationAttempt) -> Outcome:
        # Nothing to ask: the answer arrives with the person, at the callback.
        return Outcome.pending()

    def complete(self, attempt: VerificationAttempt, *, code: str, redirect_uri: str) -> Outcome:
        document = self.discovery()
        tokens = self._exchange(document, attempt, code=code, redirect_uri=redirect_uri)
        id_token = tokens.get("id_token")
        if not isinstance(id_token, str):
            raise TokenInvalid("the token answer has no ID token")
        keys = self._keys(document)
        claims = verify_jwt(
            id_token,
            keys=keys,
            algorithms=self.algorithms,
            clock=self.clock,
            leeway=self.leeway,
            audience=self.client_id,
            issuer=self.issuer,
            required=("exp", "iat", "sub"),
        )
        audiences = claims["aud"] if isinstance(claims.get("aud"), list) else [claims.get("aud")]
        if len(audiences) > 1 and claims.get("azp") != self.client_id:
            raise TokenInvalid("the ID token was issued to another party (azp)")
        if claims.get("nonce") != attempt.nonce:
            raise CorrelationMismatch("the ID token carries another nonce")
        evidence: dict[str, Any] = {"id_token": id_token, "claims": claims}
        national_id = claims.get(self.id_claim)
        if not national_id and document.get("userinfo_endpoint"):
            userinfo = self._userinfo(document, keys, tokens.get("access_token"), claims["sub"])
            evidence["userinfo"] = userinfo
            national_id = userinfo.get(self.id_claim)
        if not national_id:
            return Outcome.rejected("assurance_too_low", claims=claims)
        return Outcome.approved(national_id=str(national_id), evidence=evidence)

    def _exchange(
        self,
        document: dict[str, Any],
        attempt: VerificationAttempt,
        *,
        code: str,
        redirect_uri: str,
    ) -> dict[str, Any]:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": attempt.code_verifier,
        }
        headers: dict[str, str] = {}
        if self.token_auth_method == "client_secret_post":  # noqa: S105 - a method name
            form.update({"client_id": self.client_id, "client_secret": self.client_secret})
        else:
            pair = f"{_form_quote(self.client_id)}:{_form_quote(self.client_secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        response = self.http.request("POST", document["token_endpoint"], form=form, headers=headers)
        if response.status == 400:
            error = _error_code(response)
            logger.warning("oidc: the token endpoint refused the code (%s)", error)
            if error in {"invalid_client", "unauthorized_client"}:
                raise ProviderMisconfigured(error)
            raise TokenInvalid(error or "the code was refused")
        if response.status != 200:
            raise ProviderMisconfigured(f"token endpoint answered HTTP {response.status}")
        tokens = response.json()
        if not isinstance(tokens, dict):
            raise ProviderUnavailable("the token answer is not a JSON object")
        return tokens

    def _userinfo(
        self, document: dict[str, Any], keys: KeySet, access_token: Any, subject: str
    ) -> dict[str, Any]:
        if not isinstance(access_token, str):
            raise TokenInvalid("the token answer has no access token")
        response = self.http.request(
            "GET",
            document["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}"},
        )
        if response.status != 200:
            raise ProviderError(f"userinfo answered HTTP {response.status}")
        if response.content_type == "application/jwt":
            userinfo = verify_jwt(
                response.body.decode("ascii", "replace").strip(),
                keys=keys,
                algorithms=self.algorithms,
                clock=self.clock,
                leeway=self.leeway,
                audience=self.client_id,
                issuer=self.issuer,
                required=("sub",),
            )
        else:
            userinfo = response.json()
            if not isinstance(userinfo, dict):
                raise ProviderUnavailable("userinfo is not a JSON object")
        if userinfo.get("sub") != subject:
            # OpenID Connect Core 5.3.2: userinfo for another subject must not be used.
            raise TokenInvalid("userinfo describes another subject")
        return userinfo


def _form_quote(value: str) -> str:
    # RFC 6749 2.3.1: client id and secret are form-encoded before Basic authentication.
    return quote_plus(value)


def _error_code(response: Response) -> str:
    try:
        data = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ""
    error = data.get("error") if isinstance(data, dict) else None
    return error[:40] if isinstance(error, str) else ""
