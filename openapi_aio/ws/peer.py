"""One connected websocket client: its frames in, its answers and pushed messages out.

A :class:`Peer` reads the client's frames (RPC calls and the built-in subscribe, unsubscribe and
publish), runs calls concurrently up to ``MAX_CALLS``, and writes answers and published messages
through one bounded outgoing queue. The bounds protect the server from a client that does not
read (see docs/websockets.md, "Behaving under load").
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType, web

from openapi_aio.endpoints.serialization import json_text
from openapi_aio.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    InternalServerError,
    NotFound,
    ProblemException,
    RequestValidationError,
)
from openapi_aio.keys import TOKEN_INFO, USER
from openapi_aio.pipeline import sentry
from openapi_aio.pipeline.problems import problem_body
from openapi_aio.request.decoding import has_lone_surrogate
from openapi_aio.ws.hub import Hub, identity, is_pattern

if TYPE_CHECKING:
    from openapi_aio.ws.endpoint import Channel, WebSocketEndpoint

__all__ = ["MAX_ANSWERS", "MAX_CALLS", "SLOW_CONSUMER", "Peer"]

log = logging.getLogger("openapi_aio.ws")

SLOW_CONSUMER = 4008  # close code: the client did not read its messages fast enough
MAX_CALLS = 64  # RPC calls in flight per client; more wait (the socket is read no further)
MAX_ANSWERS = 64  # answers waiting to be written per client; more: the socket is read no further


class Peer:
    """One connected websocket client (a ``Peer``, not to be confused with a database
    ``Connection``): its subscriptions, its bounded outgoing queue, its RPC calls in flight."""

    def __init__(self, endpoint: WebSocketEndpoint, hub: Hub, request: web.Request, ws: web.WebSocketResponse) -> None:
        self.endpoint = endpoint
        self.hub = hub
        self.request = request
        self.ws = ws
        self.user = request.get(USER)
        self.token_info = request.get(TOKEN_INFO)
        self.identity = identity(self.user, self.token_info)  # whose rows it may see (hub.py)
        # (text, pushed): pushed messages are bounded by ``queue``; answers by the calls in flight
        self._outgoing: collections.deque[tuple[str, bool]] = collections.deque()
        self._pushed = 0
        self._ready = asyncio.Event()
        self._written = asyncio.Event()  # set by the writer each time it has sent a message
        self._calls: set[asyncio.Task[None]] = set()
        self._slots = asyncio.Semaphore(MAX_CALLS)
        self._closing = False
        self._closer: asyncio.Task[bool] | None = None

    # --- sending ---

    def push(self, text: str) -> None:
        """Queue a published message; a client with ``queue`` of them waiting is too slow: it is
        disconnected (4008), so that it never holds up the others."""
        if self._closing:
            return
        if self._pushed >= self.endpoint.queue:
            log.warning("closing a slow websocket client (%d messages waiting)", self._pushed)
            self._close_soon(SLOW_CONSUMER, "slow consumer: too many messages waiting")
            return
        self._pushed += 1
        self._outgoing.append((text, True))
        self._ready.set()

    def send(self, message: Mapping[str, Any]) -> None:
        """Queue an answer. Answers are bounded where frames are read: :meth:`serve` reads no
        further while ``MAX_ANSWERS`` wait (see :meth:`_wait_for_writer`), and calls in flight are
        at most ``MAX_CALLS``; so a client that reads what it is sent gets every answer."""
        if self._closing:
            return
        self._outgoing.append((json_text(message), False))
        self._ready.set()

    async def _write(self) -> None:
        while True:
            if not self._outgoing:
                self._ready.clear()
                await self._ready.wait()
                continue
            text, pushed = self._outgoing.popleft()
            if pushed:
                self._pushed -= 1
            await self.ws.send_str(text)  # waits while the client's TCP window is full
            self._written.set()

    async def _wait_for_writer(self) -> bool:
        """Before reading another frame: wait while ``MAX_ANSWERS`` answers are unsent, so the
        reader never runs ahead of the writer. ``False`` when the writer could send nothing for
        ``send_timeout`` seconds: the client sends without reading what it is answered."""
        while len(self._outgoing) - self._pushed >= MAX_ANSWERS:
            self._written.clear()
            try:
                await asyncio.wait_for(self._written.wait(), self.endpoint.send_timeout)
            except TimeoutError:
                return False
        return True

    def _close_soon(self, code: int, reason: str) -> None:
        self._closing = True
        # kept: the loop holds tasks only weakly, and this one must finish
        self._closer = asyncio.get_running_loop().create_task(self.ws.close(code=code, message=reason.encode()))

    # --- receiving ---

    async def serve(self) -> None:
        self.hub.connections.add(self)
        writer = asyncio.create_task(self._write())
        loop = asyncio.get_running_loop()
        idle = self.endpoint.idle_timeout
        try:
            while True:
                if not await self._wait_for_writer():
                    log.warning("closing a websocket client that sends without reading its answers")
                    self._closing = True
                    # not cancelled: the writer waits on the socket's drain, which close() shares
                    self._outgoing.clear()
                    self._pushed = 0
                    await self.ws.close(code=SLOW_CONSUMER, message=b"slow consumer: answers not read")
                    break
                # a deadline of our own: receive(timeout=) restarts its clock on every pong, so
                # a client answering the heartbeat would never be idle
                deadline = loop.time() + idle if idle else None
                try:
                    async with asyncio.timeout_at(deadline):
                        message = await self.ws.receive()
                except TimeoutError:
                    await self.ws.close(code=WSCloseCode.GOING_AWAY, message=b"idle")
                    break
                if message.type == WSMsgType.TEXT:
                    await self._slots.acquire()  # a client calling faster than we answer waits
                    self._received(message.data)
                elif message.type == WSMsgType.BINARY:
                    self.send(_error(None, None, BadRequest(detail="frames are JSON text, not binary")))
                elif message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED, WSMsgType.ERROR):
                    break
        finally:
            self._closing = True
            self.hub.connections.discard(self)
            self.hub.drop(self)
            for call in self._calls:
                call.cancel()
            with contextlib.suppress(Exception):
                while self._outgoing and not self.ws.closed:  # what was answered, sent
                    await asyncio.wait_for(self.ws.send_str(self._outgoing.popleft()[0]), 1)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    def _received(self, text: str) -> None:
        try:
            frame = json.loads(text)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply
            self._slots.release()
            self.send(_error(None, None, BadRequest(detail="a frame must be a JSON object")))
            return
        if "\\u" in text and has_lone_surrogate(frame):  # no character: it could not be sent back
            self._slots.release()
            self.send(_error(None, None, BadRequest(detail="a frame must not hold lone surrogates (\\ud800)")))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("method"), str):
            self._slots.release()
            ident = frame.get("id") if isinstance(frame, dict) else None
            self.send(_error(ident, None, BadRequest(detail='a frame needs "method" (a string)')))
            return
        call = asyncio.get_running_loop().create_task(self._call(frame))
        self._calls.add(call)
        call.add_done_callback(self._call_done)

    def _call_done(self, call: asyncio.Task[None]) -> None:
        self._calls.discard(call)
        self._slots.release()

    async def _call(self, frame: dict[str, Any]) -> None:
        ident, name = frame.get("id"), frame["method"]
        payload = frame.get("payload", {})  # none sent: an empty object, as aio-openapi passes
        try:
            if name in BUILT_IN:
                response = await BUILT_IN[name](self, payload)
            else:
                response = await self._method(name, payload)
        except ProblemException as problem:
            self.send(_error(ident, name, problem))
            return
        except Exception as error:
            logging.getLogger(sentry.UNHANDLED_LOGGER).exception("RPC method %r failed", name)
            sentry.report(self.request, error)
            self.send(_error(ident, name, InternalServerError(detail="The server could not complete the call.")))
            return
        self.send({"id": ident, "method": name, "response": response})

    async def _method(self, name: str, payload: Any) -> Any:
        method = self.endpoint.methods.get(name)
        if method is None:
            known = ", ".join(sorted([*self.endpoint.methods, *BUILT_IN]))
            raise NotFound(detail=f"no RPC method {name!r} (known: {known})")
        if method.payload is not None:
            violations = method.payload.violations(payload, "body")
            if violations:
                raise RequestValidationError(detail=f"invalid payload: {_where(violations[0])}", violations=violations)
        result = await method.call.call(self.request, {"payload": payload, "connection": self})
        if method.response is not None and not method.response.is_valid(result):
            log.error("RPC method %r answered what its response schema refuses: %.200r", name, result)
            raise InternalServerError(detail="The server could not complete the call.")
        return result

    # --- channels ---

    def channel(self, payload: Any, action: str) -> tuple[Channel, str]:
        if not isinstance(payload, Mapping) or not isinstance(payload.get("channel"), str):
            raise BadRequest(detail=f'{action} needs a payload {{"channel": ..., "event": ...}}')
        channel = self.endpoint.channels.get(payload["channel"])
        if channel is None:
            known = ", ".join(sorted(self.endpoint.channels)) or "none"
            raise NotFound(detail=f"no channel {payload['channel']!r} (known: {known})")
        event = payload.get("event", "*")
        if not isinstance(event, str) or not event:
            raise BadRequest(detail='"event" must be a non-empty string (a glob pattern to subscribe)')
        if len(event) > self.endpoint.max_pattern_length:
            raise BadRequest(
                detail=f'"event" has {len(event)} characters, more than the'
                f" {self.endpoint.max_pattern_length} allowed (max_pattern_length)"
            )
        return channel, event

    def make_room(self, channel: str, pattern: str) -> None:
        """Refuse a new subscription beyond ``max_subscriptions``: each pattern is held and
        matched against every message of its channel, so a client may not ask for thousands.
        Subscribing again to what it has is no new subscription, and always answered."""
        limit = self.endpoint.max_subscriptions
        if self.hub.count(self) >= limit and not self.hub.subscribed(self, channel, pattern):
            raise Conflict(
                detail=f"this connection has {limit} subscriptions, the most it may have"
                " (max_subscriptions): unsubscribe from one first"
            )

    async def allow(self, channel: Channel, action: str) -> None:
        rule = channel.subscribe if action == "subscribe" else channel.publish
        if rule is False:
            raise Forbidden(detail=f"clients may not {action} on channel {channel.name!r}")
        if isinstance(rule, frozenset) and not rule <= _scopes(self.token_info):
            raise Forbidden(detail=f"{action} on {channel.name!r} needs scope(s) {', '.join(sorted(rule))}")
        authorize = self.endpoint.authorize
        if authorize is not None:
            allowed = authorize(self.user, self.token_info, channel.name, action)
            if asyncio.iscoroutine(allowed):
                allowed = await allowed
            if not allowed:
                raise Forbidden(detail=f"not allowed to {action} on channel {channel.name!r}")


async def _subscribe(connection: Peer, payload: Any) -> Any:
    channel, pattern = connection.channel(payload, "subscribe")
    await connection.allow(channel, "subscribe")
    connection.make_room(channel.name, pattern)  # after the await: no other subscribe in between
    connection.hub.subscribe(connection, channel.name, pattern)
    return {"channel": channel.name, "event": pattern}


async def _unsubscribe(connection: Peer, payload: Any) -> Any:
    if not isinstance(payload, Mapping) or not isinstance(payload.get("channel"), str):
        raise BadRequest(detail='unsubscribe needs a payload {"channel": ...[, "event": ...]}')
    event = payload.get("event")
    connection.hub.unsubscribe(connection, payload["channel"], event if isinstance(event, str) else None)
    return {"channel": payload["channel"], "event": event}


async def _publish(connection: Peer, payload: Any) -> Any:
    channel, event = connection.channel(payload, "publish")
    if is_pattern(event):
        raise BadRequest(detail="publish an event name, not a pattern")
    await connection.allow(channel, "publish")
    if channel.events is not None and event not in channel.events:
        raise BadRequest(
            detail=f"channel {channel.name!r} has no event {event!r} (one of {', '.join(sorted(channel.events))})"
        )
    data = payload.get("data")
    if channel.message is not None:
        # pointers into the publish payload, where the data is at /data
        violations = [
            replace(violation, name="/data" + violation.name) for violation in channel.message.violations(data, "body")
        ]
        if violations:
            raise RequestValidationError(detail=f"invalid data: {_where(violations[0])}", violations=violations)
    await connection.hub.publish(channel.name, event, data)
    return {"channel": channel.name, "event": event}


BUILT_IN = {"subscribe": _subscribe, "unsubscribe": _unsubscribe, "publish": _publish}


def _scopes(token_info: Any) -> frozenset[str]:
    if not isinstance(token_info, Mapping):
        return frozenset()
    for key in ("scope", "scopes", "scp"):
        value = token_info.get(key)
        if isinstance(value, str):
            return frozenset(value.split())
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(item) for item in value)
    return frozenset()


def _where(violation: Any) -> str:
    return f"{violation.name} {violation.message}" if violation.name else violation.message


def _error(ident: Any, method: str | None, problem: ProblemException) -> dict[str, Any]:
    return {"id": ident, "method": method, "error": problem_body(problem)}
