"""A stub Hawiyati (Kuwait Mobile ID): availability, push, result, JWKS — with the field names
of the default HAWIYATI_MAPPING."""

from __future__ import annotations

import base64
import time
import uuid
from dataclasses import dataclass
from typing import Any

from tests.identity.stubs import Reply, Request, RsaKey, StubServer, throwaway_key


@dataclass
class PushSession:
    request_id: str
    civil_id: str
    challenge: str
    reference: str
    display_text: str
    code: str
    status: str = "WAITING"
    signed_result: str | None = None


class HawiyatiStub(StubServer):
    def __init__(
        self,
        *,
        client_id: str = "musaada",
        client_secret: str = "stub-secret",  # noqa: S107 - a stub's throw-away credential
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.not_enrolled: set[str] = set()
        self.sessions: dict[str, PushSession] = {}
        self.signing_key: RsaKey = throwaway_key("hawiyati-1")
        self.published: list[RsaKey] = [self.signing_key]

    def routes(self):
        return {
            ("POST", "/api/v1/availability"): self.availability,
            ("POST", "/api/v1/authentication"): self.push,
            ("GET", "/.well-known/jwks.json"): self.jwks,
        }

    def route_for(self, request: Request):
        if request.method == "GET" and request.path.startswith("/api/v1/authentication/"):
            return self.result
        return super().route_for(request)

    # --- endpoints ----------------------------------------------------------------------------
    def _authorised(self, request: Request) -> bool:
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return request.headers.get("authorization") == "Basic " + base64.b64encode(pair).decode()

    def availability(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"error": "unauthorised"})
        return Reply(200, {"available": request.json()["civilId"] not in self.not_enrolled})

    def push(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"error": "unauthorised"})
        body = request.json()
        session = PushSession(
            request_id=uuid.uuid4().hex,
            civil_id=body["civilId"],
            challenge=body["challenge"],
            reference=body["clientReference"],
            display_text=body["displayText"],
            code=f"{len(self.sessions) % 90 + 10}",
        )
        self.sessions[session.request_id] = session
        return Reply(200, {"requestId": session.request_id, "verificationCode": session.code})

    def result(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"error": "unauthorised"})
        session = self.sessions.get(request.path.rsplit("/", 1)[-1])
        if session is None:
            return Reply(404, {"error": "unknown request"})
        body: dict[str, Any] = {"status": session.status}
        if session.signed_result:
            body["signedResult"] = session.signed_result
        return Reply(200, body)

    def jwks(self, request: Request) -> Reply:
        return Reply(200, {"keys": [key.jwk() for key in self.published]})

    # --- the person on the phone, and the operator ----------------------------------------------
    @property
    def latest(self) -> PushSession:
        return list(self.sessions.values())[-1]

    def approve(
        self,
        session: PushSession | None = None,
        *,
        key: RsaKey | None = None,
        kid: str | None = None,
        audience: str | None = None,
        civil_id: str | None = None,
        challenge: str | None = None,
        expires_in: int = 120,
        status: str = "APPROVED",
    ) -> PushSession:
        session = session or self.latest
        now = int(time.time())
        claims = {
            "iss": "stub-hawiyati",
            "aud": self.client_id if audience is None else audience,
            "civilId": session.civil_id if civil_id is None else civil_id,
            "challenge": session.challenge if challenge is None else challenge,
            "iat": now,
            "exp": now + expires_in,
        }
        with self._lock:
            session.status = status
            session.signed_result = (key or self.signing_key).sign(claims, kid=kid)
        return session

    def set_status(self, status: str, session: PushSession | None = None) -> None:
        with self._lock:
            (session or self.latest).status = status

    def rotate(self, new_key: RsaKey) -> None:
        with self._lock:
            self.signing_key = new_key
            self.published = [new_key]
