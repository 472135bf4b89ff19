"""Text messages through a pluggable backend (``SMS_BACKEND``), like Django's e-mail backends.

``console`` prints (the embedded default), ``locmem`` keeps messages in ``outbox`` (tests),
``http`` posts to an SMS gateway (``SMS_GATEWAY_URL``). Numbers are E.164 (``+96550001234``);
only the last four digits are ever logged.
"""

from __future__ import annotations

import http.client
import json
import logging
import sys
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from notifications.exceptions import SmsDeliveryError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


#: Messages "sent" by the locmem backend, oldest first (tests clear it).
outbox: list[TextMessage] = []


class ConsoleBackend:
    def send(self, message: TextMessage) -> None:
        sys.stdout.write(f"--- SMS to {message.to} ---\n{message.body}\n---\n")
        sys.stdout.flush()


class LocmemBackend:
    def send(self, message: TextMessage) -> None:
        outbox.append(message)


class HttpGatewayBackend:
    """POST ``{"to", "text", "sender"}`` as JSON to ``SMS_GATEWAY_URL`` with a Bearer key.

    Any answer other than 2xx, a timeout or a connection error raises ``SmsDeliveryError``.
    ``http.client`` rather than ``urllib.request`` because it takes separate connect and read
    timeouts (urllib has one timeout for both).
    """

    #: The gateway's answer is not used; read at most this much of it to free the connection.
    MAX_RESPONSE_BYTES = 64 * 1024

    def __init__(self) -> None:
        url = urlsplit(settings.SMS_GATEWAY_URL)
        if url.scheme not in {"http", "https"} or not url.hostname:
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http:// or https:// URL.")
        self.url = url
        self.key = settings.SMS_GATEWAY_KEY
        self.sender = settings.SMS_SENDER
        self.connect_timeout = settings.SMS_GATEWAY_CONNECT_TIMEOUT
        self.read_timeout = settings.SMS_GATEWAY_READ_TIMEOUT

    def _connection(self) -> http.client.HTTPConnection:
        if self.url.scheme == "https":
            return http.client.HTTPSConnection(
                self.url.hostname or "", self.url.port, timeout=self.connect_timeout
            )
        return http.client.HTTPConnection(
            self.url.hostname or "", self.url.port, timeout=self.connect_timeout
        )

    def send(self, message: TextMessage) -> None:
        payload = json.dumps(
            {"to": message.to, "text": message.body, "sender": self.sender}, ensure_ascii=False
        ).encode()
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Authorization": f"Bearer {self.key}",
        }
        path = self.url.path or "/"
        if self.url.query:
            path = f"{path}?{self.url.query}"
        connection = self._connection()
        try:
            connection.connect()
            # The connect timeout is over; from here on each read waits at most read_timeout.
            if connection.sock is not None:
                connection.sock.settimeout(self.read_timeout)
            connection.request("POST", path, body=payload, headers=headers)
            response = connection.getresponse()
            response.read(self.MAX_RESPONSE_BYTES)
        except TimeoutError:
            raise SmsDeliveryError("SMS gateway timed out") from None
        except (OSError, http.client.HTTPException) as exc:
            raise SmsDeliveryError(f"SMS gateway unreachable ({type(exc).__name__})") from None
        finally:
            connection.close()
        if not 200 <= response.status < 300:
            raise SmsDeliveryError(f"SMS gateway answered HTTP {response.status}")


BACKENDS = {
    "console": "notifications.sms.ConsoleBackend",
    "locmem": "notifications.sms.LocmemBackend",
    "http": "notifications.sms.HttpGatewayBackend",
}


def send_sms(*, to: str, body: str) -> None:
    """Send ``body`` to ``to`` with the configured backend."""
    path = BACKENDS.get(settings.SMS_BACKEND, settings.SMS_BACKEND)
    backend = import_string(path)()
    backend.send(TextMessage(to=to, body=body))
    logger.info("sms sent to …%s (%d characters)", to[-4:], len(body))
