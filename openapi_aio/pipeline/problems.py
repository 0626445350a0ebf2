"""Render every HTTP error as RFC 9457 ``application/problem+json``, in one place.

The outermost pipeline stage (:func:`problem_stage`) turns whatever a request raised into a
problem response: :class:`~openapi_aio.errors.ProblemException` as it is, aiohttp's own
``HTTPException`` errors converted, and anything else into a 500 whose body reveals nothing (the
traceback goes to the log). Users may register a handler per exception class; it is looked up
along the exception's MRO, so a handler for a base class catches its subclasses.

A client that closes its connection while the request is served (an upload aborted half way) is
no server error: the ``ConnectionError`` its body read raises is a debug line on the
``openapi_aio`` logger, never an "unhandled error", a traceback or a Sentry event (anyone could
flood error reporting with them), and the access log records 499 (nginx's "client closed request")
rather than 500. Nobody is left to read the answer.
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
quiet = logging.getLogger("openapi_aio")

ExceptionHandler = Callable[[web.Request, BaseException], Awaitable[web.StreamResponse]]

# Status lines in RFC 9110's words where Python's (and so aiohttp's) older ones differ from the
# problem's title: 422 is "Unprocessable Content" in both (Python 3.11 says "Unprocessable Entity").
_REASONS = {422: "Unprocessable Content"}


def problem_response(problem: ProblemException, request: web.Request | None = None) -> web.Response:
    """The one renderer of problem objects, for HTTP answers and websocket errors alike.

    A problem with ``Connection: close`` (a body that stopped arriving: 408) ends its connection
    once written; given the ``request``, at once, without waiting for the rest of the body."""
    body = dumps(problem_body(problem))
    closing = problem.headers.get("Connection", "").lower() == "close"
    reason = _REASONS.get(problem.status)
    response: web.Response
    if closing and request is not None:
        response = _Closing(request, body=body, status=problem.status, reason=reason, content_type=PROBLEM_MEDIA_TYPE)
    else:
        response = web.Response(body=body, status=problem.status, reason=reason, content_type=PROBLEM_MEDIA_TYPE)
    response.headers.update(problem.headers)
    if closing:
        response.force_close()
    return response


class _Closing(web.Response):
    """An answer after which its connection is closed at once. aiohttp would otherwise keep
    reading what is left of an unread body for up to 10 s (its "lingering close"): pointless
    when the client has stopped sending it, and a connection held for nothing."""

    def __init__(self, request: web.Request, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._connection = request.protocol

    async def write_eof(self, data: bytes = b"") -> None:
        await super().write_eof(data)
        self._connection.force_close()  # the answer is in the transport's buffer: flushed, then closed


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


def _client_gone(request: web.Request, error: Exception) -> bool:
    """Whether ``error`` is the client's connection closing (not a server fault)."""
    if not isinstance(error, ConnectionError):  # reset, broken pipe; aiohttp's own ones included
        return False
    transport = request.transport
    return transport is None or transport.is_closing()


def _abandoned(request: web.Request, error: Exception) -> web.StreamResponse:
    """The answer to a request whose client left: only the access log will see it."""
    operation = request.get(OPERATION)
    label = operation.spec.label if operation is not None else "no operation"
    quiet.debug("client closed the connection during %s %s (%s): %s", request.method, request.path, label, error)
    return problem_response(ProblemException(499, "Client Closed Request"))


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
                if _client_gone(request, error):
                    return _abandoned(request, error)
                if handlers:
                    custom = find_handler(handlers, error)
                    if custom is not None:
                        return await custom(request, error)
                if isinstance(error, web.HTTPException) and error.status < 400:
                    raise  # redirects and the like are answers, not problems
                return problem_response(to_problem(request, error), request)

        return handle

    return wrap
