"""Websockets over real HTTP (openapi_aio.ws): RPC, handshake security, channels and their rules,
server-side and CRUD publishing, and behaviour under load, on the in-process memory broker.
Documents and handlers: tests/specs/ws/."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import copy
import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiohttp
import jsonschema
import pytest
import yaml
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient
from conftest import SPECS, MakeClient
from specs.ws import handlers

import openapi_aio.ws
from openapi_aio.ws.client import Client, RpcError

LIVE = yaml.safe_load((SPECS / "ws" / "live.yaml").read_text())
ADA = {"Authorization": "Bearer tok-ada"}
WRITER = {"Authorization": "Bearer tok-writer"}
BOB = {"Authorization": "Bearer tok-bob"}
MALLORY = {"Authorization": "Bearer tok-mallory"}

Connect = Callable[..., Awaitable[Client]]


def live(**websocket: Any) -> dict[str, Any]:
    """The live document with some of x-websocket's options replaced."""
    document = copy.deepcopy(LIVE)
    document["paths"]["/live"]["get"]["x-websocket"].update(websocket)
    return document


@pytest.fixture
async def server(serve: MakeClient) -> TestClient:
    return await serve(LIVE, broker="memory")


@pytest.fixture
async def connect() -> AsyncIterator[Callable[..., Awaitable[Client]]]:
    """``client = await connect(test_client, headers)``: a protocol client on ``/live``, closed at
    the end of the test."""
    clients: list[Client] = []

    async def make(server: TestClient, headers: dict[str, str] | None = None, path: str = "/live") -> Client:
        client = await Client.connect(str(server.server.make_url(path)), headers=ADA if headers is None else headers)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


async def raw(server: TestClient, headers: dict[str, str] | None = None) -> aiohttp.ClientWebSocketResponse:
    """A bare aiohttp websocket on ``/live`` (closed with the test client's session)."""
    return await server.ws_connect("/live", headers=ADA if headers is None else headers)


async def answer(ws: aiohttp.ClientWebSocketResponse, frame: Any) -> dict[str, Any]:
    await (ws.send_bytes(frame) if isinstance(frame, bytes) else ws.send_str(frame))
    return json.loads(await ws.receive_str(timeout=5))


async def nothing_for(client: Client, seconds: float = 0.2) -> None:
    """``client`` receives no message within ``seconds``."""
    with pytest.raises(TimeoutError):
        await client.receive(timeout=seconds)


async def closed_with(ws: aiohttp.ClientWebSocketResponse) -> tuple[int | None, int]:
    """Read ``ws`` until it closes: its close code and the number of text frames read before."""
    texts = 0
    async with asyncio.timeout(10):
        while True:
            message = await ws.receive()
            if message.type == WSMsgType.TEXT:
                texts += 1
            elif message.type in (WSMsgType.CLOSE, WSMsgType.CLOSING, WSMsgType.CLOSED):
                return ws.close_code, texts


# --- RPC --------------------------------------------------------------------------------------


async def test_rpc_success_validated_and_answered(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    assert await client.call("add", {"a": 1, "b": 2.5}) == 3.5
    assert await client.call("echo", {"sync": True}) == {"sync": True}  # a sync handler, in the executor


async def test_rpc_handler_gets_connection_user_token_info_request(server: TestClient, connect: Connect) -> None:
    client = await connect(server, WRITER)
    assert await client.call("whoami", [1]) == {
        "user": "wes",
        "token_info": handlers.TOKENS["tok-writer"],
        "path": "/live",
        "connection": "Peer",
        "payload": [1],
    }


async def test_rpc_invalid_payload_is_a_400_with_pointers(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    with pytest.raises(RpcError) as caught:
        await client.call("add", {"a": "one", "c": 3})
    problem = caught.value.problem
    assert caught.value.status == 400
    assert caught.value.method == "add"
    assert {error["pointer"]: error["message"] for error in problem["errors"]} == {
        "/a": "must be a number",
        "/b": "is required",
        "/c": "is not a known property",
    }
    with pytest.raises(RpcError) as caught:
        await client.call("add", None)
    assert caught.value.status == 400
    assert await client.call("add", {"a": 1, "b": 1}) == 2  # still usable


async def test_unknown_method_is_a_404(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    with pytest.raises(RpcError) as caught:
        await client.call("nope", {})
    assert caught.value.status == 404
    assert "add" in caught.value.problem["detail"]
    assert await client.call("add", {"a": 1, "b": 1}) == 2


@pytest.mark.parametrize(
    ("frame", "ident"),
    [
        ("not json", None),
        ("[1, 2]", None),
        ('"method"', None),
        ('{"id": 7, "payload": {}}', 7),
        ('{"id": 8, "method": 3}', 8),
        (b'{"id": 9, "method": "add"}', None),
    ],
    ids=["not-json", "array", "string", "no-method", "method-not-string", "binary"],
)
async def test_malformed_frames_are_answered_and_the_socket_stays(server: TestClient, frame: Any, ident: Any) -> None:
    ws = await raw(server)
    reply = await answer(ws, frame)
    assert reply.get("id") == ident  # left out when the frame had none, as aio-openapi does
    assert "method" not in reply  # not taken as a call: no method to repeat
    assert reply["error"]["status"] == 400
    assert reply["error"]["detail"]
    ok = await answer(ws, json.dumps({"id": "x", "method": "add", "payload": {"a": 2, "b": 3}}))
    assert ok == {"id": "x", "method": "add", "response": 5}
    await ws.close()


async def test_handler_exception_is_a_500_without_internals(
    server: TestClient, connect: Connect, caplog: pytest.LogCaptureFixture
) -> None:
    client = await connect(server)
    with pytest.raises(RpcError) as caught:
        await client.call("boom", {})
    assert caught.value.status == 500
    assert "hunter2" not in json.dumps(caught.value.problem)
    assert "RuntimeError" not in json.dumps(caught.value.problem)
    assert "hunter2" in caplog.text  # logged on the server instead
    assert await client.call("add", {"a": 1, "b": 1}) == 2
    assert client.close_code is None


async def test_response_breaking_its_schema_is_a_500(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    with pytest.raises(RpcError) as caught:
        await client.call("broken", {})
    assert caught.value.status == 500
    assert "not a number" not in json.dumps(caught.value.problem)
    assert await client.call("add", {"a": 1, "b": 1}) == 2


async def test_concurrent_calls_answered_with_their_ids(server: TestClient) -> None:
    ws = await raw(server)
    # sent in order, answered in reverse: each answer carries its request's id
    for ident, delay in enumerate([0.3, 0.2, 0.1, 0.0]):
        await ws.send_json({"id": f"c{ident}", "method": "sleep", "payload": {"delay": delay, "value": ident}})
    replies = [json.loads(await ws.receive_str(timeout=5)) for _ in range(4)]
    assert [reply["id"] for reply in replies] == ["c3", "c2", "c1", "c0"]
    assert all(reply["response"] == int(reply["id"][1:]) for reply in replies)
    await ws.close()


async def test_client_calls_in_parallel(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    results = await asyncio.gather(*(client.call("add", {"a": n, "b": n}) for n in range(20)))
    assert results == [2 * n for n in range(20)]


# --- handshake security -----------------------------------------------------------------------

UPGRADE = {
    "Connection": "Upgrade",
    "Upgrade": "websocket",
    "Sec-WebSocket-Version": "13",
    "Sec-WebSocket-Key": base64.b64encode(os.urandom(16)).decode(),
}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}], ids=["none", "wrong"])
async def test_handshake_without_a_good_token_is_a_401_before_upgrade(
    server: TestClient, connect: Connect, headers: dict[str, str]
) -> None:
    response = await server.get("/live", headers={**UPGRADE, **headers})
    assert response.status == 401
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert (await response.json())["status"] == 401
    with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
        await connect(server, headers)
    assert caught.value.status == 401


async def test_handshake_with_the_right_token_connects(server: TestClient, connect: Connect) -> None:
    client = await connect(server, BOB)
    assert (await client.call("whoami"))["user"] == "bob"


HANDSHAKE = ("Upgrade", "Connection", "Sec-WebSocket-Key", "Sec-WebSocket-Version")


async def test_plain_get_without_upgrade_is_a_400_naming_each_handshake_header(server: TestClient) -> None:
    response = await server.get("/live", headers=ADA)
    assert response.status == 400
    assert response.headers["Content-Type"].startswith("application/problem+json")
    problem = await response.json()
    assert "websocket" in problem["detail"]
    assert [(e["in"], e["name"]) for e in problem["errors"]] == [("header", name) for name in HANDSHAKE]


async def test_the_served_document_requires_what_the_handshake_checks(server: TestClient) -> None:
    """Every header the served operation requires is checked, and a value its schema refuses is
    refused: the contract and the check are one (ws/handshake.py)."""
    served = await (await server.get("/openapi.json")).json()
    operation = served["paths"]["/live"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "header"}
    assert list(parameters) == ["Upgrade", "Connection", "Sec-WebSocket-Version", "Sec-WebSocket-Key"]
    assert all(p["required"] for p in parameters.values())
    assert {"400", "426", "101"} <= set(operation["responses"])
    good = {
        "Upgrade": "websocket",
        "Connection": "keep-alive, Upgrade",
        "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        "Sec-WebSocket-Version": "13",
    }
    for name in HANDSHAKE:
        validator = jsonschema.Draft4Validator(parameters[name]["schema"])
        assert validator.is_valid(good[name]), name
        missing = {k: v for k, v in good.items() if k != name}
        response = await server.get("/live", headers={**ADA, **missing})
        assert response.status == 400, name
        assert [e["name"] for e in (await response.json())["errors"]] == [name]
    for name, bad in [("Upgrade", "h2c"), ("Connection", "keep-alive"), ("Sec-WebSocket-Key", "c2hvcnQ=")]:
        assert not jsonschema.Draft4Validator(parameters[name]["schema"]).is_valid(bad), name
        response = await server.get("/live", headers={**ADA, **good, name: bad})
        assert response.status == 400, name
    # RFC 6455 §4.4: another version is a 426 naming the one spoken (and RFC 9110's Upgrade)
    response = await server.get("/live", headers={**ADA, **good, "Sec-WebSocket-Version": "8"})
    assert response.status == 426
    assert response.headers["Sec-WebSocket-Version"] == "13"
    assert response.headers["Upgrade"] == "websocket"
    assert (await response.json())["status"] == 426


# --- channels ---------------------------------------------------------------------------------


async def test_subscribe_receive_unsubscribe(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    assert await client.subscribe("news") == {"channel": "news", "event": "*"}
    assert client.subscriptions == {"news": ["*"]}  # the server's answer: {"subscribed": ...}
    await openapi_aio.ws.publish(server.app, "news", "flash", {"n": 1})
    assert await client.receive(timeout=5) == {"channel": "news", "event": "flash", "data": {"n": 1}}
    await client.unsubscribe("news")
    assert client.subscriptions == {}
    await openapi_aio.ws.publish(server.app, "news", "flash", {"n": 2})
    await nothing_for(client)


@pytest.mark.parametrize(
    ("pattern", "delivered"),
    [
        ("*", ["task.created", "task.updated", "taskx", "other", "task.a.b"]),
        ("task.*", ["task.created", "task.updated", "task.a.b"]),
        ("task.created", ["task.created"]),
        ("task?", ["taskx"]),
        ("task.[cu]*", ["task.created", "task.updated"]),
    ],
)
async def test_glob_patterns_deliver_only_matching_events(
    server: TestClient, connect: Connect, pattern: str, delivered: list[str]
) -> None:
    client = await connect(server)
    await client.subscribe("feed", pattern)
    for event in ["task.created", "task.updated", "taskx", "other", "task.a.b"]:
        await openapi_aio.ws.publish(server.app, "feed", event, event)
    await openapi_aio.ws.publish(server.app, "news", "task.created", "another channel")
    received = []
    for _ in delivered:
        received.append((await client.receive(timeout=5))["event"])
    assert received == delivered
    await nothing_for(client)


async def test_several_patterns_and_unsubscribing_one(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    await client.subscribe("feed", "a.*")
    await client.subscribe("feed", "b.*")
    await openapi_aio.ws.publish(server.app, "feed", "b.1")
    assert (await client.receive(timeout=5))["event"] == "b.1"
    await client.unsubscribe("feed", "b.*")
    await openapi_aio.ws.publish(server.app, "feed", "b.2")
    await openapi_aio.ws.publish(server.app, "feed", "a.1")
    assert (await client.receive(timeout=5))["event"] == "a.1"  # once, whatever matches
    await nothing_for(client)


async def test_unknown_channel_is_a_404(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    for call in (client.subscribe("nowhere"), client.publish("nowhere", "x", {})):
        with pytest.raises(RpcError) as caught:
            await call
        assert caught.value.status == 404
        assert "news" in caught.value.problem["detail"]
    with pytest.raises(RpcError) as caught:
        await client.call("subscribe", {"event": "*"})
    assert caught.value.status == 400


async def test_client_publish_refused_where_not_allowed(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    await client.subscribe("news")
    with pytest.raises(RpcError) as caught:
        await client.publish("news", "flash", {})
    assert caught.value.status == 403
    await nothing_for(client)


async def test_client_publish_allowed_reaches_every_subscriber(server: TestClient, connect: Connect) -> None:
    sender, listener = await connect(server), await connect(server, BOB)
    await sender.subscribe("chat")
    await listener.subscribe("chat")
    published = {"channel": "chat", "event": "said", "data": {"text": "hello"}}
    assert await sender.publish("chat", "said", {"text": "hello"}) == published  # as aio-openapi answers
    expected = {"channel": "chat", "event": "said", "data": {"text": "hello"}}
    assert await listener.receive(timeout=5) == expected
    assert await sender.receive(timeout=5) == expected  # its own too: it subscribed


async def test_publish_needs_an_event_name_not_a_pattern(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    with pytest.raises(RpcError) as caught:
        await client.publish("feed", "a.*", {})
    assert caught.value.status == 400


async def test_publish_events_list_enforced(server: TestClient, connect: Connect) -> None:
    client = await connect(server, WRITER)
    await client.subscribe("tasks")
    with pytest.raises(RpcError) as caught:
        await client.publish("tasks", "exploded", {"title": "x"})
    assert caught.value.status == 400
    assert "created" in caught.value.problem["detail"]
    await client.publish("tasks", "created", {"title": "x"})
    assert (await client.receive(timeout=5))["event"] == "created"


async def test_publish_message_schema_validated(server: TestClient, connect: Connect) -> None:
    client = await connect(server)
    await client.subscribe("chat")
    with pytest.raises(RpcError) as caught:
        await client.publish("chat", "said", {"text": "far too long for the schema", "extra": 1})
    assert caught.value.status == 400
    pointers = {error["pointer"] for error in caught.value.problem["errors"]}
    assert "/data/text" in pointers, caught.value.problem
    with pytest.raises(RpcError):
        await client.publish("chat", "said", None)
    await nothing_for(client)


async def test_channel_scopes_for_subscribe_and_publish(server: TestClient, connect: Connect) -> None:
    bob = await connect(server, BOB)  # no scopes
    with pytest.raises(RpcError) as caught:
        await bob.subscribe("tasks")
    assert caught.value.status == 403
    assert "tasks:read" in caught.value.problem["detail"]
    ada = await connect(server)  # tasks:read
    await ada.subscribe("tasks")
    with pytest.raises(RpcError) as caught:
        await ada.publish("tasks", "created", {"title": "x"})
    assert caught.value.status == 403
    assert "tasks:write" in caught.value.problem["detail"]
    writer = await connect(server, WRITER)  # tasks:read tasks:write
    await writer.publish("tasks", "created", {"title": "x"})
    assert await ada.receive(timeout=5) == {"channel": "tasks", "event": "created", "data": {"title": "x"}}


@pytest.mark.parametrize("hook", ["specs.ws.handlers.authorize", "specs.ws.handlers.authorize_async"])
async def test_authorize_hook_refuses_per_user_and_channel(serve: MakeClient, connect: Connect, hook: str) -> None:
    server = await serve(live(authorize=hook), broker="memory")
    handlers.AUTHORIZE_CALLS.clear()
    mallory = await connect(server, MALLORY)  # has the scopes; the hook says no
    for call in (mallory.subscribe("news"), mallory.subscribe("tasks"), mallory.publish("chat", "said", {"text": "x"})):
        with pytest.raises(RpcError) as caught:
            await call
        assert caught.value.status == 403
    bob = await connect(server, BOB)
    await bob.subscribe("news")
    with pytest.raises(RpcError) as caught:
        await bob.subscribe("private")
    assert caught.value.status == 403
    ada = await connect(server)
    await ada.subscribe("private")
    await ada.publish("private", "note", 1)
    assert (await ada.receive(timeout=5))["data"] == 1
    assert ("mallory", "chat", "publish") in handlers.AUTHORIZE_CALLS
    assert ("bob", "private", "subscribe") in handlers.AUTHORIZE_CALLS
    assert ("ada", "private", "publish") in handlers.AUTHORIZE_CALLS
    # scopes are checked before the hook: bob's refusal on tasks never reaches it
    with pytest.raises(RpcError):
        await bob.subscribe("tasks")
    assert ("bob", "tasks", "subscribe") not in handlers.AUTHORIZE_CALLS


# --- publishing from server code --------------------------------------------------------------


async def test_disconnecting_drops_subscriptions(server: TestClient, connect: Connect) -> None:
    hub = server.app[openapi_aio.ws.HUB]
    client = await connect(server)
    await client.subscribe("news", "a")
    await client.subscribe("feed")
    (connection,) = hub.connections
    assert hub.subscriptions(connection) == {"news": {"a"}, "feed": {"*"}}
    await client.close()
    async with asyncio.timeout(5):
        while hub.connections:  # noqa: ASYNC110 - the server notices the close on its own time
            await asyncio.sleep(0.01)
    assert hub.subscriptions(connection) == {}
    await openapi_aio.ws.publish(server.app, "news", "a")  # nobody to tell: no error


async def test_http_handler_publishes_to_subscribers(server: TestClient, connect: Connect) -> None:
    ada, bob = await connect(server), await connect(server, BOB)
    await ada.subscribe("news", "release.*")
    await bob.subscribe("news", "outage")
    response = await server.post(
        "/announce", json={"channel": "news", "event": "release.v2", "data": {"v": 2}}, headers=ADA
    )
    assert response.status == 204
    assert await ada.receive(timeout=5) == {"channel": "news", "event": "release.v2", "data": {"v": 2}}
    await nothing_for(bob)


# --- CRUD events ------------------------------------------------------------------------------


async def test_crud_writes_publish_rows_as_clients_see_them(serve_db: MakeClient, connect: Connect) -> None:
    server = await serve_db("ws/crud.yaml", broker="memory")
    client = await connect(server, {})
    await client.subscribe("tasks")

    async def event() -> tuple[str, dict[str, Any]]:
        message = await client.receive(timeout=5)
        assert message["channel"] == "tasks"
        return message["event"], message["data"]

    response = await server.post("/tasks", json={"title": "write tests", "secret": "s3cret"})
    assert response.status == 201, await response.text()
    created = await response.json()
    assert await event() == ("created", created)
    assert "secret" not in created
    assert "created" in created  # a datetime: encoded as HTTP encodes it
    task = f"/tasks/{created['id']}"

    response = await server.patch(task, json={"done": True, "secret": "other"})
    assert response.status == 200
    assert await event() == ("updated", {**created, "done": True})

    response = await server.put(task, json={"title": "rewritten"})
    assert response.status == 200
    replaced = await response.json()
    assert await event() == ("updated", {**created, "title": "rewritten", "done": False}) == ("updated", replaced)

    response = await server.post("/tasks", json={"title": "rewritten"})  # unique title: a 409
    assert response.status == 409
    response = await server.patch(task, json={"title": "x" * 51})  # invalid: never written
    assert response.status == 400
    await nothing_for(client)

    response = await server.delete(task)
    assert response.status == 204
    assert await event() == ("deleted", replaced)
    response = await server.delete(task)  # nothing left: a 404, nothing announced
    assert response.status == 404
    await nothing_for(client)


# --- under load -------------------------------------------------------------------------------


async def test_slow_consumer_is_closed_with_4008_others_unaffected(serve: MakeClient, connect: Connect) -> None:
    server = await serve(live(queue=5), broker="memory")
    slow = await raw(server)
    assert (await answer(slow, json.dumps({"id": 1, "method": "subscribe", "payload": {"channel": "news"}})))["id"] == 1
    reader = await connect(server)
    await reader.subscribe("news")
    count, big = 300, "x" * 50_000
    received: list[int] = []

    async def read() -> None:
        while len(received) < count:
            received.append((await reader.receive(timeout=10))["data"]["n"])

    reading = asyncio.create_task(read())
    for n in range(count):
        await openapi_aio.ws.publish(server.app, "news", "big", {"n": n, "pad": big})
        await asyncio.sleep(0)  # let the reading client's writer run
    await asyncio.wait_for(reading, 20)
    assert received == list(range(count))
    code, texts = await closed_with(slow)  # now it reads: what was sent, then the close
    assert code == 4008
    assert texts < count, texts
    assert reader.close_code is None
    assert await reader.call("add", {"a": 1, "b": 1}) == 2


async def test_shutdown_closes_sockets_with_1001(serve: MakeClient, connect: Connect) -> None:
    server = await serve(LIVE, broker="memory")
    subscribed, idle = await connect(server), await connect(server, BOB)
    await subscribed.subscribe("news")
    await server.close()
    for client in (subscribed, idle):
        with pytest.raises(ConnectionError):
            await client.receive(timeout=5)
        assert client.close_code == 1001


async def test_message_over_max_message_size_closes_with_1009(serve: MakeClient) -> None:
    server = await serve(live(max_message_size=1024), broker="memory")
    ws = await raw(server)
    ok = await answer(ws, json.dumps({"id": 1, "method": "echo", "payload": "x" * 900}))
    assert ok["response"] == "x" * 900
    await ws.send_str(json.dumps({"id": 2, "method": "echo", "payload": "x" * 2000}))
    assert (await closed_with(ws))[0] == 1009


async def test_idle_timeout_closes_the_socket(serve: MakeClient, connect: Connect) -> None:
    server = await serve(live(idle_timeout=0.3), broker="memory")
    client = await connect(server)
    await asyncio.sleep(0.2)
    assert await client.call("add", {"a": 1, "b": 1}) == 2  # activity restarts the clock
    with pytest.raises(ConnectionError):
        await client.receive(timeout=5)
    assert client.close_code == 1001


async def test_idle_timeout_is_not_reset_by_heartbeat_pongs(serve: MakeClient, connect: Connect) -> None:
    server = await serve(live(idle_timeout=0.6, heartbeat=0.2), broker="memory")
    client = await connect(server)  # answers the server's pings by itself, and says nothing else
    with pytest.raises(ConnectionError):
        await client.receive(timeout=5)
    assert client.close_code == 1001


async def test_a_client_flooding_bad_frames_without_reading_is_closed_with_4008(serve: MakeClient) -> None:
    """The server reads no further while answers wait unsent; when the client has read none of
    them for ``send_timeout`` seconds it is closed with 4008, its answers never piling up."""
    server = await serve(live(send_timeout=0.5), broker="memory")
    flooder = await raw(server)
    echoed = "x" * 60_000  # each answer repeats the frame's id: the client's buffers fill quickly

    async def flood() -> None:
        with contextlib.suppress(ConnectionError, aiohttp.ClientError):
            for _ in range(2_000):
                await flooder.send_str(json.dumps({"id": echoed, "method": 1}))

    sending = asyncio.create_task(flood())
    await asyncio.wait({sending}, timeout=3)  # stalls once the server reads no further
    code, answered = await closed_with(flooder)
    sending.cancel()
    assert code == 4008
    assert answered < 2_000


async def test_a_client_flooding_bad_frames_and_reading_gets_every_answer(serve: MakeClient) -> None:
    """However fast frames come, a client that reads is never taken for a slow consumer."""
    server = await serve(live(send_timeout=5), broker="memory")
    ws = await raw(server)
    frames = 3_000

    async def flood() -> None:
        for index in range(frames):
            await (ws.send_bytes(b"\x01") if index % 2 else ws.send_str("{not json"))

    sending = asyncio.create_task(flood())
    received = 0
    async with asyncio.timeout(30):
        while received < frames:
            message = await ws.receive()
            assert message.type == WSMsgType.TEXT, (message, received)
            assert json.loads(message.data)["error"]["status"] == 400
            received += 1
    await sending
    assert not ws.closed
