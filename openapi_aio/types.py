"""The shared types of the request path, at the bottom of the import graph.

Every stage, endpoint and middleware module takes its types from here, never from
:mod:`openapi_aio.pipeline`, which composes them: so the pipeline imports its parts and nothing
imports the pipeline back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from openapi_aio.spec.model import ResponseSpec

__all__ = ["Authenticate", "Endpoint", "Handler", "Middleware"]

# What answers a request: the aiohttp handler signature every stage takes and returns.
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# An aiohttp middleware: ``(request, handler) -> response``.
Middleware = Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]
# An operation's security check alone: returns when the request may go on, raises 401/403.
Authenticate = Callable[[web.Request], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What answers an operation once its stages have run (its innermost handler).

    ``bound_to`` names it in listings (``routes``, logs): a handler's import path, a CRUD view's
    method, ``websocket``, ``mock`` or ``stub``. ``responses``: what it answers where that is more
    than the document's responses say (a resource that embeds related rows), for the stages that
    check answers.
    """

    handler: Handler
    bound_to: str
    responses: Mapping[str, ResponseSpec] | None = None
