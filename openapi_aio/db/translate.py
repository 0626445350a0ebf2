"""Database errors as HTTP problems, here once, for CRUD views and handlers alike.

A unique violation is a 409 naming the column, a missing referenced row a 422, a value its column
cannot hold a 422, a collision between transactions, an unreachable, overloaded or refusing
database a 503 with ``Retry-After`` (the pool reconnects by itself when the server is back).
asyncpg and SQLite word their errors differently; both end as the same problems here, and no
driver's words reach the client (they are logged for the operator): a driver's message may quote
the request's values, the SQL or Python's internals.

"Unavailable" is decided by the error's class, not its text: every PostgreSQL class that means the
server cannot serve now (``08`` connection, ``53`` resources such as too many connections, ``57``
operator intervention such as a shutdown or a cancelled statement, ``28`` / ``3D000`` a login the
server refuses, read-only transactions, lock timeouts) and every SQLite result code that means the
same (busy, locked, cannot open, I/O error, disk full, read-only, corrupt, out of memory).
"""

from __future__ import annotations

import contextlib
import logging
import re
import sqlite3
from collections.abc import Iterator, Sequence

import asyncpg
import sqlalchemy as sa

from openapi_aio.errors import Conflict, ServiceUnavailable, UnprocessableContent, Violation

__all__ = ["translated", "unavailable"]

log = logging.getLogger("openapi_aio.db")

_RETRY_AFTER = "1"
_SQLITE_COLUMNS = re.compile(r"constraint failed: (.+)$")
_PG_KEY_DETAIL = re.compile(r"Key \((?P<columns>[^)]*)\)=\((?P<values>.*)\)")

# Errors after which the same request may succeed later: the server (or the way to it)
# is down, overloaded or refusing, not the request wrong.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    TimeoutError,  # connecting, acquiring a pooled connection, a statement (DBPOOL_* timeouts)
    OSError,  # refused, reset, unreachable
    asyncpg.PostgresConnectionError,  # 08: the connection failed or was lost
    asyncpg.InsufficientResourcesError,  # 53: too many connections, out of memory, disk full
    asyncpg.OperatorInterventionError,  # 57: shutdown, cannot connect now, statement cancelled
    asyncpg.InvalidAuthorizationSpecificationError,  # 28: the role may not log in (now)
    asyncpg.InvalidCatalogNameError,  # 3D000: the database does not exist (yet)
    asyncpg.ReadOnlySQLTransactionError,  # 25006: a standby, or the server made read-only
    asyncpg.IdleInTransactionSessionTimeoutError,  # 25P03: the server ended an idle transaction
    asyncpg.LockNotAvailableError,  # 55P03: lock_timeout
    asyncpg.ConnectionDoesNotExistError,  # asyncpg: the connection closed under the statement
    # a pooled connection the server closed while it was idle (a restart) can fail this way
    # ("cannot switch to state ...") on its next use
    asyncpg.InternalClientError,
)
# SQLite's primary result codes that mean the same; extended codes (SQLITE_IOERR_WRITE...) share them.
_SQLITE_UNAVAILABLE = frozenset(
    {
        sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR,
        sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL,
        sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_NOLFS,
    }
)  # fmt: skip
# What a value its column cannot hold is, by SQLSTATE, in words that quote nothing of the request.
_UNFIT = {
    "22001": "a text is longer than its column allows",
    "22003": "a number is out of the range its column can hold",
    "22007": "a date or time is out of the range the database can hold",
    "22008": "a date or time is out of the range the database can hold",
    "22021": "a text holds a character the database cannot store (NUL)",
    "22P05": "a text holds a character the database cannot store (NUL)",
}
_UNFIT_DEFAULT = "a value cannot be stored in its column"


def unavailable(detail: str = "the database is unavailable") -> ServiceUnavailable:
    """A 503 the client may retry shortly: the database is down or busy, or a write collided."""
    return ServiceUnavailable(detail=detail, headers={"Retry-After": _RETRY_AFTER})


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Database errors raised inside as HTTP problems (see the module docstring)."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:
        raise _integrity_problem(type(error).__name__, str(error.detail or error), _pg_columns(error)) from error
    except asyncpg.TransactionRollbackError as error:  # serialization failure, deadlock: try again
        log.warning("database conflict between transactions: %s", error)
        raise unavailable("the write collided with another; try again") from error
    except (asyncpg.DataError, OverflowError) as error:  # a value its column cannot hold (too long, out of range)
        log.info("the database refused a value: %s", error)
        raise UnprocessableContent(detail=_UNFIT.get(getattr(error, "sqlstate", ""), _UNFIT_DEFAULT)) from error
    except _UNAVAILABLE as error:
        log.warning("database unavailable: %r", error)
        raise unavailable() from error
    except asyncpg.InterfaceError as error:
        if "connection is closed" not in str(error):  # misuse (e.g. two queries at once): a bug
            raise
        log.warning("database unavailable: %r", error)  # closed under a transaction (a restart)
        raise unavailable() from error
    except sa.exc.IntegrityError as error:
        raise _sqlite_integrity_problem(error) from error
    except sa.exc.TimeoutError as error:  # no pooled SQLite connection free within the acquire timeout
        log.warning("database busy: %s", error)
        raise unavailable("the database is busy; try again") from error
    except sa.exc.DatabaseError as error:
        if not _sqlite_unavailable(error):  # "no such table" and the like: a bug, not the client's
            raise
        log.warning("database unavailable: %s", error.orig)
        raise unavailable() from error


def _sqlite_unavailable(error: sa.exc.DatabaseError) -> bool:
    """Whether SQLite's error means "not now" (locked, cannot open, disk full...), by its code."""
    orig = error.orig
    if not isinstance(orig, sqlite3.Error):
        return False
    code = getattr(orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in _SQLITE_UNAVAILABLE


def _sqlite_integrity_problem(error: sa.exc.IntegrityError) -> Exception:
    message = str(error.orig)
    found = _SQLITE_COLUMNS.search(message)
    columns = [part.split(".")[-1] for part in found.group(1).split(", ")] if found else []
    kind = message.split(" constraint", 1)[0].upper()
    names = {"UNIQUE": "UniqueViolationError", "FOREIGN KEY": "ForeignKeyViolationError",
             "NOT NULL": "NotNullViolationError", "CHECK": "CheckViolationError"}  # fmt: skip
    return _integrity_problem(names.get(kind, kind), message, columns)


def _pg_columns(error: asyncpg.PostgresError) -> list[str]:
    column = getattr(error, "column_name", None)
    if column:
        return [column]
    found = _PG_KEY_DETAIL.search(str(getattr(error, "detail", "") or ""))
    return [name.strip() for name in found.group("columns").split(",")] if found else []


def _integrity_problem(kind: str, message: str, columns: Sequence[str]) -> Exception:
    problem = _problem_for(kind, message, columns)
    setattr(problem, "constraint", kind)  # noqa: B010 - for views that know more (SQLite names no column)
    setattr(problem, "columns", list(columns))  # noqa: B010
    return problem


def _problem_for(kind: str, message: str, columns: Sequence[str]) -> Conflict | UnprocessableContent:
    named = ", ".join(columns) or "a column"
    violations = [
        Violation("body", "/" + column, _VIOLATION_MESSAGES.get(kind, "is not allowed")) for column in columns
    ]
    if kind == "UniqueViolationError":
        return Conflict(detail=f"{named}: a row with this value already exists", violations=violations)
    if kind == "ForeignKeyViolationError":
        if "still referenced" in message:
            return Conflict(detail="the row is still referenced by other rows", violations=violations)
        return UnprocessableContent(detail=f"{named}: no such referenced row", violations=violations)
    if kind == "NotNullViolationError":
        return UnprocessableContent(detail=f"{named}: a value is required", violations=violations)
    return UnprocessableContent(detail=f"the database refused the values ({kind})", violations=violations)


_VIOLATION_MESSAGES = {
    "UniqueViolationError": "already exists",
    "ForeignKeyViolationError": "refers to a row that does not exist",
    "NotNullViolationError": "must not be null",
    "CheckViolationError": "is not an allowed value",
}
