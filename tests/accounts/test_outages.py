"""Issue 11: with Redis down people can still sign in and sign up, and limits still refuse.

A real portal (gunicorn, the production settings module) runs against the test database with
REDIS_URL on a closed port: its cache is config.cache.ResilientRedisCache, which answers from
per-process memory while Redis is unreachable. /healthz says Redis is down meanwhile.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from accounts.models import User
from tests.conftest import closed_port
from tests.factories import PASSWORD, ApplicantUserFactory, civil_id_for
from tests.test_celery_worker import database_environment

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Answer:
    status: int
    location: str
    text: str


@dataclass
class Browser:
    """One visitor: keeps cookies, sends the CSRF token, never follows redirects."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def get(self, path: str) -> Answer:
        return self._send("GET", path, None)

    def post(self, path: str, data: dict[str, str]) -> Answer:
        if "csrftoken" not in self.cookies:
            self.get(path)
        return self._send("POST", path, {**data, "csrfmiddlewaretoken": self.cookies["csrftoken"]})

    def _send(self, method: str, path: str, data: dict[str, str] | None) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body, headers)
            response = connection.getresponse()
            text = response.read().decode()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    for morsel in SimpleCookie(value).values():
                        self.cookies[morsel.key] = morsel.value
            return Answer(response.status, response.getheader("Location") or "", text)
        finally:
            connection.close()


@pytest.fixture
def portal_without_redis(tmp_path) -> Iterator[int]:
    """gunicorn serving the portal (one worker, threads), Redis on a closed port."""
    port = closed_port()
    log = (tmp_path / "portal.log").open("w")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **database_environment(),
        "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0",
        "SMS_BACKEND": "console",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--workers=1",
            "--threads=4",
            f"--bind=127.0.0.1:{port}",
            "--timeout=60",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                Browser(port).get("/healthz")
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "portal.log").read_text()
                assert time.monotonic() < deadline, "the portal did not start"
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
        output = (tmp_path / "portal.log").read_text()
        # The outage is logged as an error once, not once per cache call.
        assert output.count("Redis cache unreachable") <= 1, output


def applicant_with_a_production_hash() -> User:
    applicant = ApplicantUserFactory()
    # The portal runs the production hashers (the test settings use MD5).
    User.objects.filter(pk=applicant.pk).update(
        password=PBKDF2PasswordHasher().encode(PASSWORD, "musaadasalt")
    )
    return applicant


def per_address_limit(action: str) -> int:
    """N of the "N/m/ip" limit of ``action`` in the settings the portal runs with."""
    [limit] = [
        part for part in settings.ACCOUNT_RATE_LIMITS[action].split(",") if part.endswith("/m/ip")
    ]
    return int(limit.split("/")[0])


def test_sign_in_and_sign_up_work_with_redis_down_and_healthz_says_so(portal_without_redis):
    applicant = applicant_with_a_production_hash()

    health = Browser(portal_without_redis).get("/healthz")
    assert health.status == 503
    assert '"redis": "unreachable"' in health.text

    visitor = Browser(portal_without_redis)
    signed_in = visitor.post(
        "/accounts/login/", {"login": applicant.civil_id, "password": PASSWORD}
    )
    assert signed_in.status == 302, signed_in.text[:2000]
    assert "sessionid" in visitor.cookies

    newcomer = Browser(portal_without_redis)
    signed_up = newcomer.post(
        "/accounts/signup/",
        {
            "username": "285031401239",
            "phone": "5000 1234",
            "password1": "a-long-enough-Passw0rd",
            "password2": "a-long-enough-Passw0rd",
            "language": "en",
        },
    )
    assert signed_up.status == 302, signed_up.text[:2000]
    assert User.objects.filter(civil_id="285031401239", mobile="+96550001234").exists()


def test_sign_in_limits_still_refuse_with_redis_down(portal_without_redis):
    applicant = applicant_with_a_production_hash()
    limit = per_address_limit("login_failed")
    attacker = Browser(portal_without_redis)
    for n in range(limit):
        # A different account each time: only the per-address limit counts them all.
        failed = attacker.post(
            "/accounts/login/", {"login": civil_id_for(900 + n), "password": "wrong password"}
        )
        assert failed.status == 200, failed.text[:2000]
        assert "sessionid" not in attacker.cookies

    # Past the limit even the right password is refused from this address.
    refused = attacker.post("/accounts/login/", {"login": applicant.civil_id, "password": PASSWORD})
    assert refused.status == 200
    assert "sessionid" not in attacker.cookies
    # allauth's "Too many failed login attempts. Try again later." (Arabic is the default).
    assert "تجاوزت الحد المسموح لمحاولة تسجيل الدخول" in refused.text
