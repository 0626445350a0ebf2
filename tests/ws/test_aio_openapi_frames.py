"""aio-openapi's websocket test frames, sent verbatim to its test app declared with x-websocket.

The frames are those of aio-openapi 3.2.1's ``tests/ws/test_ws.py``, re-typed here as protocol data,
one case per test function there, each on a fresh server as its ``cli`` fixture gives. ``AIO`` holds
aio-openapi's own answers, recorded on 2026-12-07 by running its test app (``tests/example/ws.py``:
``/stream`` with the Publish and Subscribe mixins and its ``LocalBroker``) under aio-openapi 3.2.1
from PyPI, in an environment of its own, and sending these frames over real websockets. The app
here is the same, declared in ``tests/specs/aio_ws/stream.yaml`` (its methods and broker in
``handlers.py``).

openapi_aio must answer every frame as aio-openapi did: success answers and pushed messages equal,
error answers with the same envelope (``id`` and ``method`` where aio-openapi has them, left out
where it leaves them out), the socket closed where aio-openapi closed it, with the same code. Error
bodies are the one documented difference (docs/websockets.md, "Compatibility with aio-openapi"):
problem objects, whose ``status`` is given here next to aio-openapi's ``{"message", "errors"}``.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient
from conftest import SPECS
from specs.aio_ws.handlers import LocalBroker

import openapi_aio
from openapi_aio.keys import HUB

CLOSED = "closed 1000"  # aio-openapi closed the socket, with code 1000 and no answer
PROBLEM_KEYS = {"type", "title", "status", "detail"}

# one step: (frame sent, or None to read a pushed message; aio-openapi's answer; the status of
# openapi_aio's problem when aio-openapi answered an error)
Step = tuple[Any, Any, int | None]

AIO: dict[str, list[list[Step]]] = {
    "test_invalid_protocol": [
        [("hkjhkhk", {"error": {"message": "JSON string expected"}}, 400)],
    ],
    "test_invalid_protocol2": [
        [([1], {"error": {"message": "Malformed message; expected dictionary, got list"}}, 400)],
    ],
    "test_invalid_rpc": [
        [
            (
                {"method": "echo", "payload": {"message": "hello"}},
                {"error": {"message": "Invalid RPC parameters", "errors": {"id": "required"}}},
                400,
            )
        ],
    ],
    "test_rpc_echo": [
        [
            (
                {"id": "abc", "method": "echo", "payload": {"message": "hello"}},
                {"id": "abc", "method": "echo", "response": {"message": "hello"}},
                None,
            )
        ],
    ],
    "test_invalid_rpc_method": [
        [
            (
                {"id": "abc", "method": "wtf", "payload": {"message": "hello"}},
                {
                    "error": {"message": "Invalid RPC parameters", "errors": {"method": "wtf method not available"}},
                    "id": "abc",
                    "method": "wtf",
                },
                404,
            )
        ],
    ],
    "test_rpc_publish_error": [
        [
            (
                {"id": "abc", "method": "publish", "payload": {"message": "hello"}},
                {
                    "error": {
                        "message": "Invalid RPC parameters",
                        "errors": {"data": "required", "channel": "required"},
                    },
                    "id": "abc",
                    "method": "publish",
                },
                400,
            ),
            (
                {"id": "abc", "method": "publish", "payload": {"channel": "Test", "data": "hello"}},
                {
                    "error": {"message": "Invalid RPC parameters", "errors": {"channel": "Cannot publish to channel"}},
                    "id": "abc",
                    "method": "publish",
                },
                404,  # "Test" is no channel of the document (aio-openapi's broker refuses capitals)
            ),
        ],
    ],
    "test_rpc_publish": [
        [
            (
                {"id": "abc", "method": "publish", "payload": {"channel": "test", "data": "hello"}},
                {"id": "abc", "method": "publish", "response": {"channel": "test", "event": None, "data": "hello"}},
                None,
            )
        ],
    ],
    "test_rpc_subscribe": [
        [
            (
                {"id": "abc", "method": "subscribe", "payload": {"channel": "test"}},
                {"id": "abc", "method": "subscribe", "response": {"subscribed": {"test": ["*"]}}},
                None,
            ),
            (
                {"id": "abcd", "method": "subscribe", "payload": {"channel": "foo"}},
                {"id": "abcd", "method": "subscribe", "response": {"subscribed": {"test": ["*"], "foo": ["*"]}}},
                None,
            ),
            (
                {"id": "abc", "method": "server_info"},
                {
                    "id": "abc",
                    "method": "server_info",
                    "response": {"connections": 1, "channels": {"test": {"*": 1}, "foo": {"*": 1}}},
                },
                None,
            ),
            (
                {"id": "abc", "method": "subscribe", "payload": {"channel": "Test"}},
                {
                    "error": {"message": "Invalid RPC parameters", "errors": {"channel": "Invalid channel"}},
                    "id": "abc",
                    "method": "subscribe",
                },
                404,
            ),
        ],
    ],
    "test_rpc_unsubscribe": [
        [
            (
                {"id": "abc", "method": "subscribe", "payload": {"channel": "test"}},
                {"id": "abc", "method": "subscribe", "response": {"subscribed": {"test": ["*"]}}},
                None,
            ),
            (
                {"id": "abcd", "method": "subscribe", "payload": {"channel": "foo"}},
                {"id": "abcd", "method": "subscribe", "response": {"subscribed": {"test": ["*"], "foo": ["*"]}}},
                None,
            ),
            (
                {"id": "xyz", "method": "unsubscribe", "payload": {"channel": "test"}},
                {"id": "xyz", "method": "unsubscribe", "response": {"subscribed": {"foo": ["*"]}}},
                None,
            ),
            (
                {"id": "abc", "method": "server_info"},
                {"id": "abc", "method": "server_info", "response": {"connections": 1, "channels": {"foo": {"*": 1}}}},
                None,
            ),
        ],
    ],
    "test_rpc_pubsub": [
        [
            (
                {"id": "abc", "method": "subscribe", "payload": {"channel": "test"}},
                {"id": "abc", "method": "subscribe", "response": {"subscribed": {"test": ["*"]}}},
                None,
            ),
            (
                {"id": "abc", "method": "publish", "payload": {"channel": "test", "data": "hello again"}},
                {
                    "id": "abc",
                    "method": "publish",
                    "response": {"channel": "test", "event": None, "data": "hello again"},
                },
                None,
            ),
            (None, {"channel": "test", "event": "", "data": "hello again"}, None),
            (
                {"id": "abc", "method": "publish", "payload": {"channel": "test", "data": "error"}},
                {"id": "abc", "method": "publish", "response": {"channel": "test", "event": None, "data": "error"}},
                None,
            ),
            (None, CLOSED, None),  # the broker delivered what cannot be written: the subscriber is closed
        ],
        [
            (
                {"id": "abc", "method": "server_info"},
                {"id": "abc", "method": "server_info", "response": {"connections": 1, "channels": {}}},
                None,
            ),
            (
                {"id": "abc", "method": "subscribe", "payload": {"channel": "test"}},
                {"id": "abc", "method": "subscribe", "response": {"subscribed": {"test": ["*"]}}},
                None,
            ),
            (
                {"id": "abc", "method": "publish", "payload": {"channel": "test", "data": "runtime_error"}},
                {
                    "id": "abc",
                    "method": "publish",
                    "response": {"channel": "test", "event": None, "data": "runtime_error"},
                },
                None,
            ),
            (None, CLOSED, None),
        ],
    ],
    "test_cancelled": [
        [({"id": "abc", "method": "cancel"}, CLOSED, None)],
    ],
    "test_badjson": [
        [
            (
                {"id": "abc", "method": "badjson"},
                {"error": {"message": "JSON object expected"}, "id": "abc", "method": "badjson"},
                500,
            )
        ],
    ],
    "test_rpc_unsubscribe_error": [
        [
            (
                {"id": "xyz", "method": "unsubscribe", "payload": {"channel": "whazaaa"}},
                {
                    "error": {"message": "Invalid RPC parameters", "errors": {"channel": "Invalid channel"}},
                    "id": "xyz",
                    "method": "unsubscribe",
                },
                404,
            )
        ],
    ],
}


# More frames, beyond aio-openapi's tests, on one connection, recorded from aio-openapi the same way.
# WIDER: the frames aio-openapi refuses and openapi_aio answers on purpose, with both answers
# (docs/websockets.md, "Wider values are accepted").
MORE: list[Step] = [
    ({"id": None, "method": "echo"}, {"id": None, "method": "echo", "response": {}}, None),
    ({"id": "e", "method": "echo"}, {"id": "e", "method": "echo", "response": {}}, None),
    ({"id": "f", "method": "echo", "payload": None}, {"id": "f", "method": "echo", "response": {}}, None),
    (
        '{"id": "nan", "method": "echo", "payload": {"x": NaN}}',
        {"error": {"message": "JSON string expected"}},
        400,
    ),
    (
        {"id": "h", "method": "subscribe", "payload": {"channel": "test", "event": "a.*"}},
        {"id": "h", "method": "subscribe", "response": {"subscribed": {"test": ["a.*"]}}},
        None,
    ),
    (
        {"id": "i", "method": "subscribe", "payload": {"channel": "test"}},
        {"id": "i", "method": "subscribe", "response": {"subscribed": {"test": ["a.*", "*"]}}},
        None,
    ),
    (
        {"id": "j", "method": "unsubscribe", "payload": {"channel": "test"}},
        {"id": "j", "method": "unsubscribe", "response": {"subscribed": {"test": ["a.*"]}}},
        None,
    ),
    (
        {"id": "k", "method": "subscribe", "payload": {"channel": "test", "event": ""}},
        {"id": "k", "method": "subscribe", "response": {"subscribed": {"test": ["a.*", "*"]}}},
        None,
    ),
    (
        {"id": "l", "method": "subscribe", "payload": {"channel": "test", "event": None}},
        {"id": "l", "method": "subscribe", "response": {"subscribed": {"test": ["a.*", "*"]}}},
        None,
    ),
    (
        {"id": "m", "method": "publish", "payload": {"channel": "test", "event": "zz", "data": {"a": 1}}},
        {"id": "m", "method": "publish", "response": {"channel": "test", "event": "zz", "data": {"a": 1}}},
        None,
    ),
    (None, {"channel": "test", "event": "zz", "data": {"a": 1}}, None),
    (
        {"id": "n", "method": "publish", "payload": {"channel": "test", "event": "a.b", "data": [1]}},
        {"id": "n", "method": "publish", "response": {"channel": "test", "event": "a.b", "data": [1]}},
        None,
    ),
    (None, {"channel": "test", "event": "a.b", "data": [1]}, None),
    (
        {"id": "p", "method": "subscribe", "payload": {}},
        {
            "error": {"message": "Invalid RPC parameters", "errors": {"channel": "required"}},
            "id": "p",
            "method": "subscribe",
        },
        400,
    ),
    (
        {"id": "q", "method": 3},
        {"error": {"message": "Invalid RPC parameters", "errors": {"method": "not valid type"}}, "id": "q"},
        400,
    ),
]
WIDER: list[tuple[Any, Any, Any]] = [  # (frame, aio-openapi's answer, openapi_aio's)
    (
        {"id": 1, "method": "echo", "payload": {"n": 1}},
        {"error": {"message": "Invalid RPC parameters", "errors": {"id": "not valid type"}}, "id": 1},
        {"id": 1, "method": "echo", "response": {"n": 1}},
    ),
    (
        {"id": "g", "method": "echo", "payload": [1, 2]},
        {"error": {"message": "Invalid RPC parameters", "errors": {"payload": "expected an object"}}, "id": "g"},
        {"id": "g", "method": "echo", "response": [1, 2]},
    ),
    (
        {"id": "o", "method": "publish", "payload": {"channel": "foo", "data": 1}},
        {
            "error": {"message": "Invalid RPC parameters", "errors": {"data": "not valid type"}},
            "id": "o",
            "method": "publish",
        },
        {"id": "o", "method": "publish", "response": {"channel": "foo", "event": None, "data": 1}},
    ),
]


@pytest.fixture
async def stream(aiohttp_client: Any) -> TestClient:
    """A fresh server of aio-openapi's test app, with its broker."""
    app = web.Application()
    openapi_aio.setup(app, SPECS / "aio_ws" / "stream.yaml", broker="memory")
    app[HUB].broker = LocalBroker()
    client: TestClient = await aiohttp_client(app)
    return client


async def gone(server: TestClient) -> None:
    """Until the server has noticed every earlier connection close (it does so on its own time)."""
    hub = server.app[HUB]
    async with asyncio.timeout(5):
        while hub.connections:  # noqa: ASYNC110 - no event to wait on
            await asyncio.sleep(0.01)


async def answered_as_aio(ws: aiohttp.ClientWebSocketResponse, aio: Any, status: int | None) -> None:
    message = await ws.receive(timeout=5)
    if aio == CLOSED:
        assert message.type == WSMsgType.CLOSE, message
        assert message.data == 1000
        return
    assert message.type == WSMsgType.TEXT, message
    ours = json.loads(message.data)
    if "error" not in aio:
        assert ours == aio
        return
    assert set(ours) == set(aio), ours  # the same envelope: id and method where aio-openapi has them
    assert {key: ours[key] for key in ours if key != "error"} == {key: aio[key] for key in aio if key != "error"}
    assert set(ours["error"]) >= PROBLEM_KEYS, ours
    assert ours["error"]["status"] == status, ours


@pytest.mark.parametrize("case", list(AIO))
async def test_every_aio_openapi_frame_answered_as_aio_openapi_answers(stream: TestClient, case: str) -> None:
    for conversation in AIO[case]:
        await gone(stream)
        async with stream.ws_connect("/stream") as ws:
            for frame, aio, status in conversation:
                if frame is not None:
                    await (ws.send_str(frame) if isinstance(frame, str) else ws.send_str(json.dumps(frame)))
                await answered_as_aio(ws, aio, status)


async def test_more_frames_answered_as_aio_openapi_answers(stream: TestClient) -> None:
    async with stream.ws_connect("/stream") as ws:
        for frame, aio, status in MORE:
            if frame is not None:
                await ws.send_str(frame if isinstance(frame, str) else json.dumps(frame))
            await answered_as_aio(ws, aio, status)


async def test_wider_values_answered_where_aio_openapi_refuses_them(stream: TestClient) -> None:
    async with stream.ws_connect("/stream") as ws:
        for frame, aio, ours in WIDER:
            await ws.send_str(json.dumps(frame))
            assert "error" in aio
            assert json.loads(await ws.receive_str(timeout=5)) == ours


async def test_plain_get_is_a_400_as_in_aio_openapi(stream: TestClient) -> None:
    """aio-openapi's test_invalid_ws_protocol: a GET without Upgrade (aio-openapi: 400, JSON)."""
    response = await stream.get("/stream")
    assert response.status == 400
    assert response.content_type == "application/problem+json"


# --- beyond aio-openapi's frames: what openapi_aio adds to every frame answered -------------------


async def test_a_result_json_cannot_carry_is_a_500_and_the_socket_stays(stream: TestClient) -> None:
    async with stream.ws_connect("/stream") as ws:
        for method in ("badjson", "not_finite"):  # a class; NaN and Infinity (not JSON: RFC 8259)
            await ws.send_str(json.dumps({"id": method, "method": method}))
            text = await ws.receive_str(timeout=5)
            assert "NaN" not in text
            assert "Infinity" not in text
            answer = json.loads(text)
            assert answer["id"] == method
            assert answer["error"]["status"] == 500
        await ws.send_str(json.dumps({"id": 1, "method": "echo", "payload": {"still": "open"}}))
        assert json.loads(await ws.receive_str(timeout=5))["response"] == {"still": "open"}


async def test_a_frame_holding_nan_is_refused_as_aio_openapi_refuses_it(stream: TestClient) -> None:
    async with stream.ws_connect("/stream") as ws:
        await ws.send_str('{"id": "n", "method": "echo", "payload": {"x": NaN}}')
        answer = json.loads(await ws.receive_str(timeout=5))
        assert set(answer) == {"error"}  # aio-openapi: {"error": {"message": "JSON string expected"}}
        assert answer["error"]["status"] == 400
        assert "NaN" in answer["error"]["detail"]


async def test_server_code_publishing_nan_is_refused(serve: Any) -> None:
    """Refused at publish, whatever the broker, as an HTTP handler's NaN is a 500: no subscriber
    is ever sent invalid JSON."""
    server = await serve(SPECS / "aio_ws" / "stream.yaml", broker="memory")
    async with server.ws_connect("/stream") as ws:
        await ws.send_str(json.dumps({"id": 1, "method": "subscribe", "payload": {"channel": "test"}}))
        await ws.receive_str(timeout=5)
        with pytest.raises(ValueError, match="JSON"):
            await openapi_aio.ws.publish(server.app, "test", "e", {"x": float("nan")})
        await openapi_aio.ws.publish(server.app, "test", "e", {"x": 1.5})
        assert json.loads(await ws.receive_str(timeout=5)) == {"channel": "test", "event": "e", "data": {"x": 1.5}}


async def test_subscriptions_answered_in_order_and_unsubscribe_takes_one_pattern(stream: TestClient) -> None:
    """As aio-openapi (recorded too): no event is ``*``; unsubscribe without one drops ``*`` only."""
    async with stream.ws_connect("/stream") as ws:

        async def call(method: str, payload: Any) -> Any:
            await ws.send_str(json.dumps({"id": method, "method": method, "payload": payload}))
            return json.loads(await ws.receive_str(timeout=5))

        assert (await call("subscribe", {"channel": "test", "event": "a.*"}))["response"] == {
            "subscribed": {"test": ["a.*"]}
        }
        assert (await call("subscribe", {"channel": "test"}))["response"] == {"subscribed": {"test": ["a.*", "*"]}}
        assert (await call("unsubscribe", {"channel": "test"}))["response"] == {"subscribed": {"test": ["a.*"]}}
        assert (await call("subscribe", {"channel": "test", "event": None}))["response"] == {
            "subscribed": {"test": ["a.*", "*"]}
        }
        assert (await call("unsubscribe", {"channel": "foo"}))["error"]["status"] == 404  # holds nothing there
