"""A stub Hawiyati (Kuwait Mobile ID): availability, push, result, JWKS.

It speaks the wire format of a mapping table shaped like ``settings.HAWIYATI_MAPPING`` (paths,
request and response field names, claim names, issuer, authentication): by default the one of
the default table, or another one given by the test, so a test can prove that the adapter
follows the table and nothing hard-coded.
"""

from __future__ import annotations

import base64
import copy
import time
import uuid
from dataclasses import dataclass
from typing import Any

from tests.identity.stubs import Reply, Request, RsaKey, StubServer, throwaway_key

#: The wire format of the default HAWIYATI_MAPPING (config/defaults.py), as the stub speaks it.
DEFAULT_WIRE: dict[str, Any] = {
    "paths": {
        "availability": "/api/v1/availability",
        "push": "/api/v1/authentication",
        "result": "/api/v1/authentication/{request_id}",
        "jwks": "/.well-known/jwks.json",
    },
    "auth": "basic",
    "request_fields": {
        "civil_id": "civilId",
        "reference": "clientReference",
        "challenge": "challenge",
        "display_text": "displayText",
    },
    "response_fields": {
        "available": "available",
        "request_id": "requestId",
        "match_code": "verificationCode",
        "status": "status",
        "signed_result": "signedResult",
    },
    "claims": {"civil_id": "civilId", "challenge": "challenge"},
    "issuer": "stub-hawiyati",
}


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
        wire: dict[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.wire = copy.deepcopy(wire or DEFAULT_WIRE)
        self.issuer: str = self.wire["issuer"]
        self.not_enrolled: set[str] = set()
        self.sessions: dict[str, PushSession] = {}
        self.signing_key: RsaKey = throwaway_key("hawiyati-1")
        self.published: list[RsaKey] = [self.signing_key]

    # --- the wire format ----------------------------------------------------------------------
    def path(self, name: str, **values: str) -> str:
        return self.wire["paths"][name].format(**values)

    def _in(self, body: dict[str, Any], name: str) -> Any:
        return body.get(self.wire["request_fields"][name])

    def _out(self, name: str) -> str:
        return self.wire["response_fields"][name]

    def routes(self):
        return {
            ("POST", self.path("availability")): self.availability,
            ("POST", self.path("push")): self.push,
            ("GET", self.path("jwks")): self.jwks,
        }

    def route_for(self, request: Request):
        prefix, _marker, suffix = self.wire["paths"]["result"].partition("{request_id}")
        if (
            request.method == "GET"
            and request.path.startswith(prefix)
            and request.path.endswith(suffix)
            and len(request.path) > len(prefix) + len(suffix)
        ):
            return self.result
        return super().route_for(request)

    def _request_id_of(self, path: str) -> str:
        prefix, _marker, suffix = self.wire["paths"]["result"].partition("{request_id}")
        return path[len(prefix) : len(path) - len(suffix)]

    # --- endpoints ----------------------------------------------------------------------------
    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization")
        if self.wire["auth"] == "bearer":
            return header == f"Bearer {self.client_secret}"
        pair = f"{self.client_id}:{self.client_secret}".encode()
        return header == "Basic " + base64.b64encode(pair).decode()

    def availability(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"error": "unauthorised"})
        civil_id = self._in(request.json(), "civil_id")
        if civil_id is None:
            return Reply(400, {"error": "no civil ID field"})
        return Reply(200, {self._out("available"): civil_id not in self.not_enrolled})

    def push(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"error": "unauthorised"})
        body = request.json()
        fields = {
            name: self._in(body, name)
            for name in ("civil_id", "challenge", "reference", "display_text")
        }
        if None in fields.values():
            return Reply(400, {"error": "missing field"})
        session = PushSession(
            request_id=uuid.uuid4().hex,
            code=f"{len(self.sessions) % 90 + 10}",
            **fields,
        )
        self.sessions[session.request_id] = session
        return Reply(
            200,
            {self._out("request_id"): session.request_id, self._out("match_code"): session.code},
        )

    def result(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"error": "unauthorised"})
        session = self.sessions.get(self._request_id_of(request.path))
        if session is None:
            return Reply(404, {"error": "unknown request"})
        body: dict[str, Any] = {self._out("status"): session.status}
        if session.signed_result:
            body[self._out("signed_result")] = session.signed_result
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
        issuer: str | None = None,
        civil_id: str | None = None,
        challenge: str | None = None,
        expires_in: int = 120,
        status: str = "APPROVED",
    ) -> PushSession:
        session = session or self.latest
        now = int(time.time())
        claim = self.wire["claims"]
        claims = {
            "iss": self.issuer if issuer is None else issuer,
            "aud": self.client_id if audience is None else audience,
            claim["civil_id"]: session.civil_id if civil_id is None else civil_id,
            claim["challenge"]: session.challenge if challenge is None else challenge,
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
