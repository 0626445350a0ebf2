"""``connexion.request`` and ``connexion.context``: the request being served, read from
anywhere in its handler or security function (Connexion's context-local objects).

:func:`request_context` is an aiohttp middleware that records the request in a ContextVar; sync
handlers run with a copy of the context, so they see it too. Outside a request both objects raise
a ``RuntimeError`` that says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, ClassVar

from aiohttp import web

from openapi_aio.keys import TOKEN_INFO, USER

__all__ = ["RequestProxy", "context", "request", "request_context"]

_CURRENT: ContextVar[web.Request | None] = ContextVar("openapi_aio_compat_request", default=None)


def current_request() -> web.Request:
    found = _CURRENT.get()
    if found is None:
        raise RuntimeError("connexion.request and connexion.context are only available while a request is served")
    return found


@web.middleware
async def request_context(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    token = _CURRENT.set(request)
    try:
        return await handler(request)
    finally:
        _CURRENT.reset(token)


class RequestProxy:
    """The current ``aiohttp.web.Request``, with the names Connexion's request uses where they
    differ from aiohttp's (``query_params``, ``path_params``, ``context``)."""

    _RENAMED: ClassVar[dict[str, str]] = {"query_params": "query", "path_params": "match_info"}

    def __getattr__(self, name: str) -> Any:
        current = current_request()
        if name == "context":
            return context
        if name == "url":
            return str(current.url)
        return getattr(current, self._RENAMED.get(name, name))

    def __repr__(self) -> str:
        found = _CURRENT.get()
        return f"<connexion request proxy for {found!r}>"


class ContextProxy(Mapping[str, Any]):
    """``connexion.context``: ``user`` and ``token_info`` of the current request (set by its
    security check), and anything a handler stores in the request."""

    def _values(self) -> dict[str, Any]:
        current = current_request()
        values: dict[str, Any] = {str(k): v for k, v in current.items() if isinstance(k, str)}
        if USER in current:
            values["user"] = current[USER]
        if TOKEN_INFO in current:
            values["token_info"] = current[TOKEN_INFO]
        return values

    def __getitem__(self, key: str) -> Any:
        return self._values()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


request = RequestProxy()
context = ContextProxy()
