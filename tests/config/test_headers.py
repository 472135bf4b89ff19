"""Response headers: no caching of what a signed-in person sees, no powerful browser features,
no server banner."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import ApplicantUserFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
DENIED = ("camera", "microphone", "geolocation", "payment", "usb", "interest-cohort")


def _denied(policy: str) -> set[str]:
    return {part.strip().removesuffix("=()") for part in policy.split(",") if "=()" in part}


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/no-such-page/", "/healthz"])
def test_every_response_denies_powerful_features(client, url):
    response = client.get(url)
    assert set(DENIED) <= _denied(response["Permissions-Policy"])


def test_a_signed_in_page_denies_powerful_features_too(client):
    client.force_login(ApplicantUserFactory())
    response = client.get(reverse("applicants:personal"))
    assert set(DENIED) <= _denied(response["Permissions-Policy"])


@pytest.mark.parametrize(
    ("make_user", "url"),
    [
        (ApplicantUserFactory, "/apply/profile/personal/"),
        (ApplicantUserFactory, "/apply/requests/"),
        (lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL), "/apply/ministry/applicants/"),
        (lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL), "/ministry/audit/"),
    ],
)
def test_pages_for_signed_in_people_are_never_stored(client, make_user, url):
    client.force_login(make_user())
    response = client.get(url)
    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-store"} <= directives


def test_anonymous_public_pages_are_not_marked_private(client):
    response = client.get("/")
    assert "no-store" not in response.get("Cache-Control", "")


def test_a_views_own_cache_control_is_kept(client, settings, tmp_path):
    """The document download sets its own header; the middleware does not overwrite it."""
    from tests.factories.applicants import DocumentFactory

    settings.MEDIA_ROOT = tmp_path
    document = DocumentFactory()
    client.force_login(document.profile.user)
    response = client.get(reverse("applicants:document_download", args=[document.pk]))
    assert response["Cache-Control"] == "private, no-store"
    healthz = client.get("/healthz")  # never_cache
    assert "max-age=0" in healthz["Cache-Control"]


def test_django_sends_no_server_banner(client):
    assert "Server" not in client.get("/")


# --- gunicorn, as the web service runs it ------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _headers_from_gunicorn(*config: str) -> dict[str, str]:
    """Start a real gunicorn on 127.0.0.1 serving the portal, fetch "/", stop it."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
        "ALLOWED_HOSTS": "127.0.0.1",
    }
    gunicorn = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(  # noqa: S603 - our own fixed command line
        [str(gunicorn), *config, "--bind", f"127.0.0.1:{port}", "--workers", "1"]
        + ["config.wsgi:application"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                connection.request("GET", "/i18n/setlang/")
                response = connection.getresponse()
                response.read()
                return {name.lower(): value for name, value in response.getheaders()}
            except ConnectionRefusedError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.stderr.read().decode()) from None  # type: ignore[union-attr]
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_gunicorn_with_the_projects_config_sends_no_server_banner():
    assert "server" in _headers_from_gunicorn()  # gunicorn's default: "Server: gunicorn"
    headers = _headers_from_gunicorn("--config", "config/gunicorn.conf.py")
    assert "server" not in headers
    assert "permissions-policy" in headers  # the portal answered, through the config


def test_the_image_compose_and_systemd_start_gunicorn_with_that_config():
    assert '"--config", "config/gunicorn.conf.py"' in (ROOT / "Dockerfile").read_text()
    compose = (ROOT / "docker-compose.yml").read_text()
    assert "- --config\n      - config/gunicorn.conf.py" in compose
    production = (ROOT / "docs" / "production.md").read_text()
    assert "gunicorn --config config/gunicorn.conf.py" in production
    assert "server_tokens off;" in production
