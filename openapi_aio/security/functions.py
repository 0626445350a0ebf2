"""Calling the functions a document names to verify credentials (``x-*InfoFunc``)."""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["InfoFunction"]


class InfoFunction:
    """A user's verification function, sync or async.

    Synchronous functions (a database lookup, a password hash) run in the default executor, so
    they never block the event loop. ``required_scopes`` is passed only to functions that accept
    it, as Connexion does.
    """

    __slots__ = ("accepts_scopes", "function", "is_async")

    def __init__(self, function: Callable[..., Any], arguments: Sequence[str] = ()) -> None:
        self.function = function
        self.is_async = inspect.iscoroutinefunction(function) or inspect.iscoroutinefunction(
            getattr(function, "__call__", None)  # noqa: B004 - an async __call__ makes it async
        )
        try:
            parameters = inspect.signature(function).parameters.values()
        except (TypeError, ValueError):
            parameters = ()  # type: ignore[assignment]
        self.accepts_scopes = any(p.name == "required_scopes" or p.kind is p.VAR_KEYWORD for p in parameters)

    async def __call__(self, *arguments: Any, required_scopes: Sequence[str] | None = None) -> Any:
        kwargs = {"required_scopes": required_scopes} if self.accepts_scopes else {}
        if self.is_async:
            return await self.function(*arguments, **kwargs)
        loop = asyncio.get_running_loop()
        call = functools.partial(contextvars.copy_context().run, self.function, *arguments, **kwargs)
        return await loop.run_in_executor(None, call)
