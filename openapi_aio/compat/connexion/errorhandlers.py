"""``app.add_error_handler(code_or_exception, function)``, Connexion's way of answering errors
in one's own format, on openapi_aio's ``exception_handlers``.

An exception class gets the function for itself and its subclasses. A status code gets it for
every problem with that status raised under the API's base path (a ``ProblemException``, a
validation error, a refused credential, an unknown path) and, for 500, for unexpected exceptions
too. aiohttp's own answers outside every base path do not pass through it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from aiohttp import web

from openapi_aio.compat.connexion.lifecycle import to_response
from openapi_aio.compat.werkzeug import werkzeug_handlers
from openapi_aio.endpoints.handler_call import in_executor
from openapi_aio.errors import ProblemException
from openapi_aio.pipeline.problems import problem_response, to_problem

__all__ = ["ErrorHandlers"]

ErrorFunction = Callable[[Any, BaseException], Any]


async def _call(function: ErrorFunction, request: web.Request, error: BaseException) -> web.StreamResponse:
    if inspect.iscoroutinefunction(function):
        result = await function(request, error)
    else:
        result = await in_executor(function, request, error)
    return to_response(result)


class ErrorHandlers:
    """The one ``exception_handlers`` mapping every API of an App is given (it is read per
    error, so handlers added after ``add_api`` count too)."""

    def __init__(self) -> None:
        self.mapping: dict[type[BaseException], Any] = werkzeug_handlers()
        self.by_status: dict[int, ErrorFunction] = {}

    def add(self, code_or_exception: int | type[BaseException], function: ErrorFunction) -> None:
        if isinstance(code_or_exception, int):
            self.by_status[code_or_exception] = function
            self.mapping[ProblemException] = self._by_status
            if code_or_exception == 500:
                self.mapping[Exception] = self._by_status
            return

        async def handle(request: web.Request, error: BaseException) -> web.StreamResponse:
            return await _call(function, request, error)

        self.mapping[code_or_exception] = handle

    async def _by_status(self, request: web.Request, error: BaseException) -> web.StreamResponse:
        status = error.status if isinstance(error, ProblemException) else 500
        function = self.by_status.get(status)
        if function is not None:
            return await _call(function, request, error)
        return problem_response(to_problem(request, error), request)
