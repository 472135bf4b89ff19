"""The HTTP SMS gateway backend against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest
from django.core.exceptions import ImproperlyConfigured

from notifications.exceptions import SmsDeliveryError
from notifications.sms import HttpGatewayBackend, TextMessage, send_sms
from tests.notifications.conftest import GATEWAY_KEY


def test_posts_json_with_the_bearer_key_and_the_sender_name(http_sms):
    send_sms(to="+96550001234", body="طلبك رقم 12 وصل")

    [call] = http_sms.calls
    assert call.path == "/v1/messages"
    assert call.headers["Authorization"] == f"Bearer {GATEWAY_KEY}"
    assert call.headers["Content-Type"].startswith("application/json")
    assert call.body == {"to": "+96550001234", "text": "طلبك رقم 12 وصل", "sender": "Musaada"}


@pytest.mark.parametrize("status", [201, 202])
def test_any_2xx_answer_is_success(http_sms, status):
    http_sms.status = status

    send_sms(to="+96550001234", body="hello")

    assert len(http_sms.calls) == 1


@pytest.mark.parametrize("status", [400, 401, 429, 500, 503])
def test_an_answer_other_than_2xx_is_a_delivery_error(http_sms, status):
    http_sms.status = status

    with pytest.raises(SmsDeliveryError, match=f"HTTP {status}"):
        send_sms(to="+96550001234", body="hello")


def test_a_gateway_slower_than_the_read_timeout_is_a_delivery_error(http_sms):
    http_sms.delay = 1.0  # the read timeout is 0.3 s

    with pytest.raises(SmsDeliveryError, match="timed out"):
        send_sms(to="+96550001234", body="hello")


def test_a_refused_connection_is_a_delivery_error(settings, http_sms):
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{unused_port()}/v1/messages"

    with pytest.raises(SmsDeliveryError, match="unreachable") as raised:
        send_sms(to="+96550001234", body="hello")

    # The error is stored and logged: it never carries the number or the text.
    assert "+965" not in str(raised.value)
    assert "hello" not in str(raised.value)


@pytest.mark.parametrize("url", ["ftp://gateway.example/send", "gateway.example/send"])
def test_the_gateway_url_must_be_http_or_https(settings, url):
    settings.SMS_GATEWAY_URL = url

    with pytest.raises(ImproperlyConfigured):
        HttpGatewayBackend().send(TextMessage(to="+96550001234", body="hello"))


def unused_port() -> int:
    """A port nothing listens on (taken from the OS, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
