"""A stub Nafath: /api/v1/mfa/request, /api/v1/mfa/request/status and /api/v1/mfa/jwk, plus the
callback it would POST (built by ``callback_payload``, sent by the test)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from tests.identity.stubs import Reply, Request, RsaKey, StubServer, throwaway_key


@dataclass
class Transaction:
    trans_id: str
    request_id: str
    national_id: str
    service: str
    random: str
    status: str = "WAITING"
    token: str | None = None


class NafathStub(StubServer):
    def __init__(self, *, app_id: str = "musaada-app", app_key: str = "stub-key") -> None:
        super().__init__()
        self.app_id = app_id
        self.app_key = app_key
        self.unknown_ids: set[str] = set()
        self.transactions: dict[str, Transaction] = {}
        self.token_in_status = False
        self.signing_key: RsaKey = throwaway_key("nafath-1")
        self.published: list[RsaKey] = [self.signing_key]

    def routes(self):
        return {
            ("POST", "/api/v1/mfa/request"): self.request,
            ("POST", "/api/v1/mfa/request/status"): self.status,
            ("GET", "/api/v1/mfa/jwk"): self.jwk,
        }

    def _authorised(self, request: Request) -> bool:
        return (
            request.headers.get("app-id") == self.app_id
            and request.headers.get("app-key") == self.app_key
        )

    def request(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"message": "unauthorised"})
        body = request.json()
        if body["nationalId"] in self.unknown_ids:
            return Reply(404, {"message": "not found"})
        transaction = Transaction(
            trans_id=str(uuid.uuid4()),
            request_id=request.query["requestId"][0],
            national_id=body["nationalId"],
            service=body["service"],
            random=f"{len(self.transactions) % 90 + 10}",
        )
        self.transactions[transaction.trans_id] = transaction
        return Reply(200, {"transId": transaction.trans_id, "random": transaction.random})

    def status(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"message": "unauthorised"})
        body = request.json()
        transaction = self.transactions.get(body["transId"])
        if transaction is None or body.get("random") != transaction.random:
            return Reply(404, {"message": "not found"})
        answer = {"status": transaction.status}
        if self.token_in_status and transaction.token:
            answer["token"] = transaction.token
        return Reply(200, answer)

    def jwk(self, request: Request) -> Reply:
        return Reply(200, {"keys": [key.jwk() for key in self.published]})

    # --- the person in the Nafath app -----------------------------------------------------------
    @property
    def latest(self) -> Transaction:
        return list(self.transactions.values())[-1]

    def answer(
        self,
        status: str = "COMPLETED",
        transaction: Transaction | None = None,
        *,
        key: RsaKey | None = None,
        kid: str | None = None,
        audience: str | None = None,
        national_id: str | None = None,
        trans_id: str | None = None,
        expires_in: int = 300,
    ) -> Transaction:
        transaction = transaction or self.latest
        now = int(time.time())
        claims = {
            "iss": "stub-nafath",
            "aud": self.app_id if audience is None else audience,
            "status": status,
            "transId": transaction.trans_id if trans_id is None else trans_id,
            "nationalId": transaction.national_id if national_id is None else national_id,
            "iat": now,
            "exp": now + expires_in,
        }
        with self._lock:
            transaction.status = status
            transaction.token = (key or self.signing_key).sign(claims, kid=kid)
        return transaction

    def callback_payload(self, transaction: Transaction | None = None) -> dict[str, str]:
        transaction = transaction or self.latest
        return {
            "token": transaction.token or "",
            "transId": transaction.trans_id,
            "requestId": transaction.request_id,
        }

    def set_status(self, status: str, transaction: Transaction | None = None) -> None:
        with self._lock:
            (transaction or self.latest).status = status

    def rotate(self, new_key: RsaKey) -> None:
        with self._lock:
            self.signing_key = new_key
            self.published = [new_key]
