"""A custom answer for invalid requests: the example's error hook.

openapi_aio answers every invalid request with an RFC 9457 problem listing each violation. This
hook keeps that shape and adds what this service's clients asked for: the request's path as the
problem ``instance``, and a ``fields`` map from each body property to its messages, which form
libraries on the front end can show next to the right input.
"""

from __future__ import annotations

from aiohttp import web

from openapi_aio import RequestValidationError
from openapi_aio.pipeline.problems import problem_response


async def invalid_request(request: web.Request, error: BaseException) -> web.StreamResponse:
    assert isinstance(error, RequestValidationError)
    fields: dict[str, list[str]] = {}
    for violation in error.violations:
        if violation.location == "body" and violation.name:
            fields.setdefault(violation.name.lstrip("/"), []).append(violation.message)
    error.extensions.update(instance=request.path, fields=fields)
    return problem_response(error)
