"""The stage that bounds how long a handler may run: ``handler_timeout``, or ``x-timeout``.

An operation's limit, in seconds, is its ``x-timeout`` extension when it has one (``false``: no
limit for this operation, e.g. a long export), else the ``handler_timeout`` option (default
``None``: no limit)::

    paths:
      /reports:
        get:
          operationId: reports.build
          x-timeout: 2.5

A handler (or CRUD view, or mock) still running when the limit passes is cancelled, so that the
``await`` it was waiting on (a query, a call to another service) raises ``CancelledError`` there
and its ``finally`` blocks and context managers run (a database transaction is rolled back); the
client gets a 504 problem (:class:`~openapi_aio.errors.GatewayTimeout`). A ``TimeoutError`` the
handler raises by itself is not this limit: it is reported as any other error.

The stage sits innermost, around the handler only: authentication and reading the body are not
counted (the body's size is bounded by ``client_max_size``). An operation without a limit, and
every websocket operation (a connection is meant to stay open), gets no stage at all. A handler
that streams its response (``StreamResponse.prepare``) and is cancelled after sending the headers
cannot be answered 504 any more: the connection is closed.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from aiohttp import web

from openapi_aio.errors import GatewayTimeout, SpecError

if TYPE_CHECKING:
    from openapi_aio.operation import Operation
    from openapi_aio.types import Handler

__all__ = ["limit", "stage"]

log = logging.getLogger("openapi_aio")


def limit(operation: Operation) -> float | None:
    """The operation's limit in seconds (``None``: none), or a :class:`SpecError` for a bad
    ``x-timeout``."""
    raw = operation.spec.raw
    if "x-timeout" not in raw:
        return operation.options.handler_timeout
    value = raw["x-timeout"]
    if value is False or value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SpecError(f"x-timeout must be a positive number of seconds (or false), not {value!r}")
    return float(value)


def stage(operation: Operation, call: Handler) -> Handler:
    seconds = limit(operation)
    if seconds is None or operation.spec.websocket is not None:
        return call
    label = operation.spec.label
    detail = f"{label} did not answer within {seconds:g} seconds"

    async def bounded(request: web.Request) -> web.StreamResponse:
        try:
            async with asyncio.timeout(seconds) as deadline:
                return await call(request)
        except TimeoutError:
            if not deadline.expired():  # the handler's own TimeoutError, not this limit
                raise
            log.warning("%s %s (%s): cancelled after %gs", request.method, request.path, label, seconds)
            raise GatewayTimeout(detail=detail) from None

    return bounded
