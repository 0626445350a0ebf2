"""Request ids that follow a call across services (klue's call id, W3C Trace Context).

Every request gets an id: the caller's ``X-Request-ID`` when it sent a sensible one, else the
trace id of its W3C ``traceparent``, else a new one. The id is

- in ``request[REQUEST_ID]`` and :func:`current_request_id` (a context variable: handlers, views,
  log records and the client all see it without passing it around);
- sent back as the ``X-Request-ID`` response header, written in access logs (``App`` adds it to
  the format) and put in every problem object as ``request_id``;
- forwarded by :class:`openapi_aio.client.ApiClient` on calls made while serving a request, with a
  ``traceparent`` continuing the caller's trace, so one id spans a chain of services.
"""

from __future__ import annotations

import contextvars
import itertools
import os
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web

from openapi_aio.keys import REQUEST_ID

__all__ = [
    "ACCESS_LOG_FORMAT",
    "REQUEST_ID",
    "current_request_id",
    "current_traceparent",
    "identified",
    "outgoing_headers",
    "request_ids",
]

# aiohttp's default access log line, with the request id at the end
ACCESS_LOG_FORMAT = '%a %t "%r" %s %b "%{Referer}i" "%{User-Agent}i" %{X-Request-ID}o'

_SENSIBLE = re.compile(r"[A-Za-z0-9._:-]{1,128}\Z")  # nothing that could forge a log line
_TRACEPARENT = re.compile(r"00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})\Z")
# New ids without a system call per request: a random prefix drawn once per process (again in
# each forked worker) and a counter. Unique, not guessable from outside the process, and shaped
# as a W3C trace id (32 hex digits, never all zeros), so it can start a trace too.
_prefix = secrets.token_hex(8)
_sequence = itertools.count(1)


def _new_id() -> str:
    return f"{_prefix}{next(_sequence):016x}"


def _reseed() -> None:
    global _prefix, _sequence
    _prefix, _sequence = secrets.token_hex(8), itertools.count(1)


os.register_at_fork(after_in_child=_reseed)

_current: contextvars.ContextVar[tuple[str, str | None] | None] = contextvars.ContextVar(
    "openapi_aio_request", default=None
)


def current_request_id() -> str | None:
    """The id of the request being served (``None`` outside one)."""
    current = _current.get()
    return current[0] if current is not None else None


def current_traceparent() -> str | None:
    """A ``traceparent`` for a call made now: the current trace, a new span."""
    current = _current.get()
    if current is None:
        return None
    trace = current[1] or (current[0] if re.fullmatch(r"[0-9a-f]{32}", current[0]) else None)
    return f"00-{trace}-{secrets.token_hex(8)}-01" if trace else None


def outgoing_headers() -> dict[str, str]:
    """What a call to another service carries to stay in this request's trace."""
    request_id = current_request_id()
    if request_id is None:
        return {}
    headers = {"X-Request-ID": request_id}
    traceparent = current_traceparent()
    if traceparent:
        headers["traceparent"] = traceparent
    return headers


def incoming_id(headers: Mapping[str, str]) -> tuple[str, str | None]:
    """(request id, W3C trace id) for a request with these headers."""
    given = headers.get("X-Request-ID")
    traceparent = headers.get("traceparent")
    if given is None and traceparent is None:  # the common case: a new id, nothing to parse
        return _new_id(), None
    trace = None
    match = _TRACEPARENT.match((traceparent or "").strip().lower())
    if match and match.group(1) != "0" * 32:
        trace = match.group(1)
    given = (given or "").strip()
    if _SENSIBLE.match(given):
        return given, trace
    return trace or _new_id(), trace


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


async def _serve_identified(request: web.Request, handler: Handler) -> web.StreamResponse:
    request_id, trace = incoming_id(request.headers)
    request[REQUEST_ID] = request_id
    token = _current.set((request_id, trace))
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers["X-Request-ID"] = request_id
        raise
    finally:
        _current.reset(token)
    if not response.prepared:
        response.headers.setdefault("X-Request-ID", request_id)
    return response


def identified(handler: Handler) -> Handler:
    """``handler`` with a request id for each request it serves.

    Every route openapi_aio adds (the API's operations, its served document, Swagger UI, health)
    is wrapped so: an id costs nothing but itself, where an aiohttp middleware doing the same
    measured ~3 us more per request (dev/bench_micro.py, 2026-12-07). Routes of your own get
    ids with the :func:`request_ids` middleware; behind it, these wrappers keep its id.
    """

    async def with_request_id(request: web.Request) -> web.StreamResponse:
        if REQUEST_ID in request:  # the application's request_ids middleware gave it one
            return await handler(request)
        return await _serve_identified(request, handler)

    return with_request_id


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """An aiohttp middleware giving every route of an application request ids (openapi_aio's
    own routes have them without it): ``web.Application(middlewares=[request_ids])``."""
    return await _serve_identified(request, handler)
