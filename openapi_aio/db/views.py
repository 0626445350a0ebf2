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
is read in :mod:`.query`, rows are written in :mod:`.writes`, and the SQL is built (once per
shape, values always bound) in :mod:`.statements`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import sqlalchemy as sa
from aiohttp import web

from openapi_aio.db import embedded_rows, query, ranges, search, statements, writes
from openapi_aio.db.pagination import link_header
from openapi_aio.db.writes import merge_patch
from openapi_aio.endpoints.responses import NoContent
from openapi_aio.errors import BadRequest, NotFound, UnprocessableContent
from openapi_aio.keys import ARGUMENTS, TOKEN_INFO, USER

if TYPE_CHECKING:
    from openapi_aio.db.datastore import Database
    from openapi_aio.db.resources import ResourceOperation
    from openapi_aio.db.tables import TableModel

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
        self._check_request()
        op, args = self.operation, self.arguments
        values: dict[str, Any] = {}
        conditions, shape = statements.collection_conditions(self, values)
        order = query.order(op, args, self.model)
        limit, offset = query.page(op, args)
        direction = None
        nulls: tuple[bool, ...] = ()  # which cursor values are null: they change the statement
        cursor_text = args.get(op.roles.get("cursor", ""))
        if cursor_text:  # cursor= (empty) is the first page; an offset skips rows past the cursor
            direction, cursor_values = query.read_cursor(op, self.model, cursor_text, order)
            nulls = statements.bind_cursor(cursor_values, values)
        if op.embeds:
            fields, embeds = embedded_rows.asked(op, args)
        else:
            fields, embeds = query.fields(op, args, self.model), None
        words = query.search_words(op, args)
        if words:
            search.bind(self, words, values)
            shape += (("search", len(words)),)
        values["limit"] = limit + 1  # one more tells whether a next page exists
        values["offset"] = offset
        to_one = embedded_rows.joined(op, embeds)  # embedded to-one rows come with the page
        key = ("list", shape, tuple(order), direction, nulls, to_one)
        statement = statements.cached(
            self,
            key,
            lambda: statements.list_statement(self, conditions(), order, direction, len(words), nulls, to_one),
            dynamic=any(relation.dynamic for relation in to_one),
        )
        rows = await self.db.fetch_all(statement, values)
        more = len(rows) > limit
        rows = rows[:limit]
        if not rows and op.parents:  # an empty page: does the parent in the path exist at all?
            missing = await writes.parent_missing(self)
            if missing is not None:
                raise missing
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
        if embeds:
            plain = op.plain_rows and fields is None  # the rows become the answers, in place
            outputs = rows if plain else [self._output(row, fields) for row in rows]
            outputs = await embedded_rows.attach(self, rows, outputs, embeds, to_one)
            return (_without_nulls(outputs, self.model.omit_null) if plain else outputs), 200, headers
        if op.plain_rows and fields is None:  # the rows are already what the client gets
            return _without_nulls(rows, self.model.omit_null), 200, headers
        return [self._output(row, fields) for row in rows], 200, headers

    async def create(self) -> Any:
        """POST on the collection: one row, or an array of rows in one transaction."""
        self._check_request(body=True)
        op = self.operation
        body = self.arguments[op.body]  # type: ignore[index]
        many = isinstance(body, list)
        created = []
        if not many and not op.after_write_hook:  # one INSERT ... RETURNING is atomic by itself
            created.append(await writes.insert(self, self.db, await writes.new_row(self, body)))
        else:
            async with self.db.transaction(reset=False) as conn:
                for item in body if many else [body]:
                    row = await writes.insert(self, conn, await writes.new_row(self, item))
                    await self.after_write("create", row)
                    created.append(row)
        headers: dict[str, str] = {}
        if not many:
            self._location(created[0], headers)
            self._etag(created[0], headers)
        output = [self._output(row) for row in created]
        await writes.announce(self, "created", created)
        return (output if many else output[0]), op.status, headers

    async def delete_list(self) -> Any:
        """DELETE on the collection: the filtered rows (at least one filter or parent)."""
        self._check_request()
        values: dict[str, Any] = {}
        conditions, shape = statements.collection_conditions(self, values)
        if not shape and not self.operation.parents:
            raise BadRequest(detail="deleting every row is refused: give at least one filter")
        statement = statements.cached(self, ("delete_list", shape), lambda: sa.delete(self.table).where(*conditions()))
        async with self.db.transaction(reset=False) as conn:
            try:
                count = await conn.execute(statement, values)
            except UnprocessableContent as problem:
                raise writes.still_referenced(problem) from problem
        return NoContent, self.operation.status, {"X-Total-Count": str(count)}

    # --- item ---------------------------------------------------------------------------------

    async def get_one(self) -> Any:
        """GET on the item (304 when ``If-None-Match`` names its ETag, unless rows are embedded:
        the ETag is the row's own version, which an embedded row's change does not move)."""
        self._check_request()
        op = self.operation
        if op.embeds:
            fields, embeds = embedded_rows.asked(op, self.arguments)
        else:
            fields, embeds = query.fields(op, self.arguments, self.model), None
        values = statements.item_values(self)
        to_one = embedded_rows.joined(op, embeds)  # embedded to-one rows come with the row
        statement = statements.cached(
            self,
            ("get_one", to_one),
            lambda: statements.item_statement(self, to_one),
            dynamic=any(relation.dynamic for relation in to_one),
        )
        row = await self.db.fetch_one(statement, values)
        if row is None:
            raise self._not_found()
        headers: dict[str, str] = {}
        etag = self._etag(row, headers)
        if embeds:
            outputs = await embedded_rows.attach(self, [row], [self._output(row, fields)], embeds, to_one)
            if not outputs:  # a to-one row that cannot be null is not there (see embedded_rows)
                raise self._not_found()
            return outputs[0], 200, headers
        if etag is not None and query.matches(self.request.headers.get("If-None-Match"), etag):
            return web.Response(status=304, headers=headers)
        return self._output(row, fields), 200, headers

    async def update_one(self) -> Any:
        """PATCH on the item: a JSON merge patch."""
        self._check_request(body=True)
        row, status, headers = await writes.update(self, "update_one", partial=True)
        await writes.announce(self, "updated", [row])
        return self._output(row), status, headers

    async def replace_one(self) -> Any:
        """PUT on the item: the whole row (with ``upsert``, created when missing)."""
        self._check_request(body=True)
        row, status, headers = await writes.update(self, "replace_one", partial=False)
        await writes.announce(self, "created" if status == 201 else "updated", [row])
        return self._output(row), status, headers

    async def delete_one(self) -> Any:
        """DELETE on the item (``If-Match`` checked)."""
        self._check_request()
        values = statements.item_values(self, self._if_match())
        async with self.db.transaction(reset=False) as conn:
            row = await writes.delete_row(self, values, conn)
            await self.after_write("delete_one", row)
        await writes.announce(self, "deleted", [row])
        return NoContent, self.operation.status, {}

    # --- answers (the write paths in .writes use them too) ------------------------------------

    def _output(self, row: Mapping[str, Any], fields: Sequence[str] | None = None) -> dict[str, Any]:
        """The row as its schema says: a NULL the schema does not admit (an optional member never
        given) is left out rather than answered as ``null``; sparse ``fields`` keep the required
        members, so every answer is still a valid instance of the schema."""
        columns = self.model.columns
        output: dict[str, Any] = {}
        for name in self.model.readable:
            value = row[name]
            if value is None:
                if name not in self.model.omit_null:
                    output[name] = None
                continue
            convert = columns[name].to_api
            output[name] = convert(value) if convert is not None else value
        output = self.serialize(output)
        if fields is not None:
            kept = self.model.required.union(fields)
            output = {name: value for name, value in output.items() if name in kept}
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
        return NotFound(detail=f"no {self.model.schema_name} with {self.model.primary_key.name} {_clipped(key)}")

    def _check_request(self, body: bool = False) -> None:
        """Values their columns cannot hold (:mod:`.ranges`), before any SQL: a 404 for a key or
        parent in the path (no row can have it), a 400 naming the filter or body property."""
        op, args, sqlite = self.operation, self.arguments, not self.db.is_postgresql
        if op.key is not None and op.key in args and ranges.unfit(self.model.primary_key, args[op.key], sqlite):
            raise self._not_found()
        for argument, column in op.parents:
            if argument in args and ranges.unfit(column, args[argument], sqlite):
                raise NotFound(detail=f"no row has {argument} {_clipped(args[argument])}")
        for item in op.filters:
            if item.column is None or item.custom is not None or item.argument not in args or item.op == "isnull":
                continue
            value = args[item.argument]
            for one in value if isinstance(value, list) else [value]:
                message = ranges.unfit(item.column, one, sqlite)
                if message is not None:
                    raise query.query_error(item.parameter, message)
        if body and op.body is not None and op.body in args:
            problem = ranges.body_problem(self.model.columns, args[op.body], sqlite)
            if problem is not None:
                raise problem

    def _if_match(self) -> list[int] | None:
        return query.if_match_versions(self.request.headers.get("If-Match"), self.model)


def _without_nulls(rows: list[dict[str, Any]], omit: Sequence[str]) -> list[dict[str, Any]]:
    """``rows`` without the NULLs of ``omit`` (columns whose schema admits no null), in place."""
    if omit:
        for row in rows:
            for name in omit:
                if row[name] is None:
                    del row[name]
    return rows


def _clipped(value: Any) -> str:
    """A path value for a message: its repr, cut short (a path may be kilobytes long)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
