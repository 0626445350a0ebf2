"""The example app (example_app/main.py) served on loopback from a thread of its own, for tests
that talk to it over real HTTP with blocking clients (raw sockets, ``requests``)."""

from __future__ import annotations

import asyncio
import importlib.util
import socket
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

EXAMPLE = Path(__file__).resolve().parents[1] / "example_app"


@dataclass
class Server:
    host: str
    port: int
    loop: asyncio.AbstractEventLoop

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def create_example_app(patch: pytest.MonkeyPatch, folder: Path | None = None, *, datastore: str | None = None) -> Any:
    """example_app/main.py's ``create_app()`` on a fresh SQLite file in ``folder`` (or on
    ``datastore``), imported as the script imports its own package: its folder on the path,
    itself as a module."""
    patch.syspath_prepend(str(EXAMPLE))
    spec = importlib.util.spec_from_file_location("example_main", EXAMPLE / "main.py")
    assert spec is not None
    assert spec.loader is not None
    main = importlib.util.module_from_spec(spec)
    patch.setitem(sys.modules, "example_main", main)  # App(__name__) finds its folder here
    spec.loader.exec_module(main)
    return main.create_app(datastore=datastore or f"sqlite:///{folder}/example.sqlite")


@contextmanager
def serve_in_thread(web_app: web.Application) -> Iterator[Server]:
    """``web_app`` on a loopback port, served from a thread of its own until the block ends."""
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(web_app, handle_signals=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.SockSite(runner, sock).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield Server("127.0.0.1", port, loop)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()


@contextmanager
def example_server(folder: Path) -> Iterator[Server]:
    """The example app on a fresh SQLite file in ``folder``, until the block ends."""
    with pytest.MonkeyPatch.context() as patch, serve_in_thread(create_example_app(patch, folder).web_app) as server:
        yield server
