"""/healthz, in this process and in fresh processes pointed at unreachable services."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import closed_port, redis_url
from tests.test_celery_worker import database_url_for_other_processes

ROOT = Path(__file__).resolve().parents[2]
CLIENT = (
    "import django, json; django.setup(); from django.test import Client; "
    "r = Client().get('/healthz'); print(r.status_code); print(r.content.decode())"
)


def healthz_in_subprocess(env: dict[str, str]) -> tuple[int, dict]:
    base = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "ALLOWED_HOSTS": "testserver",
    }
    result = subprocess.run(
        [sys.executable, "-c", CLIENT],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.strip().splitlines()[-2:]
    return int(status), json.loads(body)


@pytest.mark.django_db
def test_healthz_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == {"default": "ok"}
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_rejects_post(client):
    assert client.post("/healthz").status_code == 405


def test_healthz_is_503_when_a_sqlite_database_cannot_be_opened(tmp_path):
    status, body = healthz_in_subprocess(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/missing-dir/db.sqlite3"}
    )
    assert status == 503
    assert body["database"]["default"] == "unreachable"


def test_healthz_is_503_when_postgres_is_unreachable():
    status, body = healthz_in_subprocess({"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"})
    assert status == 503
    assert body == {
        "status": "unavailable",
        "database": {"default": "unreachable"},
        "redis": "not configured",
    }


def test_healthz_is_503_when_redis_is_unreachable(tmp_path):
    status, body = healthz_in_subprocess(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "REDIS_URL": "redis://127.0.0.1:9/0"}
    )
    assert status == 503
    assert body["database"]["default"] == "ok"
    assert body["redis"] == "unreachable"


@pytest.mark.redis
def test_healthz_reports_a_reachable_redis(tmp_path):
    status, body = healthz_in_subprocess(
        {"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3", "REDIS_URL": redis_url()}
    )
    assert (status, body["redis"]) == (200, "ok")


@pytest.mark.postgres
def test_a_replica_that_is_down_is_shown_but_the_node_stays_healthy():
    """Without the replica the reports read the primary: no reason to leave the rotation."""
    status, body = healthz_in_subprocess(
        {
            "DATABASE_URL": database_url_for_other_processes(),
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/none",
        }
    )
    assert status == 200
    assert body["database"] == {"default": "ok"}
    assert body["replica"] == "unreachable"


@pytest.mark.postgres
def test_reports_read_the_primary_when_the_replica_is_down():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from config.replica import replica_reads\n"
            "with replica_reads() as alias: print(alias)",
        ],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": database_url_for_other_processes(),
            "DATABASE_REPLICA_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/none",
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "default"
    assert "replica unreachable; reading the primary" in result.stderr
