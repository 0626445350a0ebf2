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

import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click
from aiohttp import web

from .api import Api
from .options import Options
from .spec import ApiSpec

__all__ = ["App", "setup"]


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
    api.mount(app)
    return api


class App:
    """A service: an aiohttp application serving one or more documents, with a click CLI.

    - ``import_name``: usually ``__name__``; documents are found relative to that module's folder
      (joined with ``specification_dir``), as Connexion's ``AsyncApp`` does.
    - ``options`` / keyword overrides: defaults for every API added (see :class:`Options`).
    - ``web_app``: the underlying ``aiohttp.web.Application``; add your own routes, middlewares,
      signals and ``cleanup_ctx`` to it.
    - ``cli``: the click group behind :meth:`main`; add commands with ``@app.cli.command()``.
    """

    def __init__(
        self,
        import_name: str | None = None,
        *,
        specification_dir: str | Path = "",
        options: Options | None = None,
        middlewares: Sequence[Any] = (),
        **option_overrides: Any,
    ) -> None:
        self.import_name = import_name
        self.root_path = _root_path(import_name)
        self.specification_dir = self.root_path / specification_dir
        self.options = (options or Options()).replace(**option_overrides)
        self.web_app = web.Application(client_max_size=self.options.client_max_size, middlewares=list(middlewares))
        self.apis: list[Api] = []
        self.cli = self._build_cli()

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
            options=self.options,
            base_dir=self.specification_dir,
            **option_overrides,
        )
        self.apis.append(api)
        return api

    def run(self, host: str = "0.0.0.0", port: int = 8080, **kwargs: Any) -> None:  # noqa: S104
        """Serve until interrupted (``aiohttp.web.run_app``)."""
        web.run_app(self.web_app, host=host, port=port, **kwargs)

    def main(self, argv: Sequence[str] | None = None) -> None:
        """Run the command line (``python main.py serve``)."""
        self.cli.main(args=argv, prog_name=Path(sys.argv[0]).name or "main.py")

    def _build_cli(self) -> click.Group:
        app = self

        @click.group(help="Run and manage this openapi_aio service.")
        @click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
        def cli(verbose: int) -> None:
            configure_logging(verbose)

        @cli.command(help="Serve the API over HTTP.")
        @click.option("--host", default="0.0.0.0", envvar="HOST", show_default=True, show_envvar=True)  # noqa: S104
        @click.option("--port", default=8080, type=int, envvar="PORT", show_default=True, show_envvar=True)
        def serve(host: str, port: int) -> None:
            app.run(host=host, port=port)

        return cli


def configure_logging(verbose: int) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("openapi_aio").setLevel(min(level, logging.INFO))
    logging.getLogger("aiohttp.access").setLevel(logging.INFO)


def _root_path(import_name: str | None) -> Path:
    if import_name:
        module = sys.modules.get(import_name)
        file = getattr(module, "__file__", None)
        if file:
            return Path(file).resolve().parent
    return Path.cwd()
