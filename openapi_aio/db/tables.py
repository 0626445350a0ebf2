"""Tables from the document: every named schema with ``x-table`` becomes a SQLAlchemy ``Table``.

The vocabulary (documented in ``docs/resources.md``)::

    Task:
      type: object
      x-table: tasks                   # or {name, version, unique: [[a, b]], indexes: [[a, b]]}
      required: [title]                # required and not nullable -> NOT NULL
      properties:
        id: {type: integer, format: int64, readOnly: true}   # "id" is the primary key by default
        title: {type: string, maxLength: 200, x-column: {unique: true}}
        project_id: {type: integer, x-column: {references: projects.id, on_delete: cascade}}
        created: {type: string, format: date-time, readOnly: true, x-column: {default: now}}
        secret: {type: string, writeOnly: true}          # stored, never returned
        url: {type: string, readOnly: true, x-column: false}   # not stored: a view computes it

Types come from ``type`` + ``format`` (+ ``maxLength``, ``enum``); objects and arrays are JSON
columns (JSONB on PostgreSQL). Everything here runs once, at start-up.
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
from openapi_aio.spec.model import MISSING, ApiSpec, StoredSchemaSpec
from openapi_aio.spec.pointers import pointer_join

__all__ = ["ColumnModel", "TableModel", "build_tables"]

_TABLE_KEYS = frozenset({"name", "version", "unique", "indexes", "schema"})
_COLUMN_KEYS = frozenset({"primary_key", "unique", "index", "references", "on_delete", "default", "on_update"})
_ON_DELETE = {"cascade": "CASCADE", "set null": "SET NULL", "restrict": "RESTRICT", "no action": "NO ACTION"}


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

    @property
    def sortable(self) -> bool:
        """JSON has no order; a writeOnly value must not leak through the order of rows."""
        return not self.is_json and not self.write_only


@dataclass(slots=True, eq=False)
class TableModel:
    """A stored schema: the table, its columns by property name, its key and version column."""

    schema_name: str
    table: sa.Table
    columns: dict[str, ColumnModel]
    primary_key: ColumnModel
    version: ColumnModel | None = None
    pointer: str = ""
    computed: tuple[str, ...] = ()  # properties with x-column: false
    readable: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        self.readable = tuple(name for name, model in self.columns.items() if not model.write_only)


def build_tables(spec: ApiSpec, metadata: sa.MetaData) -> dict[str, TableModel]:
    """Add a table for every stored schema of ``spec`` to ``metadata``; by schema name.

    Every mistake is collected and raised as one list of :class:`SpecError` (via ``errors``)."""
    errors: list[SpecError] = []
    models: dict[str, TableModel] = {}
    pending_keys: list[tuple[TableModel, str, Mapping[str, Any], str]] = []
    names = {stored.name: _table_name(stored) for stored in spec.stored_schemas}
    for stored in spec.stored_schemas:
        try:
            model = _build_table(stored, metadata, spec.source, pending_keys)
        except SpecError as error:
            errors.append(error)
            continue
        models[stored.name] = model
    by_table = {model.table.name: model for model in models.values()}
    for model, column, options, where in pending_keys:
        try:
            _add_foreign_key(model, column, options, by_table, names, spec.source, where)
        except SpecError as error:
            errors.append(error)
    if errors:
        raise _Errors(errors, models)
    return models


class _Errors(Exception):
    def __init__(self, errors: list[SpecError], models: dict[str, TableModel]) -> None:
        self.errors = errors
        self.models = models  # the schemas without mistakes, so their resources are checked too
        super().__init__("; ".join(str(error) for error in errors))


def _table_name(stored: StoredSchemaSpec) -> str:
    raw = stored.schema.get("x-table")
    if isinstance(raw, str):
        return raw
    if isinstance(raw, Mapping) and isinstance(raw.get("name"), str):
        return str(raw["name"])
    return stored.name.lower()


def _build_table(
    stored: StoredSchemaSpec,
    metadata: sa.MetaData,
    source: str,
    pending_keys: list[tuple[TableModel, str, Mapping[str, Any], str]],
) -> TableModel:
    where = stored.pointer

    def error(message: str, *tokens: str) -> SpecError:
        return SpecError(message, source, pointer_join(where, *tokens))

    raw = stored.schema.get("x-table")
    options: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
    if not isinstance(raw, str | Mapping | bool) or raw is False:
        raise error("'x-table' must be a table name, true, or an object", "x-table")
    unknown = set(options) - _TABLE_KEYS
    if unknown:
        raise error(f"unknown x-table key(s): {', '.join(sorted(unknown))}", "x-table")
    properties, required = _merged_properties(stored.schema)
    if not properties:
        raise error("a schema with x-table needs properties (its columns)")
    name = _table_name(stored)
    columns: dict[str, ColumnModel] = {}
    computed: list[str] = []
    keys: list[tuple[str, Mapping[str, Any]]] = []
    for prop, schema in properties.items():
        x_column = schema.get("x-column", {})
        if x_column is False:
            computed.append(prop)
            continue
        if not isinstance(x_column, Mapping):
            raise error("'x-column' must be an object or false", "properties", prop, "x-column")
        unknown = set(x_column) - _COLUMN_KEYS
        if unknown:
            raise error(f"unknown x-column key(s): {', '.join(sorted(unknown))}", "properties", prop, "x-column")
        columns[prop] = _column(name, prop, schema, x_column, prop in required, error)
        if "references" in x_column:
            keys.append((prop, x_column))
    primary = [model for model in columns.values() if model.column.primary_key]
    if not primary:
        if "id" not in columns:
            raise error("no primary key: mark a property with x-column: {primary_key: true} (or name it 'id')")
        columns["id"] = _column(name, "id", properties["id"], {**properties["id"].get("x-column", {}),
                                                                  "primary_key": True}, True, error)  # fmt: skip
        primary = [columns["id"]]
    if len(primary) > 1:
        raise error("a resource table has one primary key column; use x-table unique for natural keys")
    version = None
    if "version" in options:
        version_name = options["version"]
        version = columns.get(version_name) if isinstance(version_name, str) else None
        if version is None:
            raise error(f"x-table version {version_name!r} is not an integer property of this schema", "x-table")
        if version.column.type.python_type is not int:  # pragma: no branch - checked below
            raise error(f"x-table version {version_name!r} must be an integer property", "x-table")
        version.column.nullable = False
        version.column.server_default = sa.DefaultClause(sa.text("1"))
        version.nullable = False
        version.read_only = True
        version.generate = lambda: 1
    args: list[Any] = []
    for index, group in enumerate(options.get("unique") or ()):
        args.append(
            sa.UniqueConstraint(*_group(group, columns, error, "unique", index), name=f"{name}_{'_'.join(group)}_key")
        )
    for index, group in enumerate(options.get("indexes") or ()):
        args.append(sa.Index(f"ix_{name}_{'_'.join(group)}", *_group(group, columns, error, "indexes", index)))
    table = sa.Table(name, metadata, *(model.column for model in columns.values()), *args,
                     schema=options.get("schema"))  # fmt: skip
    model = TableModel(stored.name, table, columns, primary[0], version, where, tuple(computed))
    for prop, x_column in keys:
        pending_keys.append((model, prop, x_column, pointer_join(where, "properties", prop, "x-column")))
    return model


def _group(
    group: Any, columns: Mapping[str, ColumnModel], error: Callable[..., SpecError], key: str, index: int
) -> list[str]:
    if not isinstance(group, list) or not group or not all(isinstance(name, str) for name in group):
        raise error("must be a list of property names", "x-table", key, str(index))
    missing = [name for name in group if name not in columns]
    if missing:
        raise error(f"not a stored property: {', '.join(missing)}", "x-table", key, str(index))
    return group


def _merged_properties(schema: Mapping[str, Any]) -> tuple[dict[str, Mapping[str, Any]], set[str]]:
    """Properties and required names, ``allOf`` members merged in (the usual way to extend)."""
    properties: dict[str, Mapping[str, Any]] = {}
    required: set[str] = set()
    for part in schema.get("allOf") or ():
        if isinstance(part, Mapping):
            more, more_required = _merged_properties(part)
            properties.update(more)
            required |= more_required
    own = schema.get("properties")
    if isinstance(own, Mapping):
        properties.update({str(k): v for k, v in own.items() if isinstance(v, Mapping)})
    if isinstance(schema.get("required"), list):
        required |= {str(name) for name in schema["required"]}
    return properties, required


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


def _column(
    table: str, name: str, schema: Mapping[str, Any], x_column: Mapping[str, Any], required: bool,
    error: Callable[..., SpecError],
) -> ColumnModel:  # fmt: skip
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
            return column_type, _to_decimal, str, False
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


def _add_foreign_key(
    model: TableModel,
    column: str,
    options: Mapping[str, Any],
    by_table: Mapping[str, TableModel],
    schema_tables: Mapping[str, str],
    source: str,
    where: str,
) -> None:
    target = options["references"]
    if not isinstance(target, str) or not target:
        raise SpecError("x-column references must be 'table' or 'table.column'", source, where)
    table_name, _, column_name = target.partition(".")
    table_name = schema_tables.get(table_name, table_name)  # a schema name works too
    referenced = by_table.get(table_name)
    if referenced is None:
        raise SpecError(f"references unknown table {table_name!r} (no schema has x-table: {table_name})", source, where)
    if column_name and column_name not in referenced.columns:
        raise SpecError(f"references unknown column {target!r}", source, where)
    target_column = referenced.columns[column_name] if column_name else referenced.primary_key
    on_delete = options.get("on_delete")
    if on_delete is not None and str(on_delete).lower() not in _ON_DELETE:
        raise SpecError(f"on_delete must be one of {', '.join(_ON_DELETE)}", source, where)
    model.columns[column].column.append_foreign_key(
        sa.ForeignKey(target_column.column, ondelete=_ON_DELETE[str(on_delete).lower()] if on_delete else None)
    )
