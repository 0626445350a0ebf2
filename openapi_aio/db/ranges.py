"""What a column can hold, checked before any SQL runs, so that the client hears about its input.

A value the document allows may still not fit the column it goes to: ``type: integer`` has no
bounds in JSON Schema, but its column is a 32-bit ``integer`` (64-bit with ``format: int64``); a
decimal may be ``NaN`` or beyond what SQLite's double holds; PostgreSQL's text cannot hold a NUL
character. Left to the drivers, such values end as their words ("value out of int64 range",
"Python int too large to convert to SQLite INTEGER", "invalid byte sequence") or as a value
stored wrong (SQLite keeps ``NaN`` as null and ``1e999999`` as infinity). Here they are refused
with the same message on both databases: the views answer 400 naming the parameter or the body
property, or 404 when a path names a row that cannot exist.

The bounds are those of the column's PostgreSQL type on both databases, so that a document
answers the same wherever it is served; decimals stored in SQLite (as doubles) must also be
finite doubles there.
"""

from __future__ import annotations

import decimal
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa

from openapi_aio.db.columns import ColumnModel
from openapi_aio.errors import RequestValidationError, Violation

__all__ = ["NUL_FREE", "body_problem", "integer_bounds", "unfit"]

_INT16 = (-(2**15), 2**15 - 1)
_INT32 = (-(2**31), 2**31 - 1)
_INT64 = (-(2**63), 2**63 - 1)
_NUL = "must not contain a NUL character"
# The same rule as a JSON Schema pattern, for the served document (service/column_limits.py).
NUL_FREE = "^[^\\u0000]*$"
# numeric without a precision: up to 131072 digits before the decimal point (PostgreSQL)
_PG_NUMERIC_DIGITS = 131072
_PG_NUMERIC_SCALE = 16383  # and up to 16383 after it
_DOUBLE_MAX = decimal.Decimal(sys.float_info.max)


def unfit(column: ColumnModel, value: Any, sqlite: bool) -> str | None:
    """Why ``column`` cannot hold ``value`` (an API value, before conversion), or ``None``."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, str):
        if "\x00" in value:
            return _NUL
        return _decimal_problem(column, value, sqlite) if _numeric(column) else None
    if isinstance(value, int):
        bounds = integer_bounds(column.column.type)
        if bounds is not None and not bounds[0] <= value <= bounds[1]:
            return f"must be between {bounds[0]} and {bounds[1]}"
        return _decimal_problem(column, value, sqlite) if _numeric(column) else None
    if isinstance(value, float):
        return _decimal_problem(column, value, sqlite) if _numeric(column) else None
    if column.is_json and any("\x00" in text for text in _strings(value)):
        return _NUL
    return None


def body_problem(columns: Mapping[str, ColumnModel], body: Any, sqlite: bool) -> RequestValidationError | None:
    """The 400 for a request body (one row, or an array of rows) with values that do not fit
    their columns: every such value, by JSON pointer."""
    rows = body if isinstance(body, list) else [body]
    violations = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        prefix = f"/{index}" if isinstance(body, list) else ""
        for name, value in row.items():
            column = columns.get(name)
            message = unfit(column, value, sqlite) if column is not None else None
            if message is not None:
                violations.append(Violation("body", f"{prefix}/{name}", message))
    if not violations:
        return None
    details = "; ".join(f"{violation.name} {violation.message}" for violation in violations)
    return RequestValidationError(detail=f"invalid body: {details}", violations=violations)


def integer_bounds(column_type: Any) -> tuple[int, int] | None:
    """The values an integer column holds (its PostgreSQL type's), or ``None`` for other types."""
    if isinstance(column_type, sa.BigInteger):
        return _INT64
    if isinstance(column_type, sa.SmallInteger):
        return _INT16
    if isinstance(column_type, sa.Integer):
        return _INT32
    return None


def _numeric(column: ColumnModel) -> bool:
    """A decimal column (``numeric``); not a float one (``sa.Float`` derives from ``sa.Numeric``)."""
    column_type = column.column.type
    return isinstance(column_type, sa.Numeric) and not isinstance(column_type, sa.Float)


def _decimal_problem(column: ColumnModel, value: str | int | float, sqlite: bool) -> str | None:
    try:
        number = decimal.Decimal(value) if isinstance(value, str | int) else decimal.Decimal(str(value))
    except (decimal.InvalidOperation, ValueError):  # ValueError: an int of more digits than Python prints
        return "must be a decimal number"
    if not number.is_finite():
        return "must be a finite number"
    if number.is_zero():
        return None
    digits = number.adjusted() + 1  # digits before the decimal point
    column_type = column.column.type
    precision, scale = getattr(column_type, "precision", None), getattr(column_type, "scale", None) or 0
    if precision is not None and digits > precision - scale:
        return f"must be less than 1e{precision - scale} in absolute value"
    # copy_abs, not abs(): arithmetic rounds in the context, which overflows past 1e999999
    if sqlite and (number.adjusted() > 308 or number.copy_abs() > _DOUBLE_MAX):  # stored as a double there
        return f"must be between -{sys.float_info.max} and {sys.float_info.max}"
    if sqlite and number.adjusted() < -323:  # a double would keep 0
        return "must be 0 or at least 1e-323 in absolute value"
    if digits > _PG_NUMERIC_DIGITS:
        return f"must have at most {_PG_NUMERIC_DIGITS} digits before the decimal point"
    exponent = number.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -_PG_NUMERIC_SCALE:
        return f"must have at most {_PG_NUMERIC_SCALE} digits after the decimal point"
    return None


def _strings(value: Any) -> Iterator[str]:
    """Every string in a JSON value, its object keys included."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
