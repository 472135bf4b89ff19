"""A small HTTP client for the adapters (standard library only), with separate connect and
read timeouts, no redirects, and failures sorted into transient and misconfiguration."""

from __future__ import annotations

import http.client
import json
import logging
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from identity.providers.base import ProviderMisconfigured, ProviderUnavailable

logger = logging.getLogger("identity.http")

#: No provider answer we read is anywhere near this size.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise ProviderUnavailable(
                "the provider answered with something that is not JSON"
            ) from exc


class HttpClient:
    """One HTTP(S) request at a time with bounded timeouts and answer size. ``service`` names
    the other side in log lines and the User-Agent (an identity provider, a benefits agency)."""

    def __init__(
        self, *, connect_timeout: float, read_timeout: float, service: str = "identity provider"
    ) -> None:
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.service = service

    def request(
        self,
        method: str,
        url: str,
        *,
        json_body: Any = None,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """Send one request. 5xx, 429, timeouts and resets raise ProviderUnavailable; 401 and
        403 raise ProviderMisconfigured; every other status is returned to the adapter."""
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ProviderMisconfigured("the provider URL is not an http(s) URL")
        all_headers = {"Accept": "application/json", "User-Agent": f"Musaada ({self.service})"}
        body: bytes | None = None
        if json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        elif form is not None:
            body = urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        all_headers.update(headers or {})
        path = parts.path or "/"
        if parts.query:
            path = f"{path}?{parts.query}"
        connection: http.client.HTTPConnection
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname,
                parts.port,
                timeout=self.connect_timeout,
                context=ssl.create_default_context(),
            )
        else:
            connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=self.connect_timeout
            )
        try:
            connection.connect()
            # The connect timeout covers the TCP (and TLS) handshake; from here on each read
            # may take at most the read timeout.
            if connection.sock is not None:
                connection.sock.settimeout(self.read_timeout)
            connection.request(method, path, body=body, headers=all_headers)
            answer = connection.getresponse()
            payload = answer.read(MAX_BODY_BYTES + 1)
        except TimeoutError as exc:
            logger.warning("%s timed out: %s %s", self.service, method, parts.hostname)
            raise ProviderUnavailable("timeout") from exc
        except (OSError, http.client.HTTPException) as exc:
            logger.warning(
                "%s unreachable: %s %s (%s)",
                self.service,
                method,
                parts.hostname,
                type(exc).__name__,
            )
            raise ProviderUnavailable(type(exc).__name__) from exc
        finally:
            connection.close()
        if len(payload) > MAX_BODY_BYTES:
            raise ProviderUnavailable("the provider's answer is too large")
        status = answer.status
        if status >= 500 or status == 429:
            logger.warning("%s answered %s: %s %s", self.service, status, method, parts.hostname)
            raise ProviderUnavailable(f"HTTP {status}")
        if status in (401, 403):
            logger.error(
                "%s refused our credentials (%s): %s %s",
                self.service,
                status,
                method,
                parts.hostname,
            )
            raise ProviderMisconfigured(f"HTTP {status}")
        content_type = (answer.getheader("Content-Type") or "").split(";")[0].strip().lower()
        return Response(status=status, content_type=content_type, body=payload)
