"""Prometheus metrics (openapi_aio.service.metrics) over real HTTP: per-operation counters and
histograms, requests in flight, the database pool, websockets; off, no route and no import;
under ``serve --workers 2`` one ``/metrics`` counts what both workers answered.

The instruments are one set per process (as Prometheus scrapes a process), so the tests here
compare values before and after their own requests."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from aiohttp.test_utils import TestClient
from conftest import SPECS, document
from helpers import eventually, free_port, http_get, start
from prometheus_client.parser import text_string_to_metric_families
from specs.metrics import handlers

import openapi_aio.ws
from openapi_aio.ws.client import Client

LIVE = yaml.safe_load((SPECS / "ws" / "live.yaml").read_text())  # tests/ws/test_ws.py's websockets
ADA = {"Authorization": "Bearer tok-ada"}
H = "specs.metrics.handlers."
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
SPEC = document(
    {
        "/items/{id}": {
            "get": {"operationId": H + "get_item", "parameters": [ID], "responses": {"200": {"description": "ok"}}}
        },
        "/slow": {"get": {"operationId": H + "slow", "responses": {"200": {"description": "ok"}}}},
    }
)

ROW = {"type": "object", "x-table": "metrics_rows", "properties": {"id": {"type": "integer", "readOnly": True}}}
DB_SPEC = document(
    {"/smoke": {"x-resource": "Row", "get": {"responses": {"200": {"description": "rows"}}}}},
    components={"schemas": {"Row": ROW}},
)


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """``{(name, labels): value}`` of an exposition, read with prometheus_client's own parser."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[sample.name, frozenset(sample.labels.items())] = sample.value
    return found


def value(found: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


async def scrape(client: TestClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    response = await client.get("/metrics")
    assert response.status == 200, await response.text()
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    return samples(await response.text())


async def test_requests_counted_by_operation_method_and_status(serve):
    client = await serve(SPEC, metrics=True)
    before = await scrape(client)
    for path, status in [("/items/1", 200), ("/items/2", 200), ("/items/abc", 400), ("/items/404", 404)]:
        response = await client.get(path)
        assert response.status == status
    assert (await client.get("/nowhere")).status == 404  # no operation: not counted (no raw path labels)
    after = await scrape(client)

    def counted(status: str) -> float:
        labels = {"operation_id": H + "get_item", "method": "GET", "status": status}
        return value(after, "openapi_aio_requests_total", **labels) - value(
            before, "openapi_aio_requests_total", **labels
        )

    assert (counted("200"), counted("400"), counted("404")) == (2, 1, 1)
    assert not any("nowhere" in str(labels) for _, labels in after)
    histogram = {"operation_id": H + "get_item"}
    count = value(after, "openapi_aio_request_duration_seconds_count", **histogram)
    assert count - value(before, "openapi_aio_request_duration_seconds_count", **histogram) == 4
    assert value(after, "openapi_aio_request_duration_seconds_bucket", le="+Inf", **histogram) == count
    buckets = {dict(labels)["le"] for name, labels in after if name == "openapi_aio_request_duration_seconds_bucket"}
    assert {"0.005", "0.1", "1.0", "+Inf"} <= buckets


async def test_requests_in_flight(serve):
    client = await serve(SPEC, metrics=True)
    handlers.release = asyncio.Event()
    idle = value(await scrape(client), "openapi_aio_requests_in_flight")
    waiting = asyncio.create_task(client.get("/slow"))
    await asyncio.sleep(0.2)
    assert value(await scrape(client), "openapi_aio_requests_in_flight") == idle + 1
    handlers.release.set()
    assert (await waiting).status == 200
    assert value(await scrape(client), "openapi_aio_requests_in_flight") == idle


async def test_database_pool(serve_db, datastore):
    client = await serve_db(DB_SPEC, metrics=True)
    for _ in range(3):
        assert (await client.get("/smoke")).status == 200
    found = await scrape(client)
    assert value(found, "openapi_aio_db_pool_size") >= 1
    assert value(found, "openapi_aio_db_pool_in_use") == 0  # none lent out between requests
    assert ("openapi_aio_db_pool_waiting", frozenset()) in found
    counted = value(found, "openapi_aio_requests_total", operation_id="GET /smoke", method="GET", status="200")
    assert counted >= 3  # a resource without operationId is named by method and path template


async def test_websockets(serve):
    server = await serve(LIVE, broker="memory", metrics=True)
    before = await scrape(server)
    client = await Client.connect(str(server.server.make_url("/live")), headers=ADA)
    try:
        await client.subscribe("news")
        await openapi_aio.ws.publish(server.app, "news", "flash", {"n": 1})
        assert (await client.receive(timeout=5))["data"] == {"n": 1}
        found = await scrape(server)
        assert value(found, "openapi_aio_websocket_connections") == 1
        assert value(found, "openapi_aio_websocket_subscriptions") == 1
        sent = "openapi_aio_websocket_messages_sent_total"
        assert value(found, sent) - value(before, sent) == 1
        assert ("openapi_aio_websocket_messages_dropped_total", frozenset()) in found
        assert value(found, "openapi_aio_broker_connected") == 1
    finally:
        await client.close()

    async def closed() -> bool:
        return value(await scrape(server), "openapi_aio_websocket_connections") == 0

    for _ in range(50):
        if await closed():
            break
        await asyncio.sleep(0.05)
    assert await closed()


async def test_off_there_is_no_route(serve):
    client = await serve(SPEC)
    assert (await client.get("/metrics")).status == 404


def test_off_nothing_is_imported_and_no_stage_is_added():
    code = f"""
import json, sys
from aiohttp import web
import openapi_aio
app = web.Application()
api = openapi_aio.setup(app, {SPEC!r})
print(json.dumps(["prometheus_client" in sys.modules, "openapi_aio.service.metrics" in sys.modules,
                  sorted(str(r.resource.canonical) for r in app.router.routes() if r.resource is not None)]))
"""
    env = {name: text for name, text in os.environ.items() if name != "METRICS"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=SPECS.parent, env=env, capture_output=True, text=True, check=True
    )
    imported, ours, routes = json.loads(result.stdout.splitlines()[-1])
    assert (imported, ours) == (False, False)
    assert "/metrics" not in routes


def test_metrics_environment_variable_turns_them_on():
    code = f"""
import json, sys
from aiohttp import web
import openapi_aio
app = web.Application()
openapi_aio.setup(app, {SPEC!r})
print(json.dumps(sorted(str(r.resource.canonical) for r in app.router.routes() if r.resource is not None)))
"""
    env = {**os.environ, "METRICS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=SPECS.parent, env=env, capture_output=True, text=True, check=True
    )
    assert "/metrics" in json.loads(result.stdout.splitlines()[-1])


# --- serve --workers 2 ------------------------------------------------------------------------------


def requests_counted(port: int) -> float:
    status, body = http_get(port, "/metrics")
    assert status == 200, body
    found = samples(body.decode())
    return value(found, "openapi_aio_requests_total", operation_id="handlers.pid", method="GET", status="200")


@pytest.mark.slow
def test_workers_share_one_count(tmp_path: Path, processes: list[Any]):
    service = tmp_path / "service"
    shutil.copytree(SPECS / "cli_serve", service)
    folder = tmp_path / "prometheus"
    folder.mkdir()
    (folder / "counter_1.db").write_bytes(b"left by an earlier run")  # emptied at start
    port = free_port()
    env = {"METRICS": "1", "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    start(service, processes, "--workers", "2", "--port", str(port), port=port, **env)
    pids: set[int] = set()
    answered = 0

    def both_answered() -> bool:
        nonlocal answered
        status, body = http_get(port, "/api/pid")
        assert status == 200, body
        answered += 1
        pids.add(int(json.loads(body)["pid"]))
        return len(pids) == 2

    eventually(both_answered, what="answers from two worker processes")
    for _ in range(6):  # each scrape reaches either worker: every one sums both
        assert requests_counted(port) == answered
    _, body = http_get(port, "/metrics")
    assert b"openapi_aio_websocket" not in body  # the service has no websockets: no such metrics
    assert b"openapi_aio_broker_connected" not in body
    assert not (folder / "counter_1.db").exists()
    assert len(set(re.findall(r"_(\d+)\.db", " ".join(os.listdir(folder))))) == 2  # one set of files per worker
