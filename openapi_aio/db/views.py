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

This module holds what each operation does and in which transaction; what the request asks for
is read in :mod:`.query`, and the SQL is built (once per shape, values always bound) in
:mod:`.statements`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlalchemy as sa
from aiohttp import web

from ..errors import (
    BadRequest,
    Conflict,
    NotFound,
    PreconditionFailed,
    ProblemException,
    UnprocessableContent,
    Violation,
)
from ..keys import ARGUMENTS, TOKEN_INFO, USER
from ..responses import NoContent
from ..spec.model import MISSING
from ..ws.hub import HUB
from . import query, statements
from .pagination import link_header
from .tables import _now

if TYPE_CHECKING:
    from .datastore import Connection, Database
    from .resources import ResourceOperation
    from .tables import TableModel

log = logging.getLogger("openapi_aio.db")

__all__ = ["CrudView", "merge_patch"]


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
        """GET on the collection: one page of rows (filters, order, cursor or offset, ``Link``)."""
        op, args = self.operation, self.arguments
        values: dict[str, Any] = {}
        conditions, shape = statements.collection_conditions(self, values)
        order = query.order(op, args, self.model)
        limit, offset = query.page(op, args)
        direction = None
        nulls: tuple[bool, ...] = ()  # which cursor values are null: they change the statement
        cursor_text = args.get(op.roles.get("cursor", ""))
        if cursor_text is not None:
            if offset:
                raise query.query_error("cursor", "cursor and offset cannot be used together")
            direction, cursor_values = query.read_cursor(op, self.model, cursor_text, order)
            nulls = statements.bind_cursor(cursor_values, values)
        fields = query.fields(op, args, self.model)
        words = query.search_words(op, args)
        if words:
            statements.bind_search(self, words, values)
            shape += (("search", len(words)),)
        values["limit"] = limit + 1  # one more tells whether a next page exists
        values["offset"] = offset
        key = ("list", shape, tuple(order), direction, nulls)
        statement = statements.cached(
            self, key, lambda: statements.list_statement(self, conditions(), order, direction, len(words), nulls)
        )
        rows = await self.db.fetch_all(statement, values)
        more = len(rows) > limit
        rows = rows[:limit]
        if direction == "before":
            rows.reverse()
        headers: dict[str, str] = {}
        total = None
        if query.count_asked(op, args, self.request.headers):
            count_key = ("count", shape)
            count = statements.cached(
                self, count_key, lambda: statements.count_statement(self, conditions(), len(words))
            )
            total = (await self.db.fetch_all(count, values))[0]["count"]
            headers["X-Total-Count"] = str(total)
            headers["Preference-Applied"] = "count=exact"
        links = query.page_links(op, self.request.query, rows, order, limit, offset, direction, more, total)
        if links:
            headers["Link"] = link_header(self.request.rel_url, links)
        if op.plain_rows and fields is None:  # the rows are already what the client gets
            return rows, 200, headers
        return [self._output(row, fields) for row in rows], 200, headers

    async def create(self) -> Any:
        """POST on the collection: one row, or an array of rows in one transaction."""
        op = self.operation
        body = self.arguments[op.body]  # type: ignore[index]
        many = isinstance(body, list)
        created = []
        if not many and not op.after_write_hook:  # one INSERT ... RETURNING is atomic by itself
            created.append(await self._insert(self.db, await self._new_row(body)))
        else:
            async with self.db.transaction(reset=False) as conn:
                for item in body if many else [body]:
                    row = await self._insert(conn, await self._new_row(item))
                    await self.after_write("create", row)
                    created.append(row)
        headers: dict[str, str] = {}
        if not many:
            self._location(created[0], headers)
            self._etag(created[0], headers)
        output = [self._output(row) for row in created]
        await self._announce("created", output)
        return (output if many else output[0]), op.status, headers

    async def delete_list(self) -> Any:
        """DELETE on the collection: the filtered rows (at least one filter or parent)."""
        values: dict[str, Any] = {}
        conditions, shape = statements.collection_conditions(self, values)
        if not shape and not self.operation.parents:
            raise BadRequest(detail="deleting every row is refused: give at least one filter")
        statement = statements.cached(self, ("delete_list", shape), lambda: sa.delete(self.table).where(*conditions()))
        async with self.db.transaction(reset=False) as conn:
            try:
                count = await conn.execute(statement, values)
            except UnprocessableContent as problem:
                raise _still_referenced(problem) from problem
        return NoContent, self.operation.status, {"X-Total-Count": str(count)}

    # --- item ---------------------------------------------------------------------------------

    async def get_one(self) -> Any:
        """GET on the item (304 when ``If-None-Match`` names its ETag)."""
        values = statements.item_values(self)
        statement = statements.cached(
            self,
            ("get_one",),
            lambda: sa.select(*statements.readable_columns(self)).where(*statements.item_conditions(self)),
        )
        row = await self.db.fetch_one(statement, values)
        if row is None:
            raise self._not_found()
        headers: dict[str, str] = {}
        etag = self._etag(row, headers)
        if etag is not None and query.matches(self.request.headers.get("If-None-Match"), etag):
            return web.Response(status=304, headers=headers)
        return self._output(row), 200, headers

    async def update_one(self) -> Any:
        """PATCH on the item: a JSON merge patch."""
        body, status, headers = await self._update("update_one", partial=True)
        await self._announce("updated", [body])
        return body, status, headers

    async def replace_one(self) -> Any:
        """PUT on the item: the whole row (with ``upsert``, created when missing)."""
        body, status, headers = await self._update("replace_one", partial=False)
        await self._announce("created" if status == 201 else "updated", [body])
        return body, status, headers

    async def delete_one(self) -> Any:
        """DELETE on the item (``If-Match`` checked)."""
        values = statements.item_values(self, self._if_match())
        versioned = "version" in values

        def build() -> Any:
            conditions = statements.item_conditions(self, versioned)
            return sa.delete(self.table).where(*conditions).returning(*statements.readable_columns(self))

        statement = statements.cached(self, ("delete_one", versioned), build)
        async with self.db.transaction(reset=False) as conn:
            try:
                row = await conn.fetch_one(statement, values)
            except UnprocessableContent as problem:
                raise _still_referenced(problem) from problem
            if row is None:
                raise await self._missing_or_changed(conn, values)
            await self.after_write("delete_one", row)
        await self._announce("deleted", [self._output(row)])
        return NoContent, self.operation.status, {}

    # --- writing ------------------------------------------------------------------------------

    async def _announce(self, event: str, rows: list[Any]) -> None:
        """``x-resource: {events: channel}``: tell websocket subscribers in every process, after
        the write is committed. The write stands even when the broker is down (logged)."""
        channel = self.operation.events
        if channel is None:
            return
        hub = self.request.app[HUB]
        for row in rows:
            try:
                await hub.publish(channel, event, row)
            except ProblemException as problem:
                log.warning("%s %s not announced on %r: %s", self.model.schema_name, event, channel, problem.detail)

    async def _new_row(self, body: Any) -> dict[str, Any]:
        """A row to insert: the body's columns through ``before_create``, the parents of the
        path, then what the server generates."""
        if not isinstance(body, Mapping):
            raise UnprocessableContent(detail="each row must be a JSON object")
        values = await self.before_create(self._writable(body))
        for argument, column in self.operation.parents:
            values[column.name] = self.arguments[argument]
        return self._with_generated(values)

    async def _update(self, kind: str, *, partial: bool) -> Any:
        """PATCH (``partial``: a merge patch) or PUT (a replacement; with upsert, maybe a create)."""
        op = self.operation
        body = self.arguments[op.body]  # type: ignore[index]
        if not isinstance(body, Mapping):
            raise UnprocessableContent(detail="the body must be a JSON object")
        values = self._writable(body)
        key = self.model.primary_key
        path_key = self.arguments[op.key]  # type: ignore[index]
        # the path names the row: a body may repeat its key, not change it
        if key.name in values and key.to_db(values.pop(key.name)) != key.to_db(path_key):
            raise UnprocessableContent(
                detail=f"{key.name} in the body differs from the path's",
                violations=[Violation("body", "/" + key.name, "must equal the path's key (keys do not change)")],
            )
        if not partial:  # PUT: what is not sent goes back to its default
            for name, column in self.model.columns.items():
                if name not in values and not column.read_only and name != self.model.primary_key.name:
                    values[name] = None if column.default is MISSING else column.default
        values = await self.before_update(values)
        for argument, column in op.parents:
            values[column.name] = self.arguments[argument]
        headers: dict[str, str] = {}
        async with self.db.transaction(reset=False) as conn:
            if op.upsert and not partial and not await self._exists(conn):
                if "If-Match" in self.request.headers:  # RFC 9110: no row matches, not even *
                    raise PreconditionFailed(detail="If-Match: there is no current row to match")
                values[self.model.primary_key.name] = self.arguments[op.key]  # type: ignore[index]
                row = await self._insert(conn, self._with_generated(values), upsert=True)
                await self.after_write(kind, row)
                self._etag(row, headers)
                self._location(row, headers)
                return self._output(row), 201, headers
            if partial and any(
                self.model.columns[name].is_json and isinstance(value, Mapping) for name, value in values.items()
            ):
                await self._merge_json(conn, values)
            row = await self._update_row(conn, values)
            await self.after_write(kind, row)
        self._etag(row, headers)
        return self._output(row), 200, headers

    async def _exists(self, conn: Connection) -> bool:
        statement = statements.cached(self, ("exists",), lambda: statements.exists_statement(self))
        return await conn.fetch_one(statement, statements.item_values(self)) is not None

    async def _merge_json(self, conn: Connection, values: dict[str, Any]) -> None:
        """Merge the patch's JSON objects into the stored ones (RFC 7396), the row locked first
        so that concurrent patches of one object lose nothing."""
        if not self.db.is_postgresql:  # no FOR UPDATE: an empty write takes the lock
            lock = statements.cached(self, ("write_lock",), lambda: statements.write_lock_statement(self))
            await conn.execute(lock, statements.item_values(self))
        read = statements.cached(self, ("json_read",), lambda: statements.json_read_statement(self))
        current = await conn.fetch_one(read, statements.item_values(self))
        if current is None:
            raise self._not_found()
        for name, value in list(values.items()):
            if name in current and isinstance(value, Mapping):
                values[name] = merge_patch(current[name], value)

    async def _update_row(self, conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
        bound = statements.item_values(self)
        names = statements.bind_assignments(self, values, bound)
        versions = self._if_match()
        if versions is not None:
            bound["version"] = versions
        versioned = versions is not None
        statement = statements.cached(
            self, ("update", names, versioned), lambda: statements.update_statement(self, names, versioned)
        )
        try:
            row = await conn.fetch_one(statement, bound)
        except UnprocessableContent as problem:
            raise await self._name_reference(conn, problem, values) from problem
        if row is None:
            raise await self._missing_or_changed(conn, bound)
        return row

    async def _insert(
        self, conn: Connection | Database, values: dict[str, Any], *, upsert: bool = False
    ) -> dict[str, Any]:
        columns = self.model.columns
        bound = {name: (columns[name].to_db(value) if value is not None else None) for name, value in values.items()}
        conflict = self.operation.upsert if (upsert or self.operation.kind == "create") else ()
        names = tuple(sorted(bound))
        statement = statements.cached(
            self, ("insert", names, conflict), lambda: statements.insert_statement(self, names, conflict)
        )
        try:
            row = await conn.fetch_one(statement, bound)
        except UnprocessableContent as problem:
            raise await self._name_reference(conn, problem, values) from problem
        if row is None:  # the row exists unchanged (nothing to update, or not the request's to update)
            raise Conflict(detail=f"{', '.join(conflict)}: a row with this value already exists")
        return row

    def _if_match(self) -> list[int] | None:
        return query.if_match_versions(self.request.headers.get("If-Match"), self.model)

    def _writable(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """The body's column values; read-only ones dropped, computed ones ignored, others a 422."""
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
        """``values`` completed with generated values (keys, "now"...) and the schema's defaults."""
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

    # --- answers ------------------------------------------------------------------------------

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

    def _location(self, row: Mapping[str, Any], headers: dict[str, str]) -> None:
        """``Location``: the created row's URL, from the GET item path of its schema (if any)."""
        op = self.operation
        if op.item_path is None:
            return
        path = op.item_path
        info = self.request.match_info
        for index, name in enumerate(op.item_placeholders):
            last = index == len(op.item_placeholders) - 1
            value = row[self.model.primary_key.name] if last else info.get(name, row.get(name))
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        headers["Location"] = path

    def _not_found(self) -> NotFound:
        key = self.arguments[self.operation.key]  # type: ignore[index]
        return NotFound(detail=f"no {self.model.schema_name} with {self.model.primary_key.name} {key!r}")

    async def _missing_or_changed(self, conn: Connection, values: Mapping[str, Any]) -> ProblemException:
        """No row written: a 404 when there is none, else a 412 (``If-Match`` named another version)."""
        statement = statements.cached(self, ("exists",), lambda: statements.exists_statement(self))
        if await conn.fetch_one(statement, values) is None:
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


def _still_referenced(problem: UnprocessableContent) -> ProblemException:
    """A delete refused by a foreign key: other rows still refer to this one (SQLite names none)."""
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
