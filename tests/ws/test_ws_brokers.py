"""Websocket messages across real server processes.

Two ``python main.py serve`` processes of tests/specs/ws_brokers/ share a Redis or a PostgreSQL
broker; clients on each subscribe, and messages published from websocket clients and from HTTP
handlers of both processes reach every subscriber exactly once, in each publisher's order. Losing
the broker's connection neither crashes a server nor loses its subscriptions; publishing while the
broker is unreachable is a 503. Every test subscribes to events of its own (``<run>.*``), so other
users of the same Redis or PostgreSQL do not disturb it, and it kills only its own connections
(found by client / application name).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import random
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from conftest import SPECS, require_postgres, require_redis
from helpers import free_port

from openapi_aio.ws.brokers import _NOTIFY_LIMIT, Broker, PostgresBroker, _ListeningBroker, broker_for
from openapi_aio.ws.client import Client, RpcError

SERVICE = SPECS / "ws_brokers"
LARGE = 12_000  # characters of padding: more than one NOTIFY payload (8,000 bytes)


# --- servers -------------------------------------------------------------------------------------


@dataclass
class Server:
    process: asyncio.subprocess.Process
    port: int
    log: Path

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}/api/live"

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/api{path}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def assert_healthy(self) -> None:
        assert self.process.returncode is None, f"the server exited with {self.process.returncode}:\n{self.output()}"
        assert "Traceback" not in self.output(), self.output()


Start = Callable[..., Awaitable[Server]]


@pytest.fixture
async def servers(tmp_path: Path) -> AsyncIterator[Start]:
    """``server = await start(BROKER=...)``: ``python main.py serve`` on a free port, once it
    listens (its broker is connected by then); every server started is stopped at the end."""
    started: list[Server] = []

    async def start(**env_vars: str) -> Server:
        port = free_port()
        log = tmp_path / f"server-{port}.txt"
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1", **env_vars}
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *(sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port), "--no-access-log"),
                cwd=SERVICE,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        server = Server(process, port, log)
        started.append(server)
        deadline = time.monotonic() + 30
        while True:
            assert process.returncode is None, f"the server exited with {process.returncode}:\n{server.output()}"
            try:
                _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            except OSError:
                assert time.monotonic() < deadline, f"no server on port {port} within 30 s:\n{server.output()}"
                await asyncio.sleep(0.05)
                continue
            writer.close()
            await writer.wait_closed()
            return server

    yield start
    for server in started:
        if server.process.returncode is None:
            server.process.terminate()
    for server in started:
        try:
            await asyncio.wait_for(server.process.wait(), 10)
        except TimeoutError:
            server.process.kill()
            await server.process.wait()


def broker_env(broker: str, name: str) -> dict[str, str]:
    """Environment of a server on ``broker`` whose broker connections are called ``name``."""
    if broker == "redis":
        url = require_redis()
        separator = "&" if "?" in url else "?"
        return {"BROKER": "redis", "REDIS_URL": f"{url}{separator}client_name={name}"}
    url = require_postgres()
    separator = "&" if "?" in url else "?"
    return {"BROKER": f"{url}{separator}application_name={name}"}


async def http_publish(session: aiohttp.ClientSession, server: Server, event: str, data: Any) -> int:
    async with session.post(server.url("/publish"), json={"channel": "news", "event": event, "data": data}) as answer:
        await answer.read()
        return answer.status


async def receive_all(client: Client, count: int, timeout: float = 20) -> list[dict[str, Any]]:  # noqa: ASYNC109
    """``count`` messages, then whatever else arrives within 0.5 s (duplicates, if any)."""
    messages = []
    deadline = time.monotonic() + timeout
    while len(messages) < count:
        try:
            messages.append(await client.receive(max(deadline - time.monotonic(), 0.01)))
        except TimeoutError:
            raise AssertionError(f"{len(messages)} of {count} messages within {timeout} s") from None
    with contextlib.suppress(TimeoutError):
        while True:
            messages.append(await client.receive(0.5))
    return messages


# --- every message to every subscriber in every process, once -------------------------------------


@pytest.mark.parametrize("broker", ["redis", "postgresql"])
async def test_every_subscriber_in_every_process_gets_every_message_once(servers, broker):
    run = f"t{uuid.uuid4().hex[:10]}"
    env = broker_env(broker, run)
    first, second = await asyncio.gather(servers(**env), servers(**env))
    per_publisher = 12

    def data(publisher: str, seq: int) -> dict[str, Any]:
        pad = "é€x" * (LARGE // 3) if seq % 4 == 3 else ""  # multi-byte characters across the parts
        return {"publisher": publisher, "seq": seq, "pad": pad}

    async with contextlib.AsyncExitStack() as stack, aiohttp.ClientSession() as session:
        subscribers = [
            await stack.enter_async_context(await Client.connect(server.ws))
            for server in (first, second)
            for _ in range(3)
        ]
        for client in subscribers:
            assert await client.subscribe("news", f"{run}.*") == {"channel": "news", "event": f"{run}.*"}
        await subscribers[0].subscribe("news", "another.*")  # a second pattern: still once

        async def from_websocket(client: Client, publisher: str) -> None:
            for seq in range(per_publisher):
                await client.publish("news", f"{run}.{publisher}", data(publisher, seq))

        async def from_http(server: Server, publisher: str) -> None:
            for seq in range(per_publisher):
                assert await http_publish(session, server, f"{run}.{publisher}", data(publisher, seq)) == 202

        await asyncio.gather(
            from_websocket(subscribers[0], "ws-first"),
            from_websocket(subscribers[3], "ws-second"),
            from_http(first, "http-first"),
            from_http(second, "http-second"),
        )
        publishers = ["ws-first", "ws-second", "http-first", "http-second"]
        received = await asyncio.gather(*(receive_all(client, per_publisher * 4) for client in subscribers))

    for messages in received:
        assert len(messages) == per_publisher * 4  # none lost, none twice
        for publisher in publishers:
            mine = [message for message in messages if message["event"] == f"{run}.{publisher}"]
            assert [message["data"]["seq"] for message in mine] == list(range(per_publisher))  # in order
            assert all(message["channel"] == "news" for message in mine)
            assert [message["data"] for message in mine] == [data(publisher, seq) for seq in range(per_publisher)]
    first.assert_healthy()
    second.assert_healthy()


# --- broker loss ---------------------------------------------------------------------------------


async def kill_listener(broker: str, name: str) -> None:
    """Close the server's listening connection from the broker's side."""
    if broker == "redis":
        import redis.asyncio as redis

        client = redis.from_url(require_redis())
        try:
            listeners = [entry for entry in await client.client_list(_type="pubsub") if entry.get("name") == name]
            assert len(listeners) == 1, listeners
            await client.client_kill_filter(_id=listeners[0]["id"])
        finally:
            await client.aclose()
        return
    import asyncpg

    connection = await asyncpg.connect(require_postgres())
    try:
        killed = await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE application_name = $1 AND query LIKE 'LISTEN%'",
            name,
        )
        assert [row[0] for row in killed] == [True]
    finally:
        await connection.close()


@pytest.mark.parametrize("broker", ["redis", "postgresql"])
async def test_the_listener_reconnects_and_restores_the_subscription(servers, broker):
    run = f"t{uuid.uuid4().hex[:10]}"
    server = await servers(**broker_env(broker, run))
    async with (
        await Client.connect(server.ws) as subscriber,
        await Client.connect(server.ws) as other,
        aiohttp.ClientSession() as session,
    ):
        await subscriber.subscribe("news", f"{run}.*")
        await other.subscribe("news", f"{run}.*")
        assert await http_publish(session, server, f"{run}.before", 0) == 202
        assert (await subscriber.receive(10))["event"] == f"{run}.before"
        assert (await other.receive(10))["event"] == f"{run}.before"

        for loss in range(2):
            await kill_listener(broker, run)
            probes = 0
            deadline = time.monotonic() + 20
            while True:  # publish until one arrives: the listener is back, its subscription too
                assert await http_publish(session, server, f"{run}.probe{loss}", probes) in (202, 503)
                probes += 1
                with contextlib.suppress(TimeoutError):
                    await subscriber.receive(0.2)
                    break
                assert time.monotonic() < deadline, f"nothing after the broker's loss within 20 s:\n{server.output()}"
            await asyncio.sleep(0.5)
            for client in (subscriber, other):  # what was published meanwhile: at most once each
                seen = []
                with contextlib.suppress(TimeoutError):
                    while True:
                        seen.append((await client.receive(0.05))["data"])
                assert len(seen) == len(set(seen))

            for seq in range(5):
                assert await http_publish(session, server, f"{run}.after{loss}", seq) == 202
            for client in (subscriber, other):  # exactly once: one subscription, not two
                messages = await receive_all(client, 5, timeout=10)
                assert [(message["event"], message["data"]) for message in messages] == [
                    (f"{run}.after{loss}", seq) for seq in range(5)
                ]
        assert await subscriber.call("subscribe", {"channel": "news"})  # the socket is fine
    # each loss of a working connection starts the backoff again from 0.1 s
    losses = [line for line in server.output().splitlines() if "reconnecting in" in line]
    assert losses
    assert all("reconnecting in 0.1 s" in line for line in losses), losses
    server.assert_healthy()


async def test_publishing_while_the_broker_is_unreachable_is_503_not_a_crash(servers):
    closed = free_port()  # nothing listens there
    down = await asyncio.gather(
        servers(BROKER=f"redis://127.0.0.1:{closed}"),
        servers(BROKER=f"postgresql://postgres@127.0.0.1:{closed}/test"),
    )
    async with aiohttp.ClientSession() as session:
        for server in down:
            async with session.post(server.url("/publish"), json={"channel": "news", "event": "e"}) as answer:
                assert answer.status == 503
                assert answer.content_type == "application/problem+json"
                problem = await answer.json()
                assert problem["status"] == 503
                assert "broker" in problem["detail"]
                assert answer.headers["Retry-After"] == "1"
            async with await Client.connect(server.ws) as client:
                with pytest.raises(RpcError) as raised:
                    await client.publish("news", "e", {"x": 1})
                assert raised.value.status == 503
                assert await client.subscribe("news") == {"channel": "news", "event": "*"}  # still open
            async with session.get(server.url("/pid")) as answer:
                assert answer.status == 200
            server.assert_healthy()


async def test_the_backoff_starts_again_after_a_working_connection(caplog):
    class Flaky(_ListeningBroker):
        """Connects, loses the connection, fails to reconnect once, connects again..."""

        attempts = 0

        async def _listen(self) -> None:
            self.attempts += 1
            if self.attempts == 5:
                done.set()
            if self.attempts % 2 == 0:
                raise ConnectionRefusedError("refused")
            self._connected.set()
            raise ConnectionResetError("lost")

    async def deliver(channel: str, event: str, data: Any) -> None:
        pass

    done = asyncio.Event()
    broker = Flaky()
    await broker.start(deliver)
    await asyncio.wait_for(done.wait(), 10)
    await broker.close()
    delays = [record.getMessage().rsplit(" in ", 1)[1] for record in caplog.records if "reconnecting" in record.message]
    assert delays[:4] == ["0.1 s", "0.2 s", "0.1 s", "0.2 s"]


# --- PostgreSQL: messages larger than one NOTIFY --------------------------------------------------


class RecordingSender:
    """Stands for the NOTIFY connection: records the payloads of each transaction (a statement
    outside one is a transaction of its own, as PostgreSQL commits it)."""

    def __init__(self) -> None:
        self.transactions: list[list[str]] = []
        self._in_transaction = False

    def is_closed(self) -> bool:
        return False

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        self.transactions.append([])
        self._in_transaction = True
        try:
            yield
        finally:
            self._in_transaction = False

    async def execute(self, query: str, topic: str, payload: str) -> None:
        assert query == "SELECT pg_notify($1, $2)"
        if not self._in_transaction:
            self.transactions.append([])
        self.transactions[-1].append(payload)


async def split(messages: list[tuple[str, str, Any]]) -> tuple[PostgresBroker, list[list[str]], list[Any]]:
    broker = PostgresBroker("postgresql://nowhere/test")
    delivered: list[Any] = []

    async def deliver(channel: str, event: str, data: Any) -> None:
        delivered.append((channel, event, data))

    await Broker.start(broker, deliver)  # deliver, without a listener
    sender = broker._sender = RecordingSender()
    for message in messages:
        await broker.publish(*message)
    return broker, sender.transactions, delivered


def ascii_size(size: int) -> str:
    """Data whose encoded message ``["c","e","..."]`` is exactly ``size`` bytes."""
    return "x" * (size - len('["c","e",""]'))


async def test_postgres_parts_are_under_the_notify_limit_and_reassemble():
    messages = [
        ("c", "e", ascii_size(_NOTIFY_LIMIT)),  # one payload
        ("c", "e", ascii_size(_NOTIFY_LIMIT + 1)),  # two parts
        ("c", "e", {"text": "é€😀" * 20_000, "n": 1}),  # multi-byte characters cut between parts
    ]
    broker, transactions, delivered = await split(messages)
    assert [len(payloads) for payloads in transactions][:2] == [1, 2]
    assert len(transactions[2]) > 10
    for payloads in transactions:
        for payload in payloads:
            assert len(payload.encode()) < 8_000
    for payloads in transactions:
        for payload in payloads:
            await broker._payload(payload)
    assert delivered == messages
    assert broker._parts == {}


async def test_postgres_parts_of_interleaved_messages_reassemble_each_once():
    messages = [("c", "a", "a" * 30_000), ("c", "b", ["b" * 20_000])]
    broker, transactions, delivered = await split(messages)
    assert [len(payloads) for payloads in transactions] == [7, 5]
    payloads = [payload for payloads in transactions for payload in payloads]
    random.Random(9).shuffle(payloads)  # in any order, from several publishers at once
    for payload in payloads:
        await broker._payload(payload)
    assert sorted(delivered) == sorted(messages)
    assert broker._parts == {}


async def test_postgres_broker_round_trip_of_large_messages():
    url = require_postgres()
    broker = broker_for(url)
    assert isinstance(broker, PostgresBroker)
    broker.topic = f"t{uuid.uuid4().hex[:10]}"  # this test's own
    delivered: asyncio.Queue[tuple[str, str, Any]] = asyncio.Queue()

    async def deliver(channel: str, event: str, data: Any) -> None:
        delivered.put_nowait((channel, event, data))

    messages = [
        ("c", "small", {"n": 1}),
        ("c", "limit", ascii_size(_NOTIFY_LIMIT)),
        ("c", "over", ascii_size(_NOTIFY_LIMIT + 1)),
        ("c", "unicode", "é€😀" * 30_000),
        ("c", "bytes", base64.b64encode(os.urandom(50_000)).decode()),
    ]
    await broker.start(deliver)
    try:
        for message in messages:
            await broker.publish(*message)
        received = [await asyncio.wait_for(delivered.get(), 10) for _ in messages]
        assert received == messages
        await asyncio.sleep(0.2)
        assert delivered.empty()
        assert broker._parts == {}
    finally:
        await broker.close()
