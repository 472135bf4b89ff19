"""A real HTTP receiver on 127.0.0.1 that records what it is sent and answers as told."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from accounts.models import Role
from tests.dedup.conftest import capital, needy  # noqa: F401
from tests.factories.cases import caseworker


@dataclass
class Receiver:
    url: str
    received: list[dict] = field(default_factory=list)
    #: Status codes to answer, in order; 200 once they are used up.
    answers: deque = field(default_factory=deque)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.received.append({"headers": dict(self.headers), "body": self.rfile.read(length)})
            code = state.answers.popleft() if state.answers else 200
            self.send_response(code)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@pytest.fixture
def manager(needy, capital):  # noqa: F811  # the fixtures imported above
    """The manager of an organisation licensed for needy families in the Capital."""
    return caseworker([needy], [capital], role=Role.MANAGER)
