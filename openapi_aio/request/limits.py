"""What one request body may bring, and how long it may take to arrive.

The API's options become one :class:`Limits` per operation's body reader:

- sizes (``client_max_size``, ``max_upload_size``): a larger body is a 413, refused from its
  ``Content-Length`` before any of it is read (before ``100 Continue`` is sent, too), or as soon as
  a streamed body grows too large;
- the number of form fields (``max_form_parts``): parsing costs CPU per part, so a multipart body
  of 20,000 one-byte parts (or an urlencoded one of as many fields) is a 413 at the first one too
  many, not seconds of work;
- ``body_timeout``: a client that stops sending in the middle of a body (to hold a connection and
  a request open, by the thousand) gets a 408 once nothing more has arrived for that many
  seconds, and its connection is closed. As nginx's ``client_body_timeout``, it bounds the wait
  for each piece, not the whole body, so slow but steady uploads still arrive.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web

from openapi_aio.errors import ProblemException, RequestEntityTooLarge

__all__ = ["Limits", "arrival", "read_body", "too_large", "too_many_parts"]

T = TypeVar("T")

_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """What one body may bring (0 or ``None``: no limit).

    ``body`` bounds a whole body in bytes, except the file content of multipart ones: there it
    bounds the form fields' values together, and ``uploads`` the files' content together; a
    multipart body as a whole (headers of parts and boundaries included) is bounded by their sum.
    ``parts``: how many parts a multipart body (fields an urlencoded one) may have. ``idle``:
    seconds the body may go without anything more arriving.
    """

    body: int
    uploads: int
    parts: int = 0
    idle: float | None = None

    @property
    def multipart(self) -> int:
        return self.body + self.uploads if self.body and self.uploads else 0


def too_large(what: str, limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(detail=f"{what} larger than the {limit} bytes this API accepts")


def too_many_parts(limit: int) -> RequestEntityTooLarge:
    return RequestEntityTooLarge(detail=f"the form has more than the {limit} fields this API accepts")


def _stalled(seconds: float) -> ProblemException:
    """408, and the connection closed: the client stopped sending, it is not waited for again."""
    detail = f"the request body stopped arriving: nothing more came for {seconds:g} seconds"
    return ProblemException(408, detail=detail, headers={"Connection": "close"})


async def arrival(read: Awaitable[T], seconds: float | None) -> T:
    """``await read`` (a read of the request body), a 408 when it waits more than ``seconds``."""
    if not seconds:
        return await read
    try:
        async with asyncio.timeout(seconds):
            return await read
    except TimeoutError:
        raise _stalled(seconds) from None


async def read_body(request: web.Request, limit: int, idle: float | None = None) -> bytes:
    """The whole body, refused (413) as soon as it grows past ``limit`` bytes (0: no limit), or
    (408) when nothing more of it arrives for ``idle`` seconds.

    Read from ``request.content``, not with ``request.read()``, which applies the aiohttp
    application's ``client_max_size`` instead of the API's. The bytes are left where
    ``request.read()`` (and ``.json()``, ``.text()``) find them, for handlers that read again.
    What has arrived already is taken without a timer: a small body costs no timeout.
    """
    raw: bytes | None = request._read_bytes  # read already, by a middleware
    if raw is None:
        content = request.content
        body = bytearray()
        while True:
            chunk = content.read_nowait(_CHUNK)
            if not chunk:
                if content.at_eof():
                    break
                chunk = await arrival(content.readany(), idle)
                if not chunk:
                    break
            body += chunk
            if limit and len(body) > limit:
                raise too_large("the request body is", limit)
        raw = request._read_bytes = bytes(body)
    elif limit and len(raw) > limit:
        raise too_large("the request body is", limit)
    return raw
