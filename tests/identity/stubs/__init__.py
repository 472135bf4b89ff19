"""Stub identity providers: real HTTP servers on 127.0.0.1 with an OS-assigned port.

Each stub plays one provider's endpoints and state machine and signs with throw-away RSA keys.
Tests steer a stub through its methods (approve, reject, rotate keys, fail the next request)
and point the adapter at ``stub.url`` through Django settings; nothing is monkeypatched.
"""

from __future__ import annotations

import functools
import json
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class RsaKey:
    """A throw-away RSA signing key with its key id."""

    def __init__(self, kid: str) -> None:
        self.kid = kid
        self.private = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwk(self) -> dict[str, Any]:
        public = json.loads(RSAAlgorithm.to_jwk(self.private.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def sign(self, claims: dict[str, Any], *, kid: str | None = None) -> str:
        return jwt.encode(claims, self.private, algorithm="RS256", headers={"kid": kid or self.kid})


@functools.cache
def throwaway_key(kid: str) -> RsaKey:
    """One key per id for the whole test run (RSA generation is slow)."""
    return RsaKey(kid)


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return {key: values[0] for key, values in parse_qs(self.body.decode()).items()}


@dataclass
class Reply:
    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


Route = Callable[[Request], Reply]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - base signature
        pass

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=self.rfile.read(length) if length else b"",
        )
        self.server.stub.serve(self, request)

    do_GET = _serve
    do_POST = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    stub: StubServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # resets and abandoned slow answers are on purpose


class StubServer:
    """Base of the stubs: routing, request log, failure injection, lifecycle."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._failures: list[tuple[str, str | None, float]] = []
        self._lock = threading.RLock()
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.stub = self
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> StubServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- steering -----------------------------------------------------------------------------
    def fail_next(self, mode: str, *, path: str | None = None, delay: float = 1.0) -> None:
        """The next request (to ``path``, if given) fails: "500", "403", "reset" or "slow"."""
        with self._lock:
            self._failures.append((mode, path, delay))

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path == path)

    # --- serving ------------------------------------------------------------------------------
    def routes(self) -> dict[tuple[str, str], Route]:
        raise NotImplementedError

    def route_for(self, request: Request) -> Route | None:
        return self.routes().get((request.method, request.path))

    def serve(self, handler: _Handler, request: Request) -> None:
        with self._lock:
            self.requests.append(request)
            failure = next(
                (f for f in self._failures if f[1] is None or f[1] == request.path), None
            )
            if failure:
                self._failures.remove(failure)
        if failure:
            mode, _path, delay = failure
            if mode == "reset":
                # SO_LINGER 0: close() sends a TCP reset instead of a clean end.
                handler.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                handler.connection.close()
                return
            if mode == "slow":
                time.sleep(delay)
                reply = self._dispatch(request)
            else:
                reply = Reply(int(mode), {"error": f"stub failure {mode}"})
        else:
            reply = self._dispatch(request)
        self._write(handler, reply)

    def _dispatch(self, request: Request) -> Reply:
        route = self.route_for(request)
        if route is None:
            return Reply(404, {"error": "not_found"})
        with self._lock:
            return route(request)

    @staticmethod
    def _write(handler: _Handler, reply: Reply) -> None:
        if reply.raw is not None:
            payload = reply.raw
        elif reply.body is None:
            payload = b""
        else:
            payload = json.dumps(reply.body).encode()
        try:
            handler.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(payload)))
            handler.end_headers()
            handler.wfile.write(payload)
        except OSError:
            pass  # the client gave up (read timeout)
