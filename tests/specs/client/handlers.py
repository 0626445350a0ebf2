"""Handlers for tests/client/test_client.py: an echo of every argument, pets, failures, and two services
calling each other.

Any operationId starting with ``echo`` names :func:`echo` (operationIds are unique, handlers need not
be).
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from aiohttp import web

from openapi_aio import NotFound, ServiceUnavailable
from openapi_aio.client import ApiClient
from openapi_aio.tracing import current_request_id
from specs.parameters.handlers import plain

CALLS: Counter[str] = Counter()
SERVICE_B: dict[str, ApiClient] = {}  # set by the tracing test: service A's client for service B


async def echo(**kwargs: Any) -> dict[str, Any]:
    return plain(kwargs)


def __getattr__(name: str) -> Any:
    if name.startswith("echo"):
        return echo
    raise AttributeError(name)


async def getPet(petId: int) -> dict[str, Any]:
    if petId == 404:
        raise NotFound(detail=f"no pet {petId}", type="https://example.com/no-pet", pet_id=petId)
    return {"id": petId, "name": "rex"}


async def badPet(petId: int) -> dict[str, Any]:
    return {"id": str(petId), "name": 7}  # breaks the document: the client validates it


async def flaky(key: str) -> dict[str, Any]:
    """503 with ``Retry-After: 0`` twice per key, then 200."""
    CALLS[key] += 1
    if CALLS[key] <= 2:
        raise ServiceUnavailable(detail="try again", headers={"Retry-After": "0"})
    return {"calls": CALLS[key]}


async def flakyPost(key: str) -> dict[str, Any]:
    CALLS[key] += 1
    raise ServiceUnavailable(detail="try again", headers={"Retry-After": "0"})


async def slow(seconds: float) -> dict[str, Any]:
    await asyncio.sleep(seconds)
    return {"slept": seconds}


async def fail() -> None:
    raise RuntimeError("internal detail")


async def whoami(user: Any = None) -> dict[str, Any]:
    return {"user": user}


async def rawBytes(body: bytes) -> web.Response:
    return web.Response(body=body[::-1], content_type="application/octet-stream")


async def rawText(body: str) -> web.Response:
    return web.Response(text=body.upper(), content_type="text/plain")


async def whoCalls() -> dict[str, Any]:
    """Service B: the id of the request it serves."""
    return {"request_id": current_request_id()}


async def relay() -> dict[str, Any]:
    """Service A: calls service B while serving its own request."""
    answer = await SERVICE_B["client"].whoCalls.raw()
    return {"a": current_request_id(), "b": answer.body["request_id"], "b_header": answer.headers["X-Request-ID"]}
