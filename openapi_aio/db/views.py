"""The CRUD view: how an ``x-resource`` operation answers, and the class users subclass.

One view object is made per request. Its operation methods (``get_list``, ``create``,
``delete_list``, ``get_one``, ``update_one``, ``replace_one``, ``delete_one``) return what any
handler returns (``body``, ``(body, status, headers)``...), so overriding one is writing a handler
that can still call ``super()``. The hooks are where most customising goes::

    class TaskView(CrudView):
        def scope(self):                            # row-level: a user sees their own tasks
            return [self.table.c.owner == self.user]

        async def before_create(self, values):
            values["owner"] = self.user
            return values

        def serialize(self, row):                   # computed fields
            row["url"] = f"/tasks/{row['id']}"
            return row

    # openapi.yaml:  x-resource: {schema: Task, view: tasks.views.TaskView}

Every statement is built once per shape (which filters are present, the order...) and reused;
values are always bound parameters, never SQL text.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.dialects import postgresql, sqlite

from ..errors import (
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    ProblemException,
    RequestValidationError,
    UnprocessableContent,
    Violation,
)
from ..keys import ARGUMENTS, TOKEN_INFO, USER
from ..responses import NoContent
from ..spec.model import MISSING
from .pagination import link_header
from .tables import _now

if TYPE_CHECKING:
    from .datastore import Connection, Database
    from .resources import Filter, ResourceOperation
    from .tables import TableModel

__all__ = ["CrudView"]


class CrudView:
    """Create, read, update and delete rows of one resource's table; subclass to customise.

    Attributes for subclasses: ``request``, ``arguments`` (the validated parameters and body),
    ``user`` and ``token_info`` (secured operations), ``table`` (SQLAlchemy), ``model`` (the
    table's columns as the document declares them), ``db`` (the :class:`Database`).
    """

    def __init__(self, request: web.Request, operation: ResourceOperation) -> None:
        self.request = request
        self.operation = operation
        self.model: TableModel = operation.model
        self.table: sa.Table = operation.model.table
        self.db: Database = operation.database  # type: ignore[assignment]
        self.arguments: dict[str, Any] = request[ARGUMENTS]

    @property
    def user(self) -> Any:
        return self.request.get(USER)

    @property
    def token_info(self) -> Any:
        return self.request.get(TOKEN_INFO)

    # --- hooks --------------------------------------------------------------------------------

    def scope(self) -> list[sa.ColumnElement[bool]]:
        """Conditions every read, update and delete of this request adds (row-level access)."""
        return []

    async def before_create(self, values: dict[str, Any]) -> dict[str, Any]:
        """The values of a row about to be inserted (API values, before conversion)."""
        return values

    async def before_update(self, values: dict[str, Any]) -> dict[str, Any]:
        """The values about to be written by PATCH or PUT."""
        return values

    async def after_write(self, kind: str, row: dict[str, Any]) -> None:
        """After a row was created, updated, replaced or deleted (``kind`` is the view method),
        inside its transaction: raising here undoes the write."""

    def serialize(self, row: dict[str, Any]) -> dict[str, Any]:
        """The row as the client gets it (add computed fields here)."""
        return row

    # --- collection ---------------------------------------------------------------------------

    async def get_list(self) -> Any:
        op, args = self.operation, self.arguments
        values: dict[str, Any] = {}
        conditions, shape = self._conditions(values)
        order = self._order()
        limit = args.get(op.roles.get("limit", ""), op.default_limit)
        if limit > op.max_limit or limit < 1:
            raise _query_error(op.roles.get("limit", "limit"), f"must be between 1 and {op.max_limit}")
        offset = args.get(op.roles.get("offset", ""), 0)
        cursor_text = args.get(op.roles.get("cursor", ""))
        direction = None
        nulls: tuple[bool, ...] = ()  # which cursor values are null: they change the statement
        if cursor_text is not None:
            if offset:
                raise _query_error("cursor", "cursor and offset cannot be used together")
            direction, cursor_values = self._read_cursor(cursor_text, order)
            nulls = tuple(value is None for value in cursor_values)
            for index, value in enumerate(cursor_values):
                if value is not None:
                    values[f"k{index}"] = value
        fields = self._fields()
        search = args.get(op.roles.get("search", ""))
        if search:
            _check_text("search", search)
            words = search.split()
            for index, word in enumerate(words):
                values[f"s{index}"] = f"%{_escape_like(word)}%" if not self.db.is_postgresql else word
            shape += (("search", len(words)),)
        values["limit"] = limit + 1  # one more tells whether a next page exists
        values["offset"] = offset
        key = ("list", shape, tuple(order), direction, nulls)
        statement = self._statement(key, lambda: self._list_statement(conditions(), order, direction, search, nulls))
        rows = await self.db.fetch_all(statement, values)
        more = len(rows) > limit
        rows = rows[:limit]
        if direction == "before":
            rows.reverse()
        headers: dict[str, str] = {}
        total = None
        if self._count_asked():
            count_key = ("count", shape)
            count = self._statement(count_key, lambda: self._count_statement(conditions(), search))
            total = (await self.db.fetch_all(count, values))[0]["count"]
            headers["X-Total-Count"] = str(total)
            headers["Preference-Applied"] = "count=exact"
        links = self._links(rows, order, limit, offset, direction, more, total)
        if links:
            headers["Link"] = link_header(self.request.rel_url, links)
        if op.plain_rows and fields is None:  # the rows are already what the client gets
            return rows, 200, headers
        return [self._output(row, fields) for row in rows], 200, headers

    async def create(self) -> Any:
        op = self.operation
        body = self.arguments[op.body]  # type: ignore[index]
        many = isinstance(body, list)
        created = []
        if not many and not op.after_write_hook:  # one INSERT ... RETURNING is atomic by itself
            if not isinstance(body, Mapping):
                raise UnprocessableContent(detail="each row must be a JSON object")
            values = await self.before_create(self._writable(body))
            for argument, column in op.parents:
                values[column.name] = self.arguments[argument]
            created.append(await self._insert(self.db, self._with_generated(values)))
        else:
            await self._create_in_transaction(body if many else [body], created)
        headers = {}
        if not many:
            location = self._location(created[0])
            if location:
                headers["Location"] = location
            self._etag(created[0], headers)
        output = [self._output(row) for row in created]
        return (output if many else output[0]), op.status, headers

    async def _create_in_transaction(self, body: list[Any], created: list[dict[str, Any]]) -> None:
        op = self.operation
        async with self.db.transaction(reset=False) as conn:
            for item in body:
                if not isinstance(item, Mapping):
                    raise UnprocessableContent(detail="each row must be a JSON object")
                values = await self.before_create(self._writable(item))
                for argument, column in op.parents:
                    values[column.name] = self.arguments[argument]
                row = await self._insert(conn, self._with_generated(values))
                await self.after_write("create", row)
                created.append(row)

    async def delete_list(self) -> Any:
        values: dict[str, Any] = {}
        conditions, shape = self._conditions(values)
        if not shape and not self.operation.parents:
            raise BadRequest(detail="deleting every row is refused: give at least one filter")
        statement = self._statement(("delete_list", shape), lambda: sa.delete(self.table).where(*conditions()))
        async with self.db.transaction(reset=False) as conn:
            count = await self._write(conn, "delete", statement, values)
        return NoContent, self.operation.status, {"X-Total-Count": str(count)}

    # --- item ---------------------------------------------------------------------------------

    async def get_one(self) -> Any:
        values = self._item_values()
        statement = self._statement(
            ("get_one",), lambda: sa.select(*self._readable_columns()).where(*self._item_conditions())
        )
        row = await self.db.fetch_one(statement, values)
        if row is None:
            raise self._not_found()
        headers: dict[str, str] = {}
        etag = self._etag(row, headers)
        if etag is not None and _matches(self.request.headers.get("If-None-Match"), etag):
            return web.Response(status=304, headers=headers)
        return self._output(row), 200, headers

    async def update_one(self) -> Any:
        return await self._update("update_one", partial=True)

    async def replace_one(self) -> Any:
        return await self._update("replace_one", partial=False)

    async def delete_one(self) -> Any:
        values = self._item_values()
        conditions = self._item_conditions() + self._if_match(values)
        statement = self._statement(
            ("delete_one", "version" in values),
            lambda: sa.delete(self.table).where(*conditions).returning(*self._readable_columns()),
        )
        async with self.db.transaction(reset=False) as conn:
            try:
                row = await conn.fetch_one(statement, values)
            except UnprocessableContent as problem:
                raise _still_referenced(problem) from problem
            if row is None:
                raise await self._missing_or_changed(conn, values)
            await self.after_write("delete_one", row)
        return NoContent, self.operation.status, {}

    # --- the work -----------------------------------------------------------------------------

    async def _update(self, kind: str, *, partial: bool) -> Any:
        op = self.operation
        body = self.arguments[op.body]  # type: ignore[index]
        if not isinstance(body, Mapping):
            raise UnprocessableContent(detail="the body must be a JSON object")
        values = self._writable(body)
        if not partial:  # PUT: what is not sent goes back to its default
            for name, column in self.model.columns.items():
                if name not in values and not column.read_only and name != self.model.primary_key.name:
                    values[name] = None if column.default is MISSING else column.default
        values = await self.before_update(values)
        for argument, column in op.parents:
            values[column.name] = self.arguments[argument]
        async with self.db.transaction(reset=False) as conn:
            created = False
            if op.upsert and not partial:
                exists = await conn.fetch_one(
                    sa.select(self.table.c[self.model.primary_key.name]).where(*self._item_conditions()),
                    self._item_values(),
                )
                created = exists is None
                if created and "If-Match" in self.request.headers:  # RFC 9110: no row matches, not even *
                    raise PreconditionFailed(detail="If-Match: there is no current row to match")
                if created:
                    values[self.model.primary_key.name] = self._key_value()
                    row = await self._insert(conn, self._with_generated(values), upsert=True)
                    await self.after_write(kind, row)
                    headers: dict[str, str] = {}
                    self._etag(row, headers)
                    location = self._location(row)
                    if location:
                        headers["Location"] = location
                    return self._output(row), 201, headers
            if partial and any(
                self.model.columns[name].is_json and isinstance(v, Mapping) for name, v in values.items()
            ):
                read = sa.select(*self._json_columns()).where(*self._item_conditions())
                if self.db.is_postgresql:
                    read = read.with_for_update()
                else:  # no FOR UPDATE: a first (empty) write takes the write lock, so no merge is lost
                    key = self.table.c[self.model.primary_key.name]
                    lock = sa.update(self.table).where(*self._item_conditions()).values({key: key})
                    await conn.execute(lock, self._item_values())
                current = await conn.fetch_one(read, self._item_values())
                if current is None:
                    raise self._not_found()
                for name, value in list(values.items()):
                    if name in current and isinstance(value, Mapping):
                        values[name] = merge_patch(current[name], value)
            row = await self._update_row(conn, values)
            await self.after_write(kind, row)
        headers = {}
        self._etag(row, headers)
        return self._output(row), 200, headers

    async def _update_row(self, conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
        model = self.model
        bound = self._item_values()
        assignments: dict[str, Any] = {}
        for name, value in values.items():
            bound[f"v_{name}"] = model.columns[name].to_db(value) if value is not None else None
            assignments[name] = sa.bindparam(f"v_{name}", type_=self.table.c[name].type)
        for name, column in model.columns.items():
            if column.regenerate is not None and name not in values:
                bound[f"v_{name}"] = column.regenerate()
                assignments[name] = sa.bindparam(f"v_{name}", type_=self.table.c[name].type)
        if model.version is not None:
            assignments[model.version.name] = self.table.c[model.version.name] + 1
        conditions = self._item_conditions() + self._if_match(bound)
        statement: Any
        if not assignments:
            statement = sa.select(*self._readable_columns()).where(*conditions)
        else:
            statement = (
                sa.update(self.table).where(*conditions).values(assignments).returning(*self._readable_columns())
            )
        key = ("update", tuple(sorted(assignments)), "version" in bound)
        try:
            row = await conn.fetch_one(self._statement(key, lambda: statement), bound)
        except UnprocessableContent as problem:
            raise await self._name_reference(conn, problem, values) from problem
        if row is None:
            raise await self._missing_or_changed(conn, bound)
        return row

    async def _insert(
        self, conn: Connection | Database, values: dict[str, Any], *, upsert: bool = False
    ) -> dict[str, Any]:
        bound = {
            name: (self.model.columns[name].to_db(value) if value is not None else None)
            for name, value in values.items()
        }
        conflict = self.operation.upsert if (upsert or self.operation.kind == "create") else ()
        key = ("insert", tuple(sorted(bound)), conflict)

        def build() -> Any:
            dialect_insert = postgresql.insert if self.db.is_postgresql else sqlite.insert
            statement = dialect_insert(self.table).values(
                {name: sa.bindparam(name, type_=self.table.c[name].type) for name in bound}
            )
            if conflict:
                excluded = statement.excluded
                # the existing row keeps its key and what the server generated for it (created...)
                kept = {self.model.primary_key.name, *conflict}
                columns = self.model.columns
                update: dict[str, Any] = {
                    name: excluded[name]
                    for name in bound
                    if name not in kept and (not columns[name].read_only or columns[name].regenerate is not None)
                }
                if self.model.version is not None:
                    update[self.model.version.name] = self.table.c[self.model.version.name] + 1
                if update:
                    statement = statement.on_conflict_do_update(index_elements=list(conflict), set_=update)
                else:
                    statement = statement.on_conflict_do_nothing(index_elements=list(conflict))
            return statement.returning(*self._readable_columns())

        try:
            row = await conn.fetch_one(self._statement(key, build), bound)
        except UnprocessableContent as problem:
            raise await self._name_reference(conn, problem, values) from problem
        if row is None:  # on conflict do nothing: the row exists unchanged
            raise Conflict(detail=f"{', '.join(conflict)}: a row with this value already exists")
        return row

    async def _write(self, conn: Connection, kind: str, statement: Any, values: Mapping[str, Any]) -> int:
        try:
            return await conn.execute(statement, values)
        except UnprocessableContent as problem:
            raise _still_referenced(problem) from problem

    # --- statements ---------------------------------------------------------------------------

    def _statement(self, key: Any, build: Any) -> Any:
        """The statement of this shape, built once; per request when ``scope`` is overridden
        (its conditions may carry the request's values)."""
        op = self.operation
        if op.dynamic:
            return build()
        statement = op.statements.get(key)
        if statement is None:
            statement = build()
            if self.db.is_postgresql:
                statement = self.db.prepare(statement, key=(id(op), key))
            op.statements[key] = statement
        return statement

    def _conditions(self, values: dict[str, Any]) -> tuple[Callable[[], list[Any]], tuple[Any, ...]]:
        """The values of a collection request's WHERE conditions, the shape they give the
        statement, and how to build the conditions (only when no statement of that shape exists)."""
        op, args = self.operation, self.arguments
        builders: list[Callable[[], Any]] = []
        shape: list[Any] = []
        for index, (argument, column) in enumerate(op.parents):
            values[f"p{index}"] = column.to_db(args[argument])
        for index, item in enumerate(op.filters):
            if item.argument not in args:
                continue
            value = args[item.argument]
            if item.custom is not None:
                builders.append(functools.partial(getattr(self, item.custom), value))
                shape.append((index, "custom"))
                continue
            builder, extra = self._filter(item, index, value, values)
            builders.append(builder)
            shape.append((index, extra))

        def conditions() -> list[Any]:
            table = self.table
            built = [
                table.c[column.name] == sa.bindparam(f"p{index}", type_=table.c[column.name].type)
                for index, (_, column) in enumerate(op.parents)
            ]
            return built + [build() for build in builders] + self.scope()

        return conditions, tuple(shape)

    def _filter(self, item: Filter, index: int, value: Any, values: dict[str, Any]) -> tuple[Callable[[], Any], Any]:
        """Bind the filter's value now; the returned function builds its condition (only needed
        when no statement of this shape is cached yet)."""
        column_model = item.column
        assert column_model is not None
        name = f"f{index}"
        op = item.op
        _check_text(item.parameter, value)

        def column() -> Any:
            return self.table.c[column_model.name]

        if op == "isnull":
            return (lambda: column().is_(None) if value else column().is_not(None)), bool(value)
        if op == "in":
            values[name] = [column_model.to_db(v) for v in value]
            if self.db.is_postgresql:
                return (lambda: column() == sa.any_(sa.bindparam(name))), None
            return (lambda: column().in_(sa.bindparam(name, expanding=True))), None
        if op in ("like", "ilike"):
            # a backslash escapes the next character on both databases (PostgreSQL's default,
            # SQLite has none); a pattern ending with a lone one is an error on PostgreSQL
            pattern = str(value).replace("*", "%")
            if (len(pattern) - len(pattern.rstrip("\\"))) % 2:
                raise _query_error(item.parameter, "ends with an escaping backslash (write \\\\ for a backslash)")
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

    def _list_statement(
        self, conditions: list[Any], order: list[tuple[str, bool]], direction: str | None, search: Any,
        nulls: tuple[bool, ...] = (),
    ) -> Any:  # fmt: skip
        columns = [self.table.c[name] for name, _ in order]
        statement = sa.select(*self._readable_columns()).where(*conditions)
        if search:
            statement = statement.where(*self._search_conditions(len(search.split())))
        reverse = direction == "before"
        if direction is not None:
            statement = statement.where(_keyset(columns, [desc for _, desc in order], reverse, nulls))
        ordering = []
        for column, (_, descending) in zip(columns, order, strict=True):
            if not column.nullable:
                ordering.append(column.desc() if descending != reverse else column.asc())
            else:  # nulls after every value on both databases (SQLite puts them first)
                ordering.append(column.desc().nulls_first() if descending != reverse else column.asc().nulls_last())
        return statement.order_by(*ordering).limit(sa.bindparam("limit")).offset(sa.bindparam("offset"))

    def _count_statement(self, conditions: list[Any], search: Any) -> Any:
        statement = sa.select(sa.func.count().label("count")).select_from(self.table).where(*conditions)
        if search:
            statement = statement.where(*self._search_conditions(len(search.split())))
        return statement

    def _search_conditions(self, words: int) -> list[Any]:
        columns = [self.table.c[name] for name in self.operation.search_columns]
        if self.db.is_postgresql:
            document = sa.func.to_tsvector("simple", sa.func.concat_ws(" ", *columns))
            return [
                document.op("@@")(sa.func.plainto_tsquery("simple", sa.bindparam(f"s{index}")))
                for index in range(words)
            ]
        return [
            sa.or_(
                *(
                    sa.func.lower(column).like(sa.func.lower(sa.bindparam(f"s{index}")), escape="\\")
                    for column in columns
                )
            )
            for index in range(words)
        ]

    # --- reading the request ------------------------------------------------------------------

    def _order(self) -> list[tuple[str, bool]]:
        op = self.operation
        raw = self.arguments.get(op.roles.get("order_by", ""))
        if not raw:  # absent or empty (order_by=)
            if op.full_default_order is None:
                op.full_default_order = self._with_key(list(op.default_order))
            return op.full_default_order
        else:
            items = raw.split(",") if isinstance(raw, str) else raw
            order = []
            for item in items:
                item = str(item).strip()
                name = item.lstrip("+-")
                if name not in op.sortable:
                    raise _query_error("order_by", f"cannot order by {name!r}: one of {', '.join(sorted(op.sortable))}")
                order.append((name, item.startswith("-")))
        return self._with_key(order)

    def _with_key(self, order: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
        key = self.model.primary_key.name
        if key not in [name for name, _ in order]:
            order.append((key, order[-1][1] if order else False))  # the key breaks ties
        return order

    def _fields(self) -> tuple[str, ...] | None:
        raw = self.arguments.get(self.operation.roles.get("fields", ""))
        if raw is None:
            return None
        names = raw.split(",") if isinstance(raw, str) else raw
        unknown = [name for name in names if name not in self.model.readable and name not in self.model.computed]
        if unknown:
            raise _query_error(
                "fields", f"unknown field(s) {', '.join(unknown)}: one of {', '.join(self.model.readable)}"
            )
        return tuple(names)

    def _count_asked(self) -> bool:
        argument = self.operation.roles.get("count")
        if argument is not None and self.arguments.get(argument):
            return True
        prefer = self.request.headers.get("Prefer", "")
        return "count=exact" in prefer.replace(" ", "")

    def _read_cursor(self, text: str, order: list[tuple[str, bool]]) -> tuple[str, list[Any]]:
        assert self.operation.cursors is not None
        decoded = self.operation.cursors.decode(text)
        if decoded is None:
            raise _query_error("cursor", "not a cursor this service made (pass back a Link header's cursor as it is)")
        direction, cursor_order, raw_values = decoded
        if cursor_order != _order_text(order):
            raise _query_error("cursor", "the cursor was made for another order_by")
        if len(raw_values) != len(order):
            raise _query_error("cursor", "not a cursor this service made")
        converted = []
        for (name, _), value in zip(order, raw_values, strict=True):
            converted.append(None if value is None else self.model.columns[name].to_db(value))
        return direction, converted

    def _writable(self, body: Mapping[str, Any]) -> dict[str, Any]:
        values: dict[str, Any] = {}
        unknown = []
        for name, value in body.items():
            column = self.model.columns.get(name)
            if column is None:
                if name not in self.model.computed:
                    unknown.append(name)
                continue
            if column.read_only:
                continue
            values[name] = value
        if unknown:
            raise UnprocessableContent(
                detail=f"not a column of {self.table.name}: {', '.join(unknown)}",
                violations=[Violation("body", "/" + name, "not a column") for name in unknown],
            )
        return values

    def _with_generated(self, values: dict[str, Any]) -> dict[str, Any]:
        now = None  # one instant for every "now" column of a row (created == updated on insert)
        for name, column in self.model.columns.items():
            if name in values:
                continue
            if column.generate is _now:
                now = now or _now()
                values[name] = now
            elif column.generate is not None:
                values[name] = column.generate()
            elif column.default is not MISSING:
                values[name] = column.default
        return values

    def _key_value(self) -> Any:
        return self.arguments[self.operation.key]  # type: ignore[index]

    def _item_values(self) -> dict[str, Any]:
        op, args = self.operation, self.arguments
        values = {"key": self.model.primary_key.to_db(self._key_value())}
        for index, (argument, column) in enumerate(op.parents):
            values[f"p{index}"] = column.to_db(args[argument])
        return values

    def _item_conditions(self) -> list[Any]:
        key = self.model.primary_key.name
        conditions = [self.table.c[key] == sa.bindparam("key", type_=self.table.c[key].type)]
        for index, (_, column) in enumerate(self.operation.parents):
            conditions.append(
                self.table.c[column.name] == sa.bindparam(f"p{index}", type_=self.table.c[column.name].type)
            )
        return conditions + self.scope()

    def _if_match(self, values: dict[str, Any]) -> list[Any]:
        header = self.request.headers.get("If-Match")
        if header is None or header.strip() == "*":
            return []
        version = self.model.version
        tags = [tag.strip() for tag in header.split(",")]
        texts = [tag[1:-1] for tag in tags if len(tag) > 2 and tag.startswith('"') and tag.endswith('"')]
        numbers = [int(text) for text in texts if text.isascii() and text.isdigit()]  # not "²"
        numbers = [number for number in numbers if number < 2**31]  # larger ones are none of ours
        if version is None or not numbers:
            raise PreconditionFailed(detail="If-Match does not match the current version")
        values["version"] = numbers  # any of the listed versions
        column = self.table.c[version.name]
        if self.db.is_postgresql:
            return [column == sa.any_(sa.bindparam("version", type_=postgresql.ARRAY(sa.Integer())))]
        return [column.in_(sa.bindparam("version", expanding=True))]

    # --- answers ------------------------------------------------------------------------------

    def _readable_columns(self) -> list[Any]:
        return [self.table.c[name] for name in self.model.readable]

    def _json_columns(self) -> list[Any]:
        return [self.table.c[name] for name, column in self.model.columns.items() if column.is_json]

    def _output(self, row: Mapping[str, Any], fields: Sequence[str] | None = None) -> dict[str, Any]:
        columns = self.model.columns
        output = {}
        for name in self.model.readable:
            value = row[name]
            convert = columns[name].to_api
            output[name] = convert(value) if convert is not None and value is not None else value
        output = self.serialize(output)
        if fields is not None:
            output = {name: output[name] for name in fields if name in output}
        return output

    def _etag(self, row: Mapping[str, Any], headers: dict[str, str]) -> str | None:
        version = self.model.version
        if version is None or row.get(version.name) is None:
            return None
        etag = f'"{row[version.name]}"'
        headers["ETag"] = etag
        return etag

    def _location(self, row: Mapping[str, Any]) -> str | None:
        op = self.operation
        if op.item_path is None:
            return None
        path = op.item_path
        info = self.request.match_info
        for index, name in enumerate(op.item_placeholders):
            last = index == len(op.item_placeholders) - 1
            value = row[self.model.primary_key.name] if last else info.get(name, row.get(name))
            path = path.replace("{" + name + "}", _quote(str(value)))
        return path

    def _links(
        self, rows: list[dict[str, Any]], order: list[tuple[str, bool]], limit: int, offset: int,
        direction: str | None, more: bool, total: int | None,
    ) -> dict[str, dict[str, str | None]]:  # fmt: skip
        op = self.operation
        links: dict[str, dict[str, str | None]] = {}
        if "cursor" in op.roles and op.cursors is not None and "offset" not in self.request.query:
            names = [name for name, _ in order]
            text = _order_text(order)
            links["first"] = {"cursor": None}
            has_next = more if direction != "before" else True
            has_prev = direction == "after" or (direction == "before" and more)
            if rows and has_prev:
                links["prev"] = {"cursor": op.cursors.encode("before", text, [_jsonable(rows[0][n]) for n in names])}
            if rows and has_next:
                links["next"] = {"cursor": op.cursors.encode("after", text, [_jsonable(rows[-1][n]) for n in names])}
            return links
        if "offset" not in op.roles:  # links only with parameters the operation declares
            return links
        size = {"limit": str(limit)} if "limit" in op.roles else {}
        links["first"] = {"offset": None, **size}
        if offset > 0:
            links["prev"] = {"offset": str(offset - limit) if offset > limit else None, **size}
        if more:
            links["next"] = {"offset": str(offset + limit), **size}
        if total is not None and total > 0:
            links["last"] = {"offset": str(((total - 1) // limit) * limit), **size}
        return links

    def _not_found(self) -> NotFound:
        return NotFound(detail=f"no {self.model.schema_name} with {self.model.primary_key.name} {self._key_value()!r}")

    async def _missing_or_changed(self, conn: Connection, values: Mapping[str, Any]) -> ProblemException:
        key = self.model.primary_key.name
        exists = await conn.fetch_one(sa.select(self.table.c[key]).where(*self._item_conditions()), values)
        if exists is None:
            return self._not_found()
        return PreconditionFailed(detail="If-Match does not match the current version; fetch the row again")

    async def _name_reference(
        self, conn: Connection | Database, problem: UnprocessableContent, values: Mapping[str, Any]
    ) -> ProblemException:
        """SQLite does not say which foreign key failed: find the value that refers to nothing."""
        if getattr(problem, "constraint", "") != "ForeignKeyViolationError" or getattr(problem, "columns", None):
            return problem
        for name, column in self.model.columns.items():
            for key in self.table.c[name].foreign_keys:
                value = values.get(name)
                if value is None:
                    continue
                target = key.column
                found = await conn.fetch_one(
                    sa.select(target).where(target == sa.bindparam("v", type_=target.type)), {"v": column.to_db(value)}
                )
                if found is None:
                    return UnprocessableContent(
                        detail=f"{name}: no such referenced row ({target.table.name}.{target.name} = {value!r})",
                        violations=[Violation("body", "/" + name, "refers to a row that does not exist")],
                    )
        return problem


def _keyset(columns: list[Any], descending: list[bool], reverse: bool, nulls: tuple[bool, ...] = ()) -> Any:
    """Rows strictly after the cursor's (before, when ``reverse``) in the order, nulls sorting
    after every value (``nulls``: which cursor values are null): one row-value comparison when
    every column sorts the same way and none can be null (an index serves it), else the expansion
    ``a > x OR (a = x AND (b < y OR (b = y AND ...)))``."""
    binds = [sa.bindparam(f"k{index}", type_=column.type) for index, column in enumerate(columns)]
    forward = [desc == reverse for desc in descending]  # True: later rows have greater values
    nulls = nulls or (False,) * len(columns)
    if (all(forward) or not any(forward)) and not any(column.nullable for column in columns):
        left, right = sa.tuple_(*columns), sa.tuple_(*binds)
        return left > right if forward[0] else left < right
    condition = None
    for column, bind, up, null in reversed(list(zip(columns, binds, forward, nulls, strict=True))):
        if null:  # null is the greatest value, equal to itself
            step, same = (sa.false() if up else column.is_not(None)), column.is_(None)
        else:
            step, same = (column > bind if up else column < bind), column == bind
            if up and column.nullable:
                step = sa.or_(step, column.is_(None))
        condition = step if condition is None else sa.or_(step, sa.and_(same, condition))
    return condition


_COMPARISONS = {"eq": "__eq__", "ne": "__ne__", "gt": "__gt__", "ge": "__ge__", "lt": "__lt__", "le": "__le__"}


def _order_text(order: list[tuple[str, bool]]) -> list[str]:
    return [("-" if descending else "") + name for name, descending in order]


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _matches(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


def _check_text(name: str, value: Any) -> None:
    """A NUL character in a query value: a 400 on both databases (PostgreSQL's text cannot hold one)."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and "\x00" in item:
            raise _query_error(name, "must not contain a NUL character")


def _query_error(name: str, message: str) -> RequestValidationError:
    return RequestValidationError(
        detail=f"invalid query parameter {name!r}: {message}", violations=[Violation("query", name, message)]
    )


def _still_referenced(problem: UnprocessableContent) -> ProblemException:
    if getattr(problem, "constraint", "") == "ForeignKeyViolationError":
        return Conflict(detail="the row is still referenced by other rows; delete or change those first")
    return problem


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch: ``null`` removes a member, objects merge, anything else replaces."""
    if not isinstance(patch, Mapping):
        return patch
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result
