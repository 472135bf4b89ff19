"""docker-compose.yml and deploy/nginx.conf: several web containers behind nginx.

Docker does not run here or in CI, so the Compose file is read as YAML (anchors and merge keys
resolved as Compose resolves them) and its structure checked; nginx itself checks its
configuration (``nginx -t``), rendered with local addresses and a throw-away certificate.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from applicants.validators import MAX_DOCUMENT_BYTES
from tests.conftest import _missing
from tests.nginx import NGINX_CONF, nginx_binary, render

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def services() -> dict[str, dict[str, Any]]:
    return compose()["services"]


def web_services() -> dict[str, dict[str, Any]]:
    """The services that run the portal under gunicorn."""
    return {
        name: service
        for name, service in services().items()
        if isinstance(service.get("command"), list) and service["command"][0] == "gunicorn"
    }


def nginx_conf() -> str:
    return NGINX_CONF.read_text()


def upstream_servers() -> list[str]:
    block = re.search(r"upstream musaada_web \{(.*?)\}", nginx_conf(), re.S)
    assert block, "deploy/nginx.conf has no upstream musaada_web"
    return re.findall(r"^\s*server\s+(\S+?)(?:\s[^;]*)?;", block[1], re.M)


def production_settings(*names: str) -> dict[str, Any]:
    """Values of config.settings with DJANGO_ENV=production, read in a fresh interpreter."""
    probe = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}))"
    )
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "k3y-" + "x9Qa7Lm2Zp0Rt5Vb8Nc1" * 3,
        "ALLOWED_HOSTS": "musaada.example",
        "DATABASE_URL": "postgres://musaada@postgres:5432/musaada",
        "REDIS_URL": "redis://redis:6379/0",
        "IDENTITY_PROVIDER": "hawiyati",
    }
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


# --- docker-compose.yml ---------------------------------------------------------------------


def test_compose_runs_several_web_containers_with_one_environment():
    webs = web_services()
    assert len(webs) >= 2, sorted(webs)
    environments = [service["environment"] for service in webs.values()]
    assert all(environment == environments[0] for environment in environments)
    assert environments[0]["DJANGO_ENV"] == "production"
    # Worker and beat run the same code with the same settings as the web containers.
    for name in ("worker", "beat", "migrate"):
        assert services()[name]["environment"] == environments[0], name


def test_only_nginx_is_published_and_it_waits_for_every_web_container():
    for name, service in services().items():
        if name != "nginx":
            assert "ports" not in service, f"{name} must be reached only through nginx"
    nginx = services()["nginx"]
    assert {"80:80", "443:443"} <= set(nginx["ports"])
    assert set(web_services()) <= set(nginx["depends_on"])
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]


def test_nginx_spreads_requests_over_exactly_the_web_containers():
    assert sorted(upstream_servers()) == sorted(f"{name}:8000" for name in web_services())
    for service in web_services().values():
        assert "0.0.0.0:8000" in service["command"]


def test_web_containers_and_the_worker_share_one_uploads_volume_at_media_root():
    stack = compose()
    assert "uploads" in stack["volumes"]  # a named volume, not a folder of one container
    media_root = stack["services"]["worker"]["environment"]["MEDIA_ROOT"]
    for name in [*web_services(), "worker"]:
        service = stack["services"][name]
        assert service["environment"]["MEDIA_ROOT"] == media_root
        assert f"uploads:{media_root}" in service["volumes"], name
    # nginx never sees the uploads: they are served only by permission-checked views.
    assert not any(
        volume.startswith("uploads:") for volume in stack["services"]["nginx"]["volumes"]
    )


def test_the_stack_has_its_database_cache_queue_and_exactly_one_beat():
    stack = services()
    assert stack["postgres"]["image"].startswith("postgres:")
    assert stack["redis"]["image"].startswith("redis:")
    environment = stack["worker"]["environment"]
    assert environment["REDIS_URL"].startswith("redis://redis:")
    assert "@postgres:5432/" in environment["DATABASE_URL"]
    assert stack["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    beats = [name for name, service in stack.items() if "beat" in (service.get("command") or [])]
    assert beats == ["beat"]
    assert "deploy" not in stack["beat"]  # no replicas: a second beat sends every job twice


def test_static_files_reach_nginx_through_their_own_volume():
    stack = services()
    assert "static:/data/static" in stack["static"]["volumes"]
    assert "static:/srv/static:ro" in stack["nginx"]["volumes"]
    assert re.search(r"location /static/ \{\s*alias /srv/static/;", nginx_conf())
    assert stack["nginx"]["depends_on"]["static"] == {"condition": "service_completed_successfully"}


# --- deploy/nginx.conf and the settings behind it -------------------------------------------


def test_nginx_tells_django_what_it_needs_and_what_it_trusts():
    conf = nginx_conf()
    values = production_settings("SECURE_PROXY_SSL_HEADER", "TRUSTED_PROXY_COUNT")
    header, value = values["SECURE_PROXY_SSL_HEADER"]
    assert header == "HTTP_X_FORWARDED_PROTO"
    # Set (replacing a client's value), not appended, in every location that proxies a page.
    assert conf.count(f"proxy_set_header X-Forwarded-Proto {value};") == 1
    assert conf.count("proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;") == 2
    assert conf.count("proxy_set_header Host $host;") == 2
    # One proxy appends to X-Forwarded-For: Compose gives the portal TRUSTED_PROXY_COUNT=1.
    assert services()["web1"]["environment"]["TRUSTED_PROXY_COUNT"] == "${TRUSTED_PROXY_COUNT:-1}"
    assert "server_tokens off;" in conf


def test_nginx_takes_every_upload_the_portal_takes():
    size = re.search(r"client_max_body_size (\d+)m;", nginx_conf())
    assert size, "deploy/nginx.conf sets no client_max_body_size in MB"
    limit = int(size[1]) * 1024 * 1024
    values = production_settings("DATA_UPLOAD_MAX_MEMORY_SIZE", "BENEFITS_UPLOAD_MAX_BYTES")
    # A document's form carries the file plus the other fields and the multipart framing.
    assert limit > MAX_DOCUMENT_BYTES + 64 * 1024
    assert limit > values["BENEFITS_UPLOAD_MAX_BYTES"] + 64 * 1024
    assert limit >= values["DATA_UPLOAD_MAX_MEMORY_SIZE"]


def test_nginx_accepts_its_configuration(tmp_path):
    nginx = nginx_binary()
    if not nginx:
        _missing("nginx is not installed (apt-get install nginx-light)")
    # Compose's host names resolve only inside its network; the certificate is the operator's.
    conf = render(tmp_path, dict.fromkeys(web_services(), "127.0.0.1:8000"))
    result = subprocess.run(
        [nginx, "-t", "-q", "-e", "stderr", "-c", str(conf), "-g", f"pid {tmp_path}/nginx.pid;"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
