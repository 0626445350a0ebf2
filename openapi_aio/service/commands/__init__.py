"""The command line every :class:`~openapi_aio.App` gets: ``python main.py serve``, ``db ...``,
``routes``, ``spec ...``; users add their own commands to the same click group (``app.cli``).

This module holds the group and its serve, routes and spec commands; ``db`` is in
:mod:`.db`, ``serve --reload`` in :mod:`.reload`, the one-line failures in
:mod:`openapi_aio.service.failures`.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from openapi_aio.options import KEEPALIVE_TIMEOUT
from openapi_aio.service.commands.db import db_commands
from openapi_aio.service.commands.reload import run_with_reload, running_under_reloader, watched_files
from openapi_aio.service.failures import clean_failures
from openapi_aio.service.logs import configure_logging

if TYPE_CHECKING:
    from openapi_aio.api import Api
    from openapi_aio.options import Options
    from openapi_aio.service.app import App

__all__ = ["build_cli", "serving_options"]

F = TypeVar("F", bound=Callable[..., Any])


def serving_options(command: F) -> F:
    """The options of ``serve`` (and of ``openapi-aio run``): workers, reload, access log, loop,
    shutdown, keep-alive. The defaults are the fast ones, chosen by measurement
    (docs/performance.md)."""
    setting = functools.partial(click.option, show_default=True, show_envvar=True)  # each has an env var
    for option in reversed(
        [
            setting("--workers", "-w", default=1, type=click.IntRange(1), envvar="WEB_CONCURRENCY",
                    help="Processes sharing the port (SO_REUSEPORT)."),
            click.option("--reload", is_flag=True,
                         help="Restart when a Python file or a document changes (development)."),
            setting("--access-log/--no-access-log", default=False, envvar="ACCESS_LOG",
                    help="Log every request (off by default: it costs time on every request)."),
            setting("--access-log-format", type=click.Choice(["text", "json"]), default="text",
                    envvar="ACCESS_LOG_FORMAT", help="text: aiohttp's line; json: one JSON object per request."),
            setting("--loop", type=click.Choice(["auto", "asyncio", "uvloop"]), default="auto", envvar="EVENT_LOOP",
                    help="auto: uvloop where installed, else asyncio."),
            setting("--shutdown-timeout", default=30.0, type=click.FloatRange(0), envvar="SHUTDOWN_TIMEOUT",
                    help="Seconds given to requests in flight on SIGTERM before they are cancelled."),
            setting("--keepalive-timeout", default=KEEPALIVE_TIMEOUT, type=click.FloatRange(0, min_open=True),
                    envvar="KEEPALIVE_TIMEOUT",
                    help="Seconds a connection may wait for a request's headers: idle, or sending them slowly."),
        ]
    ):  # fmt: skip
        command = option(command)
    return command


def build_cli(get_app: Callable[[], App]) -> click.Group:
    """The click group behind ``app.main()`` and :meth:`App.factory_cli`. ``get_app`` is called
    when a command runs, so ``--help`` needs neither the application nor its document."""

    @click.group(help="Run and manage this openapi_aio service.")
    @click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
    def cli(verbose: int) -> None:
        configure_logging(verbose)

    @cli.command(help="Serve the API over HTTP.")
    @click.option("--host", default="0.0.0.0", envvar="HOST", show_default=True, show_envvar=True)  # noqa: S104
    @click.option("--port", default=8080, type=int, envvar="PORT", show_default=True, show_envvar=True)
    @click.option(
        "--mock",
        type=click.Choice(["all", "notimplemented"]),
        default=None,
        help="Answer operations from the document's examples: all of them, or those without a handler "
        "(needs the service made by App.factory_cli).",
    )
    @click.option("--stub", is_flag=True, help="Answer 501 for operations without a handler instead of failing.")
    @serving_options
    @clean_failures
    def serve(host: str, port: int, reload: bool, mock: str | None, stub: bool, **options: Any) -> None:
        from openapi_aio.options import command_line_overrides

        asked = {key: value for key, value in (("mock", mock), ("stub", stub or None)) if value is not None}
        with command_line_overrides(asked):
            app = get_app()
        for name, value in asked.items():  # an App built before the command line was read has not got them
            if any(getattr(api.options, name) != value for api in app.apis):
                raise click.UsageError(
                    f"--{name} needs the service made when the command runs: "
                    "App.factory_cli(create_app).main() (docs/cli.md)"
                )
        if reload and not running_under_reloader():
            sys.exit(run_with_reload(watched_files(app)))
        app.serve(host=host, port=port, **options)

    @cli.command(help="List the operations: method, path and what answers them.")
    @clean_failures
    def routes() -> None:
        apis = get_app().apis
        rows = [(method, path, operation.bound_to or "-") for api in apis for method, path, operation in api.routes()]
        width_method = max((len(row[0]) for row in rows), default=6)
        width_path = max((len(row[1]) for row in rows), default=4)
        for method, path, target in rows:
            click.echo(f"{method:<{width_method}}  {path:<{width_path}}  {target}")

    @cli.group(help="The OpenAPI documents.")
    def spec() -> None:
        pass

    @spec.command(help="Check the documents (or FILE); located messages and exit status 1 when invalid.")
    @click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, resolve_path=True))
    @clean_failures
    def validate(file: str | None) -> None:
        from openapi_aio.spec import load_spec

        app = get_app()
        sources = [(file, app.options)] if file is not None else [(_document_of(api), api.options) for api in app.apis]
        if not sources:
            raise click.ClickException("no document: give FILE")
        for source, options in sources:
            click.echo(f"{load_spec(source, base_dir=app.specification_dir, **_reading(options)).source}: valid")

    @spec.command(help="Print a document as one file, every $ref to another file inlined.")
    @click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, resolve_path=True))
    @click.option("--format", "fmt", type=click.Choice(["yaml", "json"]), default="yaml", show_default=True)
    @clean_failures
    def bundle(file: str | None, fmt: str) -> None:
        from openapi_aio.service.served_spec import bundled_document

        app = get_app()
        source = file if file is not None else (_document_of(app.apis[0]) if app.apis else None)
        if source is None:
            raise click.ClickException("no document: give FILE")
        reading = _reading(app.options if file is not None else app.apis[0].options)
        document = (
            source
            if isinstance(source, Mapping)
            else bundled_document(source, base_dir=app.specification_dir, **reading)
        )
        if fmt == "json":
            click.echo(json.dumps(document, indent=2, ensure_ascii=False))
        else:
            import yaml

            click.echo(yaml.safe_dump(document, sort_keys=False, allow_unicode=True), nl=False)

    def generate(
        file: str | None, output: str | None, writer: Callable[..., str], default_name: str, contract: bool = False
    ) -> None:
        """Write ``writer``'s module for FILE (or the service's first document; ``contract``: the
        document as the service serves it) to OUTPUT or stdout."""
        from openapi_aio.spec import load_spec

        app = get_app()
        if file is None and not app.apis:
            raise click.ClickException("no document: give FILE")
        if file is not None:
            loaded = load_spec(file, base_dir=app.specification_dir, **_reading(app.options))
        else:
            loaded = app.apis[0].spec
            served = app.apis[0].served
            if contract and served is not None:  # what the service answers (rows with embedded rows...)
                loaded = load_spec(served.contract(), base_dir=app.specification_dir, **_reading(app.options))
        source = writer(loaded, target=Path(output).name if output else default_name)
        if output is None:
            click.echo(source, nl=False)
        else:
            Path(output).write_text(source, encoding="utf-8")

    @spec.command(help="Write the model classes of the document's schemas as a typed Python module.")
    @click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, resolve_path=True))
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
    @clean_failures
    def models(file: str | None, output: str | None) -> None:
        from openapi_aio.models import write_module

        generate(file, output, write_module, "models.py")

    @spec.command(help="Write a typed client: one typed async method per operation, with the model classes.")
    @click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, resolve_path=True))
    @click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
    @clean_failures
    def client(file: str | None, output: str | None) -> None:
        from openapi_aio.client.codegen import write_client

        generate(file, output, write_client, "client.py", contract=True)

    cli.add_command(db_commands(get_app))
    return cli


def _document_of(api: Api) -> str | Mapping[str, Any]:
    """Where ``api``'s document can be read again: its file (the name in messages is relative to
    the current directory, not to ``specification_dir``), or the document given as a dict."""
    source = api.spec.source
    return api.spec.document if source == "<document>" else str(Path(source).resolve())


def _reading(options: Options) -> dict[str, Any]:
    """What a document may read (remote references, folders, bytes), for a command that reads a
    document again: the same as when the service loaded it."""
    return {
        "allow_remote_refs": options.allow_remote_refs,
        "allowed_ref_dirs": options.allowed_ref_dirs,
        "max_document_size": options.max_document_size,
    }
