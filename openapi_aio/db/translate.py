"""Database errors as HTTP problems, here once, for CRUD views and handlers alike.

A unique violation is a 409 naming the column, a missing referenced row a 422, a value its column
cannot hold a 422, a collision between transactions or an unreachable database a 503 with
``Retry-After`` (the pool reconnects by itself when the server is back). asyncpg and SQLite word
their errors differently; both end as the same problems here.
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


def unavailable(detail: str = "the database is unavailable") -> ServiceUnavailable:
    """A 503 the client may retry shortly: the database is down, or a write collided."""
    return ServiceUnavailable(detail=detail, headers={"Retry-After": _RETRY_AFTER})


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Database errors raised inside as HTTP problems (see the module docstring)."""
    try:
        yield
    except asyncpg.IntegrityConstraintViolationError as error:
        raise _integrity_problem(type(error).__name__, str(error.detail or error), _pg_columns(error)) from error
    except (asyncpg.SerializationError, asyncpg.DeadlockDetectedError) as error:
        # transient by nature: the client may simply try again
        log.warning("database conflict between transactions: %s", error)
        raise unavailable("the write collided with another; try again") from error
    except (asyncpg.DataError, OverflowError) as error:  # a value its column cannot hold (too long, out of range)
        raise UnprocessableContent(detail=str(error)) from error
    except (
        TimeoutError,
        OSError,
        asyncpg.PostgresConnectionError,
        asyncpg.CannotConnectNowError,
        asyncpg.AdminShutdownError,
        asyncpg.ConnectionDoesNotExistError,
        # a pooled connection the server closed while it was idle (a restart) can fail this way
        # ("cannot switch to state ...") on its next use
        asyncpg.InternalClientError,
    ) as error:
        log.warning("database unavailable: %r", error)
        raise unavailable() from error
    except asyncpg.InterfaceError as error:
        if "connection is closed" not in str(error):  # misuse (e.g. two queries at once): a bug
            raise
        log.warning("database unavailable: %r", error)  # closed under a transaction (a restart)
        raise unavailable() from error
    except sa.exc.IntegrityError as error:
        message = str(error.orig)
        found = _SQLITE_COLUMNS.search(message)
        columns = [part.split(".")[-1] for part in found.group(1).split(", ")] if found else []
        kind = message.split(" constraint", 1)[0].upper()
        names = {"UNIQUE": "UniqueViolationError", "FOREIGN KEY": "ForeignKeyViolationError",
                 "NOT NULL": "NotNullViolationError", "CHECK": "CheckViolationError"}  # fmt: skip
        raise _integrity_problem(names.get(kind, kind), message, columns) from error
    except sa.exc.OperationalError as error:
        # "unable to open": the file's folder is gone (a removed directory, an unmounted volume)
        if isinstance(error.orig, sqlite3.OperationalError) and not any(
            reason in str(error.orig) for reason in ("locked", "unable to open")
        ):
            raise
        log.warning("database unavailable: %s", error.orig)
        raise unavailable() from error


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
