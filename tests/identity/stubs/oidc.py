"""A stub OpenID provider: discovery, JWKS, authorize (302 back with code and state), token
(single-use codes, PKCE S256 checked, client authentication) and userinfo.

Personas (``stub.persona``) decide what the next sign-in yields:
``verified`` — the ID claim in the ID token; ``verified_userinfo`` — only in userinfo (as UAE
PASS does); ``no_id_claim`` — an account without it; ``bad_nonce``; ``wrong_audience``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from tests.identity.stubs import Reply, Request, RsaKey, StubServer, throwaway_key


@dataclass
class Grant:
    code: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    persona: str
    national_id: str
    used: bool = False


class OidcStub(StubServer):
    def __init__(
        self,
        *,
        client_id: str = "musaada-rp",
        client_secret: str = "rp-secret",  # noqa: S107 - a stub's throw-away credential
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.id_claim = "idn"
        self.persona = "verified"
        self.national_id = ""
        self.issuer_override: str | None = None
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, Grant] = {}
        self.signing_key: RsaKey = throwaway_key("oidc-1")

    @property
    def issuer(self) -> str:
        return self.url

    def routes(self):
        return {
            ("GET", "/.well-known/openid-configuration"): self.discovery,
            ("GET", "/jwks"): self.jwks,
            ("GET", "/authorize"): self.authorize,
            ("POST", "/token"): self.token,
            ("GET", "/userinfo"): self.userinfo,
        }

    def discovery(self, request: Request) -> Reply:
        return Reply(
            200,
            {
                "issuer": self.issuer_override or self.issuer,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "id_token_signing_alg_values_supported": ["RS256"],
            },
        )

    def jwks(self, request: Request) -> Reply:
        return Reply(200, {"keys": [self.signing_key.jwk()]})

    def authorize(self, request: Request) -> Reply:
        q = {key: values[0] for key, values in request.query.items()}
        if (
            q.get("client_id") != self.client_id
            or q.get("response_type") != "code"
            or q.get("code_challenge_method") != "S256"
            or not q.get("code_challenge")
            or "openid" not in q.get("scope", "").split()
        ):
            return Reply(400, {"error": "invalid_request"})
        grant = Grant(
            code=secrets.token_urlsafe(16),
            redirect_uri=q["redirect_uri"],
            nonce=q.get("nonce", ""),
            code_challenge=q["code_challenge"],
            persona=self.persona,
            national_id=self.national_id,
        )
        self.grants[grant.code] = grant
        location = f"{q['redirect_uri']}?{urlencode({'code': grant.code, 'state': q['state']})}"
        return Reply(302, None, headers={"Location": location})

    def _client_authenticated(self, request: Request, form: dict[str, str]) -> bool:
        pair = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        if request.headers.get("authorization") == f"Basic {pair}":
            return True
        return (form.get("client_id"), form.get("client_secret")) == (
            self.client_id,
            self.client_secret,
        )

    def token(self, request: Request) -> Reply:
        form = request.form()
        if not self._client_authenticated(request, form):
            return Reply(401, {"error": "invalid_client"})
        grant = self.grants.get(form.get("code", ""))
        if grant is None or grant.used:
            return Reply(400, {"error": "invalid_grant", "error_description": "code used"})
        grant.used = True  # single use, even when the rest of the request is wrong
        digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        if challenge != grant.code_challenge:
            return Reply(400, {"error": "invalid_grant", "error_description": "PKCE"})
        if form.get("redirect_uri") != grant.redirect_uri:
            return Reply(400, {"error": "invalid_grant", "error_description": "redirect_uri"})
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": f"subject-{grant.national_id}",
            "aud": "someone-else" if grant.persona == "wrong_audience" else self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": "not-your-nonce" if grant.persona == "bad_nonce" else grant.nonce,
        }
        if grant.persona in {"verified", "bad_nonce", "wrong_audience"}:
            claims[self.id_claim] = grant.national_id
        access_token = secrets.token_urlsafe(16)
        self.access_tokens[access_token] = grant
        return Reply(
            200,
            {
                "access_token": access_token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.signing_key.sign(claims),
            },
        )

    def userinfo(self, request: Request) -> Reply:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        grant = self.access_tokens.get(token)
        if grant is None:
            return Reply(401, {"error": "invalid_token"})
        info = {"sub": f"subject-{grant.national_id}", "fullnameEN": "Stub Person"}
        if grant.persona in {"verified", "verified_userinfo"}:
            info[self.id_claim] = grant.national_id
        return Reply(200, info)
