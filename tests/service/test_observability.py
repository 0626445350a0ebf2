"""Operations: Sentry reports, JSON access logs, health and readiness, CORS; over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sentry_sdk
from aiohttp import web
from aiohttp.test_utils import TestServer
from conftest import TESTS, document
from helpers import free_port
from sentry_capture import Capture

import openapi_aio
from openapi_aio.pipeline.cors import Cors
from openapi_aio.service.access_log import JsonAccessLogger

H = "specs.observability.handlers."


def op(name: str, **extra: Any) -> dict[str, Any]:
    return {"get": {"operationId": H + name, "responses": {"200": {"description": "ok"}}, **extra}}


SCHEMES = {"key": {"type": "apiKey", "in": "header", "name": "X-Key", "x-apikeyInfoFunc": H + "key_info"}}
SPEC = document(
    {
        "/hello": op("hello"),
        "/fail": op("fail"),
        "/refuse": op("refuse"),
        "/private": op("fail_private", security=[{"key": []}]),
    },
    components={"securitySchemes": SCHEMES},
)


# --- Sentry ------------------------------------------------------------------------------------


async def test_unhandled_errors_are_reported_with_operation_request_id_and_user(serve, sentry_events):
    client = await serve(SPEC, sentry=True)
    response = await client.get("/fail", headers={"X-Request-ID": "req-500"})
    assert response.status == 500
    assert (await response.json(content_type=None))["request_id"] == "req-500"
    (event,) = sentry_events
    assert event["tags"]["operation_id"] == H + "fail"
    assert event["tags"]["request_id"] == "req-500"
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert event["request"]["method"] == "GET"
    assert "user" not in event or not event["user"]

    private = await client.get("/private", headers={"X-Key": "secret", "X-Request-ID": "req-user"})
    assert private.status == 500
    assert sentry_events[-1]["user"] == {"id": "ada"}
    assert sentry_events[-1]["tags"]["request_id"] == "req-user"


async def test_problems_are_not_reported(serve, sentry_events):
    client = await serve(SPEC, sentry=True)
    assert (await client.get("/refuse")).status == 409
    assert (await client.get("/nowhere")).status == 404
    assert (await client.get("/private")).status == 401
    assert (await client.get("/hello")).status == 200
    assert sentry_events == []


async def test_the_option_takes_sentry_init_arguments(serve):
    transport = Capture()
    try:
        options = {"dsn": "https://key@sentry.invalid/1", "transport": transport, "auto_enabling_integrations": False}
        client = await serve(SPEC, sentry=options)
        assert (await client.get("/fail")).status == 500
        assert [event["tags"]["operation_id"] for event in transport.events] == [H + "fail"]
    finally:
        sentry_sdk.get_client().close()
        sentry_sdk.get_global_scope().set_client(None)


async def test_off_without_dsn(serve, monkeypatch):
    monkeypatch.delenv("SENTRY_DSN", raising=False)
    client = await serve(SPEC)
    assert openapi_aio.pipeline.sentry.sentry_context not in client.app.middlewares
    monkeypatch.setenv("SENTRY_DSN", "https://key@sentry.invalid/1")
    assert openapi_aio.pipeline.sentry.enabled(None)
    assert not openapi_aio.pipeline.sentry.enabled(False)


# --- JSON access log ---------------------------------------------------------------------------


async def test_json_access_log_lines(aiohttp_client, caplog):
    caplog.set_level(logging.INFO, logger="aiohttp.access")
    app = web.Application()
    openapi_aio.setup(app, SPEC)
    server = TestServer(app)
    await server.start_server(access_log_class=JsonAccessLogger)
    client = await aiohttp_client(server)
    ok = await client.get("/hello?x=1", headers={"User-Agent": "probe/1.0"})
    missing = await client.get("/nowhere")
    await ok.read(), await missing.read()
    for _ in range(50):  # the line is written once the response is sent
        if len([r for r in caplog.records if r.name == "aiohttp.access"]) >= 2:
            break
        await asyncio.sleep(0.01)
    lines = [json.loads(record.getMessage()) for record in caplog.records if record.name == "aiohttp.access"]
    first, second = lines
    assert first["request_id"] == ok.headers["X-Request-ID"]
    assert (first["method"], first["path"], first["query"]) == ("GET", "/hello", "x=1")
    assert (first["operation_id"], first["status"], first["user_agent"]) == (H + "hello", 200, "probe/1.0")
    assert isinstance(first["duration_ms"], float)
    assert first["duration_ms"] >= 0
    assert first["size"] > 0
    assert first["time"].endswith("Z")
    assert (second["status"], second["operation_id"]) == (404, None)
    assert second["request_id"] == missing.headers["X-Request-ID"]


# --- health and readiness ----------------------------------------------------------------------


async def test_health_and_ready_on_sqlite(serve, tmp_path):
    client = await serve(SPEC, health=True, datastore=f"sqlite:///{tmp_path}/data.sqlite")
    health = await client.get("/health")
    assert (health.status, await health.json()) == (200, {"status": "ok"})
    ready = await client.get("/ready")
    assert (ready.status, await ready.json()) == (200, {"status": "ready", "checks": {"database": "ok"}})
    served = await (await client.get("/openapi.json")).json()
    assert "/health" not in served["paths"]
    assert "/ready" not in served["paths"]


async def test_not_ready_when_postgresql_is_unreachable(serve):
    client = await serve(SPEC, health=True, datastore="postgresql://nobody@127.0.0.1:1/none")
    assert (await client.get("/health")).status == 200
    ready = await client.get("/ready")
    assert ready.status == 503
    assert ready.headers["Content-Type"] == "application/problem+json"
    assert ready.headers["Retry-After"] == "1"
    body = await ready.json(content_type=None)
    assert body["status"] == 503
    assert "database" in body["detail"]
    assert body["checks"]["database"] != "ok"


async def test_ready_checks_the_broker(serve):
    spec = document(
        {"/hello": op("hello"), "/events": {"get": {"x-websocket": {}, "responses": {"101": {"description": "ws"}}}}}
    )
    client = await serve(spec, health=True)
    ready = await client.get("/ready")
    assert (ready.status, (await ready.json())["checks"]) == (200, {"broker": "ok"})


async def test_health_is_off_by_default_and_a_documented_path_wins(serve):
    client = await serve(SPEC)
    assert (await client.get("/health")).status == 404
    own = await serve(document({"/health": op("own_health")}), health=True)
    assert await (await own.get("/health")).json() == {"mine": "yes"}
    assert (await own.get("/ready")).status == 200
    moved = await serve(SPEC, health=True, health_paths=("/-/live", "/-/ready"))
    assert (await moved.get("/-/live")).status == 200


# --- CORS --------------------------------------------------------------------------------------

ORIGIN = "https://app.example"


async def test_preflight_is_answered(serve):
    client = await serve(SPEC, cors=Cors(allow_origins=[ORIGIN], allow_headers=["X-Key", "Content-Type"], max_age=60))
    response = await client.options(
        "/private",
        headers={"Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-key"},
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "GET" in response.headers["Access-Control-Allow-Methods"]
    assert response.headers["Access-Control-Allow-Headers"] == "x-key"
    assert response.headers["Access-Control-Max-Age"] == "60"
    assert response.headers["X-Request-ID"]
    for headers in (
        {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        {"Origin": ORIGIN, "Access-Control-Request-Method": "TRACE"},
        {"Origin": ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "X-Other"},
    ):
        refused = await client.options("/hello", headers=headers)
        assert refused.status == 403, headers
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert "Access-Control-Allow-Methods" not in refused.headers
    evil = {"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    assert "Access-Control-Allow-Origin" not in (await client.options("/hello", headers=evil)).headers


async def test_headers_on_answers_and_problems(serve):
    client = await serve(SPEC, cors={"allow_origins": [ORIGIN], "allow_credentials": True})
    for path, status in (("/hello", 200), ("/refuse", 409), ("/nowhere", 404), ("/fail", 500), ("/private", 401)):
        response = await client.get(path, headers={"Origin": ORIGIN})
        assert response.status == status, path
        assert response.headers["Access-Control-Allow-Origin"] == ORIGIN, path
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        assert response.headers["Access-Control-Expose-Headers"] == "X-Request-ID"
        assert "Origin" in response.headers["Vary"]
    other = await client.get("/hello", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    plain = await client.get("/hello")
    assert "Access-Control-Allow-Origin" not in plain.headers
    wrong_method = await client.post("/hello", headers={"Origin": ORIGIN})
    assert wrong_method.status == 405
    assert wrong_method.headers["Access-Control-Allow-Origin"] == ORIGIN


async def test_any_origin(serve):
    client = await serve(SPEC, cors=True)
    response = await client.get("/hello", headers={"Origin": "https://anyone.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    plain = await serve(SPEC)  # no cors option: no middleware, no headers
    assert list(plain.app.middlewares) == []
    other = await plain.get("/hello", headers={"Origin": "https://anyone.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


# --- serve: the command line -------------------------------------------------------------------

MAIN = """
from openapi_aio import App
app = App(__name__, health=True, cors=["https://app.example"])
app.add_api("openapi.json")
if __name__ == "__main__":
    app.main()
"""


def _start_run(spec: Path, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``openapi-aio run SPEC --port PORT`` as a user starts it, its output in ``log``."""
    command = [sys.executable, "-m", "openapi_aio", "run", str(spec), "--port", str(port)]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=TESTS, env=env, stdout=output, stderr=subprocess.STDOUT)


def _get(port: int, path: str, headers: str = "") -> tuple[int, str]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"GET {path} HTTP/1.1\r\nHost: x\r\nUser-Agent: probe/2\r\n{headers}Connection: close\r\n\r\n".encode()
        )
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head = answer.partition(b"\r\n\r\n")[0].decode()
    return int(head.split()[1]), head


def test_serve_with_json_access_log_health_and_cors(tmp_path):
    (tmp_path / "openapi.json").write_text(json.dumps({**SPEC, "servers": [{"url": "/api"}]}))
    (tmp_path / "main.py").write_text(MAIN)
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(TESTS), "PYTHONUNBUFFERED": "1"}
    env.pop("SENTRY_DSN", None)
    process = subprocess.Popen(
        [sys.executable, "main.py", "serve", "--port", str(port), "--host", "127.0.0.1",
         "--access-log", "--access-log-format", "json"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, head = _get(port, "/health")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(process.communicate()[1].decode()) from None
                time.sleep(0.1)
        assert status == 200
        assert _get(port, "/ready")[0] == 200
        status, head = _get(port, "/api/hello", "Origin: https://app.example\r\n")
        assert status == 200
        assert "Access-Control-Allow-Origin: https://app.example" in head
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=30)
    lines = [json.loads(line) for line in err.decode().splitlines() if line.startswith("{")]
    hello = next(line for line in lines if line["path"] == "/api/hello")
    assert (hello["operation_id"], hello["status"], hello["user_agent"]) == (H + "hello", 200, "probe/2")
    assert hello["request_id"]
    assert hello["duration_ms"] >= 0
    assert {line["path"] for line in lines} >= {"/health", "/ready", "/api/hello"}


# --- Sentry over real HTTP, on each supported sentry-sdk major --------------------------------------


def _other_sentry_major(folder: Path) -> Path:
    """sentry-sdk of the supported major that is not installed here, put into ``folder`` (the
    suite runs on the installed one; this checks the other one users may have)."""
    installed = int(sentry_sdk.VERSION.split(".")[0])
    wanted = "sentry-sdk>=2.0,<3" if installed >= 3 else "sentry-sdk>=3.0,<4"
    command = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(folder), wanted]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if result.returncode != 0:
        pytest.fail(f"could not install {wanted} to test it: {result.stderr[-2000:]}")
    return folder


@pytest.fixture(scope="module")
def sentry_majors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | None]:
    """PYTHONPATH prefixes that make a server process import each supported sentry-sdk major."""
    installed = sentry_sdk.VERSION.split(".")[0]
    other = _other_sentry_major(tmp_path_factory.mktemp("sentry-sdk"))
    return {installed: None, "3" if installed == "2" else "2": str(other)}


class DsnReceiver:
    """What a Sentry server does for a DSN, reduced to keeping the events it is sent."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.arrived = asyncio.Event()

    async def envelope(self, request: web.Request) -> web.Response:
        body = await request.read()  # aiohttp undoes the SDK's gzip Content-Encoding
        for header, payload in itertools.pairwise(body.split(b"\n")):
            with contextlib.suppress(ValueError):
                if json.loads(header).get("type") == "event":
                    self.events.append(json.loads(payload))
                    self.arrived.set()
        return web.json_response({"id": "0" * 32})


@pytest.mark.slow
@pytest.mark.parametrize("major", ["2", "3"])
async def test_unhandled_errors_reach_a_sentry_server(major, sentry_majors, processes, tmp_path, aiohttp_server):
    """``SENTRY_DSN`` set, ``openapi-aio run`` as users start it: an unhandled error reaches the DSN
    over HTTP with its operation, request id and user, on sentry-sdk 2.x and 3.x alike."""
    receiver = DsnReceiver()
    dsn_app = web.Application()
    dsn_app.router.add_post("/api/{project}/envelope/", receiver.envelope)
    dsn = await aiohttp_server(dsn_app)
    (tmp_path / "openapi.json").write_text(json.dumps(SPEC))
    env = {**os.environ, "SENTRY_DSN": f"http://public@127.0.0.1:{dsn.port}/1"}
    path = [str(TESTS)] + ([sentry_majors[major]] if sentry_majors[major] else [])
    env["PYTHONPATH"] = os.pathsep.join([*path, env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    port = free_port()
    log = tmp_path / "server.log"
    processes.append(_start_run(tmp_path / "openapi.json", port, env, log))
    async with aiohttp.ClientSession() as session:
        await _wait_serving(session, f"http://127.0.0.1:{port}/hello", processes[-1], log)
        headers = {"X-Key": "secret", "X-Request-ID": f"sentry-{major}"}
        async with session.get(f"http://127.0.0.1:{port}/private", headers=headers) as response:
            assert response.status == 500
            assert "internal detail" not in await response.text()
    await asyncio.wait_for(receiver.arrived.wait(), timeout=15)
    await asyncio.sleep(0.2)  # a second event (the log record) would come right behind
    (event,) = receiver.events
    assert event["sdk"]["version"].split(".")[0] == major
    assert event["tags"]["operation_id"] == H + "fail_private"
    assert event["tags"]["request_id"] == f"sentry-{major}"
    assert event["user"] == {"id": "ada"}
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"


async def _wait_serving(session: aiohttp.ClientSession, url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_bytes()!r}")  # noqa: ASYNC240 (it has stopped)
        with contextlib.suppress(aiohttp.ClientError):
            async with session.get(url) as response:
                if response.status == 200:
                    return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no answer from {url}")
