"""The lookup's settings, loaded in a fresh interpreter (as tests/config/test_settings.py)."""

from __future__ import annotations

import json

import pytest

from tests.config.test_settings import PRODUCTION, run

PROBE = (
    "import json; from django.conf import settings; print(json.dumps({name: getattr(settings, "
    "name) for name in ('BENEFITS_LOOKUP', 'BENEFITS_AGENCY_URLS', 'BENEFITS_AGENCY_KEYS', "
    "'BENEFITS_HTTP_READ_TIMEOUT', 'BENEFITS_HTTP_RETRIES')}))"
)
AGENCIES = {
    "BENEFITS_LOOKUP": "http",
    "BENEFITS_AGENCY_URLS": "social_security=https://ss.example/api,social_welfare=https://sw.example",
    "BENEFITS_AGENCY_KEYS": "social_security=k1,social_welfare=k2",
}


def test_the_embedded_default_is_the_simulator():
    result = run(PROBE, {})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["BENEFITS_LOOKUP"] == "simulator"


def test_the_agencies_are_read_as_code_value_pairs():
    result = run(PROBE, {**PRODUCTION, **AGENCIES, "BENEFITS_HTTP_READ_TIMEOUT": "3"})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "BENEFITS_LOOKUP": "http",
        "BENEFITS_AGENCY_URLS": {
            "social_security": "https://ss.example/api",
            "social_welfare": "https://sw.example",
        },
        "BENEFITS_AGENCY_KEYS": {"social_security": "k1", "social_welfare": "k2"},
        "BENEFITS_HTTP_READ_TIMEOUT": 3.0,
        "BENEFITS_HTTP_RETRIES": 2,
    }


@pytest.mark.parametrize(
    "change",
    [
        {"BENEFITS_AGENCY_URLS": "social_security=http://ss.example"},
        {"BENEFITS_AGENCY_KEYS": "social_security=k1"},
        {"BENEFITS_AGENCY_URLS": "", "BENEFITS_AGENCY_KEYS": ""},
    ],
    ids=["plain-http", "no-key", "no-agency"],
)
def test_production_needs_https_and_a_key_for_each_agency(change):
    result = run(PROBE, {**PRODUCTION, **AGENCIES, **change})
    assert result.returncode != 0
    assert "needs an https:// URL and a key" in result.stderr


def test_plain_http_is_allowed_outside_production():
    result = run(PROBE, {**AGENCIES, "BENEFITS_AGENCY_URLS": "social_security=http://127.0.0.1:9"})
    assert result.returncode == 0, result.stderr


def test_an_unknown_lookup_refuses_to_start():
    result = run(PROBE, {"BENEFITS_LOOKUP": "carrier_pigeon"})
    assert result.returncode != 0
    assert "BENEFITS_LOOKUP must be simulator or http" in result.stderr
