"""Requests aiohttp cannot parse, answered as problems like every other bad request.

A request line longer than aiohttp's ``max_line_size`` (8190 bytes: a URL with a long query), a
header over ``max_field_size``, a control character in a header value: aiohttp's HTTP parser
refuses these before any application code runs, and answers them itself with a plain-text
``400 Bad Request``, logging each as an ERROR with a traceback. A client (or a contract tester)
that reads the document expects ``application/problem+json``, and an operator does not want a
stranger's malformed request in the error log. So the servers openapi_aio starts (``App.run``,
``serve``, ``openapi-aio run``) answer them through :func:`~openapi_aio.pipeline.problems.
problem_response`:

- a request line that is too long: ``414 URI Too Long`` (RFC 9110 §15.5.15);
- a header that is too long: ``431 Request Header Fields Too Large`` (RFC 6585 §5);
- anything else the parser refuses: ``400``, with aiohttp's reason as the detail;

logged on the ``openapi_aio`` logger at INFO, without a traceback. The connection is closed
afterwards, as aiohttp closes it. Server errors (5xx) keep aiohttp's own handling.

aiohttp offers no setting for this: its low-level server builds a ``RequestHandler`` by name, so
:func:`install` points that name at a subclass for the serving process. The subclass changes only
``handle_error`` for client errors; should aiohttp's layout change, install() leaves it as it is.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web, web_protocol, web_server
from aiohttp.http_exceptions import LineTooLong

from openapi_aio.errors import ProblemException
from openapi_aio.pipeline.problems import problem_response

__all__ = ["ProblemRequestHandler", "install", "problem_for"]

log = logging.getLogger("openapi_aio")


def problem_for(status: int, error: BaseException | None, message: str | None) -> ProblemException:
    """The problem for a request the parser refused with ``status`` (a 4xx)."""
    if isinstance(error, LineTooLong):
        line = error.args[0] if error.args else b""
        text = bytes(line).decode("latin-1") if isinstance(line, bytes | bytearray) else str(line)
        limit = error.args[1] if len(error.args) > 1 else "the limit"
        if text.startswith(("/", "http:", "https:", "*")):  # the request target
            return ProblemException(414, detail=f"the request line is longer than {limit} bytes")
        return ProblemException(431, detail=f"a header is longer than {limit} bytes")
    reason = getattr(error, "message", None) or message or "the request is not valid HTTP"
    return ProblemException(status, detail=f"the request is not valid HTTP: {str(reason).strip()[:200]}")


class ProblemRequestHandler(web_protocol.RequestHandler):
    """aiohttp's connection handler, answering unparsable requests with problems."""

    def handle_error(
        self,
        request: Any,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if not 400 <= status < 500 or request.writer.output_size > 0:
            return super().handle_error(request, status, exc, message)
        problem = problem_for(status, exc, message)
        log.info("refused a request aiohttp could not parse from %s: %s", request.remote, problem.detail)
        response = problem_response(problem)
        response.force_close()
        return response


def install() -> None:
    """Make aiohttp's servers in this process use :class:`ProblemRequestHandler` (idempotent)."""
    current = getattr(web_server, "RequestHandler", None)
    if current is web_protocol.RequestHandler and callable(getattr(current, "handle_error", None)):
        setattr(web_server, "RequestHandler", ProblemRequestHandler)  # noqa: B010 (no public hook)
