"""A websocket client that floods the hub with subscriptions (issue 18, H1), over real websockets.

The attack: a client subscribes thousands of distinct glob patterns (``*00000001*[cu]``), or long
ones, then every publish compiled every pattern again and blocked the event loop for seconds,
and the memory stayed after the client left. Here: a client holds at most ``max_subscriptions``
patterns of at most ``max_pattern_length`` characters (refusals are ordinary error frames and
the socket stays open), a publish to many patterns lets other clients be served meanwhile, and
what a client made the hub hold is gone when it disconnects.
Documents and handlers: tests/specs/ws/ (the live document of tests/ws/test_ws.py).
"""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import aiohttp
import pytest
import yaml
from aiohttp import web
from aiohttp.test_utils import TestClient
from conftest import SPECS, MakeClient
from example_server import create_example_app

import openapi_aio
import openapi_aio.ws
from openapi_aio import InvalidSpecification
from openapi_aio.ws.client import Client, RpcError

LIVE = yaml.safe_load((SPECS / "ws" / "live.yaml").read_text())
ADA = {"Authorization": "Bearer tok-ada"}
BOB = {"Authorization": "Bearer tok-bob"}
PROBLEM_KEYS = {"type", "title", "status", "detail"}


def live(**websocket: Any) -> dict[str, Any]:
    """The live document with some of x-websocket's options replaced."""
    document = copy.deepcopy(LIVE)
    document["paths"]["/live"]["get"]["x-websocket"].update(websocket)
    return document


def flood_pattern(index: int) -> str:
    """The issue's distinct patterns: each a glob the hub must match on its own."""
    return f"*{index:08d}*[cu]"


async def subscribe_many(ws: aiohttp.ClientWebSocketResponse, patterns: list[str], channel: str) -> list[Any]:
    """Send one subscribe frame per pattern without waiting, as an attacker does; the answers,
    in the order of the patterns (answers may come in any order: their ids pair them)."""

    async def send() -> None:
        for index, pattern in enumerate(patterns):
            frame = {"id": index, "method": "subscribe", "payload": {"channel": channel, "event": pattern}}
            await ws.send_str(json.dumps(frame))

    sending = asyncio.create_task(send())
    answers: dict[int, Any] = {}
    while len(answers) < len(patterns):
        answer = json.loads(await ws.receive_str(timeout=30))
        answers[answer["id"]] = answer
    await sending
    return [answers[index] for index in range(len(patterns))]


async def totals_when_gone(hub: openapi_aio.ws.Hub, connections: int) -> tuple[int, int, int]:
    """The hub's totals once it has only ``connections`` connections left (the server notices
    a close on its own time)."""
    async with asyncio.timeout(5):
        while len(hub.connections) > connections:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
    return hub.totals()


# --- caps -------------------------------------------------------------------------------------


async def test_the_default_cap_refuses_the_issue_flood_with_problem_frames(serve: MakeClient) -> None:
    server = await serve(LIVE, broker="memory")
    ws = await server.ws_connect("/live", headers=ADA)
    answers = await subscribe_many(ws, [flood_pattern(index) for index in range(1_000)], "feed")
    accepted = [answer for answer in answers if "response" in answer]
    refused = [answer for answer in answers if "error" in answer]
    assert len(accepted) == 100  # max_subscriptions' default
    assert len(refused) == 900
    for answer in refused:  # the shape of every other error frame: id, method, a problem object
        assert set(answer) == {"id", "method", "error"}
        assert answer["method"] == "subscribe"
        assert set(answer["error"]) == PROBLEM_KEYS
        assert answer["error"]["status"] == 409
        assert answer["error"]["title"] == "Conflict"
        assert "100 subscriptions" in answer["error"]["detail"]
        assert "max_subscriptions" in answer["error"]["detail"]
    assert server.app[openapi_aio.ws.HUB].totals() == (1, 100, 100)
    event = accepted[-1]["response"]["subscribed"]["feed"][-1][1:9] + ".c"  # matches one pattern held
    await openapi_aio.ws.publish(server.app, "feed", event)
    assert json.loads(await ws.receive_str(timeout=5)) == {"channel": "feed", "event": event, "data": None}


async def test_max_subscriptions_is_per_connection_and_frees_on_unsubscribe(serve: MakeClient) -> None:
    server = await serve(live(max_subscriptions=3), broker="memory")
    ada = await Client.connect(str(server.make_url("/live")), headers=ADA)
    bob = await Client.connect(str(server.make_url("/live")), headers=BOB)
    try:
        for pattern in ("a.*", "b.*", "c"):
            await ada.subscribe("feed", pattern)
        with pytest.raises(RpcError) as caught:
            await ada.subscribe("news", "*")  # another channel counts too
        assert caught.value.status == 409
        assert "3 subscriptions" in caught.value.problem["detail"]
        assert await ada.subscribe("feed", "a.*") == {"channel": "feed", "event": "a.*"}  # held already
        await bob.subscribe("feed", "d.*")  # another connection has its own three
        await ada.unsubscribe("feed", "c")
        assert await ada.subscribe("news") == {"channel": "news", "event": "*"}
        await openapi_aio.ws.publish(server.app, "news", "flash", 1)
        assert await ada.receive(timeout=5) == {"channel": "news", "event": "flash", "data": 1}
    finally:
        await ada.close()
        await bob.close()


async def test_long_patterns_and_event_names_are_refused(serve: MakeClient) -> None:
    server = await serve(LIVE, broker="memory")
    ws = await server.ws_connect("/live", headers=ADA)
    longest, too_long = "*" + "x" * 255, "*" + "x" * 256
    sixty_kb = "*00000001" + "x" * 60_000 + "*[cu]"  # the issue's
    answers = await subscribe_many(ws, [too_long, sixty_kb, longest], "feed")
    for answer in answers[:2]:
        assert set(answer) == {"id", "method", "error"}
        assert answer["error"]["status"] == 400
        assert "more than the 256 allowed (max_pattern_length)" in answer["error"]["detail"]
        assert "xxxx" not in answer["error"]["detail"]  # the pattern is not sent back
    assert answers[2]["response"] == {"subscribed": {"feed": [longest]}}
    assert server.app[openapi_aio.ws.HUB].totals() == (1, 1, 1)
    frame = {"id": "p", "method": "publish", "payload": {"channel": "feed", "event": "e" * 257, "data": 1}}
    await ws.send_str(json.dumps(frame))
    answer = json.loads(await ws.receive_str(timeout=5))
    assert answer["error"]["status"] == 400
    assert "max_pattern_length" in answer["error"]["detail"]


async def test_max_pattern_length_is_configurable(serve: MakeClient) -> None:
    server = await serve(live(max_pattern_length=8), broker="memory")
    async with await Client.connect(str(server.make_url("/live")), headers=ADA) as client:
        assert await client.subscribe("feed", "task.*.x") == {"channel": "feed", "event": "task.*.x"}
        with pytest.raises(RpcError) as caught:
            await client.subscribe("feed", "task.*.xy")
        assert caught.value.status == 400
        assert "9 characters, more than the 8 allowed" in caught.value.problem["detail"]


@pytest.mark.parametrize(
    ("key", "value"), [("max_subscriptions", 0), ("max_subscriptions", True), ("max_pattern_length", "256")]
)
def test_limits_declared_wrong_stop_the_service(key: str, value: Any) -> None:
    with pytest.raises(InvalidSpecification) as caught:
        openapi_aio.setup(web.Application(), live(**{key: value}))
    assert f"/x-websocket/{key}: x-websocket: {key} must be a positive integer" in str(caught.value)


# --- matching ---------------------------------------------------------------------------------


async def flood(server: TestClient, connections: int, first: int = 0) -> list[aiohttp.ClientWebSocketResponse]:
    """``connections`` clients holding 100 distinct patterns each (the default cap), numbered
    from ``first``: the flood a cap per connection still lets many connections make."""
    sockets = []
    for number in range(connections):
        ws = await server.ws_connect("/live", headers=ADA)
        start = first + number * 100
        answers = await subscribe_many(ws, [flood_pattern(index) for index in range(start, start + 100)], "feed")
        assert all("response" in answer for answer in answers)
        sockets.append(ws)
    return sockets


async def test_a_publish_to_many_patterns_does_not_hold_up_other_clients(serve: MakeClient) -> None:
    """10,000 distinct patterns on 100 connections: while one message is matched against them,
    another client's call is answered (the hub yields to the loop; before, the loop was blocked
    for as long as every pattern took to compile and match)."""
    server = await serve(LIVE, broker="memory")
    flooders = await flood(server, 100)
    async with await Client.connect(str(server.make_url("/live")), headers=BOB) as other:
        publishing = asyncio.create_task(openapi_aio.ws.publish(server.app, "feed", "00006789.c", "x"))
        await asyncio.sleep(0)  # the publish starts matching
        assert await other.subscribe("news") == {"channel": "news", "event": "*"}
        assert not publishing.done()  # answered while the message was still being matched
        await publishing
        assert server.app[openapi_aio.ws.HUB].totals() == (101, 10_001, 10_000)  # each compiled once
    received = json.loads(await flooders[67].receive_str(timeout=5))  # 6,789 is the 68th's
    assert received == {"channel": "feed", "event": "00006789.c", "data": "x"}


async def test_messages_keep_their_order_while_delivery_yields(serve: MakeClient) -> None:
    """Delivery yields to the loop, one message of a channel at a time: a message published
    after another never overtakes it, even when the first had more patterns to match."""
    server = await serve(LIVE, broker="memory")
    hub = server.app[openapi_aio.ws.HUB]
    await flood(server, 20)
    connections = list(hub.connections)
    async with await Client.connect(str(server.make_url("/live")), headers=BOB) as reader:
        await reader.subscribe("feed")
        first = asyncio.create_task(openapi_aio.ws.publish(server.app, "feed", "first"))
        await asyncio.sleep(0)  # the first is being matched against 2,000 patterns
        for connection in connections:  # what their disconnects do: the second has none to match
            hub.drop(connection)
        await openapi_aio.ws.publish(server.app, "feed", "second")
        await first
        assert [(await reader.receive(timeout=5))["event"] for _ in range(2)] == ["first", "second"]


async def test_shared_patterns_are_compiled_once_and_forgotten_with_their_last_subscriber(
    serve: MakeClient,
) -> None:
    server = await serve(LIVE, broker="memory")
    hub = server.app[openapi_aio.ws.HUB]
    (first,) = await flood(server, 1)  # patterns 0 to 99
    second = await server.ws_connect("/live", headers=BOB)
    await subscribe_many(second, [flood_pattern(index) for index in range(50, 148)] + ["*", "exact"], "feed")
    assert hub.totals() == (2, 200, 148)  # 148 distinct globs; "*" and exact names need none
    await first.close()
    assert await totals_when_gone(hub, 1) == (1, 100, 98)  # the second's patterns, not the first's
    await second.close()
    assert await totals_when_gone(hub, 0) == (0, 0, 0)
    await openapi_aio.ws.publish(server.app, "feed", "00000060.c")  # nobody left: no error


# --- the example app --------------------------------------------------------------------------


async def test_the_example_live_endpoint_refuses_the_issue_flood(
    aiohttp_client: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """The attack as it was made: unauthenticated, on the example's public /live, then a task
    written over HTTP reaches the flooder once through the patterns it was allowed to keep."""
    client: TestClient = await aiohttp_client(create_example_app(monkeypatch, tmp_path).web_app)
    ws = await client.ws_connect("/api/v1/live")
    patterns = ["c*", "*ed", *(flood_pattern(index) for index in range(298))]
    answers = await subscribe_many(ws, patterns, "tasks")
    assert sum("response" in answer for answer in answers) == 100
    assert {answer["error"]["status"] for answer in answers[100:]} == {409}
    auth = {"Authorization": "Bearer demo-token"}
    project = await (await client.post("/api/v1/projects", json={"name": "p"}, headers=auth)).json()
    created = await client.post(f"/api/v1/projects/{project['id']}/tasks", json={"title": "t"}, headers=auth)
    assert created.status == 201
    pushed = json.loads(await ws.receive_str(timeout=5))  # "created" matches c* and *ed
    assert (pushed["channel"], pushed["event"], pushed["data"]["title"]) == ("tasks", "created", "t")
    with pytest.raises(TimeoutError):
        await ws.receive_str(timeout=0.2)  # once, whatever the number of patterns matching
