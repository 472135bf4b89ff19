"""The SMS gateway settings, loaded in a fresh interpreter with a controlled environment."""

from __future__ import annotations

import json

import pytest

from tests.config.test_settings import PRODUCTION, run

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "print(json.dumps({name: getattr(settings, name) for name in ("
    "'SMS_BACKEND', 'SMS_GATEWAY_URL', 'SMS_GATEWAY_KEY', 'SMS_SENDER', "
    "'SMS_GATEWAY_CONNECT_TIMEOUT', 'SMS_GATEWAY_READ_TIMEOUT')}))"
)


def test_the_gateway_is_configured_from_the_environment():
    result = run(
        PROBE,
        {
            "SMS_BACKEND": "http",
            "SMS_GATEWAY_URL": "https://sms.example/v1/messages",
            "SMS_GATEWAY_KEY": "secret",
            "SMS_SENDER": "MUSAADA",
            "SMS_GATEWAY_READ_TIMEOUT": "4.5",
        },
    )

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": "https://sms.example/v1/messages",
        "SMS_GATEWAY_KEY": "secret",
        "SMS_SENDER": "MUSAADA",
        "SMS_GATEWAY_CONNECT_TIMEOUT": 5.0,
        "SMS_GATEWAY_READ_TIMEOUT": 4.5,
    }


def test_the_http_backend_refuses_to_start_without_a_gateway_url():
    result = run(PROBE, {"SMS_BACKEND": "http"})

    assert result.returncode != 0
    assert "SMS_GATEWAY_URL" in result.stderr


@pytest.mark.parametrize(
    "gateway",
    [
        {"SMS_GATEWAY_URL": "http://sms.example/v1/messages", "SMS_GATEWAY_KEY": "secret"},
        {"SMS_GATEWAY_URL": "https://sms.example/v1/messages"},
    ],
    ids=["plain-http", "no-key"],
)
def test_production_needs_https_and_a_key_for_the_gateway(gateway):
    result = run(PROBE, {**PRODUCTION, "SMS_BACKEND": "http", **gateway})

    assert result.returncode != 0
    assert "SMS gateway needs an https:// URL and a key" in result.stderr
