"""All options in one frozen dataclass: the only place defaults live.

An :class:`App` has options; each API added to it may override some of them::

    app = App(__name__, options=Options(pythonic_params=True))
    app.add_api("openapi.yaml", validate_responses=True)   # this API only
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import types
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import sqlalchemy as sa

    from openapi_aio.pipeline.cors import Cors
    from openapi_aio.pipeline.problems import ExceptionHandler
    from openapi_aio.resolver import Resolver
    from openapi_aio.security.checkers import CheckerFactory

__all__ = ["COMMAND_LINE", "MockMode", "Options", "ReadOnlyPolicy", "TrailingSlash", "command_line_overrides"]

# Options the command line sets for the APIs a command builds (``serve --mock all``): App.add_api
# applies them over its own, so they reach a service made by App.factory_cli's factory.
COMMAND_LINE: contextvars.ContextVar[Mapping[str, Any]] = contextvars.ContextVar(
    "command_line", default=types.MappingProxyType({})
)


@contextlib.contextmanager
def command_line_overrides(options: Mapping[str, Any]) -> Iterator[None]:
    """APIs added inside the block get ``options`` over their own."""
    token = COMMAND_LINE.set(options)
    try:
        yield
    finally:
        COMMAND_LINE.reset(token)


MockMode = Literal["all", "notimplemented"]
TrailingSlash = Literal["strict", "ignore", "redirect"]
ReadOnlyPolicy = Literal["reject", "ignore"]
# The default of ``max_document_size``, also the loader's when called without options.
MAX_DOCUMENT_SIZE = 32 * 1024**2
KEEPALIVE_TIMEOUT = 15.0
"""Seconds a connection may wait for a request head: idle between requests (keep-alive), or a
head sent slowly or never finished (aiohttp times both with one timer, from the connection's
opening or the end of the previous answer). Short, so that thousands of idle or unfinished
connections are not held (aiohttp's own run_app keeps them 75 s)."""


@dataclass(frozen=True, slots=True)
class Options:
    """How an API is served.

    - ``base_path``: where the API is mounted; default ``servers[0].url``'s path (3.x) or
      ``basePath`` (2.0).
    - ``resolver``: finds each operation's handler; default: ``operationId`` as
      ``package.module.function`` (see :mod:`openapi_aio.resolver`).
    - ``pythonic_params``: ``camelCase`` parameter names arrive as ``snake_case`` arguments, and
      names that shadow builtins get a trailing ``_`` (``filter`` -> ``filter_``).
    - ``stub``: operations without a handler answer 501 instead of stopping start-up.
    - ``mock``: answer operations from the document's examples (``all``, or ``notimplemented``).
    - ``strict_validation``: unknown query and form parameters are a 400.
    - ``validate_responses``: check what handlers return against the document.
    - ``trailing_slash``: ``strict`` (``/pets/`` is not ``/pets``), ``ignore`` (both match) or
      ``redirect`` (308 to the documented form).
    - ``validate_document``: check the document against the official meta-schema at start-up.
    - ``allow_remote_refs``: follow ``http(s)://`` ``$ref`` s (off: a document must not make the
      server fetch URLs, which would be server-side request forgery).
    - ``arguments``: values for ``{{ name }}`` placeholders in the document text, substituted
      only when given (the document is never run through a template engine).
    - ``exception_handlers``: ``{ExceptionClass: async handler(request, exc) -> response}``.
    - ``fill_defaults``: fill in request body properties the client left out with their schema
      ``default`` (Connexion users ask for this; off, the handler sees the body as sent).
    - ``read_only``: a ``readOnly`` property sent in a request is dropped before the handler sees
      the body (``ignore``, the default: the specification says clients SHOULD NOT send them, and
      Connexion ignores them) or answered with a 400 (``reject``). Either way it is never passed
      on (mass assignment): where ``ignore`` cannot drop one (a ``oneOf`` branch), it is a 400.
    - ``security_handlers``: checkers for scheme types openapi_aio does not check itself, keyed
      by ``type`` (or ``"http:<scheme>"``): ``{"http:hmac": factory(name, scheme) -> checker}``.
    - ``introspection_auth``: ``(client_id, secret)`` sent as Basic auth to RFC 7662 endpoints.
    - ``introspection_cache_seconds``: how long an introspection answer without ``exp`` is kept.
    - ``client_max_size``: largest request body read, in bytes; in a multipart body, the largest
      total of its form fields (file content counts against ``max_upload_size``). Larger is a 413,
      refused from ``Content-Length`` before reading or as soon as a streamed body grows too large;
      0 for no limit.
    - ``max_upload_size``: largest total of the files uploaded in one multipart request, in bytes
      (each is streamed to a temporary file, on disk beyond 1 MiB); larger is a 413; 0 for no limit.
    - ``serve_spec``: serve the document at ``{base_path}/openapi.json`` and ``.yaml``
      (``swagger.json``/``.yaml`` for 2.0), with ``servers`` (or ``host``/``basePath``) rewritten to
      where it is reached and security function paths (``x-bearerInfoFunc``...) removed.
    - ``serve_asyncapi``: with ``serve_spec``, serve an AsyncAPI 3.0 document of the websocket
      operations (``x-websocket``) at ``{base_path}/asyncapi.json`` and ``.yaml``, built on the
      first request; nothing is served for an API without websockets (see ``docs/websockets.md``).
    - ``serve_spec_bundled``: serve a document split over several files as one (external
      ``$ref`` s inlined): clients and Swagger UI get only the served file, so references into
      the others could not be followed. ``None`` (the default): as one file, or as written (with
      a warning) where one cannot be made (a ``$ref`` in an extension naming a missing file);
      ``True``: as one file or not at all (a start-up error); ``False``: as written.
    - ``swagger_ui``: Swagger UI at ``{base_path}{swagger_ui_path}/`` (needs the ``ui`` extra and
      ``serve_spec``).
    - ``swagger_ui_path``: where, below the base path, the UI is served.
    - ``swagger_ui_options``: added to the ``SwaggerUIBundle({...})`` configuration
      (``{"docExpansion": "none", "tryItOutEnabled": True}``).
    - ``datastore``: the database of the document's tables (``x-table``): ``postgresql://...``
      or ``sqlite:///path``; default the ``DATASTORE`` environment variable, else an SQLite file
      ``data.sqlite`` beside the application (see ``docs/resources.md``).
    - ``metadata``: the SQLAlchemy ``MetaData`` the tables join (your own tables may be there).
    - ``create_tables``: create missing tables at start-up; default: on SQLite only (on
      PostgreSQL, migrations own the schema). With a migrations environment (``migrations_dir``),
      "create" means upgrading to the newest revision.
    - ``migrations_dir``: the alembic environment of the tables (:class:`App` sets its own).
    - ``broker``: how websocket messages reach every process: ``memory`` (one process, the
      default), ``redis`` (``REDIS_URL``) or a ``redis://`` URL, ``postgresql`` (the datastore's
      LISTEN/NOTIFY) or a ``postgresql://`` URL; default the ``BROKER`` environment variable.
    - ``secret_key``: signs pagination cursors; default ``SECRET_KEY``, else one per process (set
      it when several processes serve the API).
    - ``sentry``: report unhandled errors (500s) to Sentry with their operationId, request id and
      user (extra ``sentry``): a DSN, a mapping of ``sentry_sdk.init`` arguments, ``True`` (a
      client initialised by your code, or ``SENTRY_DSN``) or ``False``; default: on when
      ``SENTRY_DSN`` is set (see :mod:`openapi_aio.pipeline.sentry`).
    - ``cors``: cross-origin requests allowed: a :class:`~openapi_aio.pipeline.cors.Cors`, a mapping of its
      fields, a list of origins or ``True`` (any origin); applied to the whole application, problem
      responses included (see :mod:`openapi_aio.pipeline.cors`).
    - ``health``: serve ``GET /health`` (alive) and ``GET /ready`` (database and broker answer; 503
      problem otherwise), outside the served document; ``health_paths`` moves them.
    - ``metrics``: serve Prometheus metrics at ``GET /metrics`` (extra ``metrics``): requests,
      latency and requests in flight by operation, database pool, websockets, broker; also on
      when the ``METRICS`` environment variable is ``1``. Off, nothing is imported or run per
      request (see :mod:`openapi_aio.service.metrics` and ``docs/operations.md``, "Metrics").
    - ``opentelemetry``: an OpenTelemetry server span per request, named by the operation, with
      child spans for database statements and websocket RPC calls, continuing an incoming
      ``traceparent`` (extra ``otel``); spans go to the global tracer provider your code configures.
      Also on when the ``OTEL`` environment variable is ``1``. Off, nothing is imported or run per
      request (see :mod:`openapi_aio.service.telemetry` and ``docs/operations.md``).
    - ``handler_timeout``: seconds a handler (or CRUD view) may run before it is cancelled and the
      client answered 504; an operation's ``x-timeout`` overrides it (``false``: no limit there).
      Default ``None``: no limit (see :mod:`openapi_aio.pipeline.timeouts`).
    - ``max_form_parts``: the most parts a multipart body (fields an urlencoded body) may have;
      more is a 413 at the first one too many; 0 for no limit.
    - ``body_timeout``: seconds a request body may go without anything more arriving; longer is a
      408 and the connection is closed; 0 for no limit (see :mod:`openapi_aio.request.limits`).
    - ``allowed_ref_dirs``: folders, besides the document's own folder and those below it, whose
      files a ``$ref`` may read (relative ones are relative to the document's ``base_dir``, else
      the current folder). By default a document reads no file outside its own tree
      (``$ref: /etc/passwd`` is refused; see ``docs/spec-files.md``).
    - ``max_document_size``: most bytes one document may hold: its files together (read no further
      than that, so ``$ref: /dev/zero`` cannot exhaust memory) and what its YAML aliases repeat;
      larger is a start-up error naming the file. 32 MiB by default (GitHub's REST description is
      13 MB); 0 for no limit.
    - ``document_framework_answers``: the served document lists, per operation, the answers the
      framework itself makes there (400, 401/403, 404, 406, 408/413/415, 409/412/422, 426, 501,
      503, 504) that the document does not declare, each ``application/problem+json`` with a shared
      ``Problem`` schema (see :mod:`openapi_aio.service.framework_answers`), the websocket
      handshake's headers, and what the tables cannot hold (:mod:`openapi_aio.service.column_limits`);
      the file is never changed. ``False`` serves the document as written.
    """

    base_path: str | None = None
    resolver: Resolver | None = None
    pythonic_params: bool = False
    stub: bool = False
    mock: MockMode | None = None
    strict_validation: bool = False
    validate_responses: bool = False
    trailing_slash: TrailingSlash = "strict"
    validate_document: bool = True
    allow_remote_refs: bool = False
    arguments: Mapping[str, Any] | None = None
    exception_handlers: Mapping[type[BaseException], ExceptionHandler] = field(default_factory=dict)
    fill_defaults: bool = False
    read_only: ReadOnlyPolicy = "ignore"
    security_handlers: Mapping[str, CheckerFactory] = field(default_factory=dict)
    introspection_auth: tuple[str, str] | None = None
    introspection_cache_seconds: float = 60.0
    client_max_size: int = 1024**2
    max_upload_size: int = 16 * 1024**2
    serve_spec: bool = True
    serve_spec_bundled: bool | None = None
    serve_asyncapi: bool = True
    swagger_ui: bool = True
    swagger_ui_path: str = "/ui"
    swagger_ui_options: Mapping[str, Any] = field(default_factory=dict)
    datastore: str | None = None
    metadata: sa.MetaData | None = None
    create_tables: bool | None = None
    migrations_dir: str | Path | None = None
    broker: str | None = None
    secret_key: str | None = None
    sentry: bool | str | Mapping[str, Any] | None = None
    cors: Cors | Mapping[str, Any] | Sequence[str] | str | bool | None = None
    health: bool = False
    health_paths: tuple[str, str] = ("/health", "/ready")
    metrics: bool = False
    opentelemetry: bool = False
    handler_timeout: float | None = None
    max_form_parts: int = 1000
    body_timeout: float | None = 30.0
    allowed_ref_dirs: Sequence[str | Path] = ()
    max_document_size: int = MAX_DOCUMENT_SIZE
    document_framework_answers: bool = True

    def replace(self, **changes: Any) -> Options:
        """A copy with ``changes``; ``None`` values mean "keep mine"."""
        unknown = set(changes) - {f.name for f in dataclasses.fields(self)}
        if unknown:
            raise TypeError(f"unknown option(s): {', '.join(sorted(unknown))}")
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})
