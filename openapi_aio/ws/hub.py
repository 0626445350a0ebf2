"""The hub: who in this process is subscribed to what, and the one way to publish.

``await publish(app, "tasks", "created", row)`` (or ``app[HUB].publish(...)``) goes through the
broker to every process; each process's hub hands the message to its websocket connections whose
subscriptions match (a channel name and a glob pattern on the event: ``*``, ``task.*``). The
message is encoded once per process, whatever the number of subscribers.
"""

from __future__ import annotations

import asyncio
import fnmatch
import functools
import json
import re
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import WSCloseCode, web

from openapi_aio.endpoints.serialization import json_default
from openapi_aio.keys import HUB
from openapi_aio.ws.brokers import Broker, MemoryBroker

__all__ = ["HUB", "Hub", "Subscriber", "mount_hub", "publish"]


class Subscriber(Protocol):
    def push(self, text: str) -> None:
        """Queue one message for sending; never blocks (a slow subscriber is disconnected)."""


class Hub:
    def __init__(self, broker: Broker | None = None) -> None:
        self.broker = broker or MemoryBroker()
        # channel -> subscriber -> event patterns
        self._subscriptions: dict[str, dict[Subscriber, set[str]]] = {}
        self.connections: set[Any] = set()  # open websocket connections, closed at shutdown

    async def start(self) -> None:
        await self.broker.start(self.deliver)

    async def close(self) -> None:
        await self.broker.close()

    def subscribe(self, subscriber: Subscriber, channel: str, pattern: str = "*") -> None:
        self._subscriptions.setdefault(channel, {}).setdefault(subscriber, set()).add(pattern)

    def unsubscribe(self, subscriber: Subscriber, channel: str, pattern: str | None = None) -> None:
        subscribers = self._subscriptions.get(channel)
        if not subscribers or subscriber not in subscribers:
            return
        if pattern is None:
            del subscribers[subscriber]
        else:
            subscribers[subscriber].discard(pattern)
            if not subscribers[subscriber]:
                del subscribers[subscriber]
        if not subscribers:
            del self._subscriptions[channel]

    def drop(self, subscriber: Subscriber) -> None:
        """Forget every subscription of ``subscriber`` (it disconnected)."""
        for channel in [name for name, subscribers in self._subscriptions.items() if subscriber in subscribers]:
            self.unsubscribe(subscriber, channel)

    def subscriptions(self, subscriber: Subscriber) -> dict[str, set[str]]:
        return {
            channel: set(subscribers[subscriber])
            for channel, subscribers in self._subscriptions.items()
            if subscriber in subscribers
        }

    async def publish(self, channel: str, event: str, data: Any = None) -> None:
        """Send ``data`` to every subscriber of ``channel`` whose pattern matches ``event``, in
        every process."""
        await self.broker.publish(channel, event, data)

    async def deliver(self, channel: str, event: str, data: Any) -> None:
        """A message from the broker: hand it to this process's matching subscribers."""
        subscribers = self._subscriptions.get(channel)
        if not subscribers:
            return
        text = None
        for subscriber, patterns in list(subscribers.items()):
            if any(_matcher(pattern)(event) for pattern in patterns):
                if text is None:
                    message = {"channel": channel, "event": event, "data": data}
                    text = json.dumps(message, default=json_default, separators=(",", ":"), ensure_ascii=False)
                subscriber.push(text)


@functools.lru_cache(maxsize=1024)
def _matcher(pattern: str) -> Callable[[str], bool]:
    if pattern == "*":
        return lambda event: True
    if not any(char in pattern for char in "*?["):
        return pattern.__eq__
    return re.compile(fnmatch.translate(pattern)).match  # type: ignore[return-value]


def mount_hub(app: web.Application, broker: str | None, datastore: str | None) -> Hub:
    """The application's hub (one, shared by its APIs): started with the application, its
    websockets closed with 1001 (going away) at shutdown, its broker closed at cleanup."""
    existing = app.get(HUB)
    if existing is not None:
        return existing
    from openapi_aio.ws.brokers import broker_for

    hub = app[HUB] = Hub(broker_for(broker, datastore))

    async def start(app: web.Application) -> None:
        await hub.start()

    async def going_away(app: web.Application) -> None:
        await asyncio.gather(
            *(
                connection.ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutdown")
                for connection in list(hub.connections)
            ),
            return_exceptions=True,
        )

    async def close(app: web.Application) -> None:
        await hub.close()

    app.on_startup.append(start)
    app.on_shutdown.append(going_away)
    app.on_cleanup.append(close)
    return hub


async def publish(app: web.Application, channel: str, event: str, data: Any = None) -> None:
    """Publish to websocket subscribers in every process of the service (from any server code:
    handlers, CRUD views, background tasks)."""
    await app[HUB].publish(channel, event, data)
