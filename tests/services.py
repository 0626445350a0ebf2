"""Throwaway PostgreSQL and Redis servers, one of each per test process.

The suite never uses the machine's own database or broker: two runs at once, or a test that
restarts its server, must not disturb anybody else. Each test process (each pytest-xdist worker)
starts, on first use, a PostgreSQL cluster made by ``initdb`` in a temporary folder and a
``redis-server``, both on free loopback ports, and stops and deletes them when it exits.

``DATASTORE`` (a PostgreSQL URL) and ``REDIS_URL`` point the suite at servers of your own
instead; the suite then creates its tables there, so give it a database nobody else uses.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from helpers import free_port

__all__ = ["PostgresCluster", "RedisServer", "postgres_binaries"]

DATABASE = "test"


def postgres_binaries() -> Path | None:
    """The folder of the newest PostgreSQL server binaries on this machine (``PG_BINDIR`` wins)."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = sorted(  # Debian's packages: /usr/lib/postgresql/<major>/bin, newest first
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda path: int(path.parts[-3]), reverse=True
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve())  # a link in /usr/local/bin: where it points
    return candidates[0].parent if candidates else None


def _server_user() -> str | None:
    """PostgreSQL refuses to run as root: as root the cluster belongs to the ``postgres`` user."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError as error:
        raise RuntimeError("running as root and there is no 'postgres' user to own a PostgreSQL cluster") from error
    return "postgres"


@dataclass
class PostgresCluster:
    """A PostgreSQL cluster of its own: ``initdb`` into a temporary folder, trust authentication,
    loopback only, durability off (a test database is thrown away)."""

    bindir: Path
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="openapi-aio-pg-")))
    port: int = 0
    user: str | None = None

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _run(self, *command: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        return subprocess.run(
            [*prefix, *command], capture_output=True, text=True, timeout=timeout, check=False, cwd=self.root
        )

    def _check(self, result: subprocess.CompletedProcess[str], what: str) -> None:
        if result.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{what} failed ({result.returncode}): {result.stdout}{result.stderr}{tail}")

    def start(self) -> PostgresCluster:
        self.user = _server_user()
        if self.user:
            shutil.chown(self.root, self.user)
        self._check(
            self._run(
                str(self.bindir / "initdb"),
                "-D", str(self.data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                "--locale=C.UTF-8", "--no-sync",
            ),
            "initdb",
        )  # fmt: skip
        for attempt in range(5):  # a free port can be taken between choosing and binding it
            self.port = free_port()
            result = self._pg_ctl("start")
            if result.returncode == 0:
                break
            if attempt == 4:
                self._check(result, "pg_ctl start")
        self._check(
            subprocess.run(
                [str(self.bindir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", DATABASE],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            ),
            "createdb",
        )
        return self

    def _pg_ctl(self, action: str) -> subprocess.CompletedProcess[str]:
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.root}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=300",
                "-c shared_buffers=32MB",
            ]
        )
        return self._run(
            str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.root / "server.log"),
            "-o", options, "-w", "-t", "60", "-m", "fast", action,
        )  # fmt: skip

    def restart(self) -> subprocess.CompletedProcess[str]:
        """Stop (fast: connections are cut) and start again on the same port."""
        return self._pg_ctl("restart")

    def running(self) -> bool:
        return self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "status").returncode == 0

    def stop(self) -> None:
        if self.data.exists():
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RedisServer:
    """A ``redis-server`` of its own on a free loopback port, nothing persisted."""

    binary: str
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="openapi-aio-redis-")))
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def start(self) -> RedisServer:
        for _ in range(5):
            self.port = free_port()
            self.process = subprocess.Popen(
                [
                    self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                    "--appendonly", "no", "--dir", str(self.root), "--daemonize", "no",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )  # fmt: skip
            if self._wait_ready():
                return self
            self.process.kill()
            self.process.wait()
        raise RuntimeError(f"redis-server did not start ({self.binary})")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                return False
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(16).startswith(b"+PONG"):
                        return True
            except OSError:
                pass
            time.sleep(0.02)
        return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


Server = PostgresCluster | RedisServer
_STARTED: dict[str, Server] = {}


def _own(kind: str, make: Callable[[], Server]) -> Server:
    """This process's server of ``kind``, made and started on first use, stopped at exit."""
    server = _STARTED.get(kind)
    if server is None:
        server = _STARTED[kind] = make()
        atexit.register(server.stop)
        server.start()
    return server


def _new_cluster() -> PostgresCluster:
    bindir = postgres_binaries()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (apt-get install postgresql, or set PG_BINDIR)")
    return PostgresCluster(bindir)


def _new_redis() -> RedisServer:
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("no redis-server binary (apt-get install redis-server)")
    return RedisServer(binary)


def own_postgres() -> PostgresCluster:
    """This process's PostgreSQL cluster."""
    cluster = _own("postgres", _new_cluster)
    assert isinstance(cluster, PostgresCluster)
    return cluster


def own_redis() -> RedisServer:
    """This process's Redis server."""
    server = _own("redis", _new_redis)
    assert isinstance(server, RedisServer)
    return server


def stop_all() -> None:
    for server in _STARTED.values():
        server.stop()
    _STARTED.clear()
