"""A real Celery worker on Redis runs a task whose effect lands in the test database.

Also the helpers of every test that needs a real worker: ``start_worker`` runs one in a
subprocess against the test database, ``tasks_go_to`` turns this process's eager mode off so
that ``.delay()`` really sends to Redis.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis
from celery import Celery
from celery.result import allow_join_result, current_app
from django.db import DEFAULT_DB_ALIAS, connections

from config.celery import app as celery_app
from reports.models import JobOutcome, PeriodicJobRun, WorkerHeartbeat
from tests.conftest import redis_url

ROOT = Path(__file__).resolve().parent.parent


def database_url_for_other_processes(alias: str = DEFAULT_DB_ALIAS) -> str:
    """The URL of the test database (of ``alias``: "replica" is the replica's copy of it)."""
    settings = connections[alias].settings_dict
    if connections[alias].vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{settings['NAME']}"
    )


def database_environment() -> dict[str, str]:
    """DATABASE_URL (and DATABASE_REPLICA_URL with a replica) of the test database."""
    urls = {"DATABASE_URL": database_url_for_other_processes()}
    if "replica" in connections.settings:
        urls["DATABASE_REPLICA_URL"] = database_url_for_other_processes("replica")
    return urls


def unique_queue() -> str:
    """A queue of this test alone: other test runs share the Redis server."""
    return f"test-{uuid.uuid4().hex[:8]}"


def start_worker(queue: str, **environment: str) -> subprocess.Popen[str]:
    """``celery worker`` on ``queue`` with the production settings, on the test database."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        **database_environment(),
        "REDIS_URL": redis_url(),
        **environment,
    }
    return subprocess.Popen(
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


def stop_worker(worker: subprocess.Popen[str]) -> str:
    """Stop the worker (warm shutdown) and return everything it printed."""
    worker.terminate()
    output, _ = worker.communicate(timeout=30)
    return output


@contextmanager
def tasks_go_to(queue: str, *, broker: str | None = None) -> Iterator[None]:
    """This process sends tasks to Redis, on ``queue``, instead of running them inline.

    ``broker`` is another Redis URL than the test Redis, e.g. a closed port (an outage).

    The test settings run tasks inline (eager); a test with a real worker turns that off for
    its own length. The app's broker connection pool is looked up again for Redis (kombu
    keeps one pool per broker URL for the process) and the previous one is put back after.
    """
    previous_app = current_app._get_current_object()
    celery_app.set_current()  # the app our shared tasks send through
    conf = celery_app.conf
    saved = {
        key: conf[key]
        for key in ("task_always_eager", "broker_url", "result_backend", "task_default_queue")
    }
    # Celery keeps the connection and producer pools of the broker it first connected to.
    pools = celery_app._pool, celery_app.amqp._producer_pool
    celery_app._pool = celery_app.amqp._producer_pool = None
    conf.update(
        task_always_eager=False,
        broker_url=broker or redis_url(),
        result_backend=broker or redis_url(),
        task_default_queue=queue,
    )
    try:
        yield
    finally:
        celery_app._pool, celery_app.amqp._producer_pool = pools
        conf.update(saved)
        previous_app.set_current()


def queued(queue: str) -> int:
    """How many messages wait in ``queue`` on Redis (kombu keeps a list per priority)."""
    client = redis.Redis.from_url(redis_url())
    try:
        return sum(
            client.llen(key)
            for key in client.scan_iter(match=f"{queue}*")
            if client.type(key) == b"list"
        )
    finally:
        client.close()


def wait_until(condition: Callable[[], bool], *, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"waited {seconds} s for {what}"
        time.sleep(0.2)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_runs_heartbeat_task_against_the_database():
    queue = unique_queue()
    worker = start_worker(queue)
    try:
        # Not the current app: tasks sent by our code must keep using config.celery's app.
        sender = Celery(broker=redis_url(), backend=redis_url(), set_as_current=False)
        result = sender.send_task("reports.tasks.worker_heartbeat", queue=queue)
        # Celery's "never wait for a result inside a task" guard is one process-wide flag that
        # eager tasks set and restore; eager tasks run from several threads at once (the
        # concurrency tests) can leave it set. This test is not inside a task: say so.
        with allow_join_result():
            worker_name = result.get(timeout=60)
        wait_until(
            lambda: WorkerHeartbeat.objects.filter(worker=worker_name).exists(),
            what="the heartbeat row",
            seconds=10,
        )
        # A periodic task run by a worker is recorded for the ministry overview, as when
        # run_periodic runs it (reports.signals).
        wait_until(
            lambda: PeriodicJobRun.objects.filter(
                task="reports.tasks.worker_heartbeat", outcome=JobOutcome.SUCCEEDED
            ).exists(),
            what="the periodic job's run",
            seconds=10,
        )
    finally:
        output = stop_worker(worker)
    assert "reports.tasks.worker_heartbeat" in output
    assert WorkerHeartbeat.objects.get(worker=worker_name).beat_at is not None
