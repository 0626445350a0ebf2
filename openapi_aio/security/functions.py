"""Calling the functions a document names to verify credentials (``x-*InfoFunc``)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from openapi_aio.endpoints.handler_call import in_executor

__all__ = ["InfoFunction"]


class InfoFunction:
    """A user's verification function, sync or async.

    Synchronous functions (a database lookup, a password hash) run in the default executor, so
    they never block the event loop. ``required_scopes`` is passed only to functions that accept
    it, as Connexion does (and never to a function that takes the scopes positionally, such as an
    ``x-scopeValidateFunc``: ``scopes_keyword=False``). A plain function that returns an awaitable
    (an async function behind a plain decorator) has it awaited: an un-awaited coroutine is not
    token info.
    """

    __slots__ = ("accepts_scopes", "function", "is_async")

    def __init__(self, function: Callable[..., Any], *, scopes_keyword: bool = True) -> None:
        self.function = function
        self.is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
            getattr(function, "__call__", None)  # noqa: B004 - an async __call__ makes it async
        )
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):
            parameters = ()  # type: ignore[assignment]
        self.accepts_scopes = scopes_keyword and any(
            p.kind is p.VAR_KEYWORD or (p.name == "required_scopes" and p.kind is not p.POSITIONAL_ONLY)
            for p in parameters
        )

    async def __call__(self, *arguments: Any, required_scopes: Sequence[str] | None = None) -> Any:
        kwargs = {"required_scopes": required_scopes} if self.accepts_scopes else {}
        if not self.is_async:
            return await in_executor(self.function, *arguments, **kwargs)
        result = await self.function(*arguments, **kwargs)
        while inspect.isawaitable(result):
            result = await result
        return result
