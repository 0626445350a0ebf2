"""``connexion.lifecycle.ConnexionResponse``: what Connexion error handlers return, and its
translation to an aiohttp response."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

__all__ = ["ConnexionResponse", "to_response"]


@dataclasses.dataclass
class ConnexionResponse:
    status_code: int = 200
    mimetype: str | None = None
    content_type: str | None = None
    body: Any = None
    headers: Mapping[str, str] | None = None
    is_streamed: bool = False


def to_response(result: Any) -> web.StreamResponse:
    """An aiohttp response from what an error handler returned: an aiohttp response, a
    ``ConnexionResponse``, ``(body, status)`` / ``(body, status, headers)``, or a body."""
    if isinstance(result, web.StreamResponse):
        return result
    if isinstance(result, ConnexionResponse):
        content_type = result.content_type or result.mimetype
        body = result.body
        if not isinstance(body, str | bytes) and body is not None:
            body, content_type = json.dumps(body), content_type or "application/json"
        response = web.Response(status=result.status_code, body=body, headers=dict(result.headers or {}))
        if content_type:
            response.headers["Content-Type"] = content_type
        return response
    status, headers = 200, None
    if isinstance(result, tuple):
        result, status, *rest = result
        headers = rest[0] if rest else None
    if isinstance(result, str | bytes):
        return web.Response(status=int(status), body=result, headers=headers, content_type="text/plain")
    return web.json_response(result, status=int(status), headers=headers)
