"""RPC methods, credential checks, authorisation hooks and an HTTP handler that publishes, named by
the documents of this package (tests/ws/test_ws.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

import openapi_aio.ws
from openapi_aio import NoContent

TOKENS = {
    "tok-ada": {"sub": "ada", "scope": "tasks:read"},
    "tok-writer": {"sub": "wes", "scope": "tasks:read tasks:write"},
    "tok-bob": {"sub": "bob"},
    "tok-mallory": {"sub": "mallory", "scope": "tasks:read tasks:write"},
}
AUTHORIZE_CALLS: list[tuple[Any, ...]] = []


async def bearer_info(token: str) -> dict[str, Any] | None:
    return TOKENS.get(token)


# --- RPC methods ---


async def add(payload: dict[str, Any]) -> float:
    return payload["a"] + payload["b"]


async def whoami(payload: Any, connection: Any, user: Any, token_info: Any, request: web.Request) -> dict[str, Any]:
    return {
        "user": user,
        "token_info": token_info,
        "path": request.path,
        "connection": type(connection).__name__,
        "payload": payload,
    }


async def boom(payload: Any) -> Any:
    raise RuntimeError("secret internals: password=hunter2")


async def broken(payload: Any) -> Any:
    return {"total": "not a number"}  # the response schema wants an integer


async def sleep(payload: dict[str, Any]) -> Any:
    await asyncio.sleep(payload["delay"])
    return payload["value"]


def sync_echo(payload: Any) -> Any:
    return payload


# --- authorisation hooks: mallory may do nothing, only ada reaches "private" ---


def _may(user: Any, channel: str) -> bool:
    return user != "mallory" and (channel != "private" or user == "ada")


def authorize(user: Any, token_info: Any, channel: str, action: str) -> bool:
    AUTHORIZE_CALLS.append((user, channel, action))
    return _may(user, channel)


async def authorize_async(user: Any, token_info: Any, channel: str, action: str) -> bool:
    await asyncio.sleep(0)
    AUTHORIZE_CALLS.append((user, channel, action))
    return _may(user, channel)


# --- an ordinary HTTP operation that publishes ---


async def announce(request: web.Request, body: dict[str, Any]) -> Any:
    await openapi_aio.ws.publish(request.app, body["channel"], body["event"], body.get("data"))
    return NoContent, 204
