"""`make run` starts the periodic jobs next to the server, and stops them with it.

The recipe is taken from make itself (`make -n run`), then its server line is run for real in
a new session: the server answers, `run_periodic` runs the jobs, and when the server stops (as
with Ctrl-C), the periodic runner is gone too.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def _serve_recipe(port: int) -> str:
    dry = subprocess.run(
        ["make", "-n", "run", f"PORT={port}"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    # The lines of the recipe joined as make hands them to the shell (backslash-newline).
    command = dry.replace("\\\n", " ")
    lines = [line for line in command.splitlines() if f"runserver 127.0.0.1:{port}" in line]
    assert len(lines) == 1, dry
    return lines[0]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _children(pid: int) -> dict[int, str]:
    """Every descendant process of ``pid`` with its command line (from /proc)."""
    found: dict[int, str] = {}
    todo = [pid]
    while todo:
        parent = todo.pop()
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == parent:
                found[int(entry.name)] = cmdline
                todo.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_make_run_starts_the_periodic_jobs_and_stops_them_with_the_server(tmp_path):
    port = _free_port()
    command = _serve_recipe(port)
    assert "run_periodic" in command
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {"REDIS_URL", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DATABASE_REPLICA_URL"}
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    log = tmp_path / "run.log"
    with log.open("wb") as out:
        shell = subprocess.Popen(
            ["sh", "-c", command],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started: list[int] = []
    try:

        def server_answers() -> bool:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            except OSError:
                return False
            return True

        _wait(server_answers, 60, "the server")
        runners = [
            pid for pid, cmd in _children(shell.pid).items() if "manage.py run_periodic" in cmd
        ]
        assert len(runners) == 1, _children(shell.pid)
        started.extend(_children(shell.pid))
        _wait(lambda: "periodic job worker-heartbeat" in log.read_text(), 30, "a job to run")
        # Ctrl-C in the terminal: SIGINT to the whole foreground group.
        os.killpg(shell.pid, signal.SIGINT)
        shell.wait(timeout=20)
        _wait(lambda: not _alive(runners[0]), 10, "the periodic runner to stop")
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait()
        for pid in started:  # whatever the recipe left behind (reparented once it exits)
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
