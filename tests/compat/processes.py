"""Starting a service in its own process, as its users start it, for the tests of this folder."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from conftest import SPECS
from helpers import listening

APP = SPECS / "connexion_migration"


def start(args: list[str], port: int, cwd: Path = APP) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONUNBUFFERED": "1", "PORT": str(port)}
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"exited with {process.returncode}:\n{output}")
        if listening(port):
            return process
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"nothing listened on {port}")


def stop(process: subprocess.Popen[bytes]) -> str:
    process.terminate()
    output, _ = process.communicate(timeout=10)
    return output.decode()
