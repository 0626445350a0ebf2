"""werkzeug's HTTP exceptions (``werkzeug.exceptions.Unauthorized``...), which Flask-era
Connexion code raises, answered as problems with their status instead of a 500."""

from __future__ import annotations

import importlib.util
from typing import Any

from aiohttp import web

from openapi_aio.errors import ProblemException
from openapi_aio.pipeline.problems import problem_response

__all__ = ["werkzeug_handlers"]


async def _answer(request: web.Request, error: BaseException) -> web.StreamResponse:
    status = getattr(error, "code", None)
    if not isinstance(status, int) or not 400 <= status <= 599:
        status = 500
    title = getattr(error, "name", None)
    detail = getattr(error, "description", None)
    problem = ProblemException(
        status, title if isinstance(title, str) else None, detail if isinstance(detail, str) else None
    )
    return problem_response(problem, request)


def werkzeug_handlers() -> dict[type[BaseException], Any]:
    """``{werkzeug.exceptions.HTTPException: handler}`` when werkzeug is installed, else ``{}``
    (werkzeug is never imported just for this)."""
    if importlib.util.find_spec("werkzeug") is None:
        return {}
    from werkzeug.exceptions import HTTPException

    return {HTTPException: _answer}
