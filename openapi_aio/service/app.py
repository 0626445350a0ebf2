"""Serving documents: as an aiohttp plugin (:func:`setup`) or as a service (:class:`App`).

As a plugin, the API joins an application you already have, with your own routes, middlewares and
runner::

    app = web.Application()
    openapi_aio.setup(app, "openapi.yaml")
    web.run_app(app)

As a service, :class:`App` owns the application and gives it a click command line, so that
``python main.py serve`` works and later commands (``db``, ``routes``) join the same group::

    app = openapi_aio.App(__name__, specification_dir="spec")
    app.add_api("openapi.yaml")
    if __name__ == "__main__":
        app.main()
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import functools
import importlib
import logging
import os
import re
import signal
import socket
import sys
import traceback
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import log as aiohttp_log
from aiohttp import web

from openapi_aio.api import Api
from openapi_aio.errors import StartupError
from openapi_aio.keys import DATABASE
from openapi_aio.options import COMMAND_LINE, KEEPALIVE_TIMEOUT, Options
from openapi_aio.pipeline import install_app_tier, metrics_on
from openapi_aio.service.health import mount_service_endpoints
from openapi_aio.service.logs import configure_logging
from openapi_aio.spec import ApiSpec
from openapi_aio.tracing import ACCESS_LOG_FORMAT

if TYPE_CHECKING:
    import click

    from openapi_aio.db import Database

log = logging.getLogger("openapi_aio")

__all__ = ["App", "configure_logging", "setup"]

_BIND_ERRORS = (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)


def setup(
    app: web.Application,
    specification: str | Path | Mapping[str, Any] | ApiSpec,
    *,
    base_path: str | None = None,
    options: Options | None = None,
    base_dir: str | Path | None = None,
    **option_overrides: Any,
) -> Api:
    """Add the API described by ``specification`` to ``app``; returns the compiled :class:`Api`.

    Options may be given as an :class:`Options` and/or as keyword arguments that override it.
    Several documents can be set up on one application under different base paths.
    """
    api = Api(specification, (options or Options()).replace(base_path=base_path, **option_overrides), base_dir=base_dir)
    install_app_tier(app, api.options)  # request ids, CORS, Sentry: pipeline.APP_TIER
    mount_service_endpoints(app, api)  # /health, /ready, /metrics: when the options ask for them
    api.mount(app)
    return api


class App:
    """A service: an aiohttp application serving one or more documents, with a click CLI.

    - ``import_name``: usually ``__name__``; documents are found relative to that module's folder
      (joined with ``specification_dir``), as Connexion's ``AsyncApp`` does.
    - ``options`` / keyword overrides: defaults for every API added (see :class:`Options`).
    - ``web_app``: the underlying ``aiohttp.web.Application``; add your own routes, middlewares,
      signals and ``cleanup_ctx`` to it.
    - ``migrations_dir``: the alembic environment of ``python main.py db ...`` (relative to the
      module's folder).
    - ``cli``: the click group behind :meth:`main`; add commands with ``@app.cli.command()``.
    """

    def __init__(
        self,
        import_name: str | None = None,
        *,
        specification_dir: str | Path = "",
        migrations_dir: str | Path = "migrations",
        options: Options | None = None,
        middlewares: Sequence[Any] = (),
        **option_overrides: Any,
    ) -> None:
        self.import_name = import_name
        self.root_path = _root_path(import_name)
        self.specification_dir = self.root_path / specification_dir
        self.options = (options or Options()).replace(**option_overrides)
        # the framework's own middlewares go first when an API is added (pipeline.APP_TIER)
        self.web_app = web.Application(client_max_size=self.options.client_max_size, middlewares=list(middlewares))
        self.apis: list[Api] = []
        self.migrations_dir = (self.root_path / migrations_dir).resolve()
        if import_name == "__main__":  # python main.py ...: a broken document is a message, not a traceback
            _report_startup_errors_briefly()

    @functools.cached_property
    def cli(self) -> click.Group:
        """The click group behind :meth:`main`, made on first use: a service used as a plugin or
        in tests never imports click."""
        from openapi_aio.service.commands import build_cli

        return build_cli(lambda: self)

    @staticmethod
    def factory_cli(create_app: Callable[[], App]) -> click.Group:
        """The same command line for the service ``create_app()`` makes, called (once) when a
        command runs: ``python main.py --help`` then answers without reading the document,
        importing the handlers or loading the database machinery. Run it with ``.main()``; a
        command added to it builds the service with ``create_app()`` itself."""
        from openapi_aio.service.commands import build_cli

        return build_cli(functools.cache(create_app))

    def add_api(
        self,
        specification: str | Path | Mapping[str, Any] | ApiSpec,
        *,
        base_path: str | None = None,
        **option_overrides: Any,
    ) -> Api:
        """Serve a document (a path relative to ``specification_dir``, or a parsed dict)."""
        api = setup(
            self.web_app,
            specification,
            base_path=base_path,
            options=self.options.replace(migrations_dir=self.migrations_dir),
            base_dir=self.specification_dir,
            **{**option_overrides, **COMMAND_LINE.get()},
        )
        self.apis.append(api)
        return api

    @property
    def database(self) -> Database | None:
        """The database of the documents' tables (``None`` when no document declares any)."""
        return self.web_app.get(DATABASE)

    def run(
        self,
        import_string: str | None = None,
        port: int = 8080,
        *,
        host: str | None = None,
        loop: str | asyncio.AbstractEventLoop = "auto",
        factory: bool = False,
        **kwargs: Any,
    ) -> None:
        """Serve until interrupted (``aiohttp.web.run_app``, whose keyword arguments pass through).

        ``host`` is the interface (default ``0.0.0.0``). The first argument is, as in Connexion,
        the service to run as an import string (or, as before, the interface):
        ``app.run("hello:app", port=8080)`` serves the ``App`` named ``app`` in module ``hello``
        (imported, so a script that names itself serves the module's own instance, as with
        Connexion); ``factory=True`` calls it to make the ``App``.

        Defaults chosen by measurement (docs/performance.md): the uvloop event loop where it is
        installed (``loop="auto"``; ``"asyncio"`` or ``"uvloop"`` to choose), and no access log
        unless asked: ``access_log=True`` (or a logger) writes aiohttp's line ending with the
        request's id; with ``access_log_format="json"`` one JSON object per line instead
        (:mod:`openapi_aio.service.access_log`). Connections waiting for a request head (idle, or
        sending it slowly) are closed after ``keepalive_timeout`` seconds (15 by default, not
        aiohttp's 75). A request aiohttp cannot parse (a URL past 8190 bytes...) is answered as a
        problem (414, 431 or 400), not aiohttp's plain text (:mod:`openapi_aio.service.unparsable`).
        """
        if import_string is not None and _IMPORT_STRING.fullmatch(import_string):
            served = _import_app(import_string, factory=factory)
            if served is not self:
                served.run(port=port, host=host, loop=loop, **kwargs)
                return
        elif import_string is not None:  # app.run("127.0.0.1", 8080): the interface, positionally
            host = host or import_string
        host = host or "0.0.0.0"  # noqa: S104
        kwargs.setdefault("keepalive_timeout", KEEPALIVE_TIMEOUT)
        access = kwargs.pop("access_log", None)
        if access is True:
            access = aiohttp_log.access_logger
        if access is None:
            kwargs.pop("access_log_format", None)
        elif kwargs.get("access_log_format") == "json":
            from openapi_aio.service.access_log import JsonAccessLogger, plain_access_lines

            del kwargs["access_log_format"]
            kwargs.setdefault("access_log_class", JsonAccessLogger)
            plain_access_lines()
        else:
            kwargs.setdefault("access_log_format", ACCESS_LOG_FORMAT)
        loop = new_event_loop(loop) if isinstance(loop, str) else loop
        from openapi_aio.service import unparsable

        unparsable.install()  # requests aiohttp cannot parse get problems too (414, 431, 400)
        web.run_app(self.web_app, host=host, port=port, access_log=access, loop=loop, **kwargs)

    def serve(
        self,
        host: str = "0.0.0.0",  # noqa: S104
        port: int = 8080,
        *,
        workers: int = 1,
        access_log: bool = False,
        shutdown_timeout: float = 30.0,
        access_log_format: str = "text",
        loop: str = "auto",
        keepalive_timeout: float = KEEPALIVE_TIMEOUT,
    ) -> None:
        """Serve until interrupted, in ``workers`` processes sharing the port (``SO_REUSEPORT``:
        the kernel spreads connections over them).

        On ``SIGTERM`` or ``SIGINT`` each process stops accepting connections, closes websockets
        with 1001, waits up to ``shutdown_timeout`` seconds for the requests in flight to finish
        (those still running then are cancelled), closes the database pool and exits 0.
        ``access_log=True`` writes a line per request (``access_log_format="json"``: JSON lines).
        Each worker makes its own event loop (see :meth:`run`). A connection that sends no complete
        request head for ``keepalive_timeout`` seconds (idle, or too slow) is closed."""
        options: dict[str, Any] = {"print": None} if workers > 1 else {}
        options["shutdown_timeout"] = shutdown_timeout
        options["keepalive_timeout"] = keepalive_timeout
        options["loop"] = loop
        if access_log:
            options["access_log"] = True
            if access_log_format == "json":
                options["access_log_format"] = "json"
        if workers > 1:
            options["reuse_port"] = True

        def run() -> None:
            try:
                self.run(host=host, port=port, **options)
            except OSError as error:  # the port is taken, the host unknown: not a traceback
                if not isinstance(error, socket.gaierror) and error.errno not in _BIND_ERRORS:
                    raise
                raise StartupError(f"cannot serve on {host}:{port}: {error.strerror or error}") from error

        if workers == 1:
            run()
            return
        log.info("serving on http://%s:%s with %d worker processes", host, port, workers)
        self._warn_about_memory_broker()
        self._prepare_database()
        if any(metrics_on(api.options) for api in self.apis):  # every worker's values in one folder
            from openapi_aio.service.metrics import prepare_multiprocess

            prepare_multiprocess()
        if serve_forked(run, workers):
            raise SystemExit(1)  # each failed worker has said why

    def _warn_about_memory_broker(self) -> None:
        from openapi_aio.keys import HUB
        from openapi_aio.ws.brokers import MemoryBroker

        hub = self.web_app.get(HUB)
        if hub is not None and isinstance(hub.broker, MemoryBroker):
            log.warning(
                "websocket messages stay in the process that publishes them: with several workers, "
                "set BROKER=redis or BROKER=postgresql so that every subscriber gets them"
            )

    def _prepare_database(self) -> None:
        """Make the tables once, before the workers start (they would race to create them), and
        close it again: each worker opens its own connections after the fork."""
        storage = next((api.storage for api in self.apis if api.storage is not None), None)
        if storage is None:
            return

        async def prepare() -> None:
            try:
                await storage.prepare()
            finally:
                await storage.database.close()

        asyncio.run(prepare())

    def main(self, argv: Sequence[str] | None = None) -> None:
        """Run the command line (``python main.py serve``)."""
        self.cli.main(args=argv, prog_name=Path(sys.argv[0]).name or "main.py")


def serve_forked(run: Callable[[], None], workers: int) -> int:
    """Fork ``workers`` children running ``run``; stop them all on SIGINT/SIGTERM. The app is
    compiled before the fork, so every worker shares the same document, tables and cursor key.
    Returns how many workers failed."""
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the child
            code = 0
            try:
                run()
            except KeyboardInterrupt:  # stopped before the server's own handlers were in place
                pass
            except StartupError as error:
                sys.stderr.write(f"Error: {error}\n")
                code = 1
            except BaseException:  # noqa: BLE001 - a worker must never return into the parent's code
                traceback.print_exc()
                code = 1
            sys.stderr.flush()
            os._exit(code)
        children.append(pid)

    def stop(signum: int, frame: Any) -> None:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(child, signal.SIGINT)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    failed = 0
    for child in children:
        with contextlib.suppress(ChildProcessError):
            failed += os.waitpid(child, 0)[1] != 0
    return failed


# "module:attribute" (Connexion's and uvicorn's import strings); never an IPv4/IPv6 address or a name
_IMPORT_STRING = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def _import_app(import_string: str, *, factory: bool = False) -> App:
    """The ``App`` an import string names (the module is imported from ``sys.path``)."""
    module_name, _, attribute = import_string.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise StartupError(f"cannot import {module_name!r} to run {import_string!r}: {error}") from error
    served = getattr(module, attribute, None)
    if factory and callable(served):
        served = served()
    if not isinstance(served, App):
        raise StartupError(f"{import_string!r} is not an openapi_aio App (found {type(served).__name__})")
    return served


def _report_startup_errors_briefly() -> None:
    previous = sys.excepthook

    def hook(kind: type[BaseException], value: BaseException, traceback: Any) -> None:
        if isinstance(value, StartupError):
            from openapi_aio.service.failures import startup_message

            sys.stderr.write(f"Error: {startup_message(value)}\n")  # the interpreter still exits with 1
            return
        previous(kind, value, traceback)

    if getattr(previous, "__name__", "") != "hook":
        sys.excepthook = hook


def _root_path(import_name: str | None) -> Path:
    if import_name:
        module = sys.modules.get(import_name)
        file = getattr(module, "__file__", None)
        if file:
            return Path(file).resolve().parent
    return Path.cwd()


def new_event_loop(kind: str = "auto") -> asyncio.AbstractEventLoop:
    """The event loop to serve on: uvloop where installed (``auto``, the default: measured
    faster per request, docs/performance.md), else asyncio's own."""
    if kind not in ("auto", "asyncio", "uvloop"):
        raise StartupError(f"unknown event loop {kind!r}: auto, asyncio or uvloop")
    if kind != "asyncio":
        try:
            import uvloop
        except ImportError:
            if kind == "uvloop":
                raise StartupError("the uvloop event loop is not installed (pip install uvloop)") from None
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()
