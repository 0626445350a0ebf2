"""The database: PostgreSQL through an asyncpg pool, or an embedded SQLite file, and its life cycle.

:class:`Database` picks the driver from the URL, opens the pool (or engine) at start-up and
reconnects after an outage, hands out :class:`Connection` objects and keeps the statements it
compiled for PostgreSQL. Running a statement is :mod:`.connection`'s job; turning driver errors
into HTTP problems (409, 422, 503...) is :mod:`.translate`'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import re
import time
import weakref
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from openapi_aio.db.connection import PG_DIALECT, Connection, Prepared, has_expanding_parameters, traced
from openapi_aio.db.translate import translated, unavailable
from openapi_aio.db.watchdog import Watchdog, Watching
from openapi_aio.errors import ServiceUnavailable, StartupError

if TYPE_CHECKING:
    from openapi_aio.db.tables import TableModel

__all__ = ["Connection", "Database", "Prepared", "asyncpg_dsn", "default_datastore", "sqlalchemy_url"]

log = logging.getLogger("openapi_aio.db")


def default_datastore(folder: str | Path | None = None) -> str:
    """``DATASTORE`` from the environment, else an SQLite file in ``folder`` (or the current one)."""
    configured = os.environ.get("DATASTORE")
    if configured:
        return configured
    path = Path(folder or Path.cwd()) / "data.sqlite"
    return f"sqlite:///{path}"


class Database:
    """Where the generated tables live; one per application (``request.app[DATABASE]``).

    - ``url``: ``postgresql://user@host/db`` (asyncpg) or ``sqlite:///path`` (aiosqlite);
      default :func:`default_datastore`.
    - ``metadata``: the tables; the document's stored schemas are added to it, and your own
      SQLAlchemy tables may join them.
    - pool sizes: ``DBPOOL_MIN_SIZE`` (2), ``DBPOOL_MAX_SIZE`` (10),
      ``DBPOOL_STATEMENT_CACHE_SIZE`` (100; 0 behind pgbouncer in transaction mode),
      ``DBPOOL_COMMAND_TIMEOUT`` (30 seconds; a slower query is a 503) and
      ``DBPOOL_ACQUIRE_TIMEOUT`` (5 seconds: the longest a request waits for a connection, a free
      one of the pool or a new one to the server, and for a used one to be given back; then 503).
    """

    def __init__(self, url: str | None = None, metadata: sa.MetaData | None = None) -> None:
        self.url = url or default_datastore()
        self.metadata = metadata if metadata is not None else sa.MetaData()
        scheme = self.url.split(":", 1)[0].lower()
        if scheme.startswith(("postgresql", "postgres")):
            self.dialect = "postgresql"
        elif scheme.startswith("sqlite"):
            self.dialect = "sqlite"
        else:
            raise ValueError(f"unsupported datastore {_redacted(self.url)!r}: use postgresql://... or sqlite:///...")
        self._pool: asyncpg.Pool | None = None
        self._engine: AsyncEngine | None = None
        self._prepared: dict[Any, Prepared] = {}
        self._lock = asyncio.Lock()
        # connections handed to code that may change session state: asyncpg resets them
        self._needs_reset: weakref.WeakSet[asyncpg.Connection] = weakref.WeakSet()
        self._failed_at = 0.0
        self.acquire_timeout = _acquire_timeout()
        self._watchdog = Watchdog(self._probe_connection)
        # the document's stored schemas by name, for model persistence (set by the API's storage)
        self.tables: dict[str, TableModel] = {}

    def __repr__(self) -> str:
        return f"Database({_redacted(self.url)!r})"

    @property
    def is_postgresql(self) -> bool:
        return self.dialect == "postgresql"

    # --- life cycle ---

    async def open(self) -> None:
        """Connect (at start-up); an unreachable server is logged and retried on use (503 until).
        An SQLite file that cannot be opened (e.g. its folder does not exist) is a StartupError."""
        try:
            await self._connect()
        except ServiceUnavailable as problem:
            log.error("database %s unreachable at start-up (%s); answering 503 until it is back", self, problem.detail)
        if self._engine is not None:
            try:
                async with self._engine.connect():
                    pass
            except sa.exc.DatabaseError as error:  # OperationalError, or "file is not a database"
                if "locked" in str(error.orig):  # another process holds it: not a reason to stop
                    log.warning("database %s is busy at start-up: %s", self, error.orig)
                    return
                await self.close()
                raise StartupError(
                    f"cannot open the SQLite datastore {self.url!r}: {error.orig} (does its folder exist?"
                    " is it an SQLite file?)"
                ) from error

    async def close(self) -> None:
        await self._watchdog.close()
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()
        engine, self._engine = self._engine, None
        if engine is not None:
            await engine.dispose()

    async def _connect(self) -> None:
        if self._pool is not None or self._engine is not None:
            return
        async with self._lock:
            if self._pool is not None or self._engine is not None:
                return
            if self.dialect == "sqlite":
                self._engine = _sqlite_engine(self.url, self.acquire_timeout)
                return
            if time.monotonic() - self._failed_at < 1.0:  # do not hammer a server that is down
                raise unavailable()
            try:
                self._pool = await asyncpg.create_pool(
                    asyncpg_dsn(self.url),
                    min_size=int(os.environ.get("DBPOOL_MIN_SIZE", "2")),
                    max_size=int(os.environ.get("DBPOOL_MAX_SIZE", "10")),
                    statement_cache_size=int(os.environ.get("DBPOOL_STATEMENT_CACHE_SIZE", "100")),
                    # a query that takes longer (a network that drops packets, a lock held for
                    # ever) ends as a 503 instead of holding the request and its connection
                    command_timeout=float(os.environ.get("DBPOOL_COMMAND_TIMEOUT", "30")),
                    init=_init_connection,
                    reset=self._reset,
                    # connecting (TCP, TLS, start-up) to a server that does not answer
                    timeout=self.acquire_timeout,
                )
            except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                self._failed_at = time.monotonic()
                raise unavailable() from error

    async def _probe_connection(self) -> asyncpg.Connection:
        """A connection outside the pool, for the watchdog's one question: short timeouts, since
        a probe caught by the failure it looks into must not keep the next one from running."""
        timeout = min(self.acquire_timeout, 2.0)
        return await asyncpg.connect(
            asyncpg_dsn(self.url), timeout=timeout, command_timeout=timeout, statement_cache_size=0
        )

    async def _reset(self, connection: asyncpg.Connection) -> None:
        """On release (after asyncpg rolled back any open transaction): the full reset only for
        connections that went to code which may have changed session state."""
        if connection in self._needs_reset:
            self._needs_reset.discard(connection)
            await connection.reset()

    # --- use ---

    def watch(self, raw: Any) -> Watching:
        """Around a statement on a pooled PostgreSQL connection: the watchdog may judge it."""
        return self._watchdog.watch(raw)

    async def _acquire(self, pool: asyncpg.Pool) -> Any:
        """A pooled asyncpg connection within ``acquire_timeout`` (give it back with
        :meth:`_release`): with every connection stuck (a network that drops packets), requests
        are answered 503 instead of queueing without end, and the watchdog looks for connections
        that wait for nothing. (``asyncio.timeout``, not asyncpg's ``acquire(timeout=)``, whose
        ``wait_for`` costs a task per request on Python 3.11.)"""
        try:
            async with asyncio.timeout(self.acquire_timeout):
                return await pool.acquire()
        except TimeoutError:
            self._watchdog.pool_exhausted()
            raise

    async def _release(self, pool: asyncpg.Pool, raw: Any) -> None:
        """Give a connection back within ``acquire_timeout`` too: asyncpg waits there for a
        cancelled statement to end, which on a dead connection it never does (then it closes it)."""
        await pool.release(raw, timeout=self.acquire_timeout)

    @contextlib.asynccontextmanager
    async def connection(self, *, reset: bool = True) -> AsyncIterator[Connection]:
        """A pooled connection, returned to the pool afterwards.

        ``reset=False`` promises that the connection leaves no session state behind (no ``SET``,
        ``LISTEN``, advisory lock or open cursor): it then goes back to the pool without asyncpg's
        reset, one round trip less (CRUD views do this; their statements change no state).
        """
        await self._connect()
        with translated():
            if self._pool is not None:
                pool = self._pool
                raw = await self._acquire(pool)
                try:
                    if reset:
                        self._needs_reset.add(raw._con)
                    yield Connection(self, raw)
                finally:
                    await self._release(pool, raw)
            else:
                assert self._engine is not None
                async with self._engine.connect() as conn:
                    yield Connection(self, conn)
                    if conn.in_transaction():
                        await conn.commit()

    @contextlib.asynccontextmanager
    async def transaction(self, *, reset: bool = True) -> AsyncIterator[Connection]:
        """A pooled connection in a transaction: committed on success, rolled back on error
        (``reset``: see :meth:`connection`)."""
        async with self.connection(reset=reset) as conn, conn.transaction():
            yield conn

    async def fetch_all(
        self, statement: sa.Executable | Prepared, values: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        pool = self._pool
        if pool is not None:  # the fast path: no Connection object, one pooled fetch
            prepared = self.prepare(statement)
            with translated(), traced(True, prepared):
                raw = await self._acquire(pool)
                try:
                    with self._watchdog.watch(raw):
                        rows = await raw.fetch(prepared.sql, *prepared.arguments(values or {}))
                finally:
                    await self._release(pool, raw)
            return [dict(row) for row in rows]
        async with self.connection() as conn:
            return await conn.fetch_all(statement, values)

    async def fetch_one(
        self, statement: sa.Executable | Prepared, values: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        pool = self._pool
        if pool is not None:  # one statement, atomic by itself: one pooled fetchrow
            prepared = self.prepare(statement)
            with translated(), traced(True, prepared):
                raw = await self._acquire(pool)
                try:
                    with self._watchdog.watch(raw):
                        row = await raw.fetchrow(prepared.sql, *prepared.arguments(values or {}))
                finally:
                    await self._release(pool, raw)
            return None if row is None else dict(row)
        async with self.connection() as conn:
            return await conn.fetch_one(statement, values)

    async def fetch_value(self, statement: sa.Executable | Prepared, values: Mapping[str, Any] | None = None) -> Any:
        async with self.connection() as conn:
            return await conn.fetch_value(statement, values)

    async def execute(self, statement: sa.Executable | Prepared, values: Mapping[str, Any] | None = None) -> int:
        async with self.connection() as conn:
            return await conn.execute(statement, values)

    def prepare(self, statement: sa.Executable | Prepared, key: Any = None) -> Prepared:
        """``statement`` compiled for PostgreSQL once, cached by ``key``.

        Without a key, SQLAlchemy's own cache key is used: it leaves literal values out, so a
        statement built anew for each request compiles once and takes its values from this one.
        """
        if isinstance(statement, Prepared):
            return statement
        if key is not None:
            prepared = self._prepared.get(key)
            if prepared is None:
                prepared = self._prepared[key] = Prepared(statement)
            return prepared
        cache_key = statement._generate_cache_key()  # type: ignore[attr-defined]  # SQLAlchemy's own
        if cache_key is None:
            return Prepared(statement)
        cached = self._prepared.get(cache_key.key)
        if cached is None:
            compiled = statement.compile(dialect=PG_DIALECT)  # type: ignore[attr-defined]
            if has_expanding_parameters(compiled):  # its SQL depends on how many values an IN list has: not cached
                return Prepared(statement, compiled)
            cached = self._prepared[cache_key.key] = Prepared(statement, compiled)
            # the compiled names ("owner_1"), not the keys, which differ for anonymous parameters
            names = {param.key: name for param, name in compiled.bind_names.items()}
            cached.keys = tuple(names.get(param.key, param.key) for param in cache_key.bindparams)
            return cached
        fresh = Prepared.__new__(Prepared)
        fresh.statement, fresh.sql, fresh.names, fresh.keys = statement, cached.sql, cached.names, cached.keys
        # bound parameters correspond by position between statements of one cache key
        fresh.defaults = {
            key: param.effective_value for key, param in zip(cached.keys, cache_key.bindparams, strict=False)
        }
        return fresh

    async def create_all(self) -> None:
        """Create the tables that do not exist yet (migrations are the production way)."""
        async with self._ddl() as conn:
            await conn.run_sync(self.metadata.create_all)

    async def drop_all(self) -> None:
        async with self._ddl() as conn:
            await conn.run_sync(self.metadata.drop_all)

    @contextlib.asynccontextmanager
    async def _ddl(self) -> AsyncIterator[AsyncConnection]:
        """DDL goes through SQLAlchemy (asyncpg dialect on PostgreSQL), on its own short engine."""
        engine = self._engine if self._engine is not None else create_async_engine(sqlalchemy_url(self.url))
        try:
            async with engine.begin() as conn:
                yield conn
        finally:
            if engine is not self._engine:
                await engine.dispose()


# --- drivers ---


async def _init_connection(conn: asyncpg.Connection) -> None:
    for name in ("json", "jsonb"):
        await conn.set_type_codec(name, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


def _acquire_timeout() -> float:
    """``DBPOOL_ACQUIRE_TIMEOUT`` in seconds (default 5): how long a request may wait for a
    database connection before it is answered 503."""
    return float(os.environ.get("DBPOOL_ACQUIRE_TIMEOUT", "5"))


def _sqlite_engine(url: str, pool_timeout: float) -> AsyncEngine:
    # timeout: how long a statement waits for another writer's lock (then 503)
    engine = create_async_engine(sqlalchemy_url(url), connect_args={"timeout": 30}, pool_timeout=pool_timeout)

    @sa.event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")  # off by default in SQLite
        cursor.execute("PRAGMA case_sensitive_like=ON")  # like PostgreSQL: like is, ilike is not
        cursor.execute("PRAGMA journal_mode=WAL")  # readers do not wait for the writer
        cursor.close()

    return engine


def sqlalchemy_url(url: str) -> str:
    scheme, rest = url.split(":", 1)
    if scheme.lower().startswith("sqlite"):
        return "sqlite+aiosqlite:" + rest
    return "postgresql+asyncpg:" + rest


def asyncpg_dsn(url: str) -> str:
    _scheme, rest = url.split(":", 1)
    return "postgresql:" + rest


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", url)
