"""Fixtures of the notification tests: a real HTTP stub of the SMS gateway, Arabic text."""

from __future__ import annotations

import copy
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils.translation import trans_real

from notifications import sms

GATEWAY_KEY = "test-gateway-key"


@dataclass
class GatewayCall:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class StubGateway:
    """An SMS gateway on 127.0.0.1: records each POST and answers ``status`` after ``delay``.

    With ``failing_calls`` set, only that many calls get ``status``; later ones get 200.
    """

    url: str
    calls: list[GatewayCall] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    failing_calls: int | None = None

    def answer(self) -> int:
        if self.failing_calls is not None and len(self.calls) > self.failing_calls:
            return 200
        return self.status


def _handler_for(gateway: StubGateway) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length).decode())
            gateway.calls.append(GatewayCall(self.path, dict(self.headers.items()), body))
            if gateway.delay:
                time.sleep(gateway.delay)
            answer = json.dumps({"id": len(gateway.calls)}).encode()
            self.send_response(gateway.answer())
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out has gone away before the answer: expected in these tests.
        pass


@pytest.fixture
def sms_gateway() -> Iterator[StubGateway]:
    """A real HTTP server on an OS-assigned port, in a thread, for the length of one test."""
    server = _QuietServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    host, port = server.server_address[:2]
    gateway = StubGateway(url=f"http://{host}:{port}/v1/messages")
    server.RequestHandlerClass = _handler_for(gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield gateway
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def http_sms(settings: Any, sms_gateway: StubGateway) -> StubGateway:
    """``SMS_BACKEND=http`` pointed at the stub gateway, with short timeouts."""
    settings.SMS_BACKEND = "http"
    settings.SMS_GATEWAY_URL = sms_gateway.url
    settings.SMS_GATEWAY_KEY = GATEWAY_KEY
    settings.SMS_SENDER = "Musaada"
    settings.SMS_GATEWAY_CONNECT_TIMEOUT = 1.0
    settings.SMS_GATEWAY_READ_TIMEOUT = 0.3
    return sms_gateway


@pytest.fixture(autouse=True)
def _empty_sms_outbox() -> None:
    sms.outbox.clear()


#: Arabic text for some messages, as the translators will put it in locale/ar (not there yet).
ARABIC = {
    "Request approved": "تمت الموافقة على الطلب",
    "Sign in to Musaada to see the details.": "ادخل إلى مساعدة لمعرفة التفاصيل.",
}


@pytest.fixture
def arabic_catalogue(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The Arabic catalogue with ``ARABIC`` added, for this test only."""
    arabic = trans_real.translation("ar")
    extended = copy.deepcopy(arabic._catalog)
    for source, text in ARABIC.items():
        extended[source] = text
    monkeypatch.setattr(arabic, "_catalog", extended)
    return ARABIC


#: The rest of what an approval notice says: how many payments, the total, the first month.
APPROVED = {"payments": 3, "total": "360.000", "date": "2026-01-01"}
