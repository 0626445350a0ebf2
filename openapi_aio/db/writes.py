"""The write paths of :class:`~.views.CrudView`: rows to insert, updates, and what a refusal means.

The view's operations call these with the view itself, as :mod:`.statements` does, so a subclass's
hooks (``before_create``, ``before_update``, ``after_write``, ``serialize``) take part in every
write. Values become bound parameters here; the SQL is built in :mod:`.statements`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

import asyncpg
import sqlalchemy as sa

from openapi_aio.db import statements
from openapi_aio.db.columns import _now
from openapi_aio.db.events import row_channel
from openapi_aio.endpoints.serialization import json_default
from openapi_aio.errors import (
    Conflict,
    NotFound,
    PreconditionFailed,
    ProblemException,
    UnprocessableContent,
    Violation,
)
from openapi_aio.keys import HUB
from openapi_aio.spec.model import MISSING

if TYPE_CHECKING:
    from openapi_aio.db.datastore import Connection, Database
    from openapi_aio.db.views import CrudView

log = logging.getLogger("openapi_aio.db")

__all__ = ["announce", "insert", "merge_patch", "missing_or_changed", "new_row", "still_referenced", "update"]


async def announce(view: CrudView, event: str, rows: list[dict[str, Any]]) -> None:
    """``x-resource: {events: channel}``: tell websocket subscribers in every process, after
    the write is committed. The write stands even when the broker is down (logged).

    The row goes as JSON would carry it (the readable columns, before ``serialize``) on the
    channel's hidden row channel: each process shows it to each subscriber as that subscriber's
    reads would (:mod:`.events`), so the memory broker and the others behave alike."""
    channel = view.operation.events
    if channel is None:
        return
    hub = view.request.app[HUB]
    columns = view.model.columns
    for row in rows:
        values = {}
        for name in view.model.readable:
            value, convert = row[name], columns[name].to_api
            values[name] = convert(value) if convert is not None and value is not None else value
        data = json.loads(json.dumps(values, default=json_default))
        try:
            await hub.publish(row_channel(channel), event, data)
        except ProblemException as problem:
            log.warning("%s %s not announced on %r: %s", view.model.schema_name, event, channel, problem.detail)


async def new_row(view: CrudView, body: Any) -> dict[str, Any]:
    """A row to insert: the body's columns through ``before_create``, the parents of the
    path, then what the server generates."""
    if not isinstance(body, Mapping):
        raise UnprocessableContent(detail="each row must be a JSON object")
    values = await view.before_create(_writable(view, body))
    for argument, column in view.operation.parents:
        values[column.name] = view.arguments[argument]
    return _with_generated(view, values)


async def update(view: CrudView, kind: str, *, partial: bool) -> Any:
    """PATCH (``partial``: a merge patch) or PUT (a replacement; with upsert, maybe a create):
    the row as stored (for :func:`announce`), its status and headers."""
    op = view.operation
    body = view.arguments[op.body]  # type: ignore[index]
    if not isinstance(body, Mapping):
        raise UnprocessableContent(detail="the body must be a JSON object")
    values = _writable(view, body)
    key = view.model.primary_key
    path_key = view.arguments[op.key]  # type: ignore[index]
    # the path names the row: a body may repeat its key, not change it
    if key.name in values and key.to_db(values.pop(key.name)) != key.to_db(path_key):
        raise UnprocessableContent(
            detail=f"{key.name} in the body differs from the path's",
            violations=[Violation("body", "/" + key.name, "must equal the path's key (keys do not change)")],
        )
    if not partial:  # PUT: what is not sent goes back to its default
        for name, column in view.model.columns.items():
            if name not in values and not column.read_only and name != view.model.primary_key.name:
                values[name] = None if column.default is MISSING else column.default
    values = await view.before_update(values)
    for argument, column in op.parents:
        values[column.name] = view.arguments[argument]
    headers: dict[str, str] = {}
    async with view.db.transaction(reset=False) as conn:
        if op.upsert and not partial and not await _exists(view, conn):
            if "If-Match" in view.request.headers:  # RFC 9110: no row matches, not even *
                raise PreconditionFailed(detail="If-Match: there is no current row to match")
            values[view.model.primary_key.name] = view.arguments[op.key]  # type: ignore[index]
            row = await insert(view, conn, _with_generated(view, values), upsert=True)
            await view.after_write(kind, row)
            view._etag(row, headers)
            view._location(row, headers)
            return row, 201, headers
        if partial and any(
            view.model.columns[name].is_json and isinstance(value, Mapping) for name, value in values.items()
        ):
            await _merge_json(view, conn, values)
        row = await _update_row(view, conn, values)
        await view.after_write(kind, row)
    view._etag(row, headers)
    return row, 200, headers


async def _exists(view: CrudView, conn: Connection) -> bool:
    statement = statements.cached(view, ("exists",), lambda: statements.exists_statement(view))
    return await conn.fetch_one(statement, statements.item_values(view)) is not None


async def _merge_json(view: CrudView, conn: Connection, values: dict[str, Any]) -> None:
    """Merge the patch's JSON objects into the stored ones (RFC 7396), the row locked first
    so that concurrent patches of one object lose nothing."""
    if not view.db.is_postgresql:  # no FOR UPDATE: an empty write takes the lock
        lock = statements.cached(view, ("write_lock",), lambda: statements.write_lock_statement(view))
        await conn.execute(lock, statements.write_values(view, statements.item_values(view)))
    read = statements.cached(view, ("json_read",), lambda: statements.json_read_statement(view))
    current = await conn.fetch_one(read, statements.item_values(view))
    if current is None:
        raise view._not_found()
    for name, value in list(values.items()):
        if name in current and isinstance(value, Mapping):
            values[name] = merge_patch(current[name], value)


async def _update_row(view: CrudView, conn: Connection, values: dict[str, Any]) -> dict[str, Any]:
    _check_lengths(view, values)
    bound = statements.item_values(view)
    names = statements.bind_assignments(view, values, bound)
    versions = view._if_match()
    if versions is not None:
        bound["version"] = versions
    versioned = versions is not None
    statement = statements.cached(
        view, ("update", names, versioned), lambda: statements.update_statement(view, names, versioned)
    )
    try:
        row = await conn.fetch_one(statement, statements.write_values(view, bound))
    except UnprocessableContent as problem:
        raise _missing_parent(view, await _name_reference(view, conn, problem, values)) from problem
    except asyncpg.ProgramLimitExceededError as error:
        raise _too_long_to_index() from error
    if row is None:
        raise await missing_or_changed(view, conn, bound)
    return row


async def insert(
    view: CrudView, conn: Connection | Database, values: dict[str, Any], *, upsert: bool = False
) -> dict[str, Any]:
    """INSERT ... RETURNING the row (on the resource's ``upsert`` columns, ON CONFLICT UPDATE)."""
    _check_lengths(view, values)
    columns = view.model.columns
    names = tuple(sorted(values))
    bound = {
        statements.column_parameter(view, name): (columns[name].to_db(value) if value is not None else None)
        for name, value in values.items()
    }
    conflict = view.operation.upsert if (upsert or view.operation.kind == "create") else ()
    statement = statements.cached(
        view, ("insert", names, conflict), lambda: statements.insert_statement(view, names, conflict)
    )
    try:
        row = await conn.fetch_one(statement, statements.write_values(view, bound))
    except UnprocessableContent as problem:
        raise _missing_parent(view, await _name_reference(view, conn, problem, values)) from problem
    except asyncpg.ProgramLimitExceededError as error:
        raise _too_long_to_index() from error
    if row is None:  # the row exists unchanged (nothing to update, or not the request's to update)
        raise await _refused_upsert(view, conn, values, bound, conflict)
    return row


async def _refused_upsert(
    view: CrudView, conn: Connection | Database, values: Mapping[str, Any], bound: Mapping[str, Any],
    conflict: tuple[str, ...],
) -> ProblemException:  # fmt: skip
    """An upsert that wrote nothing: a 409 when the row is the request's (nothing to update), a 404
    when it is another user's or another parent's, which GET answers 404 for too: a 409 would tell
    that the row exists (ids could be enumerated)."""
    problem = Conflict(detail=f"{', '.join(conflict)}: a row with this value already exists")
    if any(statements.column_parameter(view, name) not in bound for name in conflict):
        return problem
    reach = statements.cached(view, ("reach", conflict), lambda: statements.reach_statement(view, conflict))
    if await conn.fetch_one(reach, bound) is not None:
        return problem
    named = ", ".join(f"{name} {values[name]!r}" for name in conflict)
    return NotFound(detail=f"no {view.model.schema_name} with {named}")


def _writable(view: CrudView, body: Mapping[str, Any]) -> dict[str, Any]:
    """The body's column values; read-only ones dropped, computed ones ignored, others a 422."""
    values: dict[str, Any] = {}
    unknown = []
    for name, value in body.items():
        column = view.model.columns.get(name)
        if column is None:
            if name not in view.model.computed:
                unknown.append(name)
            continue
        if column.read_only:
            continue
        values[name] = value
    if unknown:
        raise UnprocessableContent(
            detail=f"not a column of {view.table.name}: {', '.join(unknown)}",
            violations=[Violation("body", "/" + name, "not a column") for name in unknown],
        )
    return values


def _with_generated(view: CrudView, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` completed with generated values (keys, "now"...) and the schema's defaults."""
    now = None  # one instant for every "now" column of a row (created == updated on insert)
    for name, column in view.model.columns.items():
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


# --- refusals -------------------------------------------------------------------------------------


def _check_lengths(view: CrudView, values: Mapping[str, Any]) -> None:
    """A 422 for a value longer than its indexed column takes (``max_length``, see ``tables``)."""
    columns = view.model.columns
    too_long = [
        (name, limit)
        for name, value in values.items()
        if (limit := columns[name].max_length) is not None and isinstance(value, str) and len(value) > limit
    ]
    if too_long:
        raise UnprocessableContent(
            detail=f"{', '.join(name for name, _ in too_long)}: too long for an indexed column",
            violations=[Violation("body", "/" + name, f"longer than {limit} characters") for name, limit in too_long],
        )


def _too_long_to_index() -> UnprocessableContent:
    """PostgreSQL refused an index entry (over 2704 bytes): the values of an indexed column
    whose maxLength allows more than an index holds."""
    return UnprocessableContent(detail="a value is too long for the database to index; send a shorter one")


async def delete_row(view: CrudView, values: dict[str, Any], conn: Connection) -> dict[str, Any]:
    """DELETE one row (its key, and its version when ``values`` has one) on ``conn``: the row as it
    was; 404 when there is none, 412 when the version is stale, 409 while rows refer to it."""
    versioned = "version" in values

    def build() -> Any:
        conditions = statements.item_conditions(view, versioned)
        return sa.delete(view.table).where(*conditions).returning(*statements.readable_columns(view))

    statement = statements.cached(view, ("delete_one", versioned), build)
    try:
        row = await conn.fetch_one(statement, values)
    except UnprocessableContent as problem:
        raise still_referenced(problem) from problem
    if row is None:
        raise await missing_or_changed(view, conn, values)
    return row


async def missing_or_changed(view: CrudView, conn: Connection, values: Mapping[str, Any]) -> ProblemException:
    """No row written: a 404 when there is none, else a 412 (``If-Match`` named another version)."""
    statement = statements.cached(view, ("exists",), lambda: statements.exists_statement(view))
    if await conn.fetch_one(statement, values) is None:
        return view._not_found()
    return PreconditionFailed(detail="If-Match does not match the current version; fetch the row again")


async def _name_reference(
    view: CrudView, conn: Connection | Database, problem: UnprocessableContent, values: Mapping[str, Any]
) -> ProblemException:
    """SQLite does not say which foreign key failed: find the value that refers to nothing."""
    if getattr(problem, "constraint", "") != "ForeignKeyViolationError" or getattr(problem, "columns", None):
        return problem
    for name, column in view.model.columns.items():
        for key in view.table.c[name].foreign_keys:
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


def _missing_parent(view: CrudView, problem: ProblemException) -> ProblemException:
    """``POST /projects/999/tasks`` with no project 999: the path names nothing, a 404 as GET
    on the same path answers (not a 422 about a body member the client never sent)."""
    named = [violation.name.lstrip("/") for violation in problem.violations if violation.location == "body"]
    named += getattr(problem, "columns", None) or []
    for argument, column in view.operation.parents:
        if column.name in named:
            return NotFound(detail=f"no row has {argument} {view.arguments[argument]!r}")
    return problem


async def parent_missing(view: CrudView) -> NotFound | None:
    """A 404 when a parent in the path (``/projects/{project_id}/tasks``) refers to no row, for
    an empty list; ``None`` when each exists or its column refers to no table."""
    for argument, column in view.operation.parents:
        for key in view.table.c[column.name].foreign_keys:
            target = key.column
            statement = statements.cached(view, ("parent", argument, key.target_fullname), partial(_row_with, target))
            if await view.db.fetch_one(statement, {"v": column.to_db(view.arguments[argument])}) is None:
                return NotFound(detail=f"no row has {argument} {view.arguments[argument]!r}")
    return None


def _row_with(target: sa.Column[Any]) -> sa.Select[Any]:
    """``SELECT target FROM its table WHERE target = :v``: does a row with that key exist?"""
    return sa.select(target).where(target == sa.bindparam("v", type_=target.type))


def still_referenced(problem: UnprocessableContent) -> ProblemException:
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
