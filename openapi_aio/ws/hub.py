"""The hub: who in this process is subscribed to what, and the one way to publish.

``await publish(app, "tasks", "created", row)`` (or ``app[HUB].publish(...)``) goes through the
broker to every process; each process's hub hands the message to its websocket connections whose
subscriptions match (a channel name and a glob pattern on the event: ``*``, ``task.*``). The
message is encoded once per process, whatever the number of subscribers.

A pattern is compiled once, when the first subscriber asks for it, and shared by every subscriber
of the same channel and pattern; it is forgotten with its last subscriber. So a message costs one
set lookup for ``*`` and for exact event names, and one match per distinct glob pattern of its
channel (not one compilation, not one per subscriber). Delivery yields to the event loop every
:data:`YIELD_EVERY` matches, so that a channel with many patterns slows its own messages, never
the other clients of the process.

The rows of a database resource's ``events`` channel are not sent as they are: they travel on a
hidden channel (the channel's name + :data:`ROWS`, which no client can name) and the
:class:`RowFilter` registered for the channel (:mod:`openapi_aio.db.events`) decides, once per
identity among the subscribers (see :func:`identity`), what each may see.
"""

from __future__ import annotations

import asyncio
import fnmatch
import json
import logging
import re
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple, Protocol

from aiohttp import WSCloseCode, web

from openapi_aio.endpoints.serialization import dumps
from openapi_aio.keys import HUB
from openapi_aio.ws.brokers import Broker, MemoryBroker

__all__ = [
    "HUB",
    "ROWS",
    "YIELD_EVERY",
    "Hub",
    "RowFilter",
    "Subscriber",
    "Totals",
    "identity",
    "is_pattern",
    "mount_hub",
    "publish",
]

log = logging.getLogger("openapi_aio.ws")

YIELD_EVERY = 256  # glob matches between two yields to the event loop while delivering a message
ROWS = "\x1frows"  # suffix of the hidden channel a resource publishes its rows on


class Subscriber(Protocol):
    def push(self, text: str) -> None:
        """Queue one message for sending; never blocks (a slow subscriber is disconnected)."""


UNSENDABLE = "a published message could not be encoded as JSON"  # close reason (see Hub.deliver)


class RowFilter(Protocol):
    async def messages(
        self, channel: str, event: str, row: dict[str, Any], groups: Iterable[list[Any]]
    ) -> list[tuple[str, list[Any]]]:
        """``(text, subscribers)`` for the identity groups that may see ``row``."""


def identity(user: Any, token_info: Any) -> str:
    """Who a subscriber is, as a key: subscribers with one user and token are shown rows alike,
    so they share one evaluation of the view's ``scope()`` and ``serialize()``."""
    return json.dumps([user, token_info], default=repr, sort_keys=True)


class Totals(NamedTuple):
    """What the hub holds: subscribers, their (channel, pattern) subscriptions, and the compiled
    glob patterns those share (``*`` and exact names need none)."""

    subscribers: int
    subscriptions: int
    compiled: int


def is_pattern(event: str) -> bool:
    """Whether ``event`` is a glob pattern rather than an event name."""
    return any(char in event for char in "*?[")


class _Glob:
    """One compiled glob pattern of a channel and the subscribers who asked for it."""

    __slots__ = ("match", "subscribers")

    def __init__(self, pattern: str) -> None:
        self.match: Callable[[str], object] = re.compile(fnmatch.translate(pattern)).match
        self.subscribers: set[Subscriber] = set()


class _Channel:
    """The subscribers of one channel, by the kind of pattern they gave: ``*``, an exact event
    name, or a glob compiled once for all who share it."""

    __slots__ = ("delivering", "everything", "exact", "globs")

    def __init__(self) -> None:
        self.everything: set[Subscriber] = set()
        self.exact: dict[str, set[Subscriber]] = {}
        self.globs: dict[str, _Glob] = {}
        # one message of the channel at a time, in the order they came: matching may yield, and a
        # later message must not overtake an earlier one (other channels need not wait)
        self.delivering = asyncio.Lock()

    def add(self, subscriber: Subscriber, pattern: str) -> None:
        if pattern == "*":
            self.everything.add(subscriber)
        elif not is_pattern(pattern):
            self.exact.setdefault(pattern, set()).add(subscriber)
        else:
            glob = self.globs.get(pattern)
            if glob is None:
                glob = self.globs[pattern] = _Glob(pattern)
            glob.subscribers.add(subscriber)

    def remove(self, subscriber: Subscriber, pattern: str) -> None:
        """Forget one subscription, and what no subscriber uses any more (a compiled glob)."""
        if pattern == "*":
            self.everything.discard(subscriber)
        elif not is_pattern(pattern):
            named = self.exact.get(pattern, set())
            named.discard(subscriber)
            if not named:
                self.exact.pop(pattern, None)
        elif pattern in self.globs:
            glob = self.globs[pattern]
            glob.subscribers.discard(subscriber)
            if not glob.subscribers:
                del self.globs[pattern]

    def empty(self) -> bool:
        return not (self.everything or self.exact or self.globs)

    async def matching(self, event: str) -> set[Subscriber]:
        """The subscribers ``event`` reaches, each once; globs matched in slices of
        :data:`YIELD_EVERY` with a yield to the loop between them."""
        reached = set(self.everything)
        reached.update(self.exact.get(event, ()))
        globs = list(self.globs.values())  # a snapshot: subscriptions may change while we yield
        for start in range(0, len(globs), YIELD_EVERY):
            if start:
                await asyncio.sleep(0)
            for glob in globs[start : start + YIELD_EVERY]:
                if glob.match(event):
                    reached.update(glob.subscribers)
        return reached


class Hub:
    def __init__(self, broker: Broker | None = None) -> None:
        self.broker = broker or MemoryBroker()
        self._channels: dict[str, _Channel] = {}
        # subscriber -> channel -> patterns, in the order subscribed (a dict as an ordered set: the
        # ``subscribed`` answer lists them so, as aio-openapi does)
        self._patterns: dict[Subscriber, dict[str, dict[str, None]]] = {}
        self.connections: set[Any] = set()  # open websocket connections, closed at shutdown
        self.row_filters: dict[str, RowFilter] = {}  # events channel -> who may see its rows
        # published messages queued to a client, and not (too slow, or closing): read by metrics
        self.sent = 0
        self.dropped = 0

    async def start(self) -> None:
        await self.broker.start(self.deliver)

    async def close(self) -> None:
        await self.broker.close()

    def subscribe(self, subscriber: Subscriber, channel: str, pattern: str = "*") -> None:
        """Subscribe (again: no change) ``subscriber`` to ``channel``'s events matching
        ``pattern``, compiled here once for every message to come."""
        if self.subscribed(subscriber, channel, pattern):
            return
        self._channels.setdefault(channel, _Channel()).add(subscriber, pattern)
        self._patterns.setdefault(subscriber, {}).setdefault(channel, {})[pattern] = None

    def unsubscribe(self, subscriber: Subscriber, channel: str, pattern: str | None = None) -> None:
        """Forget one pattern of ``channel``, or all of them when ``pattern`` is ``None``."""
        channels = self._patterns.get(subscriber, {})
        patterns = channels.get(channel, {})
        gone = list(patterns) if pattern is None else [pattern] if pattern in patterns else []
        for each in gone:
            self._channels[channel].remove(subscriber, each)
            del patterns[each]
        if not patterns:
            channels.pop(channel, None)
        if not channels:
            self._patterns.pop(subscriber, None)
        if channel in self._channels and self._channels[channel].empty():
            del self._channels[channel]

    def drop(self, subscriber: Subscriber) -> None:
        """Forget every subscription of ``subscriber`` (it disconnected), and so every compiled
        pattern only it used."""
        for channel in list(self._patterns.get(subscriber, {})):
            self.unsubscribe(subscriber, channel)

    def subscribed(self, subscriber: Subscriber, channel: str, pattern: str) -> bool:
        return pattern in self._patterns.get(subscriber, {}).get(channel, ())

    def count(self, subscriber: Subscriber) -> int:
        """How many (channel, pattern) subscriptions ``subscriber`` has."""
        return sum(len(patterns) for patterns in self._patterns.get(subscriber, {}).values())

    def subscriptions(self, subscriber: Subscriber) -> dict[str, set[str]]:
        return {channel: set(patterns) for channel, patterns in self._patterns.get(subscriber, {}).items()}

    def held(self, subscriber: Subscriber) -> dict[str, list[str]]:
        """``{channel: [patterns]}`` in the order ``subscriber`` subscribed them: the answer to a
        subscribe or unsubscribe frame (aio-openapi's ``{"subscribed": ...}``)."""
        return {channel: list(patterns) for channel, patterns in self._patterns.get(subscriber, {}).items()}

    def info(self) -> dict[str, dict[str, int]]:
        """``{channel: {pattern: subscribers}}`` of this process (monitoring; aio-openapi's
        ``server_info`` shows the same)."""
        shown: dict[str, dict[str, int]] = {}
        for name, channel in self._channels.items():
            counts = shown[name] = {}
            if channel.everything:
                counts["*"] = len(channel.everything)
            for event, named in channel.exact.items():
                counts[event] = len(named)
            for pattern, glob in channel.globs.items():
                counts[pattern] = len(glob.subscribers)
        return shown

    def totals(self) -> Totals:
        """What the hub holds now (for tests and monitoring: it walks every subscriber)."""
        return Totals(
            len(self._patterns),
            sum(self.count(subscriber) for subscriber in self._patterns),
            sum(len(channel.globs) for channel in self._channels.values()),
        )

    async def publish(self, channel: str, event: str, data: Any = None) -> None:
        """Send ``data`` to every subscriber of ``channel`` whose pattern matches ``event``, in
        every process."""
        await self.broker.publish(channel, event, data)

    async def deliver(self, channel: str, event: str, data: Any) -> None:
        """A message from the broker: hand it to this process's matching subscribers."""
        if channel.endswith(ROWS):
            await self._deliver_row(channel[: -len(ROWS)], event, data)
            return
        subscribers = self._channels.get(channel)
        if subscribers is None:
            return
        async with subscribers.delivering:
            reached = await subscribers.matching(event)
            if not reached:
                return
            message = {"channel": channel, "event": event, "data": data}
            try:
                text = dumps(message).decode()
            except (TypeError, ValueError, RecursionError):
                # only a broker of one's own delivers what was not JSON (ours refuse it at publish):
                # each reached subscriber would miss it, so each is closed, as aio-openapi does
                log.exception("a message on channel %r could not be encoded: its subscribers are closed", channel)
                for subscriber in reached:
                    end = getattr(subscriber, "end", None)
                    if end is not None:
                        end(WSCloseCode.OK, UNSENDABLE)
                return
            for subscriber in reached:
                subscriber.push(text)

    async def _deliver_row(self, channel: str, event: str, row: Any) -> None:
        """A resource's row: each identity group among the matching subscribers gets what its
        reads would show it, or nothing; never the row as it is."""
        subscribers = self._channels.get(channel)
        if subscribers is None:
            return
        row_filter = self.row_filters.get(channel)
        if row_filter is None or not isinstance(row, dict):
            log.warning("a row of channel %r has no filter in this process: not delivered", channel)
            return
        async with subscribers.delivering:
            reached = await subscribers.matching(event)
            groups: dict[str, list[Any]] = {}
            for subscriber in reached:
                key = getattr(subscriber, "identity", None)
                groups.setdefault(key if isinstance(key, str) else str(id(subscriber)), []).append(subscriber)
            for text, group in await row_filter.messages(channel, event, row, groups.values()):
                for subscriber in group:
                    subscriber.push(text)


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
