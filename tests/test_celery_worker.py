"""A real Celery worker on Redis runs a task whose effect lands in the test database."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.db import connection

from reports.models import WorkerHeartbeat
from tests.conftest import redis_url

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_other_processes() -> str:
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_runs_heartbeat_task_against_the_database():
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url_for_other_processes(),
        "REDIS_URL": redis_url(),
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        sender = Celery(broker=redis_url(), backend=redis_url())
        result = sender.send_task("reports.tasks.worker_heartbeat", queue=queue)
        worker_name = result.get(timeout=60)
        deadline = time.monotonic() + 10
        while not WorkerHeartbeat.objects.filter(worker=worker_name).exists():
            assert time.monotonic() < deadline, "the task ran but no heartbeat row appeared"
            time.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "reports.tasks.worker_heartbeat" in output
    assert WorkerHeartbeat.objects.get(worker=worker_name).beat_at is not None
