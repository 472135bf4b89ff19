"""A PostgreSQL server of a test's own, to stop and restart at will (never the shared one).

``initdb`` in a temporary folder, a free port on 127.0.0.1, trust authentication, no fsync, a
small ``shared_buffers``; ``pg_ctl`` starts, stops and restarts it; the folder is removed after.
PostgreSQL refuses to run as root, so when the tests run as root the server runs as the
``postgres`` system user (``runuser``), in a folder that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg


def postgres_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<version>/bin`` with initdb and pg_ctl, or PATH's."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda path: int(Path(path).parent.name) if Path(path).parent.name.isdigit() else 0,
    )
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    return None


def why_no_postgres_server() -> str | None:
    """None when a throw-away server can be made here; otherwise the reason."""
    if postgres_bin_dir() is None:
        return "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is not installed"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One throw-away cluster. ``url(name)`` is a DATABASE_URL for a database on it."""

    def __init__(self, root: Path) -> None:
        bin_dir = postgres_bin_dir()
        assert bin_dir is not None, why_no_postgres_server()
        self.bin_dir = bin_dir
        self.root = root
        self.data = root / "data"
        self.log = root / "server.log"
        self.port = free_port()
        self._as_owner = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _pg(self, program: str, *args: str, timeout: float = 60) -> None:
        result = subprocess.run(
            [*self._as_owner, str(self.bin_dir / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C.UTF-8"},
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}\n--- server log ---\n{self.server_log()}"
            )

    def server_log(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def init(self) -> None:
        self._pg(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )

    def start(self) -> None:
        """Start and wait until it accepts connections (``pg_ctl -w``)."""
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                # Its socket in its own folder: never beside the shared server's socket.
                f"-c unix_socket_directories={self.root}",
                # No fsync (only a failing machine would lose data), but each commit is written
                # before it answers (synchronous_commit stays on): an immediate stop keeps every
                # committed change, as a real server's crash does.
                "-c fsync=off",
                "-c full_page_writes=off",
                "-c shared_buffers=16MB",
                "-c max_connections=30",
            ]
        )
        self._pg("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                 "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """``fast``: every session is ended at once, open transactions are rolled back."""
        self._pg("pg_ctl", "-D", str(self.data), "-w", "-t", "60", "-m", mode, "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=10)


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """A started throw-away server; stopped (immediately) and deleted afterwards."""
    as_root = os.geteuid() == 0
    # As root, in /tmp: a TMPDIR of root's own may be closed to the postgres user.
    root = Path(tempfile.mkdtemp(prefix="musaada-pg-", dir="/tmp" if as_root else None))
    if as_root:
        shutil.chown(root, "postgres", "postgres")
    server = PostgresServer(root)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            if (server.data / "postmaster.pid").exists():
                server.stop("immediate")
        finally:
            shutil.rmtree(root, ignore_errors=True)
