"""Call a handler with the arguments it declares.

Checked at start-up: every required argument of the function must be something the operation can
supply (an error otherwise), and operation parameters the function cannot receive are logged as a
warning. Synchronous functions run in the default executor so they never block the event loop.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from aiohttp import web

from .errors import ResolverError

__all__ = ["HandlerCall", "REQUEST_ARGUMENTS"]

log = logging.getLogger("openapi_aio")

# Arguments a handler may declare besides the operation's own parameters.
REQUEST_ARGUMENTS = ("request", "user", "token_info", "context_")


class HandlerCall:
    """A handler bound to one operation: which arguments to pass, and how to await it."""

    __slots__ = ("accepted", "accepts_all", "function", "is_async", "label", "wants_request")

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        label: str,
        supplied: Iterable[str],
        always: Iterable[str] = (),
    ) -> None:
        self.function = function
        self.label = label
        target = type(function).__call__ if _is_callable_object(function) else function
        self.is_async = inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(function)
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):  # builtins and some C callables
            self.accepts_all, self.wants_request = True, False
            self.accepted: frozenset[str] = frozenset()
            return
        parameters = signature.parameters.values()
        self.accepts_all = any(p.kind is p.VAR_KEYWORD for p in parameters)
        names = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        self.accepted = frozenset(names)
        self.wants_request = "request" in names
        self._check(signature, set(supplied), set(always))

    def _check(self, signature: inspect.Signature, supplied: set[str], always: set[str]) -> None:
        possible = supplied | always | set(REQUEST_ARGUMENTS)
        missing = [
            p.name
            for p in signature.parameters.values()
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in possible
        ]
        if missing:
            raise ResolverError(
                f"{self.label}: handler {_name(self.function)} requires {', '.join(map(repr, missing))}, "
                f"which the operation never supplies (it supplies: {', '.join(sorted(supplied)) or 'nothing'})"
            )
        if not self.accepts_all:
            unused = sorted(supplied - self.accepted)
            if unused:
                log.warning(
                    "%s: handler %s does not accept %s; those values are not passed",
                    self.label, _name(self.function), ", ".join(unused),
                )  # fmt: skip

    def call(self, request: web.Request, arguments: dict[str, Any]) -> Awaitable[Any]:
        if self.accepts_all:
            kwargs = arguments
        else:
            accepted = self.accepted
            kwargs = {name: value for name, value in arguments.items() if name in accepted}
        if self.wants_request:
            kwargs["request"] = request
        if self.is_async:
            return self.function(**kwargs)  # type: ignore[no-any-return]
        loop = asyncio.get_running_loop()
        context = contextvars.copy_context()
        return loop.run_in_executor(None, functools.partial(context.run, self.function, **kwargs))


def _is_callable_object(function: Any) -> bool:
    return callable(function) and not inspect.isroutine(function) and not inspect.isclass(function)


def _name(function: Callable[..., Any]) -> str:
    module = getattr(function, "__module__", "")
    return f"{module}.{getattr(function, '__qualname__', repr(function))}"
