"""Calling the functions a document names to verify credentials (``x-*InfoFunc``)."""

from __future__ import annotations

import inspect
import urllib.error
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp

from openapi_aio.endpoints.handler_call import in_executor
from openapi_aio.errors import ProblemException

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
        try:
            if not self.is_async:
                return await in_executor(self.function, *arguments, **kwargs)
            result = await self.function(*arguments, **kwargs)
            while inspect.isawaitable(result):
                result = await result
            return result
        except ProblemException:
            raise
        except Exception as error:
            problem = foreign_problem(error)
            if problem is None:
                raise
            raise problem from error


# Where other libraries keep an exception's HTTP status: werkzeug (``code``), Connexion and
# Starlette (``status_code``), others (``status``).
_STATUS_ATTRIBUTES = ("status_code", "code", "status")


def foreign_problem(error: Exception) -> ProblemException | None:
    """The problem an HTTP exception of another framework stands for (werkzeug's
    ``Unauthorized``, Connexion's ``OAuthProblem``...), raised in an info function the way
    Connexion applications raise them; ``None`` for other exceptions (a 500). An HTTP client's
    error is the status an upstream server gave this service, not an answer for its client."""
    if isinstance(error, aiohttp.ClientError | urllib.error.URLError):
        return None
    for attribute in _STATUS_ATTRIBUTES:
        status = getattr(error, attribute, None)
        if isinstance(status, int) and not isinstance(status, bool) and 400 <= status <= 599:
            status = int(status)  # an HTTPStatus member too
            break
    else:
        return None
    title = getattr(error, "title", None)
    detail = next(
        (text for key in ("detail", "description") if isinstance(text := getattr(error, key, None), str)), None
    )
    return ProblemException(status, title if isinstance(title, str) else None, detail)
