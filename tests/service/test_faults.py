"""Faults (issue 11): handler time limits (504), graceful shutdown on SIGTERM, ``kill -9`` in the
middle of writes, and PostgreSQL restarted under load. The real-process tests run the service of
tests/specs/faults/ (``python main.py serve``) from a copy in the test's folder."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import signal
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa
from conftest import SPECS, document, own_postgres
from helpers import eventually, free_port, http_get, listening, output, start
from specs.faults import handlers

from openapi_aio import GatewayTimeout, InvalidSpecification, Options
from openapi_aio.api import Api
from openapi_aio.db import Database
from openapi_aio.pipeline.timeouts import stage

H = "specs.faults.handlers."
SECONDS = {"name": "seconds", "in": "query", "required": True, "schema": {"type": "number"}}


def slow(function: str = "slow", **extra: Any) -> dict[str, Any]:
    return {
        "get": {
            "operationId": H + function,
            "parameters": [SECONDS],
            "responses": {"200": {"description": "slept"}},
            **extra,
        }
    }


@pytest.fixture(autouse=True)
def no_events() -> None:
    handlers.EVENTS.clear()


# --- handler time limits ---------------------------------------------------------------------


async def test_a_handler_past_its_x_timeout_is_cancelled_and_answered_504(serve):
    client = await serve(document({"/slow": slow(**{"x-timeout": 0.2})}))
    started = time.monotonic()
    response = await client.get("/slow", params={"seconds": "5"})
    assert time.monotonic() - started < 4  # the handler alone sleeps 5 s
    assert response.status == 504
    assert response.content_type == "application/problem+json"
    problem = await response.json()
    assert problem["title"] == "Gateway Timeout"
    assert problem["status"] == 504
    assert problem["detail"] == f"{H}slow did not answer within 0.2 seconds"
    assert handlers.EVENTS == ["cancelled"]  # its finally blocks ran: nothing left running

    response = await client.get("/slow", params={"seconds": "0.01"})
    assert response.status == 200
    assert await response.json() == {"slept": 0.01}


async def test_the_option_applies_to_every_operation_and_x_timeout_overrides_it(serve):
    paths = {
        "/default": slow(),
        "/longer": slow("slow_too", **{"x-timeout": 5}),
        "/unlimited": slow("slow_as_well", **{"x-timeout": False}),
    }
    client = await serve(document(paths), handler_timeout=0.2)
    assert (await client.get("/default", params={"seconds": "2"})).status == 504
    assert (await client.get("/default", params={"seconds": "0"})).status == 200
    assert (await client.get("/longer", params={"seconds": "0.5"})).status == 200
    assert (await client.get("/unlimited", params={"seconds": "0.5"})).status == 200
    assert handlers.EVENTS == ["cancelled", "finished", "finished", "finished"]


async def test_the_handlers_own_timeout_error_is_not_the_limit(serve, caplog):
    own = {"get": {"operationId": H + "own_timeout", "responses": {"200": {"description": "ok"}}, "x-timeout": 5}}
    client = await serve(document({"/own": own}))
    response = await client.get("/own")
    assert response.status == 500  # a bug in the handler, logged as one
    assert "unhandled error" in caplog.text


def test_no_limit_costs_nothing_per_request():
    api = Api(document({"/a": slow(), "/b": slow("slow_too", **{"x-timeout": 1})}), Options())
    unlimited, limited = api.operations

    async def call(request: Any) -> Any:
        raise AssertionError

    assert stage(unlimited, call) is call
    assert stage(limited, call) is not call
    api = Api(document({"/a": slow(**{"x-timeout": False})}), Options(handler_timeout=1))
    assert stage(api.operations[0], call) is call


@pytest.mark.parametrize("value", [0, -1, "5s", True, [1]])
def test_a_bad_x_timeout_stops_start_up(value):
    with pytest.raises(InvalidSpecification) as raised:
        Api(document({"/a": slow(**{"x-timeout": value})}), Options())
    [error] = raised.value.errors
    assert error.pointer == "/paths/~1a/get"
    assert f"x-timeout must be a positive number of seconds (or false), not {value!r}" in str(error)


def test_gateway_timeout_problem():
    problem = GatewayTimeout(detail="slow")
    assert problem.to_dict() == {"type": "about:blank", "title": "Gateway Timeout", "status": 504, "detail": "slow"}


ROW = {
    "type": "object",
    "x-table": "faults_lingering",
    "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
}


async def test_a_crud_write_past_its_limit_is_rolled_back(serve_db):
    spec = document(
        {
            "/lingering": {
                "x-resource": {"schema": "Row", "view": H + "SlowWriteView"},
                "x-timeout": 99,  # on the path item: not an operation's limit, ignored
                "get": {"responses": {"200": {"description": "rows"}}},
                "post": {
                    "x-timeout": 0.3,
                    "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Row"}}}},
                    "responses": {"201": {"description": "created"}},
                },
            }
        },
        components={"schemas": {"Row": ROW}},
    )
    client = await serve_db(spec)
    response = await client.post("/lingering", json={"name": "cut"}, headers={"X-Linger": "5"})
    assert response.status == 504, await response.text()
    response = await client.post("/lingering", json={"name": "kept"}, headers={"X-Linger": "0"})
    assert response.status == 201, await response.text()
    response = await client.get("/lingering")
    assert [row["name"] for row in await response.json()] == ["kept"]  # the cancelled insert was rolled back


# --- real processes ------------------------------------------------------------------------------


@pytest.fixture
def service(tmp_path: Path) -> Path:
    folder = tmp_path / "service"
    shutil.copytree(SPECS / "faults", folder, ignore=shutil.ignore_patterns("__pycache__", "__init__.py"))
    return folder


def sqlite_url(service: Path) -> str:
    return f"sqlite:///{service / 'data.sqlite'}"


def try_get(port: int, path: str) -> tuple[int, bytes] | BaseException:
    try:
        return http_get(port, path)
    except (OSError, IndexError, ValueError) as error:  # refused, reset, or closed without an answer
        return error


# --- graceful shutdown -----------------------------------------------------------------------------


def test_sigterm_finishes_the_requests_in_flight_then_exits_0(service, processes):
    port = free_port()
    server = start(service, processes, "--port", str(port), "--access-log", port=port, DATASTORE=sqlite_url(service))
    assert http_get(port, "/api/ping")[0] == 200
    with ThreadPoolExecutor(2) as pool:
        in_flight = pool.submit(http_get, port, "/api/slow?seconds=2")
        time.sleep(0.5)  # the slow request is being handled
        server.send_signal(signal.SIGTERM)
        eventually(lambda: not listening(port), timeout=1, what="new connections refused")
        assert not in_flight.done()
        assert server.poll() is None  # still finishing the slow request
        status, body = in_flight.result(10)
    assert (status, json.loads(body)) == (200, {"slept": 2})
    assert server.wait(10) == 0
    log = output(service)
    assert "Traceback" not in log
    assert '"GET /api/slow?seconds=2 HTTP/1.1" 200' in log


def test_requests_still_running_after_the_shutdown_timeout_are_cut(service, processes):
    port = free_port()
    server = start(
        service, processes, "--port", str(port), "--shutdown-timeout", "1", port=port, DATASTORE=sqlite_url(service)
    )
    with ThreadPoolExecutor(1) as pool:
        in_flight = pool.submit(try_get, port, "/api/slow?seconds=30")
        time.sleep(0.5)
        stopped = time.monotonic()
        server.send_signal(signal.SIGTERM)
        assert server.wait(10) == 0
        assert time.monotonic() - stopped < 15  # the request in flight wanted 30 s
        answer = in_flight.result(10)
    assert not (isinstance(answer, tuple) and answer[0] == 200)
    assert "Traceback" not in output(service)


# --- kill -9 in the middle of writes ---------------------------------------------------------------

BATCH = 5  # rows per POST: one transaction, all there or none


async def drop_rows_table(url: str) -> None:
    database = Database(url)
    try:
        async with database.transaction() as conn:
            cascade = " CASCADE" if database.is_postgresql else ""
            await conn.execute(sa.text(f"DROP TABLE IF EXISTS faults_rows{cascade}"))
    finally:
        await database.close()


def batch_rows(name: str) -> list[dict[str, Any]]:
    return [
        {"batch": name, "position": i, "payload": f"{name}/{i} 'quoted' \"é\" {'x' * random.randint(0, 500)}",
         "amount": random.uniform(-1e6, 1e6)}
        for i in range(BATCH)
    ]  # fmt: skip


async def test_kill_9_during_writes_loses_no_acknowledged_row_and_leaves_no_partial_one(service, processes, datastore):
    await drop_rows_table(datastore)
    port = free_port()
    server = start(service, processes, "--port", str(port), "--no-access-log", port=port, DATASTORE=datastore)
    sent: dict[str, list[dict[str, Any]]] = {}
    acknowledged: set[str] = set()
    enough, killed = asyncio.Event(), asyncio.Event()

    async def writer(session: aiohttp.ClientSession, number: int) -> None:
        for i in range(10_000):
            name = f"w{number}-{i}"
            rows = sent[name] = batch_rows(name)
            try:
                async with session.post(f"http://127.0.0.1:{port}/api/rows", json=rows) as response:
                    assert response.status == 201, await response.text()
                    created = await response.json()
            except (TimeoutError, aiohttp.ClientError):
                assert killed.is_set(), "a write failed before the server was killed"
                return
            assert [{k: v for k, v in row.items() if k != "id"} for row in created] == rows
            acknowledged.add(name)
            if len(acknowledged) >= 100:
                enough.set()

    async def killer() -> None:
        await enough.wait()
        killed.set()
        server.send_signal(signal.SIGKILL)  # writes are in flight: 16 writers never wait

    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        await asyncio.wait_for(asyncio.gather(killer(), *(writer(session, n) for n in range(16))), timeout=60)
    assert server.wait(10) == -signal.SIGKILL

    start(service, processes, "--port", str(port), "--no-access-log", port=port, DATASTORE=datastore)
    async with (
        aiohttp.ClientSession(timeout=timeout) as session,
        session.get(f"http://127.0.0.1:{port}/api/rows", params={"limit": "100000"}) as response,
    ):
        assert response.status == 200, await response.text()
        stored = await response.json()
    found: dict[str, list[dict[str, Any]]] = {}
    for row in stored:
        found.setdefault(row["batch"], []).append({k: v for k, v in row.items() if k != "id"})
    for name in acknowledged:
        assert sorted(found.get(name, []), key=lambda row: row["position"]) == sent[name], name
    partial = [name for name, rows in found.items() if len(rows) != BATCH]
    assert partial == []
    assert set(found) <= set(sent)
    committed_unacknowledged = len(set(found) - acknowledged)
    print(  # the figures of the "done when"
        f"\nkill -9 on {datastore.split(':')[0]}: {len(sent)} POSTs of {BATCH} rows sent, {len(acknowledged)} "
        f"acknowledged (201) and all present, {committed_unacknowledged} committed without an answer, "
        f"{len(sent) - len(found)} not stored, partial batches: {len(partial)}"
    )


# --- PostgreSQL restarted under load ---------------------------------------------------------------


@pytest.mark.slow
async def test_postgresql_restarted_under_load(service, processes):
    cluster = own_postgres()  # the suite's own: never the machine's shared server
    url = cluster.url
    await drop_rows_table(url)
    port = free_port()
    start(service, processes, "--port", str(port), "--no-access-log", port=port, DATASTORE=url)
    base = f"http://127.0.0.1:{port}/api"
    statuses: dict[str, Counter[int]] = {"database": Counter(), "ping": Counter()}
    bad: list[str] = []  # what must never happen: other 5xx, a 503 without Retry-After, a hang
    slowest = 0.0
    phase = {"name": "before"}
    ok_after_restart = asyncio.Event()

    async def one(session: aiohttp.ClientSession, kind: str, method: str, path: str, **kwargs: Any) -> None:
        nonlocal slowest
        started = time.monotonic()
        try:
            async with session.request(method, base + path, **kwargs) as response:
                body = await response.read()
                status = response.status
                headers = response.headers
        except (TimeoutError, aiohttp.ClientError) as error:
            bad.append(f"{method} {path}: {error!r} after {time.monotonic() - started:.1f}s")
            return
        slowest = max(slowest, time.monotonic() - started)
        statuses[kind][status] += 1
        if kind == "ping" and status != 200:
            bad.append(f"{method} {path} (no database): {status} {body[:200]!r}")
        elif status == 503:
            if headers.get("Content-Type") != "application/problem+json" or not headers.get("Retry-After"):
                bad.append(f"{method} {path}: 503 without problem+json/Retry-After: {dict(headers)}")
        elif status not in (200, 201):
            bad.append(f"{method} {path}: {status} {body[:300]!r}")
        elif kind == "database" and phase["name"] == "after":
            ok_after_restart.set()

    async def load(session: aiohttp.ClientSession, number: int, stop: asyncio.Event) -> None:
        i = 0
        while not stop.is_set():
            i += 1
            await one(session, "database", "GET", "/rows", params={"limit": "5"})
            rows = [{"batch": f"l{number}-{i}", "position": 0, "payload": "x", "amount": 1.5}]
            await one(session, "database", "POST", "/rows", json=rows)
            await one(session, "ping", "GET", "/ping")

    stop = asyncio.Event()
    timeout = aiohttp.ClientTimeout(total=5)  # longer is a hang
    try:
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
            workers = [asyncio.create_task(load(session, n, stop)) for n in range(8)]
            try:
                await asyncio.sleep(1)
                phase["name"] = "restarting"
                restarted = await asyncio.to_thread(cluster.restart)
                assert restarted.returncode == 0, restarted.stderr
                phase["name"] = "after"
                await asyncio.wait_for(ok_after_restart.wait(), timeout=15)  # recovered, no restart of the service
                await asyncio.sleep(1)
            finally:
                stop.set()
                await asyncio.gather(*workers)
    finally:
        if not cluster.running():
            cluster.restart()
    database, ping = statuses["database"], statuses["ping"]
    tried = sum(database.values()) + sum(ping.values()) + len(bad)
    other_5xx = sum(count for status, count in database.items() if status >= 500 and status != 503)
    print(  # the figures of the "done when"
        f"\nPostgreSQL restarted under load: {tried} requests tried, database {dict(database)}, "
        f"no database {dict(ping)}, 503s: {database[503]}, 5xx other than 503: {other_5xx}, "
        f"slowest answer {slowest:.2f}s, failures: {len(bad)}"
    )
    assert bad == []
    assert other_5xx == 0
    assert set(ping) == {200}
    assert slowest < 5
    assert database[503] > 0, "the restart was not noticed: nothing was tested"
