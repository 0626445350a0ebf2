"""Helpers several test modules share (import them with ``from helpers import ...``; tests/ is on
``sys.path``): what a handler received, raw multipart bodies, and services run as real processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# --- what a handler received (handlers that echo their arguments) ----------------------------------


def typed(value: Any) -> Any:
    """``value`` with the type of every scalar spelled out: ``1`` -> ``("int", 1)``."""
    if isinstance(value, dict):
        return {key: typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [typed(item) for item in value]
    return (type(value).__name__, value)


async def received(response: Any) -> Any:
    """What the handler was given, with types (the response must be a 200)."""
    assert response.status == 200, await response.text()
    return typed(await response.json())


# --- multipart bodies, byte for byte ------------------------------------------------------------


def part(name: str | None, content: bytes | str, filename: str | None = None, **headers: str) -> bytes:
    """One multipart part, as sent (``content_type="text/plain"`` -> ``Content-Type: text/plain``)."""
    disposition = "form-data" + (f'; name="{name}"' if name is not None else "")
    disposition += f'; filename="{filename}"' if filename is not None else ""
    lines = [f"Content-Disposition: {disposition}"]
    lines += [f"{key.replace('_', '-').title()}: {value}" for key, value in headers.items()]
    body = content.encode() if isinstance(content, str) else content
    return b"--b\r\n" + "\r\n".join(lines).encode() + b"\r\n\r\n" + body + b"\r\n"


def raw_form(*parts: bytes, media_type: str = "multipart/form-data") -> dict[str, Any]:
    """Keyword arguments for ``client.post``: the parts as one multipart body."""
    return {"data": b"".join(parts) + b"--b--\r\n", "headers": {"Content-Type": f"{media_type}; boundary=b"}}


# --- a service run as a real process (``python main.py serve``) on a real port ----------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def eventually(condition: Callable[[], object], timeout: float = 45, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout}s: {what}")
        time.sleep(0.05)


def start(
    service: Path, processes: list[subprocess.Popen[bytes]], *args: str, port: int, **env_vars: str
) -> subprocess.Popen[bytes]:
    """``python main.py serve ARGS`` in ``service``, once something listens on ``port``; its output
    goes to output.txt beside the service (see :func:`output`)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1", **env_vars}
    with (service.parent / "output.txt").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "main.py", "serve", *args], cwd=service, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    processes.append(process)

    def up() -> bool:
        assert process.poll() is None, f"the server exited with {process.returncode}:\n{output(service)}"
        return listening(port)

    eventually(up, what=f"a server on port {port}")
    return process


def output(service: Path) -> str:
    return (service.parent / "output.txt").read_text()


def http_get(port: int, path: str) -> tuple[int, bytes]:
    """Status and body of a GET on a connection of its own."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


# --- type checking generated modules ------------------------------------------------------------


def strict_mypy(folder: Path, *files: str) -> subprocess.CompletedProcess[str]:
    """``mypy --strict`` on ``files`` in ``folder``, with this repository's openapi_aio."""
    root = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--ignore-missing-imports", "--follow-imports=silent",
         "--no-incremental", "--cache-dir", os.devnull, *files],
        cwd=folder, capture_output=True, text=True, env={**os.environ, "MYPYPATH": str(root)}, check=False,
    )  # fmt: skip
