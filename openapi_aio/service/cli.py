"""``openapi-aio``: serve a document from the command line, as ``connexion run`` does.

Only click and the options load with the group: ``openapi-aio --help`` answers without importing
aiohttp or the compiler, which ``run`` imports when it runs.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from openapi_aio.service.commands import serving_options
from openapi_aio.service.commands.reload import run_with_reload, running_under_reloader, watched_files
from openapi_aio.service.failures import clean_failures
from openapi_aio.service.logs import configure_logging

__all__ = ["main"]


@click.group()
@click.version_option(package_name="openapi-aio")
def main() -> None:
    """Spec-first services on aiohttp."""


@main.command()
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("base_module_path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", "-H", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", "-p", default=8080, type=int, show_default=True)
@click.option("--base-path", default=None, help="Serve the API here instead of the document's servers/basePath.")
@click.option(
    "--mock",
    type=click.Choice(["all", "notimplemented"]),
    default=None,
    help="Answer operations from the document's examples: all of them, or those without a handler.",
)
@click.option("--stub", is_flag=True, help="Answer 501 for operations without a handler instead of failing.")
@click.option("--validate-responses", is_flag=True, help="Check handler responses against the document.")
@click.option("--strict-validation", is_flag=True, help="Reject unknown query and form parameters.")
@click.option("--pythonic-params", is_flag=True, help="camelCase parameters arrive as snake_case arguments.")
@click.option(
    "--allow-ref-dir",
    "allowed_ref_dirs",
    multiple=True,
    type=click.Path(file_okay=False, resolve_path=True),
    help="A folder outside the document's own whose files $ref may read (repeatable).",
)
@click.option(
    "--max-document-size",
    type=click.IntRange(0),
    default=None,
    help="Most bytes the document may hold, its files together (default 32 MiB; 0: no limit).",
)
@click.option("-v", "--verbose", count=True, help="More logging (-vv for debug).")
@serving_options
@clean_failures  # a broken document or a taken port: one line, exit status 1, as serve
def run(
    spec_file: Path,
    base_module_path: Path | None,
    host: str,
    port: int,
    base_path: str | None,
    mock: str | None,
    stub: bool,
    validate_responses: bool,
    strict_validation: bool,
    pythonic_params: bool,
    allowed_ref_dirs: tuple[str, ...],
    max_document_size: int | None,
    verbose: int,
    reload: bool,
    **serving: Any,
) -> None:
    """Serve SPEC_FILE, with handlers imported from BASE_MODULE_PATH (default: the current folder).

    The serving options and their defaults are those of ``python main.py serve``."""
    from openapi_aio.compat import install
    from openapi_aio.compat.serving import wire
    from openapi_aio.service.app import App

    configure_logging(verbose)
    install()  # Connexion handler modules' `import connexion`, when Connexion is not installed
    # Handler modules are found where a Connexion user keeps them: beside the document or here.
    for folder in (spec_file.resolve().parent, (base_module_path or Path.cwd()).resolve()):
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    app = App(
        specification_dir=spec_file.resolve().parent,
        stub=stub or None,
        mock=mock,
        pythonic_params=pythonic_params or None,
        strict_validation=strict_validation or None,
        validate_responses=validate_responses or None,
        allowed_ref_dirs=allowed_ref_dirs or None,
        max_document_size=max_document_size,
    )
    exception_handlers: dict[type[BaseException], Any] = {}  # filled by wire() if handlers use connexion
    app.add_api(spec_file.name, base_path=base_path, exception_handlers=exception_handlers)
    wire(app, exception_handlers)
    if reload and not running_under_reloader():
        sys.exit(run_with_reload(watched_files(app)))
    click.echo(f"serving {spec_file} on http://{host}:{port}{app.apis[0].base_path or '/'}", err=True)
    app.serve(host=host, port=port, **serving)


@main.group()
def spec() -> None:
    """The OpenAPI documents."""


@spec.command()
@click.argument("spec_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@clean_failures
def client(spec_file: Path, output: str | None) -> None:
    """Write a typed client of SPEC_FILE: one typed async method per operation, with the model
    classes (as ``python main.py spec client``)."""
    from openapi_aio.client.codegen import write_client
    from openapi_aio.spec import load_spec

    source = write_client(load_spec(spec_file), target=Path(output).name if output else "client.py")
    if output is None:
        click.echo(source, nl=False)
    else:
        Path(output).write_text(source, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
