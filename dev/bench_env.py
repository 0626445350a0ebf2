"""Peer virtualenvs for dev/bench: one per framework, under dev/.bench-venvs (git-ignored).

Each peer gets its own environment, installed from PyPI with pip (openapi_aio from this checkout,
editable). A venv is reused while its requirement list is unchanged (a stamp file records it).
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

DEV = Path(__file__).resolve().parent
REPO = DEV.parent
CACHE = DEV / ".bench-venvs"


@dataclass(frozen=True)
class Peer:
    name: str
    requirements: tuple[str, ...]
    module: str  # python -m <module> --port N, run with PYTHONPATH=dev
    optional: bool = False  # a failed install is reported and the peer skipped

    @property
    def venv(self) -> Path:
        return CACHE / self.name

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


PEERS = [
    Peer("aiohttp", ("aiohttp", "asyncpg"), "benchapp.serve_aiohttp"),
    Peer("openapi_aio", ("-e", str(REPO)), "benchapp.serve_openapi_aio"),
    Peer("fastapi", ("fastapi", "uvicorn", "httptools", "asyncpg"), "benchapp.serve_fastapi"),
    Peer("connexion", ("connexion>=3", "uvicorn", "httptools", "asyncpg"), "benchapp.serve_connexion"),
    Peer("aio_openapi", ("aio-openapi", "asyncpg"), "benchapp.serve_aio_openapi", optional=True),
]


def ensure(peer: Peer, log=print) -> str | None:
    """Create/refresh the peer's venv; returns None when ready, else the reason it failed."""
    stamp = peer.venv / "bench-stamp.json"
    wanted = json.dumps(list(peer.requirements))
    if stamp.exists() and stamp.read_text() == wanted and peer.python.exists():
        return None
    CACHE.mkdir(parents=True, exist_ok=True)
    log(f"[env] creating {peer.venv}: pip install {' '.join(peer.requirements)}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(peer.venv)], check=True)
    result = subprocess.run(
        [str(peer.python), "-m", "pip", "install", "-q", *peer.requirements],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        return (result.stderr or result.stdout).strip().splitlines()[-1] if (result.stderr or result.stdout) else "?"
    stamp.write_text(wanted)
    return None


def versions(peer: Peer) -> dict[str, str]:
    names = ["aiohttp", "openapi-aio", "fastapi", "pydantic", "uvicorn", "connexion", "starlette", "aio-openapi"]
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        f"for n in {names!r}:\n"
        "    try: out[n] = m.version(n)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    try:
        out = subprocess.run(
            [str(peer.python), "-c", code], capture_output=True, text=True, check=True, cwd="/tmp"
        ).stdout
        return json.loads(out)
    except (subprocess.CalledProcessError, OSError, ValueError):
        return {}


if __name__ == "__main__":
    for p in PEERS:
        print(p.name, ensure(p) or "ok", versions(p))
