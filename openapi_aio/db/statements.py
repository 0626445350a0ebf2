"""The SQL of the CRUD views: each statement built once per shape, every value a bound parameter.

A statement's *shape* is what changes its SQL text: which filters a request uses (not their
values), the order, a cursor's direction and which of its values are null, how many words are
searched, which columns an update writes. A view names the shape as a cache key; :func:`cached`
builds the statement on the first request of that shape (compiled once, on PostgreSQL) and later
requests only bind values. The ``bind_*`` and ``*_values`` functions put a request's values under
the parameter names the builders use (``key``, ``version``, ``p0`` parents, ``f0`` filters, ``k0``
cursor, ``s0`` search words, ``v3`` the value of the table's fourth column), so names are decided
in this module alone. An UPDATE or INSERT binds them under the table's ``bind_prefix``
(:func:`write_values`): SQLAlchemy would read a parameter named like a column (a column named
``key``) as that column's new value. No parameter name holds a column's name, so no name needs
escaping either (``with space``, ``50%``).

Security: SQL text never comes from a request. Columns are the table's own objects, picked by
names the model checked; values, LIKE patterns included, are always bound.

A view with its own ``scope`` or ``filter_<name>`` methods is *dynamic*: their conditions may hold
the request's values, so its statements are built per request (PostgreSQL then compiles each
once per SQLAlchemy cache key, which leaves values out).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from openapi_aio.db import embedded_sql, ordering, search
from openapi_aio.db.datastore import Prepared
from openapi_aio.db.query import Order, check_text, query_error

if TYPE_CHECKING:
    from openapi_aio.db.embedding import Relation
    from openapi_aio.db.resources import Filter
    from openapi_aio.db.views import CrudView

__all__ = [
    "bind_assignments",
    "bind_cursor",
    "cached",
    "collection_conditions",
    "count_statement",
    "insert_statement",
    "item_conditions",
    "item_values",
    "list_statement",
    "update_statement",
    "write_values",
]

_COMPARISONS = {"eq": "__eq__", "ne": "__ne__", "gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__"}


def cached(view: CrudView, key: Any, build: Callable[[], Any], dynamic: bool = False) -> Any:
    """The statement of shape ``key`` for the view's operation, built (and compiled) only the
    first time; per request when the view is dynamic (see the module docstring), or ``dynamic``
    (an embedded view's own scope is in it)."""
    op = view.operation
    if op.dynamic or dynamic:
        return build()
    statement = op.statements.get(key)
    if statement is None:
        statement = build()
        if view.db.is_postgresql:  # compiled to $n SQL once; the operation's cache keeps it
            statement = Prepared(statement)
        op.statements[key] = statement
    return statement


def readable_columns(view: CrudView) -> list[Any]:
    return [view.table.c[name] for name in view.model.readable]


# --- collections ------------------------------------------------------------------------------


def collection_conditions(view: CrudView, values: dict[str, Any]) -> tuple[Callable[[], list[Any]], tuple[Any, ...]]:
    """Bind the values of a collection request's WHERE conditions; the shape they give the
    statement, and how to build the conditions (called only when no statement of that shape exists)."""
    op, args = view.operation, view.arguments
    builders: list[Callable[[], Any]] = []
    shape: list[Any] = []
    for index, (argument, column) in enumerate(op.parents):
        values[f"p{index}"] = column.to_db(args[argument])
    for index, item in enumerate(op.filters):
        if item.argument not in args:
            continue
        value = args[item.argument]
        if item.custom is not None:
            builders.append(functools.partial(getattr(view, item.custom), value))
            shape.append((index, "custom"))
            continue
        builder, extra = _filter(view, item, index, value, values)
        if item.relation is not None:  # project.name__ilike: the parents of the matching rows
            builder = functools.partial(_related, view, item, builder)
        builders.append(builder)
        shape.append((index, extra))

    def conditions() -> list[Any]:
        return _parent_conditions(view) + [build() for build in builders] + view.scope()

    return conditions, tuple(shape)


def _parent_conditions(view: CrudView, prefix: str = "") -> list[Any]:
    table = view.table
    return [
        table.c[column.name] == sa.bindparam(f"{prefix}p{index}", type_=table.c[column.name].type)
        for index, (_, column) in enumerate(view.operation.parents)
    ]


def _related(view: CrudView, item: Filter, build: Callable[[], Any]) -> Any:
    assert item.relation is not None
    return embedded_sql.filter_condition(view, item.relation, build())


def _filter(
    view: CrudView, item: Filter, index: int, value: Any, values: dict[str, Any]
) -> tuple[Callable[[], Any], Any]:
    """Bind the filter's value now; the returned function builds its condition (only needed
    when no statement of this shape is cached yet), the second value is its part of the shape."""
    column_model = item.column
    assert column_model is not None
    name = f"f{index}"
    op = item.op
    check_text(item.parameter, value)

    table = view.table if item.relation is None else item.relation.model.table

    def column() -> Any:
        return table.c[column_model.name]

    if op == "isnull":  # true and false are two statements: IS NULL, IS NOT NULL
        return (lambda: column().is_(None) if value else column().is_not(None)), bool(value)
    if op == "in":
        values[name] = [column_model.to_db(v) for v in value]
        if view.db.is_postgresql:  # one array parameter: one statement for any number of values
            return (lambda: column() == sa.any_(sa.bindparam(name))), None
        return (lambda: column().in_(sa.bindparam(name, expanding=True))), None
    if op in ("like", "ilike"):
        # a backslash escapes the next character on both databases (PostgreSQL's default,
        # SQLite has none); a pattern ending with a lone one is an error on PostgreSQL
        pattern = str(value).replace("*", "%")
        if (len(pattern) - len(pattern.rstrip("\\"))) % 2:
            raise query_error(item.parameter, "ends with an escaping backslash (write \\\\ for a backslash)")
        values[name] = pattern

        def like() -> Any:
            bind = sa.bindparam(name, type_=sa.String())
            if op == "like":
                return column().like(bind, escape="\\")
            return column().ilike(bind, escape="\\")

        return like, None
    values[name] = column_model.to_db(value)

    def compare() -> Any:
        target = column()
        bind = sa.bindparam(name, type_=target.type)
        return getattr(target, _COMPARISONS[op])(bind)

    return compare, None


def bind_cursor(cursor_values: list[Any], values: dict[str, Any]) -> tuple[bool, ...]:
    """Bind a cursor's sort values; which of them are null (that changes the statement)."""
    for index, value in enumerate(cursor_values):
        if value is not None:
            values[f"k{index}"] = value
    return tuple(value is None for value in cursor_values)


def list_statement(
    view: CrudView,
    conditions: list[Any],
    order: Order,
    direction: str | None,
    words: int,
    nulls: tuple[bool, ...],
    joined: Sequence[Relation] = (),
) -> Any:
    """One page: filtered, searched, after (or before) the cursor, ordered, ``limit``/``offset``
    bound; with the ``joined`` to-one relations' rows, joined to the page once it is chosen (a
    join before ``OFFSET`` would be made for every skipped row too)."""
    columns = [view.table.c[name] for name, _ in order]
    statement = sa.select(*readable_columns(view)).where(*conditions, *search.conditions(view, words))
    reverse = direction == "before"  # read backwards from the cursor; the view puts the rows back
    if direction is not None:
        statement = statement.where(ordering.keyset(columns, [desc for _, desc in order], reverse, nulls))
    statement = statement.order_by(*ordering.order_by(columns, order, reverse))
    statement = statement.limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))
    if not joined:
        return statement
    outer, page = embedded_sql.with_joined(view, statement, joined)
    return outer.order_by(*ordering.order_by([page.c[name] for name, _ in order], order, reverse))


def item_statement(view: CrudView, joined: Sequence[Relation] = ()) -> Any:
    """The row of the URL (:func:`item_conditions`), with the ``joined`` to-one relations' rows."""
    statement = sa.select(*readable_columns(view)).where(*item_conditions(view))
    return embedded_sql.with_joined(view, statement, joined)[0] if joined else statement


def count_statement(view: CrudView, conditions: list[Any], words: int) -> Any:
    """How many rows the list's conditions match (``X-Total-Count``)."""
    statement = sa.select(sa.func.count().label("count")).select_from(view.table)
    return statement.where(*conditions, *search.conditions(view, words))


# --- items ------------------------------------------------------------------------------------


def item_values(view: CrudView, versions: list[int] | None = None) -> dict[str, Any]:
    """Bind the item's key, its parents and the versions ``If-Match`` accepts (if any)."""
    op, args = view.operation, view.arguments
    values = {"key": view.model.primary_key.to_db(args[op.key])}  # type: ignore[index]
    for index, (argument, column) in enumerate(op.parents):
        values[f"p{index}"] = column.to_db(args[argument])
    if versions is not None:
        values["version"] = versions  # any of the listed versions
    return values


def item_conditions(view: CrudView, versioned: bool = False, prefix: str = "") -> list[Any]:
    """The row of the URL: its key, its parents, the view's scope and maybe its version
    (``prefix``: in an UPDATE, the table's ``bind_prefix``)."""
    key = view.table.c[view.model.primary_key.name]
    conditions = [key == sa.bindparam(f"{prefix}key", type_=key.type), *_parent_conditions(view, prefix)]
    conditions += view.scope()
    if versioned:
        assert view.model.version is not None  # If-Match without a version column is a 412 earlier
        column = view.table.c[view.model.version.name]
        name = f"{prefix}version"
        if view.db.is_postgresql:
            conditions.append(column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(sa.Integer()))))
        else:
            conditions.append(column.in_(sa.bindparam(name, expanding=True)))
    return conditions


def write_values(view: CrudView, values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` under the names an UPDATE or INSERT binds them (the table's ``bind_prefix``)."""
    prefix = view.model.bind_prefix
    return {prefix + name: value for name, value in values.items()}


def column_parameter(view: CrudView, name: str) -> str:
    """The parameter of column ``name``'s value (``v3``: its place in the table), before prefixing."""
    return f"v{view.model.positions[name]}"


def bind_assignments(view: CrudView, values: Mapping[str, Any], bound: dict[str, Any]) -> tuple[str, ...]:
    """Bind the values an update writes, and what ``on_update`` regenerates; the columns, sorted."""
    columns = view.model.columns
    for name, value in values.items():
        bound[column_parameter(view, name)] = columns[name].to_db(value) if value is not None else None
    names = list(values)
    for name, column in columns.items():
        if column.regenerate is not None and name not in values:
            bound[column_parameter(view, name)] = column.regenerate()
            names.append(name)
    return tuple(sorted(names))


def update_statement(view: CrudView, names: tuple[str, ...], versioned: bool) -> Any:
    """UPDATE ... RETURNING the row (a plain SELECT when nothing is written); the version column,
    if any, counts the write."""
    table, version, prefix = view.table, view.model.version, view.model.bind_prefix
    assignments: dict[str, Any] = {
        name: sa.bindparam(prefix + column_parameter(view, name), type_=table.c[name].type) for name in names
    }
    if version is not None:
        assignments[version.name] = table.c[version.name] + 1
    conditions = item_conditions(view, versioned, prefix)
    if not assignments:
        return sa.select(*readable_columns(view)).where(*conditions)
    return sa.update(table).where(*conditions).values(assignments).returning(*readable_columns(view))


def insert_statement(view: CrudView, names: tuple[str, ...], conflict: tuple[str, ...]) -> Any:
    """INSERT ... RETURNING the row; with ``conflict`` columns an atomic upsert that updates the
    existing row only when the request could have updated it (same parents, within the scope)."""
    table, model, prefix = view.table, view.model, view.model.bind_prefix
    dialect_insert = postgresql.insert if view.db.is_postgresql else sqlite.insert
    statement = dialect_insert(table).values(
        {name: sa.bindparam(prefix + column_parameter(view, name), type_=table.c[name].type) for name in names}
    )
    if conflict:
        excluded = statement.excluded
        # the existing row keeps its key and what the server generated for it (created...)
        kept = {model.primary_key.name, *conflict}
        columns = model.columns
        update: dict[str, Any] = {
            name: excluded[name]
            for name in names
            if name not in kept and (not columns[name].read_only or columns[name].regenerate is not None)
        }
        if model.version is not None:
            update[model.version.name] = table.c[model.version.name] + 1
        if update:
            # security: without this, a key outside the scope (another user's, another parent's
            # row) would let the request overwrite that row; it is a conflict instead
            reach = [table.c[column.name] == excluded[column.name] for _, column in view.operation.parents]
            reach += view.scope()
            where = sa.and_(*reach) if reach else None
            statement = statement.on_conflict_do_update(index_elements=list(conflict), set_=update, where=where)
        else:
            statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
    return statement.returning(*readable_columns(view))


def reach_statement(view: CrudView, conflict: tuple[str, ...]) -> Any:
    """The key of the row an upsert's ``conflict`` values name, if the request may write it (its
    parents, the view's scope); values bound as :func:`~.writes.insert` binds them."""
    table, parents = view.table, [column.name for _, column in view.operation.parents]
    conditions = [
        table.c[name] == sa.bindparam(column_parameter(view, name), type_=table.c[name].type)
        for name in dict.fromkeys([*conflict, *parents])
    ]
    return sa.select(table.c[view.model.primary_key.name]).where(*conditions, *view.scope())


def exists_statement(view: CrudView) -> Any:
    """The item's key if its row exists (within the scope)."""
    return sa.select(view.table.c[view.model.primary_key.name]).where(*item_conditions(view))


def json_read_statement(view: CrudView) -> Any:
    """The item's JSON columns, for a merge patch; locked on PostgreSQL until the transaction ends."""
    statement = sa.select(*(view.table.c[name] for name, column in view.model.columns.items() if column.is_json))
    statement = statement.where(*item_conditions(view))
    return statement.with_for_update() if view.db.is_postgresql else statement


def write_lock_statement(view: CrudView) -> Any:
    """SQLite has no FOR UPDATE: a first (empty) write takes the write lock, so no merge is lost
    (its values: :func:`write_values` of :func:`item_values`)."""
    key = view.table.c[view.model.primary_key.name]
    return sa.update(view.table).where(*item_conditions(view, prefix=view.model.bind_prefix)).values({key: key})
