"""Shared fixtures: serve a document over real HTTP on loopback and talk to it."""

from __future__ import annotations

import asyncio
import functools
import os
import subprocess
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

import openapi_aio
from openapi_aio.keys import DATABASE

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


def document(paths: Mapping[str, Any], version: str = "3.0.3", **extra: Any) -> dict[str, Any]:
    """A minimal document around ``paths`` (swagger 2.0 when ``version == "2.0"``)."""
    head: dict[str, Any] = {"swagger": "2.0"} if version == "2.0" else {"openapi": version}
    return {**head, "info": {"title": "test", "version": "1"}, "paths": dict(paths), **extra}


# --- databases ---------------------------------------------------------------------------------

POSTGRES_URL = os.environ.get("DATASTORE") or "postgresql://postgres@127.0.0.1:5432/test"
IN_CI = os.environ.get("CI", "").lower() == "true"


@functools.cache
def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used here (``None``: it can)."""
    if not POSTGRES_URL.startswith("postgres"):
        return f"DATASTORE={POSTGRES_URL!r} is not a PostgreSQL URL"
    import asyncpg

    async def probe() -> None:
        connection = await asyncpg.connect(POSTGRES_URL, timeout=5)
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
    if failures:
        return f"PostgreSQL not reachable at {POSTGRES_URL} ({failures[0]!r}); set DATASTORE"
    return None


def require(reason: str | None) -> None:
    """Skip for ``reason`` (a service that is not here); under CI=true, where it must run, fail."""
    if reason is not None:
        if IN_CI:
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


def require_postgres() -> str:
    """The PostgreSQL URL, or skip (fail under CI=true)."""
    require(postgres_unavailable())
    return POSTGRES_URL


REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379"


@functools.cache
def redis_unavailable() -> str | None:
    """Why Redis cannot be used here (``None``: it can)."""
    try:
        import redis
    except ImportError:
        return "the redis package is not installed (pip install openapi-aio[redis])"
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=5, socket_timeout=5)
        try:
            client.ping()
        finally:
            client.close()
    except Exception as error:  # any failure means "not here"
        return f"Redis not reachable at {REDIS_URL} ({error!r}); set REDIS_URL"
    return None


def require_redis() -> str:
    """The Redis URL, or skip (fail under CI=true)."""
    require(redis_unavailable())
    return REDIS_URL


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
