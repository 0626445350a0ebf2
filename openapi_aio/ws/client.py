"""A small asyncio client for the websocket protocol (tests, services, scripts)::

async with await Client.connect("ws://localhost:8080/api/v1/live", headers=auth) as client:
    print(await client.call("add", {"a": 1, "b": 2}))
    await client.subscribe("tasks", "*")
    async for message in client:          # {"channel": ..., "event": ..., "data": ...}
        ...
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Mapping
from typing import Any

import aiohttp

__all__ = ["Client", "RpcError"]


class RpcError(Exception):
    """The server answered a call with an error (``problem`` is the problem object)."""

    def __init__(self, method: str, problem: Mapping[str, Any]) -> None:
        self.method = method
        self.problem = dict(problem)
        self.status = problem.get("status")
        super().__init__(f"{method}: {problem.get('title')} ({problem.get('status')}): {problem.get('detail', '')}")


class Client:
    def __init__(self, ws: aiohttp.ClientWebSocketResponse, session: aiohttp.ClientSession | None = None) -> None:
        self.ws = ws
        self._session = session  # ours to close, when we made it
        self._ids = itertools.count(1)
        self._pending: dict[Any, asyncio.Future[Any]] = {}
        self._messages: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        # {channel: [patterns]}: the server's last "subscribed" answer
        self.subscriptions: dict[str, list[str]] = {}
        self._reader = asyncio.get_running_loop().create_task(self._read())

    @classmethod
    async def connect(
        cls, url: str, *, headers: Mapping[str, str] | None = None, session: aiohttp.ClientSession | None = None
    ) -> Client:
        own = session is None
        session = session or aiohttp.ClientSession()
        try:
            ws = await session.ws_connect(url, headers=headers)
        except BaseException:
            if own:
                await session.close()
            raise
        return cls(ws, session if own else None)

    async def call(self, method: str, payload: Any = None, *, timeout: float = 10) -> Any:  # noqa: ASYNC109
        """Call ``method``; its response, or :class:`RpcError` with the server's problem."""
        ident = next(self._ids)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[ident] = future
        try:
            await self.ws.send_str(json.dumps({"id": ident, "method": method, "payload": payload}))
            return await asyncio.wait_for(future, timeout)
        finally:
            self._pending.pop(ident, None)

    async def subscribe(self, channel: str, event: str = "*") -> dict[str, str]:
        """Subscribe to ``channel``'s events matching ``event``; ``{"channel", "event"}`` once the
        server accepted it (its answer, every subscription held, is in :attr:`subscriptions`)."""
        return await self._subscription("subscribe", channel, event)

    async def unsubscribe(self, channel: str, event: str = "*") -> dict[str, str]:
        """Drop one pattern of ``channel`` (``*`` by default, as the server takes none)."""
        return await self._subscription("unsubscribe", channel, event)

    async def _subscription(self, method: str, channel: str, event: str) -> dict[str, str]:
        answer = await self.call(method, {"channel": channel, "event": event})
        if isinstance(answer, Mapping) and isinstance(answer.get("subscribed"), Mapping):
            self.subscriptions = {name: list(patterns) for name, patterns in answer["subscribed"].items()}
        return {"channel": channel, "event": event}

    async def publish(self, channel: str, event: str | None, data: Any = None) -> Any:
        """Publish; the answer is ``{"channel", "event", "data"}`` as published."""
        return await self.call("publish", {"channel": channel, "event": event, "data": data})

    async def receive(self, timeout: float | None = None) -> dict[str, Any]:  # noqa: ASYNC109 - like aiohttp's
        """The next pushed message; ``ConnectionError`` once the socket is closed."""
        message = await asyncio.wait_for(self._messages.get(), timeout)
        if message is None:
            self._messages.put_nowait(None)  # every later receive sees the end too
            raise ConnectionError(f"the websocket is closed ({self.ws.close_code})")
        return message

    async def __aiter__(self) -> AsyncIterator[dict[str, Any]]:
        while True:
            try:
                yield await self.receive()
            except ConnectionError:
                return

    @property
    def close_code(self) -> int | None:
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._reader
        if self._session is not None:
            await self._session.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _read(self) -> None:
        try:
            async for message in self.ws:
                if message.type != aiohttp.WSMsgType.TEXT:
                    continue
                frame = json.loads(message.data)
                if "channel" in frame and "method" not in frame:
                    self._messages.put_nowait(frame)
                    continue
                future = self._pending.get(frame.get("id"))
                if future is None or future.done():
                    continue
                if "error" in frame:
                    future.set_exception(RpcError(str(frame.get("method")), frame["error"]))
                else:
                    future.set_result(frame.get("response"))
        finally:
            self._messages.put_nowait(None)
            for future in self._pending.values():
                if not future.done():
                    future.set_exception(ConnectionError(f"the websocket closed ({self.ws.close_code})"))
