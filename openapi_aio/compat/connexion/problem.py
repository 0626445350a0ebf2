"""``connexion.problem(...)``: a problem response a handler returns (rather than raises)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from openapi_aio.errors import ProblemException
from openapi_aio.pipeline.problems import problem_response

__all__ = ["problem"]


def problem(
    status: int,
    title: str,
    detail: str,
    type: str | None = None,
    instance: str | None = None,
    headers: Mapping[str, str] | None = None,
    ext: Mapping[str, Any] | None = None,
) -> web.Response:
    """An ``application/problem+json`` response, rendered as openapi_aio renders its own."""
    members = dict(ext or {})
    if instance is not None:
        members["instance"] = instance
    exception = ProblemException(status, title, detail, type or "about:blank", headers=headers, **members)
    return problem_response(exception)
