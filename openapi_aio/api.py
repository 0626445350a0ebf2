"""One document served at one base path: load, bind, compile, route.

Everything that can be decided before the first request is decided in ``Api.__init__``: the
document is loaded and checked, every operation is compiled with its handler and request chain, and
the router is built. Errors from all of these are collected and raised together, so a user fixes a
broken document or handler module in one pass.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from aiohttp import web
from aiohttp.web_urldispatcher import _default_expect_handler

from openapi_aio import pipeline
from openapi_aio.errors import (
    InvalidSpecification,
    MethodNotAllowed,
    NotFound,
    ProblemException,
    ResolverError,
    SpecError,
)
from openapi_aio.keys import APIS, OPERATION, PATH_VALUES
from openapi_aio.operation import Operation
from openapi_aio.options import Options
from openapi_aio.pipeline.compile import BindContext, compile_operation
from openapi_aio.pipeline.problems import problem_response
from openapi_aio.pipeline.routing import Router, RouterError
from openapi_aio.resolver import Resolver
from openapi_aio.security import SecuritySchemes
from openapi_aio.service import docs_ui
from openapi_aio.service.served_spec import ServedSpec
from openapi_aio.spec import ApiSpec, load_spec
from openapi_aio.tracing import identified
from openapi_aio.validation import shared_compiles

if TYPE_CHECKING:
    from openapi_aio.db import Database
    from openapi_aio.db.storage import Storage

__all__ = ["Api"]

log = logging.getLogger("openapi_aio")


class Api:
    """A compiled API. Create it through :func:`openapi_aio.setup` or :meth:`App.add_api`."""

    def __init__(
        self,
        specification: str | Path | Mapping[str, Any] | ApiSpec,
        options: Options | None = None,
        *,
        base_dir: str | Path | None = None,
    ) -> None:
        self.options = options = options or Options()
        if isinstance(specification, ApiSpec):
            self.spec = specification
        else:
            self.spec = load_spec(
                specification,
                base_dir=base_dir,
                validate=options.validate_document,
                allow_remote_refs=options.allow_remote_refs,
                arguments=options.arguments,
                allowed_ref_dirs=options.allowed_ref_dirs,
                max_document_size=options.max_document_size,
            )
        base_path = self.spec.base_path if options.base_path is None else options.base_path
        self.base_path = "/" + base_path.strip("/") if base_path.strip("/") else ""
        self.router: Router[Operation] = Router(ignore_trailing_slash=options.trailing_slash == "ignore")
        self.operations: list[Operation] = []
        errors: list[SpecError] = []
        self.security = SecuritySchemes(
            self.spec.security_schemes,
            custom=options.security_handlers,
            title=self.spec.title,
            cache_seconds=options.introspection_cache_seconds,
            introspection_auth=options.introspection_auth,
            presence_only=bool(options.stub or options.mock),
        )
        # The document's tables and database resources (x-table, x-resource), when it has any.
        self.storage: Storage | None = None
        if options.datastore or self.spec.stored_schemas or any(op.resource for op in self.spec.operations):
            from openapi_aio.db.storage import Storage  # SQLAlchemy is imported only by services that use it

            self.storage = Storage(self.spec, options, base_dir)
            errors += self.storage.errors
        context = BindContext(options, options.resolver or Resolver(), self.storage, self.spec.source)
        with shared_compiles():  # a schema used by many operations is compiled once
            for spec in self.spec.operations:
                try:
                    operation = compile_operation(spec, context, self.base_path, self.spec.version, self.security)
                    self.router.add(spec.path, spec.method, operation)
                except RouterError as error:
                    errors.append(SpecError(error.message, self.spec.source, spec.pointer))
                    continue
                except ResolverError as error:
                    errors.append(SpecError(str(error), self.spec.source, spec.pointer))
                    continue
                except SpecError as error:  # a schema, x-resource or security scheme that cannot be served
                    file, pointer = error.file or self.spec.source, error.pointer or spec.pointer
                    errors.append(SpecError(error.message, file, pointer))
                    continue
                self.operations.append(operation)
                log.debug("%s %s%s -> %s", spec.method.upper(), self.base_path, spec.path, operation.bound_to)
        if errors:
            raise InvalidSpecification(errors, self.spec.source)
        self._report_unresolved(context.unresolved)
        self.served: ServedSpec | None = None
        if options.serve_spec:
            files = None
            bundled = options.serve_spec_bundled is not False  # None: one file where it can be made
            if bundled and not isinstance(specification, ApiSpec) and self.spec.file_count > 1:
                files = self.spec.files  # as the loader read them (same options): none read twice
            answers_of = self.operations if options.document_framework_answers else ()
            tables = self.storage.tables if self.storage is not None and answers_of else None
            resources = self.storage.resources if self.storage is not None else ()
            try:  # bundling follows every $ref, those in extensions the loader never read too
                self.served = ServedSpec(
                    self.spec, self.base_path, files=files, answers_of=answers_of, tables=tables, resources=resources
                )
            except SpecError as error:
                if options.serve_spec_bundled is not None:
                    raise InvalidSpecification([error], self.spec.source) from None
                log.warning("the document is served as written, not as one file: %s", error)
                self.served = ServedSpec(
                    self.spec, self.base_path, answers_of=answers_of, tables=tables, resources=resources
                )
        self.route_handler = pipeline.api_handler(self._dispatch, options.exception_handlers)

    def _report_unresolved(self, unresolved: list[str]) -> None:
        """One warning line for the operations whose handler could not be imported (in stub or
        mock mode they answer anyway), not one per operation: a large document stays readable."""
        if unresolved:
            answer = "from the document (mock)" if self.options.mock else "501 (stub)"
            shown = "; ".join(unresolved[:3]) + ("; ..." if len(unresolved) > 3 else "")
            log.warning(
                "%s: %d of %d operations have no handler and answer %s: %s",
                self.spec.source, len(unresolved), len(self.operations), answer, shown,
            )  # fmt: skip

    # --- serving ---

    def mount(self, app: web.Application) -> None:
        """Add this API's routes to ``app`` (one catch-all under the base path)."""
        if "{" in self.base_path or "}" in self.base_path:
            raise SpecError(f"base path {self.base_path!r} must not contain placeholders", self.spec.source)
        for other in app.get(APIS, ()):
            if other.base_path == self.base_path:
                raise SpecError(
                    f"base path {self.base_path or '/'!r} is already served by {other.spec.source}; "
                    "give one of the APIs another base_path",
                    self.spec.source,
                )
        self._mount_documentation(app)
        if self.storage is not None:
            self.storage.mount(app)
        if any(op.websocket is not None or (op.resource or {}).get("events") for op in self.spec.operations):
            from openapi_aio.ws.hub import mount_hub

            database = self.database
            mount_hub(app, self.options.broker, database.url if database is not None else None)
        if self.base_path:
            app.router.add_route("*", self.base_path, self.route_handler, expect_handler=self._expect)
        app.router.add_route("*", self.base_path + "/{tail:.*}", self.route_handler, expect_handler=self._expect)
        if APIS not in app:
            app[APIS] = []
        app[APIS].append(self)
        app.on_cleanup.append(self._close)

    def _mount_documentation(self, app: web.Application) -> None:
        """The served document and Swagger UI, unless the document has its own GET there."""
        if self.served is None:
            return
        for name, handler in self.served.names.items():
            if not self._documented("/" + name):
                app.router.add_get(f"{self.base_path}/{name}", identified(handler))
        options = self.options
        if options.serve_asyncapi and any(op.websocket is not None for op in self.spec.operations):
            from openapi_aio.service.asyncapi import AsyncApiDocument

            asyncapi = AsyncApiDocument(self.served.document, self.base_path)
            for name, handler in asyncapi.names.items():
                if not self._documented("/" + name):
                    app.router.add_get(f"{self.base_path}/{name}", identified(handler))
        if not options.swagger_ui:
            return
        ui_path = "/" + options.swagger_ui_path.strip("/")
        if self._documented(ui_path + "/"):
            return
        folder = docs_ui.assets_folder()
        if folder is None:
            log.warning("Swagger UI not served: install openapi-aio[ui] (the %s package)", docs_ui.PACKAGE)
            return
        document = next(iter(self.served.names))
        ui = docs_ui.SwaggerUI(folder, document, self.spec.title, options.swagger_ui_options)
        ui.mount(app, self.base_path + ui_path)

    def _documented(self, path: str) -> bool:
        match = self.router.resolve(path, "GET")
        return match is not None and match.target is not None

    async def _close(self, app: web.Application) -> None:
        await self.security.tokens.close()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.rel_url.raw_path[len(self.base_path) :] or "/"
        match = self.router.resolve(path, request.method)
        if match is None:
            return self._not_found(request, path)
        operation = match.target
        if operation is None:
            raise MethodNotAllowed(match.allowed, detail=f"{request.method} is not allowed on {match.template}")
        match_info = request.match_info
        match_info.pop("tail", None)
        for name, value in match.params.items():
            match_info[name] = unquote(value) if "%" in value else value
        request[PATH_VALUES] = match.params
        request[OPERATION] = operation
        return await operation.handle(request)

    async def _expect(self, request: web.Request) -> web.StreamResponse | None:
        """``Expect: 100-continue``: refuse before inviting the body when the route, the
        credentials or the announced size already decide it (aiohttp would otherwise send 100
        Continue at once)."""
        path = request.rel_url.raw_path[len(self.base_path) :] or "/"
        match = self.router.resolve(path, request.method)
        operation = match.target if match is not None else None
        try:
            if operation is not None and operation.authenticate is not None:
                await operation.authenticate(request)
            if operation is not None and operation.body is not None:
                operation.body.check_length(request)  # 413 from Content-Length
        except ProblemException as problem:
            response = problem_response(problem)
            response.force_close()  # the client may still send the body: do not read it
            return response
        except Exception:  # noqa: BLE001, S110 - the request's own pipeline reports it properly
            pass
        await _default_expect_handler(request)  # aiohttp's own: 100 Continue, or 417
        return None

    def _not_found(self, request: web.Request, path: str) -> web.StreamResponse:
        if self.options.trailing_slash == "redirect":
            other = path.rstrip("/") if path.endswith("/") and path != "/" else path + "/"
            match = self.router.resolve(other, request.method)
            if match is not None and match.target is not None:
                location = (
                    self.base_path
                    + other
                    + (f"?{request.rel_url.raw_query_string}" if request.rel_url.raw_query_string else "")
                )
                raise web.HTTPPermanentRedirect(location)
        raise NotFound(detail=f"no operation at {request.path}")

    @property
    def database(self) -> Database | None:
        """The database of this API's tables (``None`` without ``x-table`` or ``datastore``)."""
        return self.storage.database if self.storage is not None else None

    def routes(self) -> list[tuple[str, str, Operation]]:
        """(method, full path, operation) for every operation, in document order."""
        return [(op.spec.method.upper(), self.base_path + op.spec.path, op) for op in self.operations]
