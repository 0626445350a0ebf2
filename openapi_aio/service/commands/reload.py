"""``serve --reload``: the server runs in a child process, restarted whenever one of the service's
Python files or documents changes (development only)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from openapi_aio.service.app import App

__all__ = ["run_with_reload", "running_under_reloader", "watched_files"]

# Set in the child's environment, so that its own ``serve --reload`` serves instead of watching.
_RELOADED = "OPENAPI_AIO_RELOADED"


def running_under_reloader() -> bool:
    """True in the child that :func:`run_with_reload` started."""
    return bool(os.environ.get(_RELOADED))


def watched_files(app: App) -> list[Path]:
    """The service's Python files and documents: a change to any restarts the server."""
    roots = {app.root_path, app.specification_dir}
    found: set[Path] = set()
    for root in roots:
        found.update(_files_under(root))
    return sorted(found)


def _files_under(root: Path) -> Iterator[Path]:
    """Python and document files below ``root``, skipping hidden folders, caches and node_modules."""
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [
            name for name in subfolders if not name.startswith((".", "__pycache__")) and name != "node_modules"
        ]
        for name in files:
            if name.endswith((".py", ".yaml", ".yml", ".json")):
                yield Path(folder) / name


def _snapshot(files: list[Path]) -> dict[Path, float]:
    """Each file's modification time; -1 for a file that is gone, so that deleting one counts."""
    stamps = {}
    for path in files:
        try:
            stamps[path] = path.stat().st_mtime
        except OSError:
            stamps[path] = -1.0
    return stamps


def run_with_reload(files: list[Path], interval: float = 0.5) -> int:
    """Run this same command line in a child process; restart it whenever ``files`` change."""
    env = {**os.environ, _RELOADED: "1"}
    signal.signal(signal.SIGTERM, _interrupt)  # stop the server too, not only the watcher
    while True:
        child = subprocess.Popen([sys.executable, *sys.argv], env=env)  # noqa: S603 - our own command line
        before = _snapshot(files)
        try:
            while True:
                time.sleep(interval)
                if _snapshot(files) != before:
                    click.echo("change detected: restarting", err=True)
                    break
                if child.poll() is not None and child.returncode not in (None, 0):
                    continue  # crashed (a broken document?): wait for the fix
                if child.poll() is not None:
                    return child.returncode
        except KeyboardInterrupt:
            _stop(child)
            return 0
        _stop(child)


def _interrupt(signum: int, frame: Any) -> None:
    """SIGTERM handled as Ctrl-C, so the watcher stops its child on the way out."""
    raise KeyboardInterrupt


def _stop(child: subprocess.Popen[bytes]) -> None:
    """Ctrl-C for the child, then 10 seconds to finish its requests before it is killed."""
    if child.poll() is None:
        child.send_signal(signal.SIGINT)
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
