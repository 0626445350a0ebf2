"""Columns from property schemas: the SQLAlchemy type for ``type`` + ``format`` (+ ``maxLength``,
``enum``), the ``x-column`` options, and the converters between API values and database values.

Kept apart from :mod:`openapi_aio.db.tables` because one property makes one column on its own;
the table module only assembles them (keys, constraints, foreign keys).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.types import TypeDecorator

from openapi_aio.errors import SpecError
from openapi_aio.spec.model import MISSING
from openapi_aio.validation.formats import decimal_text

__all__ = ["COLUMN_KEYS", "INDEXED_TEXT_LENGTH", "ColumnModel", "SQLiteDecimal", "UTCDateTime", "build_column"]

COLUMN_KEYS = frozenset({"primary_key", "unique", "index", "references", "on_delete", "default", "on_update"})

# The length of an indexed string without maxLength (key, unique, index): PostgreSQL refuses an
# index entry over 2704 bytes, and 500 characters take 2000 bytes at most (UTF-8)
INDEXED_TEXT_LENGTH = 500


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """``timestamp with time zone``; SQLite keeps no zone, so values are stored and read as UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime.datetime | None, dialect: sa.Dialect) -> datetime.datetime | None:
        if value is not None and value.tzinfo is not None and dialect.name == "sqlite":
            return value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime.datetime | None, dialect: sa.Dialect) -> datetime.datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value


class SQLiteDecimal(TypeDecorator[decimal.Decimal]):
    """``numeric`` on SQLite, which stores it as a float: read back as a Decimal of that float's
    shortest text (SQLAlchemy's own conversion warns on every read)."""

    impl = sa.Numeric(asdecimal=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: sa.Dialect) -> Any:
        return float(value) if isinstance(value, decimal.Decimal) else value

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> decimal.Decimal | None:
        return None if value is None else decimal.Decimal(str(value))


@dataclass(slots=True, eq=False)
class ColumnModel:
    """One stored property: its column and how API values become database values."""

    name: str
    column: sa.Column[Any]
    schema: Mapping[str, Any]
    read_only: bool = False
    write_only: bool = False
    nullable: bool = True
    is_json: bool = False
    # the API's JSON value -> the Python value the driver binds (str -> datetime, str -> UUID...)
    to_db: Callable[[Any], Any] = field(default=lambda value: value)
    # the database's value -> the JSON-ready value (Decimal -> float for type: number)
    to_api: Callable[[Any], Any] | None = None
    generate: Callable[[], Any] | None = None  # a value for inserts that do not give one
    default: Any = MISSING  # the schema's default, for inserts that do not give one
    regenerate: Callable[[], Any] | None = None  # on_update: now
    max_length: int | None = None  # the limit writes enforce where the schema has no maxLength
    null_allowed: bool = True  # the schema admits null (else a stored NULL is answered by omission)
    required: bool = False  # in the schema's required: kept by sparse fields

    @property
    def sortable(self) -> bool:
        """JSON has no order; a writeOnly value must not leak through the order of rows."""
        return not self.is_json and not self.write_only


def _flatten(schema: Mapping[str, Any]) -> tuple[Mapping[str, Any], bool]:
    """The property's own schema (a lone ``allOf``/``anyOf`` member with ``null`` unwrapped) and
    whether ``null`` is allowed."""
    nullable = bool(schema.get("nullable") or schema.get("x-nullable"))
    kind = schema.get("type")
    if isinstance(kind, list):
        nullable = nullable or "null" in kind
        kinds = [k for k in kind if k != "null"]
        schema = {**schema, "type": kinds[0] if len(kinds) == 1 else kinds}
    for combinator in ("allOf", "anyOf", "oneOf"):
        members = schema.get(combinator)
        if "type" not in schema and isinstance(members, list):
            real = [m for m in members if isinstance(m, Mapping) and m.get("type") != "null"]
            nullable = nullable or len(real) < len(members)
            if len(real) == 1:
                inner, inner_nullable = _flatten(real[0])
                return {**inner, **{k: v for k, v in schema.items() if k != combinator}}, nullable or inner_nullable
    return schema, nullable


def build_column(
    table: str, name: str, schema: Mapping[str, Any], x_column: Mapping[str, Any], required: bool,
    error: Callable[..., SpecError],
) -> ColumnModel:  # fmt: skip
    """The column of property ``name`` of ``table``; ``error`` points a mistake at the property."""
    flat, nullable = _flatten(schema)
    primary_key = bool(x_column.get("primary_key"))
    column_type, to_db, to_api, is_json = _column_type(table, name, flat)
    model = ColumnModel(
        name,
        sa.Column(name, column_type, primary_key=primary_key),
        flat,
        read_only=bool(schema.get("readOnly")),
        write_only=bool(schema.get("writeOnly")),
        is_json=is_json,
        to_db=to_db,
        to_api=to_api,
    )
    model.nullable = not primary_key and (nullable or not required)
    model.null_allowed, model.required = nullable, required
    model.column.nullable = model.nullable
    if x_column.get("unique"):
        model.column.unique = True
    if x_column.get("index"):
        model.column.index = True
    if "default" in flat:
        model.default = flat["default"]
    generated = x_column.get("default")
    if generated == "now":
        model.generate = _now
        model.column.server_default = sa.DefaultClause(sa.func.current_timestamp())
    elif generated == "uuid":
        model.generate = uuid.uuid4
    elif generated is not None:
        raise error("x-column default must be 'now' or 'uuid' (a schema 'default' gives literal defaults)",
                    "properties", name, "x-column", "default")  # fmt: skip
    if x_column.get("on_update") == "now":
        model.regenerate = _now
    elif "on_update" in x_column:
        raise error("x-column on_update must be 'now'", "properties", name, "x-column", "on_update")
    if primary_key and generated is None and flat.get("format") == "uuid" and model.read_only:
        model.generate = uuid.uuid4
    return model


def _now() -> datetime.datetime:
    """Aware UTC: writes recognise this function as a column's generator and share one instant."""
    return datetime.datetime.now(datetime.UTC)


def _identity(value: Any) -> Any:
    return value


def _column_type(
    table: str, name: str, schema: Mapping[str, Any]
) -> tuple[Any, Callable[[Any], Any], Callable[[Any], Any] | None, bool]:
    """(SQLAlchemy type, API -> database value, database -> API value, is JSON)."""
    kind, fmt = schema.get("type"), schema.get("format")
    enum = schema.get("enum")
    column_type: Any
    if isinstance(enum, list) and enum and all(isinstance(value, str) for value in enum):
        length = max(len(value) for value in enum)
        column_type = sa.Enum(*enum, name=f"{table}_{name}", native_enum=False, create_constraint=True, length=length)
        return column_type, _identity, None, False
    if kind == "integer":
        if fmt == "int64":
            return sa.BigInteger().with_variant(sa.Integer(), "sqlite"), _identity, None, False
        return sa.Integer(), _identity, None, False
    if kind == "number":
        if fmt == "decimal":
            column_type = sa.Numeric(schema.get("x-precision"), schema.get("x-scale")).with_variant(
                SQLiteDecimal(), "sqlite"
            )
            return column_type, _to_decimal, _decimal_to_number, False
        return sa.Float(53 if fmt == "double" else None), _identity, None, False
    if kind == "boolean":
        return sa.Boolean(), _identity, None, False
    if kind == "string":
        if fmt == "date-time":
            return UTCDateTime(), _to_datetime, None, False
        if fmt == "date":
            return sa.Date(), _to_date, None, False
        if fmt == "uuid":
            return sa.Uuid(), _to_uuid, None, False
        if fmt == "decimal":
            column_type = sa.Numeric().with_variant(SQLiteDecimal(), "sqlite")
            return column_type, _to_decimal, decimal_text, False  # within the served pattern
        max_length = schema.get("maxLength")
        return (sa.String(max_length) if isinstance(max_length, int) else sa.Text()), _identity, None, False
    # none_as_null: a missing value is SQL NULL on both databases (not JSON 'null' on SQLite)
    column_type = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
    return column_type, _identity, None, True


def _to_datetime(value: Any) -> Any:
    if isinstance(value, str):
        parsed = datetime.datetime.fromisoformat(value.replace("z", "Z"))
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=datetime.UTC)
    return value


def _to_date(value: Any) -> Any:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _to_uuid(value: Any) -> Any:
    return uuid.UUID(value) if isinstance(value, str) else value


def _to_decimal(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return decimal.Decimal(str(value))
    return value


def _decimal_to_number(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() and abs(value) < 2**53 else float(value)
    return value
