"""Two web machines, one portal: a visitor may land on either at every request (docs/scaling.md).

Two gunicorn servers, each its own process with its own port (as two containers behind nginx
would be), run ``config.settings`` with DEBUG off, the Redis cache of production
(``config.cache.ResilientRedisCache`` on ``REDIS_URL``), sessions in PostgreSQL (this test's
database), one shared ``MEDIA_ROOT`` and ``TRUSTED_PROXY_COUNT=1``. The visitor is plain HTTP
that sends the same ``Host`` and ``X-Forwarded-For`` to both, as nginx does, and keeps its
cookies itself, whichever machine set them.

The last test puts deploy/nginx.conf itself (TLS, the upstream of both servers, the
X-Forwarded-* headers) in front of them, as docker-compose.yml does, and follows one signed-in
visitor whose requests nginx spreads over both.

Each test fails if that piece of state were kept in a web process: a session in local memory is
unknown to the other machine, a limit counted per process lets twice as many attempts through,
a file on one machine's own disk is missing on the other.

``DJANGO_ENV`` stays ``development`` only so that no ``collectstatic`` run (~25 s) is needed
for whitenoise's manifest; sessions, cache and uploads are configured exactly as in production
(tests/config/test_settings.py checks that production uses them).
"""

from __future__ import annotations

import http.client
import os
import re
import secrets
import ssl
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.db import connection
from django.utils import translation
from django.utils.html import escape

from accounts.adapter import AccountAdapter
from applicants.models import Document
from tests.conftest import _missing, redis_url
from tests.factories import PASSWORD, ApplicantUserFactory, civil_id_for
from tests.factories.applicants import PDF_BYTES, CompleteProfileFactory
from tests.nginx import nginx_binary, render
from tests.postgres_server import free_port

ROOT = Path(__file__).resolve().parents[2]
HOST = "musaada.example"

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@dataclass
class Machine:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    tls: bool = False  # nginx answers in HTTPS

    def logs(self) -> str:
        return f"--- {self.name} ---\n{self.log.read_text(errors='replace')[-4000:]}"


@dataclass
class Response:
    status: int
    body: bytes
    location: str = ""

    @property
    def text(self) -> str:
        return self.body.decode(errors="replace")


@dataclass
class Visitor:
    """One browser behind the proxy: its cookies go to whichever machine answers next."""

    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def send(
        self, machine: Machine, method: str, path: str, body: bytes = b"", content_type: str = ""
    ) -> Response:
        headers = {"Host": HOST, "X-Forwarded-For": self.address}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
        if machine.tls and method == "POST":
            # Over HTTPS Django's CSRF check wants the page's address, as a browser sends it
            # (Referrer-Policy: same-origin).
            headers["Referer"] = f"https://{HOST}{path}"
        conn = connect(machine)
        try:
            conn.request(method, path, body=body or None, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            for line in answer.headers.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(line)
                for name, morsel in jar.items():
                    if morsel.value == "" or morsel["max-age"] == "0":
                        self.cookies.pop(name, None)  # Django deletes a cookie that way
                    else:
                        self.cookies[name] = morsel.value
            return Response(answer.status, data, answer.headers.get("Location", ""))
        finally:
            conn.close()

    def get(self, machine: Machine, path: str) -> Response:
        return self.send(machine, "GET", path)

    def form_fields(self, machine: Machine, path: str) -> dict[str, str]:
        """The hidden fields (CSRF token, one-time submission key) of the page's forms."""
        page = self.get(machine, path)
        assert page.status == 200, (path, page.status, machine.logs())
        return dict(re.findall(r'type="hidden" name="([^"]+)" value="([^"]*)"', page.text))

    def post(self, machine: Machine, path: str, fields: dict[str, str]) -> Response:
        body = urlencode(fields).encode()
        return self.send(machine, "POST", path, body, "application/x-www-form-urlencoded")

    def post_file(
        self, machine: Machine, path: str, fields: dict[str, str], name: str, content: bytes
    ) -> Response:
        boundary = uuid.uuid4().hex
        head = f"--{boundary}\r\nContent-Disposition: form-data; "
        parts = [f'{head}name="{key}"\r\n\r\n{value}\r\n'.encode() for key, value in fields.items()]
        parts.append(
            f'{head}name="file"; '
            f'filename="{quote(name)}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.send(machine, "POST", path, body, f"multipart/form-data; boundary={boundary}")

    def sign_in(self, machine: Machine, login: str, password: str) -> Response:
        fields = self.form_fields(machine, "/accounts/login/")
        credentials = {"login": login, "password": password}
        return self.post(machine, "/accounts/login/", {**fields, **credentials})


def _database_url() -> str:
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def connect(machine: Machine) -> http.client.HTTPConnection:
    if machine.tls:  # nginx with a throw-away certificate
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return http.client.HTTPSConnection("127.0.0.1", machine.port, timeout=30, context=context)
    return http.client.HTTPConnection("127.0.0.1", machine.port, timeout=30)


def _answers(machine: Machine) -> bool:
    assert machine.process.poll() is None, machine.logs()
    try:
        conn = connect(machine)
        conn.request("GET", "/healthz", headers={"Host": HOST})
        return conn.getresponse().status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def machines(
    django_db_setup: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Machine, Machine]]:
    if connection.vendor != "postgresql":
        # The marker's skip (tests/conftest.py) comes only after module fixtures are built.
        pytest.skip("needs PostgreSQL (DATABASE_URL is not a PostgreSQL URL)")
    folder = tmp_path_factory.mktemp("web-tier")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "LANG": "C.UTF-8",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "development",
        "DEBUG": "false",
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": _database_url(),
        # Connections are not kept: the test database is emptied after each test.
        "CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url(),
        # One folder for both, as the shared volume of docker-compose.yml.
        "MEDIA_ROOT": str(folder / "uploads"),
        "TRUSTED_PROXY_COUNT": "1",
        "IDENTITY_SIMULATOR_KEY_FILE": str(folder / "simulator.pem"),
    }
    started: list[Machine] = []
    try:
        for name in ("web1", "web2"):
            port, log = free_port(), folder / f"{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "--config",
                        "config/gunicorn.conf.py",
                        "config.wsgi:application",
                        "--bind",
                        f"127.0.0.1:{port}",
                        "--workers",
                        "1",
                        "--timeout",
                        "60",
                        "--access-logfile",
                        "-",
                    ],  # fmt: skip
                    cwd=ROOT,
                    env=env,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append(Machine(name, port, process, log))
        deadline = time.monotonic() + 60
        while not all(_answers(machine) for machine in started):
            assert time.monotonic() < deadline, "\n".join(m.logs() for m in started)
            time.sleep(0.1)
        yield started[0], started[1]
    finally:
        for machine in started:
            machine.process.terminate()
        for machine in started:
            try:
                machine.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                machine.process.kill()
                machine.process.wait()


@pytest.fixture(scope="module")
def proxy(
    machines: tuple[Machine, Machine], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Machine]:
    """deploy/nginx.conf in front of the two servers, as docker-compose.yml runs it."""
    nginx = nginx_binary()
    if not nginx:
        _missing("nginx is not installed (apt-get install nginx-light)")
    folder = tmp_path_factory.mktemp("nginx")
    web1, web2 = machines
    port = free_port()
    conf = render(
        folder,
        {"web1": f"127.0.0.1:{web1.port}", "web2": f"127.0.0.1:{web2.port}"},
        http_port=free_port(),
        https_port=port,
    )
    log = folder / "nginx.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [nginx, "-e", "stderr", "-c", str(conf), "-g", f"daemon off; pid {folder}/nginx.pid;"],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    machine = Machine("nginx", port, process, log, tls=True)
    try:
        deadline = time.monotonic() + 30
        while not _answers(machine):
            assert time.monotonic() < deadline, machine.logs()
            time.sleep(0.1)
        yield machine
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def fresh_address() -> str:
    """A client address of its own for each run: Redis keeps counters between runs."""
    return ".".join(str(secrets.randbelow(250) + 1) for _ in range(4))


@pytest.fixture
def visitor() -> Visitor:
    return Visitor(address=fresh_address())


@pytest.fixture
def applicant(settings):
    # The web machines verify passwords with the portal's hashers, not the tests' fast MD5.
    settings.PASSWORD_HASHERS = ["config.hashers.MusaadaArgon2PasswordHasher"]
    user = ApplicantUserFactory(verified=True, mobile="+96551234567")
    CompleteProfileFactory(user=user)
    return user


def test_a_session_started_on_one_web_machine_is_valid_on_the_other(machines, visitor, applicant):
    web1, web2 = machines
    assert visitor.get(web2, "/apply/profile/documents/").status == 302  # not signed in yet

    signed_in = visitor.sign_in(web1, applicant.civil_id, PASSWORD)
    assert signed_in.status == 302, signed_in.text[:2000] + web1.logs()

    page = visitor.get(web2, "/apply/profile/documents/")
    assert page.status == 200, (page.status, page.location, web2.logs())

    # Signing out on the second machine ends the session on the first one too.
    out = visitor.post(web2, "/accounts/logout/", visitor.form_fields(web2, "/accounts/logout/"))
    assert out.status == 302, out.text[:2000]
    after = visitor.get(web1, "/apply/profile/documents/")
    assert after.status == 302
    assert "/accounts/login/" in after.location


def too_many_attempts(page: Response) -> bool:
    """The sign-in form refuses with allauth's "too many attempts" error (in Arabic, the
    portal's language: the visitor has no language cookie)."""
    with translation.override("ar"):
        message = str(AccountAdapter.error_messages["too_many_login_attempts"])
    return page.status == 200 and escape(message) in page.text


def test_a_rate_limit_counted_on_one_web_machine_is_enforced_on_the_other(machines, visitor):
    """allauth's failed sign-in limit (10 a minute per client address) over both machines."""
    web1, web2 = machines
    for attempt in range(10):
        machine = (web1, web2)[attempt % 2]
        # Civil IDs without an account: only the address's limit is in play.
        page = visitor.sign_in(machine, civil_id_for(90_000 + attempt), "wrong")
        assert page.status == 200
        assert not too_many_attempts(page), f"refused at attempt {attempt + 1}"

    # Either machine alone has seen only 5 failures; the shared count is 10.
    for machine in (web1, web2):
        refused = visitor.sign_in(machine, civil_id_for(90_099), "wrong")
        assert too_many_attempts(refused), (machine.name, refused.status, machine.logs())

    # The limit is the address's: another visitor behind the same proxy is still let try.
    other = Visitor(address=fresh_address()).sign_in(web2, civil_id_for(90_099), "wrong")
    assert not too_many_attempts(other)


def test_an_upload_through_one_web_machine_is_read_through_the_other(machines, visitor, applicant):
    web1, web2 = machines
    assert visitor.sign_in(web1, applicant.civil_id, PASSWORD).status == 302
    fields = visitor.form_fields(web1, "/apply/profile/documents/")
    uploaded = visitor.post_file(
        web1,
        "/apply/profile/documents/upload/",
        {**fields, "kind": "salary_certificate"},
        "salary.pdf",
        PDF_BYTES,
    )
    assert uploaded.status == 302, uploaded.text[:3000] + web1.logs()
    document = Document.objects.get(profile__user=applicant)

    download = visitor.get(web2, f"/apply/profile/documents/{document.pk}/download/")
    assert download.status == 200, (download.status, web2.logs())
    assert download.body == PDF_BYTES


def requests_served(machine: Machine, path: str) -> int:
    """How many requests for ``path`` the server's access log shows."""
    return sum(f"{path} HTTP" in line for line in machine.log.read_text().splitlines())


def test_nginx_spreads_one_visitors_requests_over_both_machines(machines, proxy, applicant):
    web1, web2 = machines
    visitor = Visitor(address=fresh_address())
    signed_in = visitor.sign_in(proxy, applicant.civil_id, PASSWORD)
    assert signed_in.status == 302, re.sub(r"<[^>]+>", " ", signed_in.text)[:1500]
    path = "/apply/profile/documents/"
    before = {machine.name: requests_served(machine, path) for machine in machines}

    for _ in range(6):
        page = visitor.get(proxy, path)
        assert page.status == 200, (page.status, page.location, proxy.logs())

    # A server writes its access-log line after the answer has left: wait for the last ones.
    deadline = time.monotonic() + 10
    while True:
        served = {
            machine.name: requests_served(machine, path) - before[machine.name]
            for machine in machines
        }
        if sum(served.values()) >= 6 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert sum(served.values()) == 6
    # Both answered 200 to the one session signed in through nginx.
    assert served["web1"] > 0, served
    assert served["web2"] > 0, served
