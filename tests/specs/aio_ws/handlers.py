"""The RPC methods and the broker of aio-openapi's websocket test app, for openapi_aio
(tests/specs/aio_ws/stream.yaml). Written for openapi_aio from what aio-openapi's methods answer."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from openapi_aio.keys import HUB
from openapi_aio.ws.brokers import MemoryBroker


async def echo(payload: Any) -> Any:
    return payload


async def server_info(payload: Any, request: web.Request) -> dict[str, Any]:
    """What aio-openapi's ``server_info`` shows: connections and ``{channel: {pattern: count}}``."""
    hub = request.app[HUB]
    return {"connections": len(hub.connections), "channels": hub.info()}


async def cancel(payload: Any) -> Any:
    raise asyncio.CancelledError


async def badjson(payload: Any) -> Any:
    return web.Application  # a class: JSON has no form for it


async def not_finite(payload: Any) -> Any:
    return {"ratio": float("nan"), "limit": float("inf")}


class Unencodable:
    """What aio-openapi's test broker delivers for the data ``"error"`` and ``"runtime_error"``:
    a value that fails when the message is written to a subscriber."""


class LocalBroker(MemoryBroker):
    """aio-openapi's test broker: one process, and ``"error"`` / ``"runtime_error"`` data arrive
    as something no subscriber can be sent (it skips the memory broker's check at publish)."""

    async def publish(self, channel: str, event: str, data: Any) -> None:
        await self._deliver(channel, event, Unencodable() if data in ("error", "runtime_error") else data)
