"""Model persistence for handler code: ``Task.get``, ``Task.list``, ``task.save``, ``task.delete``.

The methods of :class:`~openapi_aio.models.StoredModel` land here. They run the CRUD views' own
statements (:mod:`.statements`, compiled once per shape and database), value conversion
(``ColumnModel.to_db``/``to_api``, :mod:`.ranges`) and error translation (:mod:`.writes`,
:mod:`.translate`), through a view without a request (:class:`_ModelView`): a unique value is the
same 409, a missing reference the same 422, a stale version the same 412 as over HTTP. No scope
and no hooks apply: handler code is trusted, as with SQL.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa

from openapi_aio.db import query, ranges, statements, writes
from openapi_aio.db.resources import OPERATORS, Filter, ResourceOperation
from openapi_aio.db.views import CrudView
from openapi_aio.errors import NotFound

if TYPE_CHECKING:
    from openapi_aio.db.datastore import Database
    from openapi_aio.db.tables import TableModel
    from openapi_aio.models.base import StoredModel

__all__ = ["delete", "get", "save", "select"]

M = TypeVar("M", bound="StoredModel")

_NO_LIMIT = 2**63 - 1  # LIMIT must be bound on both databases; this is "all rows"
# per database, per schema: the operation whose statement cache the model's calls share
_OPERATIONS: weakref.WeakKeyDictionary[Database, dict[str, ResourceOperation]] = weakref.WeakKeyDictionary()


class _ModelView(CrudView):
    """What the statement helpers read from a CrudView, without a request: the key (and the
    versions a write may replace) in place of the path and ``If-Match``."""

    def __init__(self, operation: ResourceOperation, db: Database, arguments: dict[str, Any]) -> None:
        self.operation = operation
        self.model = operation.model
        self.table = operation.model.table
        self.db = db
        self.arguments = arguments
        self.versions: list[int] | None = None

    def _if_match(self) -> list[int] | None:
        return self.versions

    def _not_found(self) -> NotFound:
        key = self.arguments.get("key")
        return NotFound(detail=f"no {self.model.schema_name} with {self.model.primary_key.name} {key!r}")


def _operation(db: Database, schema: str) -> ResourceOperation:
    """The table's model operation: every column's filters (the resources' ``<column>__<op>``
    vocabulary, in a fixed order so that statement shapes are stable) and sortable columns."""
    by_schema = _OPERATIONS.setdefault(db, {})
    operation = by_schema.get(schema)
    if operation is None:
        model = db.tables.get(schema)
        if model is None:
            raise LookupError(f"{schema!r} is not a table of {db!r}: is the document's API set up on it?")
        operation = ResourceOperation(
            kind="model", model=model, view=_ModelView, label=f"{schema} (model)", status=200, database=db
        )
        operation.key = "key"
        operation.filters = tuple(_filters(model))
        operation.roles = {"order_by": "order_by"}
        operation.sortable = frozenset(name for name, column in model.columns.items() if column.sortable)
        operation.default_order = ((model.primary_key.name, False),)
        by_schema[schema] = operation
    return operation


def _filters(model: TableModel) -> list[Filter]:
    found = []
    for name, column in model.columns.items():
        if column.write_only:
            continue
        for op in OPERATORS:
            if column.is_json and op not in ("eq", "isnull"):
                continue
            argument = name if op == "eq" else f"{name}__{op}"
            found.append(Filter(argument, argument, column, op))
    return found


def _view(cls: type[StoredModel], db: Database, arguments: dict[str, Any]) -> _ModelView:
    return _ModelView(_operation(db, cls.__schema__), db, arguments)


def _instance(cls: type[M], model: TableModel, row: Mapping[str, Any]) -> M:
    """The row as its model: the readable columns converted as the CRUD views answer them."""
    data: dict[str, Any] = {}
    columns = model.columns
    for name in model.readable:
        value = row[name]
        if value is None:
            if name not in model.omit_null:
                data[name] = None
            continue
        convert = columns[name].to_api
        data[name] = convert(value) if convert is not None else value
    return cls.from_dict(data)


def _api_value(cls: type[StoredModel], item: Filter, value: Any) -> Any:
    """A filter's value as the resources read it: Python values of the model (a ``date``,
    a ``UUID``) written as JSON would carry them; ``in`` takes any sequence."""
    assert item.column is not None
    field = cls.__model__.by_json.get(item.column.name)
    encode = field.encode if field is not None else None

    def one(value: Any) -> Any:
        if encode is None or value is None or isinstance(value, str | int | float | bool):
            return value
        return encode(value)

    if item.op == "in":
        return [one(member) for member in value]
    return one(value)


def _attr(instance: StoredModel, name: str) -> str:
    return type(instance).__model__.by_json[name].attr


async def get(cls: type[M], db: Database, key: Any) -> M | None:
    """The row with primary key ``key`` (an API value: ``7``, a UUID's text...), or ``None``."""
    view = _view(cls, db, {"key": key})
    if key is None or ranges.unfit(view.model.primary_key, key, not db.is_postgresql):
        return None  # no row can have it
    statement = statements.cached(
        view,
        ("get_one",),
        lambda: sa.select(*statements.readable_columns(view)).where(*statements.item_conditions(view)),
    )
    row = await db.fetch_one(statement, statements.item_values(view))
    return None if row is None else _instance(cls, view.model, row)


async def select(
    cls: type[M],
    db: Database,
    filters: Mapping[str, Any],
    order_by: str | Sequence[str] | None,
    limit: int | None,
    offset: int,
) -> list[M]:
    """Rows matching ``filters`` (a value out of its column's range: the resources' 400)."""
    view = _view(cls, db, dict(filters))
    op = view.operation
    known = {item.argument: item for item in op.filters}
    unknown = [name for name in filters if name not in known]
    if unknown:
        raise TypeError(f"{cls.__name__}.list: unknown filter(s) {', '.join(unknown)}")
    if (limit is not None and limit < 0) or offset < 0:
        raise ValueError("limit and offset must not be negative")
    sqlite = not db.is_postgresql
    for name, value in filters.items():
        item = known[name]
        if item.op == "isnull" or item.column is None:
            continue
        value = view.arguments[name] = _api_value(cls, item, value)
        for one in value if isinstance(value, list | tuple) else [value]:
            message = ranges.unfit(item.column, one, sqlite)
            if message is not None:
                raise query.query_error(name, message)
    if order_by is not None:
        view.arguments["order_by"] = order_by if isinstance(order_by, str) else list(order_by)
    values: dict[str, Any] = {"limit": _NO_LIMIT if limit is None else limit, "offset": offset}
    conditions, shape = statements.collection_conditions(view, values)
    order = query.order(op, view.arguments, view.model)
    statement = statements.cached(
        view,
        ("list", shape, tuple(order), None, ()),
        lambda: statements.list_statement(view, conditions(), order, None, 0, ()),
    )
    rows = await db.fetch_all(statement, values)
    return [_instance(cls, view.model, row) for row in rows]


async def save(instance: StoredModel, db: Database) -> None:
    """Insert the instance when its key is unset, else update its row (only when its version,
    if the table has one, is still the stored one); then set every readable member from the row."""
    cls = type(instance)
    view = _view(cls, db, {})
    model = view.model
    key_name, version = model.primary_key.name, model.version
    data = instance.to_dict()
    key = data.get(key_name)
    skipped = {key_name} | ({version.name} if version is not None else set())
    values: dict[str, Any] = {}
    for name, column in model.columns.items():
        # what the server keeps (a key, a version, created/updated stamps) is never written
        if name in skipped or (column.read_only and (column.generate is not None or column.regenerate is not None)):
            continue
        if name in data:
            values[name] = data[name]
        elif key is not None and column.nullable:  # an update writes the whole row, as PUT does
            values[name] = None
    problem = ranges.body_problem(model.columns, values, not db.is_postgresql)
    if problem is not None:
        raise problem
    if key is None:
        row = await writes.insert(view, db, writes._with_generated(view, values))
    else:
        view.arguments["key"] = key
        if version is not None and data.get(version.name) is not None:
            view.versions = [data[version.name]]
        if ranges.unfit(model.primary_key, key, not db.is_postgresql):
            raise view._not_found()
        async with db.transaction(reset=False) as conn:
            row = await writes._update_row(view, conn, values)
    stored = _instance(cls, model, row)
    for name in model.readable:
        attr = _attr(instance, name)
        setattr(instance, attr, getattr(stored, attr))


async def delete(instance: StoredModel, db: Database) -> None:
    """Delete the instance's row: 404 when there is none, 412 when its version is stale, 409
    while other rows refer to it."""
    cls = type(instance)
    view = _view(cls, db, {})
    model = view.model
    data = instance.to_dict()
    key = data.get(model.primary_key.name)
    if key is None:
        raise ValueError(f"this {cls.__name__} was never saved: it has no {model.primary_key.name}")
    view.arguments["key"] = key
    if ranges.unfit(model.primary_key, key, not db.is_postgresql):
        raise view._not_found()
    versions = None
    if model.version is not None and data.get(model.version.name) is not None:
        versions = [data[model.version.name]]
    values = statements.item_values(view, versions)
    async with db.transaction(reset=False) as conn:
        await writes.delete_row(view, values, conn)
