"""``x-resource`` operations compiled at start-up: what each query parameter means, which view
method answers, where created rows are found.

A path item with ``x-resource: Task`` is the collection (``/tasks``) or, when its last segment is
a placeholder, the item (``/tasks/{id}``, the placeholder is the primary key) of the table of schema
``Task``. Placeholders before it scope the resource (``/projects/{project_id}/tasks``): equality on
the column of the same name, also set on created rows. Query parameters are read by name:

- ``limit``, ``offset``, ``cursor``, ``order_by``, ``fields``, ``search``, ``count``: paging,
  ordering, sparse fields, full-text search, the total count;
- ``<column>`` and ``<column>__<op>`` (``ne gt ge lt le in isnull like ilike``): filters;
- ``embed`` and ``<relation>.<column>[__<op>]``: related rows inline, filters on a to-one
  relation's members (``x-resource: {embed: ...}``, :mod:`.embedding`);
- any other name: the view's ``filter_<name>(value)`` method, or a start-up error.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from openapi_aio.db.columns import ColumnModel
from openapi_aio.db.embedding import Relation, compile_embeds
from openapi_aio.db.tables import TableModel
from openapi_aio.errors import SpecError
from openapi_aio.spec.normalize import template_names
from openapi_aio.spec.pointers import pointer_join

if TYPE_CHECKING:
    from openapi_aio.db.datastore import Database
    from openapi_aio.db.pagination import CursorCodec
    from openapi_aio.db.views import CrudView
    from openapi_aio.operation import Operation

__all__ = ["OPERATORS", "Filter", "ResourceOperation", "compile_resource", "filter_name"]

OPERATORS = ("eq", "ne", "gt", "ge", "lt", "le", "in", "isnull", "like", "ilike")
RESERVED = ("limit", "offset", "cursor", "order_by", "fields", "search", "count", "embed")
_X_RESOURCE_KEYS = frozenset(
    {"schema", "view", "order_by", "limit", "max_limit", "search", "upsert", "events", "embed"}
)

# (is item path, method) -> (kind, the view method that answers)
KINDS = {
    (False, "get"): "get_list",
    (False, "post"): "create",
    (False, "delete"): "delete_list",
    (True, "get"): "get_one",
    (True, "patch"): "update_one",
    (True, "put"): "replace_one",
    (True, "delete"): "delete_one",
}
_PREFERRED_STATUS = {"create": 201, "delete_list": 204, "delete_one": 204}


@dataclass(frozen=True, slots=True)
class Filter:
    """A query parameter that filters: ``column op value`` or the view's ``filter_<name>``."""

    parameter: str
    argument: str
    column: ColumnModel | None
    op: str = "eq"
    custom: str | None = None  # the view method's name
    relation: Relation | None = None  # a to-one relation's member (``project.name__ilike``)


@dataclass(slots=True, eq=False)
class ResourceOperation:
    """Everything a :class:`CrudView` needs for one operation, decided at start-up."""

    kind: str  # the view method: get_list, create, delete_list, get_one, update_one, ...
    model: TableModel
    view: type[CrudView]
    label: str
    status: int
    path: str = ""  # as the document writes it, and the method: where the served document says it
    method: str = ""
    filters: tuple[Filter, ...] = ()
    parents: tuple[tuple[str, ColumnModel], ...] = ()  # (path parameter, column)
    key: str | None = None  # the item path's placeholder (primary key)
    roles: dict[str, str] = field(default_factory=dict)  # limit/offset/... -> argument name
    body: str | None = None  # the body's argument name
    default_order: tuple[tuple[str, bool], ...] = ()  # (column, descending)
    sortable: frozenset[str] = frozenset()
    default_limit: int = 25
    max_limit: int = 100
    search_columns: tuple[str, ...] = ()
    upsert: tuple[str, ...] = ()  # conflict columns of an atomic upsert
    events: str | None = None  # the websocket channel told of created/updated/deleted rows
    item_path: str | None = None  # for Location: base path + item template
    item_placeholders: tuple[str, ...] = ()
    database: Database | None = None  # set when the API is mounted
    cursors: CursorCodec | None = None
    statements: dict[Any, Any] = field(default_factory=dict)  # shape -> statement, per operation
    custom_scope: bool = False  # the view overrides scope(): statements depend on the request
    dynamic: bool = False  # custom scope or filters: statements are built per request
    after_write_hook: bool = False  # the view overrides after_write: every write is a transaction
    plain_rows: bool = False  # rows as fetched are the answer (no conversion, no serialize)
    full_default_order: list[tuple[str, bool]] | None = None  # the default order with the key
    embeds: dict[str, Relation] = field(default_factory=dict)  # relations it may embed, by name

    def column(self, name: str) -> ColumnModel:
        return self.model.columns[name]

    @property
    def table(self) -> sa.Table:
        return self.model.table


def compile_resource(
    operation: Operation,
    models: Mapping[str, TableModel],
    view: type[CrudView],
    item_paths: Mapping[str, str],
    source: str,
    view_of: Callable[[str, Any], type[CrudView]] | None = None,
) -> ResourceOperation:
    """The resource behaviour of ``operation``; a :class:`SpecError` for anything unclear
    (``view_of(schema, dotted)``: the view of an embedded relation, see :mod:`.embedding`)."""
    spec = operation.spec
    resource = spec.resource or {}
    where = pointer_join(spec.pointer)

    def error(message: str) -> SpecError:
        return SpecError(f"x-resource: {message}", source, where)

    unknown = set(resource) - _X_RESOURCE_KEYS
    if unknown:
        raise error(f"unknown key(s) {', '.join(sorted(unknown))}")
    schema_name = str(resource["schema"])
    model = models.get(schema_name)
    if model is None:
        raise error(f"{schema_name!r} is not a schema with x-table (known: {', '.join(sorted(models)) or 'none'})")
    segments = spec.path.rstrip("/").split("/")
    last = re.fullmatch(r"\{([^{}]+)\}", segments[-1])
    is_item = last is not None
    kind = KINDS.get((is_item, spec.method))
    if kind is None:
        where_text = "an item path" if is_item else "a collection path"
        raise error(
            f"no CRUD behaviour for {spec.method.upper()} on {where_text}; bind it to a handler with x-resource: false"
        )
    placeholders = template_names(spec.path)
    _distinct_arguments(operation)
    readers = {reader.name: reader for reader in operation.parameters}
    key = last.group(1) if last else None
    parents = []
    for name in placeholders:
        if name == key:
            continue
        if name not in model.columns:
            raise error(f"path placeholder {{{name}}} is not a column of {model.table.name}")
        parents.append((readers[name].argument, model.columns[name]))
    declared = {status for status in spec.responses if status.startswith("2") or status == "2XX"}
    status = _status(kind, declared)
    result = ResourceOperation(
        kind=kind,
        model=model,
        view=view,
        label=spec.label,
        status=status,
        path=spec.path,
        method=spec.method,
        parents=tuple(parents),
        key=readers[key].argument if key else None,
        body=operation.body.name if operation.body is not None else None,
    )
    _view_flags(result)
    item_path = item_paths.get(schema_name)
    if item_path is not None:
        result.item_path = operation.base_path + item_path
        result.item_placeholders = tuple(template_names(item_path))
    result.sortable = frozenset(name for name, column in model.columns.items() if column.sortable)
    if "embed" in resource and kind in ("get_list", "get_one"):  # what the path's GETs may embed

        def embedded(other: TableModel, other_view: type[CrudView]) -> ResourceOperation:
            made = ResourceOperation(kind="embedded", model=other, view=other_view, label=spec.label, status=200)
            _view_flags(made)
            made.dynamic = made.custom_scope  # statements.cached builds its statements per request then
            return made

        result.embeds = compile_embeds(resource["embed"], model, models, view_of or _default_view, embedded, error)
    _query_roles(result, operation, view, resource, error)
    base = _base_view()
    result.dynamic = result.custom_scope or any(
        item.custom or (item.relation is not None and item.relation.dynamic) for item in result.filters
    )
    result.after_write_hook = view.after_write is not base.after_write
    if kind in ("create", "update_one", "replace_one") and operation.body is None:
        raise error(f"{spec.method.upper()} needs a requestBody (the row's values)")
    result.upsert = _upsert(resource.get("upsert"), model, error)
    events = resource.get("events")
    if events is not None and not isinstance(events, str):
        raise error("events must be the name of a websocket channel")
    result.events = events
    if kind == "replace_one" and result.upsert:
        result.upsert = (model.primary_key.name,)  # PUT names its row by the path: the key decides
    return result


def _distinct_arguments(operation: Operation) -> None:
    """Give a parameter whose sanitised name is empty or shared (``名前`` -> ``""``, ``a.b`` and
    ``ab`` -> ``ab``) its own name as its argument: the view reads each filter by its argument, so
    two filters sharing one would read each other's value. Only the view reads these arguments."""
    taken = Counter(reader.argument for reader in operation.parameters)
    if operation.body is not None:
        taken[operation.body.name] += 1
    for reader in operation.parameters:
        if reader.argument != reader.name and (not reader.argument or taken[reader.argument] > 1):
            reader.argument = reader.name


def _upsert(upsert: Any, model: TableModel, error: Any) -> tuple[str, ...]:
    """The conflict columns of ``x-resource: {upsert: ...}``: ``ON CONFLICT`` needs exactly the
    columns of one unique constraint (in any order), else every write would fail."""
    if upsert in (None, False):
        return ()
    if upsert is True:
        return (model.primary_key.name,)
    if not (isinstance(upsert, list) and upsert and all(isinstance(name, str) for name in upsert)):
        raise error("upsert must be true (on the primary key) or a list of columns with a unique constraint")
    unknown = [name for name in upsert if name not in model.columns]
    if unknown:
        raise error(f"upsert names {', '.join(map(repr, unknown))}, not a column of {model.table.name}")
    groups = unique_groups(model)
    if frozenset(upsert) not in groups:
        known = "; ".join(sorted(", ".join(sorted(group)) for group in groups))
        raise error(
            f"upsert [{', '.join(upsert)}] is not the columns of a unique constraint of {model.table.name} "
            f"(those are: {known}); make them one with x-table unique, or name one"
        )
    return tuple(upsert)


def unique_groups(model: TableModel) -> list[frozenset[str]]:
    """The column sets of the table's primary key and unique constraints."""
    table = model.table
    groups = [
        frozenset(column.name for column in constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint)
    ]
    groups += [frozenset([column.name]) for column in table.columns if column.unique]
    return list(dict.fromkeys(groups))


def _status(kind: str, declared: set[str]) -> int:
    preferred = _PREFERRED_STATUS.get(kind, 200)
    codes = sorted(int(code) for code in declared if code.isdigit())
    if not codes or preferred in codes:
        return preferred
    return codes[0]


def _query_roles(
    result: ResourceOperation, operation: Operation, view: type[CrudView], resource: Mapping[str, Any], error: Any
) -> None:
    model = result.model
    filters: list[Filter] = []
    for reader in operation.parameters:
        if reader.location != "query":
            continue
        name = reader.name
        if name in RESERVED and name not in model.columns:
            if name == "embed" and not result.embeds:
                raise error("query parameter 'embed' needs x-resource embed: {relation: schema, ...}")
            result.roles[name] = reader.argument
            if name == "limit":
                schema = reader.spec.schema
                if isinstance(schema.get("maximum"), int):
                    result.max_limit = schema["maximum"]
                if isinstance(reader.default, int):
                    result.default_limit = reader.default
            if name == "order_by":
                _check_order_enum(reader.spec.schema, result, error)
            continue
        relation_name, dot, member = name.partition(".")
        if dot and relation_name in result.embeds:
            filters.append(_related_filter(reader.argument, name, result.embeds[relation_name], member, reader, error))
            continue
        column_name, op = filter_name(name, model)
        custom = f"filter_{reader.argument}"
        if hasattr(view, custom):
            filters.append(Filter(name, reader.argument, None, custom=custom))
            continue
        if column_name not in model.columns or op not in OPERATORS:
            raise error(
                f"query parameter {name!r} is neither a filter (<column> or <column>__<op> with op one of "
                f"{', '.join(OPERATORS[1:])}) on {model.table.name}, nor one of {', '.join(RESERVED)}, "
                f"nor a method {view.__name__}.{custom}"
            )
        column = model.columns[column_name]
        _check_filter(name, column, op, reader, error)
        filters.append(Filter(name, reader.argument, column, op))
    result.filters = tuple(filters)
    if result.kind == "get_list":
        order = resource.get("order_by") or [model.primary_key.name]
        order = [order] if isinstance(order, str) else order
        parsed = []
        for item in order:
            descending = str(item).startswith("-")
            column_name = str(item).lstrip("+-")
            if column_name not in result.sortable:
                raise error(f"order_by {item!r} is not a sortable column of {model.table.name}")
            parsed.append((column_name, descending))
        result.default_order = tuple(parsed)
        for key, attribute in (("limit", "default_limit"), ("max_limit", "max_limit")):
            if isinstance(resource.get(key), int):
                setattr(result, attribute, resource[key])
        _search(result, resource.get("search") or (), error)


def _check_filter(name: str, column: ColumnModel, op: str, reader: Any, error: Any) -> None:
    if column.write_only:
        raise error(f"query parameter {name!r} filters on writeOnly property {column.name!r}")
    if column.is_json and op not in ("eq", "isnull"):
        raise error(
            f"query parameter {name!r}: JSON column {column.name!r} can only be tested "
            "with eq (the whole value) or isnull"
        )
    types = reader.spec.schema.get("type")
    if op == "in" and types != "array":
        raise error(f"query parameter {name!r} must be an array (e.g. style: form, explode: false)")
    if op == "isnull" and types != "boolean":
        raise error(f"query parameter {name!r} must be a boolean")


def _related_filter(argument: str, name: str, relation: Relation, member: str, reader: Any, error: Any) -> Filter:
    """``project.name__ilike``: a filter on a member of an embedded to-one relation."""
    if relation.many:
        raise error(
            f"query parameter {name!r}: filters reach members of to-one relations only ({relation.name} is to-many)"
        )
    column_name, op = filter_name(member, relation.model)
    if column_name not in relation.model.columns or op not in OPERATORS:
        raise error(
            f"query parameter {name!r} is not a filter on {relation.name} (<relation>.<column> or "
            f"<relation>.<column>__<op> with a column of {relation.model.table.name})"
        )
    column = relation.model.columns[column_name]
    _check_filter(name, column, op, reader, error)
    return Filter(name, argument, column, op, relation=relation)


def _view_flags(operation: ResourceOperation) -> None:
    """What the operation's view changes: its own scope() (statements depend on the request), and
    whether rows as fetched are already the answer (no serialize(), no value to convert)."""
    base, model = _base_view(), operation.model
    operation.custom_scope = operation.view.scope is not base.scope
    operation.plain_rows = operation.view.serialize is base.serialize and all(
        model.columns[name].to_api is None for name in model.readable
    )


def _default_view(schema: str, dotted: Any) -> type[CrudView]:
    return _base_view()


def _search(result: ResourceOperation, search: Any, error: Any) -> None:
    """``x-resource: {search: [columns]}``: columns the client may read (a writeOnly one would find
    rows by its secret value, as a filter on it would)."""
    model = result.model
    if "search" in result.roles:
        if not search or not all(isinstance(name, str) and name in model.columns for name in search):
            raise error("a 'search' parameter needs x-resource search: [columns to search]")
        result.search_columns = tuple(search)
    names = [name for name in search if isinstance(name, str)] if isinstance(search, list) else []
    hidden = [name for name in names if name in model.columns and model.columns[name].write_only]
    if hidden:
        raise error(f"search names writeOnly property {', '.join(map(repr, hidden))}: rows would be found by its value")


def filter_name(name: str, model: TableModel) -> tuple[str, str]:
    """``(column, operator)`` of a filter parameter: a column's whole name is equality (a column
    may be named ``a__b`` or ``__key``), else the operator follows the last ``__``."""
    if name in model.columns:
        return name, "eq"
    column, _, op = name.rpartition("__")
    return (column, op) if column else (name, "eq")


def _check_order_enum(schema: Mapping[str, Any], result: ResourceOperation, error: Any) -> None:
    items = schema.get("items") if schema.get("type") == "array" else schema
    for value in (items or {}).get("enum") or ():
        if str(value).lstrip("+-") not in result.sortable:
            raise error(f"order_by value {value!r} is not a sortable column of {result.model.table.name}")


def _base_view() -> type[CrudView]:
    from openapi_aio.db.views import CrudView

    return CrudView
