"""A stub agency: a real HTTP server on 127.0.0.1 playing ``GET /v1/benefits/<civil ID>``.

Built on the identity stubs' ``StubServer`` (routing, request log, ``fail_next``). Tests give it
answers per civil ID and point ``BENEFITS_AGENCY_URLS`` at ``stub.url``; nothing is
monkeypatched.
"""

from __future__ import annotations

from typing import Any

from tests.identity.stubs import Reply, Request, Route, StubServer

PREFIX = "/v1/benefits/"


def benefit(n: int = 1, **overrides: Any) -> dict[str, Any]:
    """One benefit as the agency sends it: a retirement pension, open-ended."""
    item: dict[str, Any] = {
        "benefit": "retirement_pension",
        "monthly_amount": "250.500",
        "start_date": "2024-01-01",
        "end_date": None,
        "reference": f"SS-{n}",
    }
    item.update(overrides)
    return item


class AgencyStub(StubServer):
    def __init__(self, code: str = "social_security", key: str = "stub-agency-key") -> None:
        super().__init__()
        self.code = code
        self.key = key
        #: civil ID → its benefits (a list) or a whole ``Reply`` (to send anything at all).
        self.people: dict[str, list[dict[str, Any]] | Reply] = {}

    def lookups(self) -> int:
        return sum(1 for r in self.requests if r.path.startswith(PREFIX))

    def route_for(self, request: Request) -> Route | None:
        if request.method == "GET" and request.path.startswith(PREFIX):
            return self._benefits
        return None

    def _benefits(self, request: Request) -> Reply:
        if request.headers.get("authorization") != f"Bearer {self.key}":
            return Reply(401, {"error": "unauthorized"})
        civil_id = request.path.removeprefix(PREFIX)
        answer = self.people.get(civil_id)
        if answer is None:
            return Reply(404, {"error": "person_not_found"})
        if isinstance(answer, Reply):
            return answer
        return Reply(200, {"civil_id": civil_id, "benefits": answer})
