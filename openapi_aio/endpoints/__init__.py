"""What answers an operation: the endpoint factories, tried in order by the compile pass.

Each factory is ``(operation, context) -> Endpoint | None``; the first that returns an endpoint
wins (the order is :data:`openapi_aio.pipeline.ENDPOINTS`). A factory that does not apply returns
``None``; one that applies but cannot serve raises a :class:`~openapi_aio.errors.SpecError` or
:class:`~openapi_aio.errors.ResolverError`, reported with the document's other mistakes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from openapi_aio.endpoints.handler_call import SECURITY_ARGUMENTS, HandlerCall
from openapi_aio.errors import NotImplementedProblem, ResolverError
from openapi_aio.keys import ARGUMENTS
from openapi_aio.types import Endpoint

if TYPE_CHECKING:
    from openapi_aio.db.storage import Storage
    from openapi_aio.operation import Operation
    from openapi_aio.options import Options

__all__ = [
    "BindContext",
    "bound_handler",
    "database_resource",
    "mock_all",
    "mock_missing",
    "not_implemented",
    "websocket",
]

log = logging.getLogger("openapi_aio")


@dataclass(frozen=True, slots=True)
class BindContext:
    """What the factories need besides the operation: the API's options, its resolver, its
    tables (``None`` without ``x-table``/``datastore``) and the document's file, for errors; and
    where to note the operations whose handler could not be imported (stub and mock modes)."""

    options: Options
    resolver: Callable[..., Any]
    storage: Storage | None
    source: str
    # operations whose handler could not be imported, answered by a stub or mock instead
    unresolved: list[str] = field(default_factory=list)


def mock_all(operation: Operation, context: BindContext) -> Endpoint | None:
    """``mock="all"``: every operation answers from the document, handlers or not."""
    if context.options.mock != "all":
        return None
    from openapi_aio.endpoints import mock  # example generation loads only in mock mode

    return Endpoint(mock.endpoint(operation), "mock")


def database_resource(operation: Operation, context: BindContext) -> Endpoint | None:
    """``x-resource``: the resource's CRUD view answers (see :mod:`openapi_aio.db`)."""
    if operation.spec.resource is None or context.storage is None:
        return None
    return context.storage.endpoint(operation)


def websocket(operation: Operation, context: BindContext) -> Endpoint | None:
    """``x-websocket``: the upgrade, then the connection's frames (see :mod:`openapi_aio.ws`)."""
    if operation.spec.websocket is None:
        return None
    from openapi_aio.ws.endpoint import WebSocketEndpoint  # the hub and brokers load only where used

    return Endpoint(WebSocketEndpoint.compile(operation, context.source).handler(), "websocket")


def bound_handler(operation: Operation, context: BindContext) -> Endpoint | None:
    """The handler the resolver finds for the operation (``operationId: module.function``).

    Without one it is a start-up error, unless the API answers missing handlers itself
    (``stub`` or ``mock``): then the factories after this one do.
    """
    options = context.options
    answers_missing = bool(options.stub or options.mock)
    try:
        function = context.resolver(operation.spec)
    except Exception as error:
        if not answers_missing:
            if isinstance(error, ResolverError):
                raise
            raise ResolverError(f"the resolver failed: {error!r}") from error
        context.unresolved.append(f"{operation.spec.label} ({error})")  # Api logs one line for all
        return None
    if function is None:
        if not answers_missing:
            raise ResolverError(
                f"{operation.spec.label} has no handler: give it an operationId 'module.function' "
                "(or x-openapi-router-controller), use a resolver, or serve with stub=True / --stub"
            )
        return None
    secured = any(operation.spec.security or ())  # at least one requirement naming a scheme
    call = HandlerCall(
        function,
        label=operation.spec.label,
        supplied=operation.supplied_arguments(),
        always=SECURITY_ARGUMENTS if secured else (),
        context={"api_base_path": operation.base_path, "operation_id": operation.spec.operation_id},
    )
    responder = operation.responder

    async def call_handler(request: web.Request) -> web.StreamResponse:
        media_type = responder.media_type(request)  # a 406 before the handler has any effect
        result = await call.call(request, request[ARGUMENTS])
        return responder.respond(request, result, media_type)

    module = getattr(function, "__module__", "")
    return Endpoint(call_handler, f"{module}.{getattr(function, '__qualname__', function)}")


def mock_missing(operation: Operation, context: BindContext) -> Endpoint | None:
    """``mock="notimplemented"``: an operation without a handler answers from the document."""
    if not context.options.mock:
        return None
    from openapi_aio.endpoints import mock

    return Endpoint(mock.endpoint(operation), "mock")


def not_implemented(operation: Operation, context: BindContext) -> Endpoint | None:
    """``stub=True``: an operation without a handler answers 501 Not Implemented."""
    label = operation.spec.label

    async def stub(request: web.Request) -> web.StreamResponse:
        raise NotImplementedProblem(detail=f"{label} has no handler yet")

    return Endpoint(stub, "stub")
