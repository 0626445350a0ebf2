"""Call a handler with the arguments it declares.

Checked at start-up: every required argument of the function must be something the operation can
supply (an error otherwise), and operation parameters the function cannot receive are logged as a
warning. Synchronous functions run in the default executor so they never block the event loop.
Arguments annotated with a model class (:mod:`openapi_aio.models`) receive instances; which ones
is decided here once, so a handler without such annotations pays nothing for it per request.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any

from aiohttp import web

from openapi_aio.errors import RequestValidationError, ResolverError, Violation
from openapi_aio.keys import TOKEN_INFO, USER
from openapi_aio.models import ModelError, model_converters

__all__ = ["REQUEST_ARGUMENTS", "SECURITY_ARGUMENTS", "HandlerCall", "in_executor"]

log = logging.getLogger("openapi_aio")

# Arguments a handler may declare besides the operation's own parameters. ``user`` and
# ``token_info`` exist only where the operation is secured.
REQUEST_ARGUMENTS = ("request", "context_")
SECURITY_ARGUMENTS = ("user", "token_info")


class HandlerCall:
    """A handler bound to one operation: which arguments to pass, and how to await it."""

    __slots__ = (
        "accepted", "accepts_all", "context", "converters", "direct", "function", "is_async", "label",
        "wants_context", "wants_request", "wants_token_info", "wants_user",
    )  # fmt: skip

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        label: str,
        supplied: Iterable[str],
        always: Iterable[str] = (),
        context: Mapping[str, Any] | None = None,
    ) -> None:
        self.function = function
        self.label = label
        self.context = dict(context or {})
        target = type(function).__call__ if _is_callable_object(function) else function
        self.is_async = inspect.iscoroutinefunction(target) or inspect.iscoroutinefunction(function)
        try:
            signature = inspect.signature(function)
        except (TypeError, ValueError):  # builtins and some C callables
            self.accepts_all = True
            self.wants_request = self.wants_context = self.wants_user = self.wants_token_info = False
            self.accepted: frozenset[str] = frozenset()
            self.converters: dict[str, Callable[[Any], Any]] = {}
            return
        parameters = signature.parameters.values()
        self.accepts_all = any(p.kind is p.VAR_KEYWORD for p in parameters)
        names = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)}
        self.accepted = frozenset(names)
        self.wants_request = "request" in names
        self.wants_context = "context_" in names
        self.wants_user = "user" in names and "user" in always
        self.wants_token_info = "token_info" in names and "token_info" in always
        self.converters = model_converters(function, names - set(REQUEST_ARGUMENTS) - set(SECURITY_ARGUMENTS))
        self._check(signature, set(supplied), set(always))
        # Nothing to add, convert or leave out, and a coroutine function: called with the request's
        # arguments as they are (a call builds its own keyword dictionary, so the handler cannot
        # change request[ARGUMENTS]).
        self.direct = (
            self.is_async
            and not (self.converters or self.wants_request or self.wants_user or self.wants_token_info)
            and not self.wants_context
            # what callers put among the arguments: the operation's own, and extras such as a
            # websocket method's ``connection`` (user and token_info come from the request)
            and (self.accepts_all or set(supplied) | (set(always) - set(SECURITY_ARGUMENTS)) <= self.accepted)
        )

    def _check(self, signature: inspect.Signature, supplied: set[str], always: set[str]) -> None:
        possible = supplied | always | set(REQUEST_ARGUMENTS)
        missing = [
            p.name
            for p in signature.parameters.values()
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD) and p.name not in possible
        ]
        if missing:
            raise ResolverError(
                f"handler {_name(self.function)} requires {', '.join(map(repr, missing))}, which "
                f"{self.label} never supplies (it supplies: {', '.join(sorted(supplied | always)) or 'nothing'})"
            )
        if not self.accepts_all:
            unused = sorted(supplied - self.accepted)
            if unused:
                log.warning(
                    "%s: handler %s does not accept %s; those values are not passed",
                    self.label, _name(self.function), ", ".join(unused),
                )  # fmt: skip

    def call(self, request: web.Request, arguments: dict[str, Any]) -> Awaitable[Any]:
        if self.direct:  # the arguments as they are: no copy to make (the call makes its own)
            return self.function(**arguments)  # type: ignore[no-any-return]
        if self.accepts_all:
            kwargs = dict(arguments)  # request[ARGUMENTS] stays what the request supplied
        else:
            accepted = self.accepted
            kwargs = {name: value for name, value in arguments.items() if name in accepted}
        if self.converters:
            self._convert(kwargs)
        if self.wants_request:
            kwargs["request"] = request
        if self.wants_user:
            kwargs["user"] = request.get(USER)
        if self.wants_token_info:
            kwargs["token_info"] = request.get(TOKEN_INFO)
        if self.wants_context:
            kwargs["context_"] = {**self.context, "user": request.get(USER), "token_info": request.get(TOKEN_INFO)}
        if self.is_async:
            return self.function(**kwargs)  # type: ignore[no-any-return]
        return in_executor(self.function, **kwargs)

    def _convert(self, kwargs: dict[str, Any]) -> None:
        """Model instances for the arguments annotated with a model class."""
        for name, convert in self.converters.items():
            value = kwargs.get(name)
            if value is not None:
                try:
                    kwargs[name] = convert(value)
                except ModelError as error:  # valid for the document, yet not for the model
                    detail = f"invalid {name}: {error}"
                    raise RequestValidationError(
                        detail=detail, violations=[Violation("body", error.pointer, str(error))]
                    ) from None


async def in_executor(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a plain function in the default executor (never blocking the loop), with the caller's
    context variables; a coroutine or other awaitable it returns is awaited too. Handlers and
    security info functions share this."""
    loop = asyncio.get_running_loop()
    call = functools.partial(contextvars.copy_context().run, function, *args, **kwargs)
    result = await loop.run_in_executor(None, call)
    while inspect.isawaitable(result):
        result = await result
    return result


def _is_callable_object(function: Any) -> bool:
    return callable(function) and not inspect.isroutine(function) and not inspect.isclass(function)


def _name(function: Callable[..., Any]) -> str:
    module = getattr(function, "__module__", "")
    return f"{module}.{getattr(function, '__qualname__', repr(function))}"
