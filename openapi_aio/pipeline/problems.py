"""Render every HTTP error as RFC 9457 ``application/problem+json``, in one place.

The outermost pipeline stage (:func:`problem_stage`) turns whatever a request raised into a
problem response: :class:`~openapi_aio.errors.ProblemException` as it is, aiohttp's own
``HTTPException`` errors converted, and anything else into a 500 whose body reveals nothing (the
traceback goes to the log). Users may register a handler per exception class; it is looked up
along the exception's MRO, so a handler for a base class catches its subclasses.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from openapi_aio.endpoints.serialization import dumps
from openapi_aio.errors import InternalServerError, ProblemException
from openapi_aio.keys import OPERATION
from openapi_aio.pipeline import sentry
from openapi_aio.tracing import current_request_id

__all__ = ["PROBLEM_MEDIA_TYPE", "ExceptionHandler", "problem_body", "problem_response", "to_problem"]

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger("openapi_aio.unhandled")

ExceptionHandler = Callable[[web.Request, BaseException], Awaitable[web.StreamResponse]]


def problem_response(problem: ProblemException) -> web.Response:
    """The one renderer of problem objects, for HTTP answers and websocket errors alike."""
    response = web.Response(body=dumps(problem_body(problem)), status=problem.status, content_type=PROBLEM_MEDIA_TYPE)
    response.headers.update(problem.headers)
    return response


def problem_body(problem: ProblemException) -> dict[str, Any]:
    """The problem object as sent. A server error carries the request's id (see
    :mod:`openapi_aio.tracing`): the body hides what went wrong, the id finds it in the log. (Every
    answer, problem or not, has the id in its ``X-Request-ID`` header.)"""
    body = problem.to_dict()
    if problem.status >= 500:
        request_id = current_request_id()
        if request_id is not None:
            body.setdefault("request_id", request_id)
    return body


def to_problem(request: web.Request, error: BaseException) -> ProblemException:
    """Map any exception to the problem the client should see."""
    if isinstance(error, ProblemException):
        return error
    if isinstance(error, web.HTTPException):
        headers = {
            name: value
            for name, value in error.headers.items()
            if name.lower() not in ("content-type", "content-length")
        }
        detail = error.text if error.text and error.text != f"{error.status}: {error.reason}" else None
        return ProblemException(error.status, error.reason, detail, headers=headers)
    operation = request.get(OPERATION)
    label = operation.spec.label if operation is not None else "no operation"
    # The traceback is for operators only: never in the body (it would leak internals).
    log.error("unhandled error in %s %s (%s)", request.method, request.path, label, exc_info=error)
    sentry.report(request, error)
    return InternalServerError(detail="The server could not complete the request.")


def find_handler(
    handlers: Mapping[type[BaseException], ExceptionHandler], error: BaseException
) -> ExceptionHandler | None:
    for cls in type(error).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            return handler
    return None


def problem_stage(
    handlers: Mapping[type[BaseException], ExceptionHandler],
) -> Callable[[Any], Any]:
    """Build the outermost wrapper: every error below it becomes a response."""

    def wrap(call: Callable[[web.Request], Awaitable[web.StreamResponse]]):  # type: ignore[no-untyped-def]
        async def handle(request: web.Request) -> web.StreamResponse:
            try:
                return await call(request)
            except Exception as error:
                if handlers:
                    custom = find_handler(handlers, error)
                    if custom is not None:
                        return await custom(request, error)
                if isinstance(error, web.HTTPException) and error.status < 400:
                    raise  # redirects and the like are answers, not problems
                return problem_response(to_problem(request, error))

        return handle

    return wrap
