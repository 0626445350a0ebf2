"""Brokers carry published messages between server processes.

Every process subscribes to one broker topic and receives every message published by any process
(its own included, exactly once); the :class:`~openapi_aio.ws.hub.Hub` of each process then hands
it to its own matching websocket subscribers. So a message reaches every subscriber in every
process once, whatever process published it.

- :class:`MemoryBroker` (default): one process, no infrastructure.
- :class:`PostgresBroker`: ``LISTEN``/``NOTIFY`` on the service's PostgreSQL. A ``NOTIFY`` payload
  is at most 8,000 bytes, so larger messages travel in numbered parts reassembled on arrival.
- :class:`RedisBroker`: Redis pub/sub (``REDIS_URL``), needs the ``redis`` extra.

Losing the broker never crashes the service: the listener reconnects with backoff (0.1 s doubling
to 5 s) and re-subscribes; messages published meanwhile fail with ``ServiceUnavailable``.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import os
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from openapi_aio.errors import ServiceUnavailable

__all__ = ["Broker", "MemoryBroker", "PostgresBroker", "RedisBroker", "broker_for"]

log = logging.getLogger("openapi_aio.ws")

Deliver = Callable[[str, str, Any], Awaitable[None]]
TOPIC = "openapi_aio"
_NOTIFY_LIMIT = 7_900  # bytes of one NOTIFY payload (PostgreSQL refuses 8,000 and more)
_PART_BYTES = 5_000  # of a larger message per part: 6,668 characters of base64 with the envelope


class Broker:
    """Publish ``(channel, event, data)`` to every process; deliver what any process published."""

    async def start(self, deliver: Deliver) -> None:
        self._deliver = deliver

    async def publish(self, channel: str, event: str, data: Any) -> None:
        raise NotImplementedError

    async def close(self) -> None:
        """Stop listening (at shutdown)."""


class MemoryBroker(Broker):
    """One process: publishing is delivering. What the other brokers could not send (no JSON
    form, NaN) is refused here too, so publishing fails alike whatever the broker."""

    async def publish(self, channel: str, event: str, data: Any) -> None:
        _encode(channel, event, data)
        await self._deliver(channel, event, data)


class _ListeningBroker(Broker):
    """A broker with a background listener that reconnects with backoff."""

    def __init__(self, topic: str = TOPIC) -> None:
        self.topic = topic
        self._task: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()

    async def start(self, deliver: Deliver) -> None:
        await super().start(deliver)
        self._task = asyncio.create_task(self._listen_forever(), name=f"openapi_aio broker {type(self).__name__}")
        with contextlib.suppress(TimeoutError):  # not reachable yet: the listener keeps trying
            await asyncio.wait_for(self._connected.wait(), 5)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
            self._task = None

    async def _listen_forever(self) -> None:
        delay = 0.1
        while True:
            try:
                await self._listen()  # returns or raises when the connection is lost
                error: Exception | None = None
            except asyncio.CancelledError:
                raise
            except Exception as lost:  # noqa: BLE001 - any loss: log, wait, reconnect
                error = lost
            if self._connected.is_set():  # it was listening: back off from the start again
                self._connected.clear()
                delay = 0.1
            log.warning("%s lost (%r); reconnecting in %.1f s", type(self).__name__, error, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

    async def _listen(self) -> None:
        raise NotImplementedError

    async def _received(self, raw: str | bytes) -> None:
        try:
            channel, event, data = json.loads(raw)
        except (ValueError, TypeError):
            log.warning("ignored a malformed broker message: %.200r", raw)
            return
        await self._deliver(channel, event, data)


class RedisBroker(_ListeningBroker):
    def __init__(self, url: str | None = None, topic: str = TOPIC) -> None:
        super().__init__(topic)
        self.url = url or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379"
        try:
            import redis.asyncio as redis
        except ImportError as error:  # pragma: no cover - depends on the installation
            raise ImportError("the Redis broker needs the redis package: pip install openapi-aio[redis]") from error
        # idle connections are checked before use: after a Redis restart the pool's old
        # connections are stale, and the first publish would fail
        self._client = redis.from_url(self.url, health_check_interval=10)
        self._connection_errors: tuple[type[BaseException], ...] = (redis.ConnectionError,)

    async def publish(self, channel: str, event: str, data: Any) -> None:
        message = _encode(channel, event, data)
        try:
            try:
                await self._client.publish(self.topic, message)
            except self._connection_errors:  # a connection closed under us: one more, on a new one
                await self._client.publish(self.topic, message)
        except (OSError, ConnectionError) as error:
            raise ServiceUnavailable(
                detail="the message broker is unavailable", headers={"Retry-After": "1"}
            ) from error
        except Exception as error:
            if type(error).__module__.startswith("redis"):
                raise ServiceUnavailable(
                    detail="the message broker is unavailable", headers={"Retry-After": "1"}
                ) from error
            raise

    async def _listen(self) -> None:
        pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self.topic)
            self._connected.set()
            while True:
                message = await pubsub.get_message(timeout=30.0)
                if message is None:  # quiet for a while: is the connection still there?
                    await pubsub.ping()
                elif message.get("type") == "message":
                    await self._received(message["data"])
        finally:
            with contextlib.suppress(Exception):
                await pubsub.aclose()  # type: ignore[no-untyped-call,unused-ignore]

    async def close(self) -> None:
        await super().close()
        with contextlib.suppress(Exception):
            await self._client.aclose()


class PostgresBroker(_ListeningBroker):
    def __init__(self, dsn: str, topic: str = TOPIC) -> None:
        super().__init__(topic)
        self.dsn = dsn
        self._sender: Any = None  # one asyncpg connection for NOTIFY, reopened when lost
        self._parts: dict[str, list[bytes | None]] = {}
        self._lock = asyncio.Lock()

    async def publish(self, channel: str, event: str, data: Any) -> None:
        import asyncpg

        text = _encode(channel, event, data)
        raw = text.encode()
        if len(raw) <= _NOTIFY_LIMIT:
            payloads = [text]
        else:  # numbered base64 parts of one message (NOTIFYs of one transaction arrive in order)
            key = uuid.uuid4().hex
            pieces = [raw[start : start + _PART_BYTES] for start in range(0, len(raw), _PART_BYTES)]
            payloads = [
                json.dumps({"part": [key, index, len(pieces)], "base64": base64.b64encode(piece).decode()})
                for index, piece in enumerate(pieces)
            ]
        try:
            async with self._lock:
                if self._sender is None or self._sender.is_closed():
                    self._sender = await asyncpg.connect(self.dsn, timeout=5)
                if len(payloads) == 1:  # one statement commits by itself: one round trip
                    await self._sender.execute("SELECT pg_notify($1, $2)", self.topic, payloads[0])
                else:
                    async with self._sender.transaction():  # all parts or none, in order
                        for payload in payloads:
                            await self._sender.execute("SELECT pg_notify($1, $2)", self.topic, payload)
        except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            self._sender = None
            raise ServiceUnavailable(
                detail="the message broker is unavailable", headers={"Retry-After": "1"}
            ) from error

    async def _listen(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(self.dsn, timeout=5)
        self._parts.clear()  # parts of messages cut by a lost connection: they never complete
        lost = asyncio.Event()
        queue: asyncio.Queue[str] = asyncio.Queue()
        try:
            connection.add_termination_listener(lambda _connection: lost.set())
            await connection.add_listener(self.topic, lambda _c, _pid, _channel, payload: queue.put_nowait(payload))
            self._connected.set()
            while not lost.is_set():
                getter = asyncio.ensure_future(queue.get())
                waiter = asyncio.ensure_future(lost.wait())
                done, pending = await asyncio.wait({getter, waiter}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
                for future in pending:
                    future.cancel()
                if getter in done:
                    await self._payload(getter.result())
                elif not done:  # quiet for a while: is the connection still there?
                    await connection.execute("SELECT 1")
            raise ConnectionError("the LISTEN connection was closed")
        finally:
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)

    async def _payload(self, payload: str) -> None:
        if not payload.startswith('{"part"'):
            await self._received(payload)
            return
        envelope = json.loads(payload)
        key, index, count = envelope["part"]
        parts = self._parts.setdefault(key, [None] * count)
        parts[index] = base64.b64decode(envelope["base64"])
        if all(part is not None for part in parts):
            del self._parts[key]
            await self._received(b"".join(parts).decode())  # type: ignore[arg-type]

    async def close(self) -> None:
        await super().close()
        if self._sender is not None:
            with contextlib.suppress(Exception):
                await self._sender.close(timeout=2)
            self._sender = None


def _encode(channel: str, event: str, data: Any) -> str:
    """The message as the brokers carry it; ``TypeError`` (no JSON form) or ``ValueError`` (NaN,
    Infinity) to the publisher, as an HTTP handler's result would be refused."""
    from openapi_aio.endpoints.serialization import dumps

    return dumps([channel, event, data]).decode()


def broker_for(setting: str | None, datastore: str | None = None) -> Broker:
    """``memory`` (default), ``redis`` / ``redis://...``, ``postgresql`` (the datastore) or
    ``postgresql://...``; the ``BROKER`` environment variable when ``setting`` is ``None``."""
    setting = setting or os.environ.get("BROKER") or "memory"
    if setting == "memory":
        return MemoryBroker()
    if setting == "redis" or setting.startswith(("redis://", "rediss://")):
        return RedisBroker(None if setting == "redis" else setting)
    if setting in ("postgresql", "postgres") or setting.startswith(("postgresql://", "postgres://")):
        dsn = datastore if setting in ("postgresql", "postgres") else setting
        if not dsn or not dsn.startswith(("postgresql", "postgres")):
            raise ValueError("broker 'postgresql' needs a PostgreSQL datastore (or give its URL)")
        from openapi_aio.db.datastore import asyncpg_dsn

        return PostgresBroker(asyncpg_dsn(dsn))
    raise ValueError(f"unknown broker {setting!r}: memory, redis[://...] or postgresql[://...]")
