"""What a CRUD request asks for beyond its filters: page, order, fields, count, cursor, If-Match.

Each function reads the validated arguments (or a header) and answers with plain Python values,
or raises the client's problem: a 400 naming the query parameter, a 412 for ``If-Match``. Names
are only checked against the model here; SQL is built from the table's own column objects in
:mod:`.statements`, so no request text reaches SQL. The page links of a list live here too: they
write the same parameters (and cursors) that these functions read.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from openapi_aio.errors import NotFound, PreconditionFailed, RequestValidationError, Violation

if TYPE_CHECKING:
    from openapi_aio.db.resources import ResourceOperation
    from openapi_aio.db.tables import TableModel

__all__ = [
    "check_text",
    "count_asked",
    "fields",
    "if_match_versions",
    "is_field",
    "matches",
    "order",
    "page",
    "page_links",
    "query_error",
    "read_cursor",
    "search_words",
]

Order = list[tuple[str, bool]]  # (column, descending), the primary key last

_MAX_OFFSET = 2**63 - 1
_VERSION_DIGITS = 10  # versions are 32-bit integers: 2147483647 has 10 digits


def query_error(name: str, message: str) -> RequestValidationError:
    """The 400 for query parameter ``name``."""
    return RequestValidationError(
        detail=f"invalid query parameter {name!r}: {message}", violations=[Violation("query", name, message)]
    )


def check_text(name: str, value: Any) -> None:
    """A NUL character in a query value: a 400 on both databases (PostgreSQL's text cannot hold one)."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, str) and "\x00" in item:
            raise query_error(name, "must not contain a NUL character")


def page(op: ResourceOperation, arguments: Mapping[str, Any]) -> tuple[int, int]:
    """``(limit, offset)``: the declared defaults, within the operation's bounds."""
    roles = op.roles
    limit = arguments.get(roles.get("limit", ""), op.default_limit)
    if limit > op.max_limit or limit < 1:
        raise query_error(roles.get("limit", "limit"), f"must be between 1 and {op.max_limit}")
    offset = arguments.get(roles.get("offset", ""), 0)
    if offset < 0:  # PostgreSQL refuses it, SQLite reads it as 0: the client's mistake on both
        raise query_error(roles.get("offset", "offset"), "must not be negative")
    # Both databases take a 64-bit offset. A larger one is valid by the document (no maximum) and
    # skips more rows than any table holds: the empty page that the largest offset reads too.
    return limit, min(offset, _MAX_OFFSET)


def order(op: ResourceOperation, arguments: Mapping[str, Any], model: TableModel) -> Order:
    """``order_by`` (``-name`` descending; only sortable columns), else the default order; the
    primary key always comes last so that the order is total (pages and cursors need one)."""
    raw = arguments.get(op.roles.get("order_by", ""))
    # Absent, or the empty array (``order_by=`` is how a form-style array says []; the document's
    # schema allows it unless it sets minItems): the default order, completed once per operation.
    if raw is None or (isinstance(raw, list) and not raw):
        if op.full_default_order is None:
            op.full_default_order = _with_key(list(op.default_order), model)
        return op.full_default_order
    chosen = []
    for item in raw.split(",") if isinstance(raw, str) else raw:  # a string-typed "" names no column
        item = str(item).strip()
        name = item.lstrip("+-")
        if name not in op.sortable:
            raise query_error("order_by", f"cannot order by {name!r}: one of {', '.join(sorted(op.sortable))}")
        chosen.append((name, item.startswith("-")))
    return _with_key(chosen, model)


def _with_key(chosen: Order, model: TableModel) -> Order:
    key = model.primary_key.name
    if key not in [name for name, _ in chosen]:
        chosen.append((key, chosen[-1][1] if chosen else False))  # the key breaks ties
    return chosen


def order_text(chosen: Order) -> list[str]:
    """The order as ``order_by`` writes it: what a cursor records it was made for."""
    return [("-" if descending else "") + name for name, descending in chosen]


def fields(op: ResourceOperation, arguments: Mapping[str, Any], model: TableModel) -> tuple[str, ...] | None:
    """The sparse ``fields`` asked for (``None``: all of them)."""
    raw = arguments.get(op.roles.get("fields", ""))
    if raw is None:
        return None
    names = raw.split(",") if isinstance(raw, str) else raw
    unknown = [name for name in names if not is_field(model, name)]
    if unknown:
        raise query_error("fields", f"unknown field(s) {', '.join(unknown)}: one of {', '.join(model.readable)}")
    return tuple(names)


def is_field(model: TableModel, name: str) -> bool:
    """``name`` is a member ``fields`` may name: readable, or computed (``x-column: false``)."""
    return name in model.readable or name in model.computed


def search_words(op: ResourceOperation, arguments: Mapping[str, Any]) -> list[str]:
    """The words of ``search`` (each must be found)."""
    text = arguments.get(op.roles.get("search", ""))
    if not text:
        return []
    check_text("search", text)
    return str(text).split()


def count_asked(op: ResourceOperation, arguments: Mapping[str, Any], headers: Mapping[str, str]) -> bool:
    """``count=true`` or ``Prefer: count=exact``: the total costs a second query, so only on demand."""
    argument = op.roles.get("count")
    if argument is not None and arguments.get(argument):
        return True
    return "count=exact" in headers.get("Prefer", "").replace(" ", "")


def read_cursor(op: ResourceOperation, model: TableModel, text: str, chosen: Order) -> tuple[str, list[Any]]:
    """``(direction, values)`` of a cursor this service signed, for this order; values as stored.

    Any other cursor is a 404, not a 400: the document can only say a cursor is a string, so every
    string is a well-formed request, and a page named by a cursor this service did not sign for this
    order (forged, edited, signed with another key, made for another ``order_by``) does not exist."""
    assert op.cursors is not None
    decoded = op.cursors.decode(text)
    if decoded is None:
        raise _no_page("not a cursor this service made (pass back a Link header's cursor as it is)")
    direction, cursor_order, raw_values = decoded
    if cursor_order != order_text(chosen):
        raise _no_page("the cursor was made for another order_by")
    if len(raw_values) != len(chosen):
        raise _no_page("not a cursor this service made")
    values = []
    for (name, _), value in zip(chosen, raw_values, strict=True):
        values.append(None if value is None else model.columns[name].to_db(value))
    return direction, values


def _no_page(message: str) -> NotFound:
    return NotFound(detail=f"no page at this cursor: {message}", violations=[Violation("query", "cursor", message)])


def page_links(
    op: ResourceOperation, query: Mapping[str, str], rows: list[dict[str, Any]], chosen: Order, limit: int,
    offset: int, direction: str | None, more: bool, total: int | None,
) -> dict[str, dict[str, str | None]]:  # fmt: skip
    """The query changes of each ``Link`` (first/prev/next/last), with parameters the operation
    declares only: signed cursors when it has ``cursor`` (unless the request pages by ``offset``
    alone), else offsets. A cursor with an offset (rows skipped past the cursor) links by cursors."""
    links: dict[str, dict[str, str | None]] = {}
    if "cursor" in op.roles and op.cursors is not None and ("offset" not in query or direction is not None):
        names = [name for name, _ in chosen]
        text = order_text(chosen)
        dropped: dict[str, str | None] = {"offset": None} if "offset" in query else {}
        links["first"] = {"cursor": None, **dropped}
        has_next = more if direction != "before" else True
        has_prev = direction == "after" or offset > 0 or (direction == "before" and more)
        if rows and has_prev:
            values = [_jsonable(rows[0][n]) for n in names]
            links["prev"] = {"cursor": op.cursors.encode("before", text, values), **dropped}
        if rows and has_next:
            values = [_jsonable(rows[-1][n]) for n in names]
            links["next"] = {"cursor": op.cursors.encode("after", text, values), **dropped}
        return links
    if "offset" not in op.roles:
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


def _jsonable(value: Any) -> Any:
    """A sort value as a cursor holds it (dates as ISO text, decimals and uuids as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def if_match_versions(header: str | None, model: TableModel) -> list[int] | None:
    """The versions ``If-Match`` accepts (``None``: no condition, absent or ``*``); a 412 when
    none of its tags can be ours (weak tags never match: RFC 9110 compares strongly)."""
    if header is None or header.strip() == "*":
        return None
    tags = [tag.strip() for tag in header.split(",")]
    texts = [tag[1:-1] for tag in tags if len(tag) > 2 and tag.startswith('"') and tag.endswith('"')]
    # not "²"; and no longer than a version can be, before int() (5,000 digits raise there)
    digits = [text for text in texts if text.isascii() and text.isdigit() and len(text) <= _VERSION_DIGITS]
    numbers = [number for number in map(int, digits) if number < 2**31]  # larger ones are none of ours
    if model.version is None or not numbers:
        raise PreconditionFailed(detail="If-Match does not match the current version")
    return numbers


def matches(header: str | None, etag: str) -> bool:
    """``If-None-Match`` names ``etag`` (weak comparison, as RFC 9110 asks for GET)."""
    if header is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags
