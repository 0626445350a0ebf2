"""Running statements on one connection, whichever the driver; rows come back as dicts.

Statements are SQLAlchemy Core objects everywhere. On PostgreSQL they are compiled to ``$n`` SQL
(:class:`Prepared`) and run on asyncpg directly, which prepares and caches them per connection:
one round trip, no ORM, no adaptation layer. On SQLite they go through SQLAlchemy's async
connection (aiosqlite), where the speed of a development database matters less than its types.
Errors of either driver leave as HTTP problems (:mod:`.translate`).
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

import asyncpg
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql.asyncpg import PGDialect_asyncpg
from sqlalchemy.ext.asyncio import AsyncConnection

from openapi_aio.db.translate import translated

if TYPE_CHECKING:
    from openapi_aio.db.datastore import Database

__all__ = ["PG_DIALECT", "Connection", "Prepared", "has_expanding_parameters", "traced"]

PG_DIALECT = PGDialect_asyncpg(paramstyle="numeric_dollar")  # type: ignore[no-untyped-call]


class Prepared:
    """A statement compiled for PostgreSQL: ``$n`` SQL and the bind names in order."""

    __slots__ = ("defaults", "keys", "names", "sql", "statement")

    def __init__(self, statement: sa.Executable, compiled: Any = None) -> None:
        self.statement = statement
        compiled = compiled or statement.compile(dialect=PG_DIALECT)  # type: ignore[attr-defined]
        if has_expanding_parameters(compiled):  # IN with a list of values: one $n per value
            compiled = statement.compile(dialect=PG_DIALECT, compile_kwargs={"render_postcompile": True})  # type: ignore[attr-defined]
        self.sql = str(compiled)
        self.names = tuple(compiled.positiontup or ())
        self.defaults = {name: value for name, value in compiled.params.items() if value is not None}
        self.keys: tuple[str, ...] = ()

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        defaults = self.defaults
        return [values[name] if name in values else defaults.get(name) for name in self.names]


def has_expanding_parameters(compiled: Any) -> bool:
    """Whether the SQL depends on how many values a parameter has (an IN list): then it is
    rendered per call, never cached as it is."""
    return bool(compiled.post_compile_params or compiled.literal_execute_params)


class Connection:
    """One pooled connection (inside or outside a transaction); rows come back as dicts.

    ``statement`` is a SQLAlchemy Core statement, with values in it or as ``bindparam`` names
    given in ``values``; a :class:`Prepared` (from :meth:`Database.prepare`) skips compiling.
    """

    __slots__ = ("_database", "_raw")

    def __init__(self, database: Database, raw: asyncpg.Connection | AsyncConnection) -> None:
        self._database = database
        self._raw = raw

    @property
    def raw(self) -> asyncpg.Connection | AsyncConnection:
        """The driver's connection: ``asyncpg.Connection`` or SQLAlchemy's ``AsyncConnection``."""
        return self._raw

    async def fetch_all(
        self, statement: sa.Executable | Prepared, values: Mapping[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        values = values or {}
        with translated(), traced(isinstance(self._raw, asyncpg.Connection), statement):
            if isinstance(self._raw, asyncpg.Connection):
                prepared = self._database.prepare(statement)
                with self._database.watch(self._raw):
                    rows = await self._raw.fetch(prepared.sql, *prepared.arguments(values))
                return [dict(row) for row in rows]
            result = await self._raw.execute(_executable(statement), values)
            return [dict(row) for row in result.mappings()] if result.returns_rows else []

    async def fetch_one(
        self, statement: sa.Executable | Prepared, values: Mapping[str, Any] | None = None
    ) -> dict[str, Any] | None:
        values = values or {}
        with translated(), traced(isinstance(self._raw, asyncpg.Connection), statement):
            if isinstance(self._raw, asyncpg.Connection):
                prepared = self._database.prepare(statement)
                with self._database.watch(self._raw):
                    row = await self._raw.fetchrow(prepared.sql, *prepared.arguments(values))
                return None if row is None else dict(row)
            result = await self._raw.execute(_executable(statement), values)
            found = result.mappings().first() if result.returns_rows else None
            return None if found is None else dict(found)

    async def fetch_value(self, statement: sa.Executable | Prepared, values: Mapping[str, Any] | None = None) -> Any:
        row = await self.fetch_one(statement, values)
        return None if row is None else next(iter(row.values()))

    async def execute(self, statement: sa.Executable | Prepared, values: Mapping[str, Any] | None = None) -> int:
        """Run a statement; the number of rows it changed."""
        values = values or {}
        with translated(), traced(isinstance(self._raw, asyncpg.Connection), statement):
            if isinstance(self._raw, asyncpg.Connection):
                prepared = self._database.prepare(statement)
                with self._database.watch(self._raw):
                    status = await self._raw.execute(prepared.sql, *prepared.arguments(values))
                last = status.rsplit(" ", 1)[-1]
                return int(last) if last.isdigit() else 0
            result = await self._raw.execute(_executable(statement), values)
            return max(result.rowcount, 0)

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[Connection]:
        """A transaction (a savepoint inside another one)."""
        with translated():
            if isinstance(self._raw, asyncpg.Connection):
                async with self._pg_transaction():
                    yield self
            elif self._raw.in_transaction():
                async with self._raw.begin_nested():
                    yield self
            else:
                async with self._raw.begin():
                    yield self

    @contextlib.asynccontextmanager
    async def _pg_transaction(self) -> AsyncIterator[None]:
        """asyncpg's transaction, its BEGIN and its COMMIT (or ROLLBACK) watched like statements
        (not the time between them, when the client waits for nothing)."""
        transaction = self._raw.transaction()  # type: ignore[union-attr]
        with self._database.watch(self._raw):
            await transaction.__aenter__()
        try:
            yield
        except BaseException as error:
            with self._database.watch(self._raw):
                await transaction.__aexit__(type(error), error, error.__traceback__)
            raise
        with self._database.watch(self._raw):
            await transaction.__aexit__(None, None, None)


_NO_SPAN = contextlib.nullcontext()


def traced(postgresql: bool, statement: sa.Executable | Prepared) -> contextlib.AbstractContextManager[Any]:
    """An OpenTelemetry span for the statement when telemetry is loaded (never imported here)."""
    telemetry = sys.modules.get("openapi_aio.service.telemetry")
    if telemetry is None:
        return _NO_SPAN
    return telemetry.statement_span("postgresql" if postgresql else "sqlite", statement)  # type: ignore[no-any-return]


def _executable(statement: sa.Executable | Prepared) -> sa.Executable:
    """What SQLAlchemy runs (SQLite): the statement itself, not its PostgreSQL compilation."""
    return statement.statement if isinstance(statement, Prepared) else statement
