"""Prometheus metrics at ``GET /metrics`` (opt-in: ``metrics=True`` or ``METRICS=1``; extra ``metrics``).

Per request, one stage per operation (:func:`stage`, outermost in ``pipeline.STAGES``) counts the
request by ``operation_id``, ``method`` and ``status``, times it into the operation's histogram and
keeps the in-flight gauge; its label children are resolved when the application starts (a status
child the first time that status is answered), never by the raw path, so the label values are
bounded by the document. The state of the database pool, the websockets and the broker is read
from the objects that hold it when scraped (and, with several workers, every second), so that it
costs nothing per query or per message.

Under ``serve --workers N`` the values live in prometheus_client's multiprocess files
(``PROMETHEUS_MULTIPROC_DIR``, set up and emptied by :func:`prepare_multiprocess` before the fork)
and every worker's ``/metrics`` answers the sum over all of them. The instruments are made when a
worker starts, after the fork and after the directory is set, never in the parent.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import functools
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

from openapi_aio.errors import ProblemException
from openapi_aio.keys import DATABASE, HUB
from openapi_aio.tracing import identified

if TYPE_CHECKING:
    from openapi_aio.operation import Operation
    from openapi_aio.types import Handler

__all__ = ["Instruments", "mount_metrics", "prepare_multiprocess", "stage"]

MULTIPROC_DIR = "PROMETHEUS_MULTIPROC_DIR"
METRICS_PATH = "/metrics"
REFRESH_SECONDS = 1.0  # with several workers: how often each writes its pool and websocket gauges
CLIENT_GONE = "499"  # a request cancelled because its client left (nginx's code): not a 500
_MOUNTED: web.AppKey[bool] = web.AppKey("openapi_aio.metrics", bool)


class Instruments:
    """The metrics of this process, made once (after the fork, when there is one)."""

    def __init__(self) -> None:
        self.multiprocess = MULTIPROC_DIR in os.environ
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter(
            "openapi_aio_requests", "Requests answered, by operation, method and status.",
            ["operation_id", "method", "status"], registry=r,
        )  # fmt: skip
        self.latency = Histogram(
            "openapi_aio_request_duration_seconds", "Time to answer a request, by operation.",
            ["operation_id"], registry=r,
        )  # fmt: skip
        live: dict[str, Any] = {"registry": r, "multiprocess_mode": "livesum"}
        self.in_flight = Gauge("openapi_aio_requests_in_flight", "Requests being answered.", **live)

    @functools.cached_property
    def pool(self) -> _PoolGauges:
        """Made for a process with a database only: no pool metrics where there is none."""
        return _PoolGauges(self.registry)

    @functools.cached_property
    def websockets(self) -> _WebsocketMetrics:
        """Made for a process with websockets only."""
        return _WebsocketMetrics(self.registry)

    def exposition(self) -> bytes:
        """The text format: this process's registry, or the sum over every worker's files."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)


class _PoolGauges:
    def __init__(self, r: CollectorRegistry) -> None:
        live: dict[str, Any] = {"registry": r, "multiprocess_mode": "livesum"}
        self.size = Gauge("openapi_aio_db_pool_size", "Database connections open.", **live)
        self.in_use = Gauge("openapi_aio_db_pool_in_use", "Database connections lent out.", **live)
        self.waiting = Gauge("openapi_aio_db_pool_waiting", "Requests waiting for a connection.", **live)


class _WebsocketMetrics:
    def __init__(self, r: CollectorRegistry) -> None:
        live: dict[str, Any] = {"registry": r, "multiprocess_mode": "livesum"}
        self.connections = Gauge("openapi_aio_websocket_connections", "Open websocket connections.", **live)
        self.subscriptions = Gauge(
            "openapi_aio_websocket_subscriptions", "Websocket (channel, pattern) subscriptions.", **live
        )
        self.sent = Counter(
            "openapi_aio_websocket_messages_sent", "Published messages queued to a websocket client.", registry=r
        )
        self.dropped = Counter(
            "openapi_aio_websocket_messages_dropped",
            "Published messages not delivered: the client was too slow (and is closed) or closing.",
            registry=r,
        )
        self.broker_connected = Gauge(
            "openapi_aio_broker_connected", "1 when the websocket broker is connected (every worker's).",
            registry=r, multiprocess_mode="livemin",
        )  # fmt: skip


_instruments: Instruments | None = None
_unbound: list[_Slot] = []  # operations compiled before this process's instruments were made


def instruments() -> Instruments:
    global _instruments
    if _instruments is None:
        _instruments = Instruments()
    return _instruments


class _Slot:
    """One operation's label children: resolved at start-up, used by every request."""

    __slots__ = ("in_flight", "latency", "method", "operation_id", "requests", "statuses")

    def __init__(self, operation_id: str, method: str) -> None:
        self.operation_id = operation_id
        self.method = method
        self.statuses: dict[str, Any] = {}

    def bind(self, made: Instruments) -> None:
        self.requests: Counter = made.requests
        self.in_flight: Gauge = made.in_flight
        self.latency: Histogram = made.latency.labels(self.operation_id)
        self.statuses = {}

    def __getattr__(self, name: str) -> Any:
        """A request before the application's start-up (a harness calling it directly): bound now."""
        self.bind(instruments())
        return object.__getattribute__(self, name)

    def counter(self, status: str) -> Any:
        child = self.statuses.get(status)
        if child is None:  # once per (operation, status) answered
            child = self.statuses[status] = self.requests.labels(self.operation_id, self.method, status)
        return child


def _bind_all() -> Instruments:
    made = instruments()
    for slot in _unbound:
        slot.bind(made)
    _unbound.clear()
    return made


def stage(operation: Operation, call: Handler) -> Handler:
    """Count, time and track ``operation``'s requests (its websocket upgrades: the connection
    gauge counts those)."""
    if operation.spec.websocket is not None:
        return call
    slot = _Slot(operation.spec.label, operation.spec.method.upper())
    if _instruments is not None:
        slot.bind(_instruments)
    else:
        _unbound.append(slot)
    clock = time.perf_counter

    async def measured(request: web.Request) -> web.StreamResponse:
        in_flight = slot.in_flight
        in_flight.inc()
        start = clock()
        status = "500"
        try:
            response = await call(request)
            status = str(response.status)
            return response
        except (ProblemException, web.HTTPException) as error:
            status = str(error.status)
            raise
        except asyncio.CancelledError:
            status = CLIENT_GONE
            raise
        finally:
            slot.latency.observe(clock() - start)
            slot.counter(status).inc()
            in_flight.dec()

    return measured


# --- state read when scraped -----------------------------------------------------------------


class _Reader:
    """Writes the gauges from the application's database pool and websocket hub, and the
    websocket message counters from the hub's totals (their increase since the last read)."""

    def __init__(self, app: web.Application, made: Instruments) -> None:
        self.app = app
        self.made = made
        self.sent = self.dropped = 0

    def refresh(self) -> None:
        database = self.app.get(DATABASE)
        if database is not None:
            self._pool(database)
        hub = self.app.get(HUB)
        if hub is not None:
            made = self.made.websockets
            made.connections.set(len(hub.connections))
            made.subscriptions.set(hub.totals().subscriptions)
            made.sent.inc(hub.sent - self.sent)
            made.dropped.inc(hub.dropped - self.dropped)
            self.sent, self.dropped = hub.sent, hub.dropped
            connected = getattr(hub.broker, "_connected", None)  # a listening broker (Redis, PostgreSQL)
            made.broker_connected.set(1 if connected is None or connected.is_set() else 0)

    def _pool(self, database: Any) -> None:
        made = self.made.pool
        pool = getattr(database, "_pool", None)
        if pool is not None:  # asyncpg
            size = pool.get_size()
            made.size.set(size)
            made.in_use.set(size - pool.get_idle_size())
            getters = getattr(getattr(pool, "_queue", None), "_getters", ())  # acquire() calls waiting
            made.waiting.set(sum(not waiter.done() for waiter in getters))
            return
        engine = getattr(database, "_engine", None)  # SQLite: SQLAlchemy's pool
        sa_pool = getattr(getattr(engine, "sync_engine", None), "pool", None)
        if sa_pool is not None and hasattr(sa_pool, "checkedout"):
            in_use = sa_pool.checkedout()
            made.in_use.set(in_use)
            made.size.set(in_use + sa_pool.checkedin())


# --- the route and the application's life cycle ------------------------------------------------


def mount_metrics(app: web.Application, documented: Any = None) -> None:
    """``GET /metrics`` at the application's root (unless a document answers there), and the
    start-up that makes this process's instruments; once per application."""
    if app.get(_MOUNTED):
        return
    app[_MOUNTED] = True
    readers: list[_Reader] = []

    async def scrape(request: web.Request) -> web.StreamResponse:
        for reader in readers:
            reader.refresh()
        return web.Response(body=instruments().exposition(), headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def lifetime(app: web.Application) -> Any:
        made = _bind_all()
        reader = _Reader(app, made)
        readers.append(reader)
        task = asyncio.get_running_loop().create_task(_refresh_every(reader)) if made.multiprocess else None
        yield
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            reader.refresh()
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]  # its live gauges leave the sums

    app.cleanup_ctx.append(lifetime)
    if documented is None or not documented(METRICS_PATH):
        app.router.add_get(METRICS_PATH, identified(scrape))


async def _refresh_every(reader: _Reader) -> None:
    """With several workers, a scrape reaches one: each writes its own gauges to its files."""
    while True:
        reader.refresh()
        await asyncio.sleep(REFRESH_SECONDS)


def prepare_multiprocess() -> Path:
    """Before ``serve --workers N`` forks: ``PROMETHEUS_MULTIPROC_DIR`` (the one set, else a new
    temporary folder) emptied of a previous run's files, and prometheus_client switched to it."""
    folder = os.environ.get(MULTIPROC_DIR)
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
    else:
        path = Path(tempfile.mkdtemp(prefix="openapi-aio-metrics-"))
        os.environ[MULTIPROC_DIR] = str(path)
        atexit.register(shutil.rmtree, path, ignore_errors=True)  # the parent's exit, after the workers'
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]  # chosen when prometheus_client was imported
    return path
