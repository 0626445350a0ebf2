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
columns (JSONB on PostgreSQL): one property's column is :mod:`openapi_aio.db.columns`' job, this
module assembles the table (keys, constraints, foreign keys). Everything here runs once, at start-up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from openapi_aio.db.columns import COLUMN_KEYS, INDEXED_TEXT_LENGTH, ColumnModel, build_column
from openapi_aio.errors import SpecError
from openapi_aio.spec.model import ApiSpec, StoredSchemaSpec
from openapi_aio.spec.pointers import pointer_join

__all__ = ["TableModel", "build_tables"]

log = logging.getLogger("openapi_aio.db")

_TABLE_KEYS = frozenset({"name", "version", "unique", "indexes", "schema"})
_ON_DELETE = {"cascade": "CASCADE", "set null": "SET NULL", "restrict": "RESTRICT", "no action": "NO ACTION"}


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
    # readable columns that may hold NULL though the schema admits no null: omitted when NULL
    omit_null: tuple[str, ...] = field(default=())
    required: frozenset[str] = frozenset()  # readable properties the schema requires
    # starts no column's name: see bind_prefix
    bind_prefix: str = "_"
    positions: dict[str, int] = field(default_factory=dict)  # column -> its place, for parameter names

    def __post_init__(self) -> None:
        self.readable = tuple(name for name, model in self.columns.items() if not model.write_only)
        readable = [self.columns[name] for name in self.readable]
        self.omit_null = tuple(model.name for model in readable if model.nullable and not model.null_allowed)
        self.required = frozenset(model.name for model in readable if model.required)
        self.bind_prefix = bind_prefix(self.columns)
        self.positions = {name: index for index, name in enumerate(self.columns)}


def bind_prefix(names: Iterable[str]) -> str:
    """Underscores that start none of ``names``: the prefix of the parameters an UPDATE or INSERT
    binds. SQLAlchemy reads an execution parameter named like a column as that column's new value
    (and refuses a bound parameter of that name), so a column named ``key`` or ``v_key`` must
    never meet a parameter of the same name."""
    longest = max((len(name) - len(name.lstrip("_")) for name in names), default=0)
    return "_" * (longest + 1)


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
    """Every table mistake at once, with the tables that had none (the caller reports both)."""

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
    if not _portable(name):
        raise error(_NOT_PORTABLE.format(what="table name", name=name), "x-table")
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
        if not _portable(prop):
            raise error(_NOT_PORTABLE.format(what="column name", name=prop), "properties", prop)
        unknown = set(x_column) - COLUMN_KEYS
        if unknown:
            raise error(f"unknown x-column key(s): {', '.join(sorted(unknown))}", "properties", prop, "x-column")
        columns[prop] = build_column(name, prop, schema, x_column, prop in required, error)
        if "references" in x_column:
            keys.append((prop, x_column))
    primary = [model for model in columns.values() if model.column.primary_key]
    if not primary:
        if "id" not in columns:
            raise error("no primary key: mark a property with x-column: {primary_key: true} (or name it 'id')")
        id_options = {**properties["id"].get("x-column", {}), "primary_key": True}
        columns["id"] = build_column(name, "id", properties["id"], id_options, True, error)
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
    # AUTOINCREMENT: SQLite would otherwise give the newest row's key, once deleted, to the next
    # row, and a stale URL or If-Match would reach that row (PostgreSQL's sequences never go back)
    table = sa.Table(name, metadata, *(model.column for model in columns.values()), *args,
                     schema=options.get("schema"), sqlite_autoincrement=True)  # fmt: skip
    model = TableModel(stored.name, table, columns, primary[0], version, where, tuple(computed))
    model.required |= frozenset(name for name in computed if name in required)  # serialize() adds them
    _bound_indexed_text(model)
    for prop, x_column in keys:
        pending_keys.append((model, prop, x_column, pointer_join(where, "properties", prop, "x-column")))
    return model


# PostgreSQL cuts longer names (a column would then be read back under another name)
MAX_NAME_BYTES = 63
_NOT_PORTABLE = "{what} {name!r} is empty, longer than 63 bytes (UTF-8) or holds a NUL: PostgreSQL cannot keep it"


def _portable(name: str) -> bool:
    """Whether both databases keep ``name`` as it is: any characters but NUL, 1 to 63 bytes."""
    return "\x00" not in name and 0 < len(name.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES


def _bound_indexed_text(model: TableModel) -> None:
    """Give indexed strings without maxLength a length (a warning at start-up says so): PostgreSQL
    cannot index a long value, so each write of one would fail; writes refuse it with a 422."""
    table = model.table
    indexed = {column.name for index in table.indexes for column in index.columns}
    keys = [item for item in table.constraints if isinstance(item, sa.UniqueConstraint | sa.PrimaryKeyConstraint)]
    indexed |= {column.name for constraint in keys for column in constraint.columns}
    indexed |= {column.name for column in table.columns if column.primary_key or column.unique or column.index}
    for name in sorted(indexed):
        column = model.columns.get(name)
        if column is None or not isinstance(column.column.type, sa.String) or column.column.type.length is not None:
            continue
        column.max_length = INDEXED_TEXT_LENGTH
        log.warning(
            "%s.%s is an indexed string without maxLength: writes refuse values longer than %d characters "
            "(a database index cannot hold long values); give it a maxLength",
            model.schema_name, name, INDEXED_TEXT_LENGTH,
        )  # fmt: skip


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
