"""The request pipeline, visible in one place.

A request to an API goes through::

    problems        every error below becomes application/problem+json      (problems.py)
    routing         path + method -> Operation; 404 / 405 / typed paths      (routing.py, api.py)
    ---- per operation, compiled at start-up from STAGES, outermost first ----
    security        the document's security requirements: 401 / 403, before any body is read
                                                                             (security/)
    arguments       parameters and body -> keyword arguments, 400 on bad input (arguments.py)
    responses       the handler's response checked against the document, 500 if it breaks it;
                    only with validate_responses                          (response_validation.py)
    timeouts        handler_timeout / x-timeout: a handler still running is cancelled, 504;
                    only for operations with a limit                        (timeouts.py)
    endpoint        call the handler (or stub/mock), result -> response     (below)

Each stage is a factory ``(operation, next) -> handler`` run once per operation at start-up; a
stage with nothing to do for an operation returns ``next`` unchanged, so it costs nothing per
request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from aiohttp import web

from . import arguments, response_validation, security, timeouts
from .errors import NotImplementedProblem
from .keys import ARGUMENTS

if TYPE_CHECKING:
    from .operation import Operation

__all__ = ["STAGES", "Handler", "Stage", "build", "endpoint"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Stage = Callable[["Operation", Handler], Handler]

STAGES: tuple[Stage, ...] = (security.stage, arguments.stage, response_validation.stage, timeouts.stage)


def endpoint(operation: Operation) -> Handler:
    """The innermost handler: call the bound function and build the response."""
    call = operation.handler
    responder = operation.responder
    if call is None:
        if operation.fallback is not None:
            return operation.fallback
        label = operation.spec.label

        async def not_implemented(request: web.Request) -> web.StreamResponse:
            raise NotImplementedProblem(detail=f"{label} has no handler yet")

        return not_implemented

    async def call_handler(request: web.Request) -> web.StreamResponse:
        media_type = responder.media_type(request)  # a 406 before the handler has any effect
        result = await call.call(request, request[ARGUMENTS])
        return responder.respond(request, result, media_type)

    return call_handler


def build(operation: Operation, stages: tuple[Stage, ...] = STAGES) -> Handler:
    """Compose the per-operation chain: ``stages[0](op, stages[1](op, ... endpoint(op)))``."""
    handler = endpoint(operation)
    for stage in reversed(stages):
        handler = stage(operation, handler)
    return handler
