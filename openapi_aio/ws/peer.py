"""One connected websocket client: its frames in, its answers and pushed messages out.

A :class:`Peer` reads the client's frames (RPC calls and the built-in subscribe, unsubscribe and
publish), runs calls concurrently up to ``MAX_CALLS``, and writes answers and published messages
through one bounded outgoing queue. The bounds protect the server from a client that does not
read (see docs/websockets.md, "Behaving under load").

Every frame is answered as aio-openapi answers it (docs/websockets.md, "Compatibility with
aio-openapi"), errors being problem objects: a result with no JSON form is a 500 answer, and a
method raising ``CancelledError`` closes the socket (1000), as aio-openapi's loop does.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, WSMsgType, web

from openapi_aio.endpoints.serialization import dumps
from openapi_aio.errors import (
    BadRequest,
    InternalServerError,
    NotFound,
    ProblemException,
    RequestValidationError,
)
from openapi_aio.keys import TOKEN_INFO, USER
from openapi_aio.pipeline import sentry
from openapi_aio.pipeline.problems import problem_body
from openapi_aio.request.decoding import NotJsonNumber, has_lone_surrogate, strict_json
from openapi_aio.ws.builtins import BUILT_IN, where
from openapi_aio.ws.hub import Hub, identity

if TYPE_CHECKING:
    from openapi_aio.ws.endpoint import WebSocketEndpoint

__all__ = ["BUILT_IN", "MAX_ANSWERS", "MAX_CALLS", "SLOW_CONSUMER", "Peer"]

log = logging.getLogger("openapi_aio.ws")

SLOW_CONSUMER = 4008  # close code: the client did not read its messages fast enough
MAX_CALLS = 64  # RPC calls in flight per client; more wait (the socket is read no further)
MAX_ANSWERS = 64  # answers waiting to be written per client; more: the socket is read no further
CANCELLED = "an RPC method was cancelled"  # close reason: a method raised CancelledError
_ANSWER, _PUSHED, _CLOSE = 0, 1, 2  # kinds of outgoing items
_UNENCODABLE = (TypeError, ValueError, RecursionError)  # what dumps raises for what is not JSON


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
        # (text, kind): pushed messages are bounded by ``queue``; answers by the calls in flight;
        # a _CLOSE item (text: the reason) closes the socket once what is before it was written
        self._outgoing: collections.deque[tuple[str, int]] = collections.deque()
        self._pushed = 0
        # while this client's own publish calls run, messages pushed to it wait here, so that
        # the publish is answered before its message arrives (as with aio-openapi's brokers)
        self._holding = 0
        self._held: list[str] = []
        self._end_code = int(WSCloseCode.OK)
        self._ending: str | None = None  # a close asked for while holding
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
            self.hub.dropped += 1
            return
        if self._pushed + len(self._held) >= self.endpoint.queue:
            self.hub.dropped += 1
            log.warning("closing a slow websocket client (%d messages waiting)", self._pushed)
            self._close_soon(SLOW_CONSUMER, "slow consumer: too many messages waiting")
            return
        self.hub.sent += 1
        if self._holding:
            self._held.append(text)
            return
        self._pushed += 1
        self._outgoing.append((text, _PUSHED))
        self._ready.set()

    def send(self, message: Mapping[str, Any]) -> None:
        """Queue an answer. Answers are bounded where frames are read: :meth:`serve` reads no
        further while ``MAX_ANSWERS`` wait (see :meth:`_wait_for_writer`), and calls in flight are
        at most ``MAX_CALLS``; so a client that reads what it is sent gets every answer."""
        self._answer(_encode(message))

    def _answer(self, text: str) -> None:
        if self._closing:
            return
        self._outgoing.append((text, _ANSWER))
        self._ready.set()

    def end(self, code: int, reason: str) -> None:
        """Close once what is queued (and the answer of a publish in progress) is written."""
        if self._closing:
            return
        if self._holding:
            self._end_code, self._ending = code, reason
            return
        self._closing = True
        self._end_code = code
        self._outgoing.append((reason, _CLOSE))
        self._ready.set()

    def _hold(self) -> None:
        self._holding += 1

    def _release(self) -> None:
        self._holding -= 1
        if self._holding:
            return
        held, self._held = self._held, []
        for text in held:
            self.push(text)
        if self._ending is not None:
            reason, self._ending = self._ending, None
            self.end(self._end_code, reason)

    async def _write(self) -> None:
        while True:
            if not self._outgoing:
                self._ready.clear()
                await self._ready.wait()
                continue
            text, kind = self._outgoing.popleft()
            if kind == _PUSHED:
                self._pushed -= 1
            elif kind == _CLOSE:
                await self.ws.close(code=self._end_code, message=text.encode())
                return
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
                    text, kind = self._outgoing.popleft()
                    sending = self.ws.send_str(text) if kind != _CLOSE else self.ws.close(code=self._end_code)
                    await asyncio.wait_for(sending, 1)
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await writer

    def _received(self, text: str) -> None:
        try:
            frame = strict_json(text)  # NaN and Infinity are not JSON: refused as HTTP bodies are
        except (ValueError, RecursionError) as error:  # RecursionError: nested too deeply
            self._slots.release()
            number = f" ({error})" if isinstance(error, NotJsonNumber) else ""
            self.send(_error(None, None, BadRequest(detail=f"a frame must be a JSON object{number}")))
            return
        if "\\u" in text and has_lone_surrogate(frame):  # no character: it could not be sent back
            self._slots.release()
            self.send(_error(None, None, BadRequest(detail="a frame must not hold lone surrogates (\\ud800)")))
            return
        if not isinstance(frame, dict) or "id" not in frame or not isinstance(frame.get("method"), str):
            self._slots.release()
            ident = frame.get("id") if isinstance(frame, dict) else None
            # as aio-openapi: a frame it cannot take as a call is answered without its "method"
            self.send(_error(ident, None, BadRequest(detail='a frame needs "id" and "method" (a string)')))
            return
        call = asyncio.get_running_loop().create_task(self._call(frame))
        self._calls.add(call)
        call.add_done_callback(self._call_done)

    def _call_done(self, call: asyncio.Task[None]) -> None:
        self._calls.discard(call)
        self._slots.release()

    async def _call(self, frame: dict[str, Any]) -> None:
        ident, name = frame["id"], frame["method"]
        payload = frame.get("payload")
        if payload is None:  # none sent, or null: an empty object, as aio-openapi passes
            payload = {}
        publishing = name == "publish"
        if publishing:
            self._hold()
        try:
            self._answer(await self._answered(ident, name, payload))
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._closing or (task is not None and task.cancelling()):
                raise  # cancelled by us: the connection is closing
            # raised by the method itself: aio-openapi takes it for a lost connection and closes
            log.warning("RPC method %r raised CancelledError: closing the connection", name)
            self.end(WSCloseCode.OK, CANCELLED)
        finally:
            if publishing:
                self._release()

    async def _answered(self, ident: Any, name: str, payload: Any) -> str:
        """The answer's text: the response, or the error (a 500 for a failing method and for a
        response with no JSON form or a NaN, which would otherwise never be answered)."""
        try:
            call = BUILT_IN[name](self, payload) if name in BUILT_IN else self._method(name, payload)
            telemetry = sys.modules.get("openapi_aio.service.telemetry")  # never imported here
            if telemetry is not None and telemetry.ENABLED:
                call = telemetry.traced_rpc(self.request, name, call)
            response = await call
        except ProblemException as problem:
            return _encode(_error(ident, name, problem))
        except Exception as error:
            logging.getLogger(sentry.UNHANDLED_LOGGER).exception("RPC method %r failed", name)
            sentry.report(self.request, error)
            return _encode(_error(ident, name, InternalServerError(detail="The server could not complete the call.")))
        try:
            return _encode({"id": ident, "method": name, "response": response})
        except _UNENCODABLE:
            log.exception("RPC method %r answered what JSON cannot carry: %.200r", name, response)
            return _encode(_error(ident, name, InternalServerError(detail="The server could not complete the call.")))

    async def _method(self, name: str, payload: Any) -> Any:
        method = self.endpoint.methods.get(name)
        if method is None:
            known = ", ".join(sorted([*self.endpoint.methods, *BUILT_IN]))
            raise NotFound(detail=f"no RPC method {name!r} (known: {known})")
        if method.payload is not None:
            violations = method.payload.violations(payload, "body")
            if violations:
                raise RequestValidationError(detail=f"invalid payload: {where(violations[0])}", violations=violations)
        result = await method.call.call(self.request, {"payload": payload, "connection": self})
        if method.response is not None and not method.response.is_valid(result):
            log.error("RPC method %r answered what its response schema refuses: %.200r", name, result)
            raise InternalServerError(detail="The server could not complete the call.")
        return result


def _error(ident: Any, method: str | None, problem: ProblemException) -> dict[str, Any]:
    """An error answer; ``id`` and ``method`` only when known, as aio-openapi leaves them out."""
    answer: dict[str, Any] = {"error": problem_body(problem)}
    if ident is not None:
        answer["id"] = ident
    if method is not None:
        answer["method"] = method
    return answer


def _encode(message: Mapping[str, Any]) -> str:
    """A frame's text, by the encoder of HTTP bodies: ``TypeError``/``ValueError`` for what JSON
    cannot carry (NaN included), never invalid JSON."""
    return dumps(message).decode()
