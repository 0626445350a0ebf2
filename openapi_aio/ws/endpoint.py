"""A websocket endpoint declared in the document: RPC methods and pub/sub channels.

The endpoint is an ordinary GET operation with ``x-websocket``, so the handshake goes through the
same pipeline as any request (security first: a bad token is a 401 before any upgrade)::

    /live:
      get:
        security: [{bearer: []}]
        x-websocket:
          rpc:
            add:                                   # {"id": 1, "method": "add", "payload": {...}}
              operationId: calc.add                # bound like an operation's handler
              payload: {type: object, required: [a, b], properties: {a: {type: number}, ...}}
              response: {type: number}
          channels:
            tasks:                                 # {"channel": "tasks", "event": ..., "data": ...}
              events: [created, updated, deleted]  # what may be published (default: anything)
              subscribe: {scopes: [tasks:read]}    # who may subscribe (default: anyone connected)
              publish: false                       # clients may not publish (the default)
          authorize: auth.may                      # optional: async (user, token_info, channel, action) -> bool
          queue: 256                               # outgoing messages buffered per client
          max_subscriptions: 100                   # (channel, pattern) pairs per client
          max_pattern_length: 256                  # characters of a pattern or published event
          max_message_size: 65536
          heartbeat: 30
        responses: {"101": {description: switched to the websocket protocol}}

Frames follow aio-openapi's protocol, so its clients keep working: requests
``{"id", "method", "payload"}``, answers ``{"id", "method", "response"}`` or ``{"id", "method",
"error"}`` where the error is the same problem object HTTP answers carry. A bad frame, an
unknown method, an invalid payload or a failing method is an error answer; the socket stays open.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import web

from openapi_aio.endpoints.handler_call import HandlerCall
from openapi_aio.errors import (
    SpecError,
)
from openapi_aio.keys import HUB
from openapi_aio.resolver import import_function
from openapi_aio.validation import SchemaValidator
from openapi_aio.ws.handshake import handshake_problem
from openapi_aio.ws.peer import BUILT_IN, Peer

if TYPE_CHECKING:
    from openapi_aio.operation import Operation
    from openapi_aio.types import Handler
__all__ = ["WebSocketEndpoint"]

_KEYS = frozenset(
    {
        "rpc",
        "channels",
        "authorize",
        "queue",
        "max_message_size",
        "heartbeat",
        "idle_timeout",
        "send_timeout",
        "max_subscriptions",
        "max_pattern_length",
    }
)
_COUNTS = ("queue", "max_message_size", "max_subscriptions", "max_pattern_length")  # positive integers


@dataclass(slots=True)
class Method:
    name: str
    call: HandlerCall
    payload: SchemaValidator | None = None
    response: SchemaValidator | None = None


@dataclass(slots=True)
class Channel:
    name: str
    events: frozenset[str] | None = None
    message: SchemaValidator | None = None
    subscribe: bool | frozenset[str] = True  # True: anyone connected; scopes: those scopes
    publish: bool | frozenset[str] = False


@dataclass(slots=True, eq=False)
class WebSocketEndpoint:
    """Everything one websocket operation needs, compiled at start-up."""

    label: str
    methods: dict[str, Method] = field(default_factory=dict)
    channels: dict[str, Channel] = field(default_factory=dict)
    authorize: Callable[..., Any] | None = None
    queue: int = 256
    max_message_size: int = 64 * 1024
    heartbeat: float | None = 30.0
    idle_timeout: float | None = None
    send_timeout: float = 10.0  # seconds answers may wait unread before the client is closed (4008)
    # what one client may make the hub hold and match: (channel, pattern) pairs, characters of one
    # pattern or event name (issue 18: 30,000 patterns stalled every publish for seconds)
    max_subscriptions: int = 100
    max_pattern_length: int = 256

    @classmethod
    def compile(cls, operation: Operation, source: str) -> WebSocketEndpoint:
        spec = operation.spec
        declared = spec.websocket or {}
        where = f"{spec.pointer}/x-websocket"

        def error(message: str, *tokens: str) -> SpecError:
            return SpecError(f"x-websocket: {message}", source, "/".join([where, *tokens]))

        unknown = set(declared) - _KEYS
        if unknown:
            raise error(f"unknown key(s) {', '.join(sorted(unknown))}")
        endpoint = cls(label=spec.label)
        for key in _COUNTS:
            if key in declared:
                value = declared[key]
                if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                    raise error(f"{key} must be a positive integer", key)
                setattr(endpoint, key, value)
        for key in ("heartbeat", "idle_timeout"):
            if key in declared:
                setattr(endpoint, key, float(declared[key]) if declared[key] else None)
        if "send_timeout" in declared:
            if not isinstance(declared["send_timeout"], int | float) or declared["send_timeout"] <= 0:
                raise error("send_timeout must be a positive number of seconds", "send_timeout")
            endpoint.send_timeout = float(declared["send_timeout"])
        secured = any(spec.security or ())
        always = ("user", "token_info") if secured else ()

        def validator(schema: Any, *tokens: str) -> SchemaValidator | None:
            if not schema:
                return None
            return SchemaValidator.compile(schema, operation.version, "request", where=f"#{where}/{'/'.join(tokens)}")

        for name, entry in (declared.get("rpc") or {}).items():
            if name in BUILT_IN:
                raise error(f"{name!r} is a built-in method (subscribe, unsubscribe, publish)", "rpc", name)
            target = entry.get("operationId")
            if not isinstance(target, str):
                raise error("an RPC method needs operationId: module.function", "rpc", name)
            function = import_function(target)
            call = HandlerCall(
                function, label=f"RPC method {name!r}", supplied=("payload",), always=(*always, "connection")
            )
            endpoint.methods[name] = Method(
                name,
                call,
                validator(entry.get("payload"), "rpc", name, "payload"),
                validator(entry.get("response"), "rpc", name, "response"),
            )
        for name, entry in (declared.get("channels") or {}).items():
            events = entry.get("events")
            endpoint.channels[name] = Channel(
                name,
                events=frozenset(events) if isinstance(events, list) else None,
                message=validator(entry.get("message"), "channels", name, "message"),
                subscribe=_rule(entry.get("subscribe", True), error, "channels", name, "subscribe"),
                publish=_rule(entry.get("publish", False), error, "channels", name, "publish"),
            )
        if declared.get("authorize"):
            endpoint.authorize = import_function(str(declared["authorize"]))
        return endpoint

    def handler(self) -> Handler:
        """The operation's endpoint: upgrade, then serve the connection until it closes."""

        async def websocket(request: web.Request) -> web.StreamResponse:
            hub = request.app[HUB]
            problem = handshake_problem(request.headers)
            if problem is not None:
                raise problem
            ws = web.WebSocketResponse(heartbeat=self.heartbeat, max_msg_size=self.max_message_size)
            await ws.prepare(request)
            connection = Peer(self, hub, request, ws)
            await connection.serve()
            return ws

        return websocket


def _rule(value: Any, error: Callable[..., SpecError], *where: str) -> bool | frozenset[str]:
    if isinstance(value, bool):
        return value
    if isinstance(value, Mapping) and isinstance(value.get("scopes", []), list):
        return frozenset(value.get("scopes", []))
    raise error("must be true, false or {scopes: [...]}", *where)
