"""Shared fixtures: serve a document over real HTTP on loopback and talk to it."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import subprocess
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import services
from aiohttp import web
from aiohttp.test_utils import TestClient

import openapi_aio
from openapi_aio.keys import DATABASE

pytest_plugins = ["sentry_capture"]  # the sentry_events fixture

TESTS = Path(__file__).resolve().parent  # on sys.path (setup.cfg: pythonpath = tests)
ROOT = TESTS.parent  # the checkout
SPECS = Path(__file__).parent / "specs"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "specs"

MakeClient = Callable[..., Awaitable[TestClient]]


@pytest.fixture
def serve(aiohttp_client: Any) -> MakeClient:
    """``client = await serve(spec, **options)``: an aiohttp test client for a fresh app serving
    ``spec`` (a dict, or a path relative to tests/specs/)."""

    async def make(spec: str | Path | Mapping[str, Any], **options: Any) -> TestClient:
        app = web.Application()
        if isinstance(spec, str | Path):
            spec = SPECS / spec
        openapi_aio.setup(app, spec, **options)
        return await aiohttp_client(app)

    return make


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Servers a test starts as real processes; whatever still runs at the end is killed."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


# The responses block most test documents need, and the problem check most tests make.
OK = {"200": {"description": "ok"}}
PROBLEM = "application/problem+json"


async def problem(response: Any, status: int = 400) -> dict[str, Any]:
    """The problem+json body of ``response``, which must have ``status`` (line and body)."""
    text = await response.text()
    assert response.status == status, text
    assert response.content_type == PROBLEM, text
    body: dict[str, Any] = json.loads(text)
    assert body["status"] == status
    return body


def document(paths: Mapping[str, Any], version: str = "3.0.3", **extra: Any) -> dict[str, Any]:
    """A minimal document around ``paths`` (swagger 2.0 when ``version == "2.0"``)."""
    head: dict[str, Any] = {"swagger": "2.0"} if version == "2.0" else {"openapi": version}
    return {**head, "info": {"title": "test", "version": "1"}, "paths": dict(paths), **extra}


# --- databases and brokers ------------------------------------------------------------------------
# The suite's own servers (tests/services.py), unless DATASTORE / REDIS_URL name others.

IN_CI = os.environ.get("CI", "").lower() == "true"


@functools.cache
def _postgres() -> tuple[str | None, str | None]:
    """(url, why not): the PostgreSQL URL the tests use, or why there is none."""
    given = os.environ.get("DATASTORE")
    if given:
        if not given.startswith("postgres"):
            return None, f"DATASTORE={given!r} is not a PostgreSQL URL"
        reason = _probe_postgres(given)
        return (None, reason) if reason else (given, None)
    try:
        return services.own_postgres().url, None
    except Exception as error:  # any failure means "not here"
        return None, f"could not start a PostgreSQL cluster for the tests: {error}"


def _probe_postgres(url: str) -> str | None:
    import asyncpg

    async def probe() -> None:
        connection = await asyncpg.connect(url, timeout=5)
        await connection.close()

    failures: list[BaseException] = []

    def run() -> None:  # in a thread of its own: callers may already be inside an event loop
        try:
            asyncio.run(probe())
        except Exception as error:  # any failure means "not here"
            failures.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return f"PostgreSQL not reachable at {url} ({failures[0]!r})" if failures else None


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used here (``None``: it can)."""
    return _postgres()[1]


def require(reason: str | None) -> None:
    """Skip for ``reason`` (a service that is not here); under CI=true, where it must run, fail."""
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


def require_postgres() -> str:
    """The PostgreSQL URL, or skip (fail under CI=true)."""
    url, reason = _postgres()
    require(reason)
    assert url is not None
    return url


def own_postgres() -> services.PostgresCluster:
    """The suite's own cluster, for tests that restart it; skip (fail under CI=true) when the tests
    were pointed at a server of the user's (DATASTORE), which they must never restart."""
    require_postgres()
    if os.environ.get("DATASTORE"):
        require("DATASTORE names the user's own PostgreSQL server: the suite never restarts it")
    return services.own_postgres()


@functools.cache
def _redis() -> tuple[str | None, str | None]:
    try:
        import redis
    except ImportError:
        return None, "the redis package is not installed (pip install openapi-aio[redis])"
    given = os.environ.get("REDIS_URL")
    if not given:
        try:
            return services.own_redis().url, None
        except Exception as error:  # any failure means "not here"
            return None, f"could not start a Redis server for the tests: {error}"
    try:
        client = redis.Redis.from_url(given, socket_connect_timeout=5, socket_timeout=5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # any failure means "not here"
        return None, f"Redis not reachable at {given} ({error!r})"
    return given, None


def redis_unavailable() -> str | None:
    """Why Redis cannot be used here (``None``: it can)."""
    return _redis()[1]


def require_redis() -> str:
    """The Redis URL, or skip (fail under CI=true)."""
    url, reason = _redis()
    require(reason)
    assert url is not None
    return url


def pytest_unconfigure(config: pytest.Config) -> None:
    services.stop_all()


@pytest.fixture(params=["sqlite", "postgresql"])
def datastore(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test using it runs twice: on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.sqlite'}"
    return require_postgres()


async def reset_tables(database: openapi_aio.db.Database) -> None:
    """Drop (with what depends on them, left by other tests) and recreate ``database``'s tables."""
    import sqlalchemy as sa

    async with database.transaction() as conn:
        for table in reversed(database.metadata.sorted_tables):
            cascade = " CASCADE" if database.is_postgresql else ""
            await conn.execute(sa.text(f'DROP TABLE IF EXISTS "{table.name}"{cascade}'))
    await database.create_all()


@pytest.fixture
def serve_db(aiohttp_client: Any, datastore: str) -> MakeClient:
    """``client = await serve_db(spec, **options)``: like ``serve``, on ``datastore`` with the
    document's tables freshly created; ``client.app[DATABASE]`` is the database."""

    async def make(spec: str | Path | Mapping[str, Any], **options: Any) -> TestClient:
        app = web.Application()
        if isinstance(spec, str | Path):
            spec = SPECS / spec
        options.setdefault("datastore", datastore)
        options.setdefault("create_tables", False)
        openapi_aio.setup(app, spec, **options)
        client = await aiohttp_client(app)
        await reset_tables(app[DATABASE])
        return client

    return make
