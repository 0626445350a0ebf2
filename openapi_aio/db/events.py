"""Row events filtered per subscriber: the realtime counterpart of a view's row-level ``scope()``.

A resource with ``x-resource: {events: channel}`` publishes each written row on a hidden channel
(:func:`row_channel`) that clients can neither subscribe nor publish to. In every process the hub
hands such a message to :class:`RowEvents`, which decides for each *identity* among the
channel's subscribers (the user and token of the websocket handshake) whether that identity
could read the row over HTTP, with the view's own ``scope()``, and shows it through the view's
``serialize()``, so an identity gets what a ``GET`` would answer it. Subscribers of one identity
share one evaluation and one encoded message.

A scope is evaluated against the row's values, not re-read from the database, so a deleted row
reaches those who could read it before it was deleted. The common condition shapes (a column
compared with a value, ``IN``, ``IS NULL``, ``and_``/``or_``/``not_``) are evaluated in Python;
any other shape becomes one ``SELECT 1 WHERE ...`` with the row's values bound in place of the
table's columns, so the database decides as it would for a read.
"""

from __future__ import annotations

import asyncio
import logging
import operator
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.sql import elements, operators, visitors

from openapi_aio.endpoints.serialization import json_text
from openapi_aio.keys import ARGUMENTS
from openapi_aio.ws.hub import ROWS

if TYPE_CHECKING:
    from openapi_aio.db.resources import ResourceOperation
    from openapi_aio.db.views import CrudView

__all__ = ["ROWS", "UNDECIDED", "RowEvents", "evaluate", "row_channel"]

log = logging.getLogger("openapi_aio.db")

YIELD_EVERY = 64  # identities evaluated between two yields to the event loop


def row_channel(channel: str) -> str:
    """The hidden channel a resource publishes its rows on; no client can name it."""
    return channel + ROWS


class _Undecided:
    """The Python evaluator does not know this condition's shape: the database decides."""


UNDECIDED: Any = _Undecided()

_SIMPLE = (str, int, float, bool)
_COMPARE: dict[Any, Callable[[Any, Any], bool]] = {
    operators.eq: operator.eq,
    operators.ne: operator.ne,
    operators.lt: operator.lt,
    operators.le: operator.le,
    operators.gt: operator.gt,
    operators.ge: operator.ge,
}


def evaluate(condition: Any, table: sa.Table, row: dict[str, Any]) -> Any:
    """``True``/``False`` for ``condition`` on ``row`` (database values by column name), ``None``
    for SQL's unknown, :data:`UNDECIDED` for a shape left to the database."""
    if isinstance(condition, elements.True_):
        return True
    if isinstance(condition, elements.False_):
        return False
    if isinstance(condition, elements.BooleanClauseList):
        return _both(condition, table, row)
    if isinstance(condition, elements.UnaryExpression) and condition.operator is operators.inv:
        inner = evaluate(condition.element, table, row)
        return inner if inner is None or inner is UNDECIDED else not inner
    if isinstance(condition, elements.BinaryExpression):
        return _compare(condition, table, row)
    return UNDECIDED


def _both(condition: elements.BooleanClauseList, table: sa.Table, row: dict[str, Any]) -> Any:
    """SQL's three-valued AND / OR over the clauses."""
    results = [evaluate(clause, table, row) for clause in condition.clauses]
    if UNDECIDED in results:
        return UNDECIDED
    if condition.operator is operators.and_:
        return False if False in results else (None if None in results else True)
    if condition.operator is operators.or_:
        return True if True in results else (None if None in results else False)
    return UNDECIDED


def _compare(condition: elements.BinaryExpression[Any], table: sa.Table, row: dict[str, Any]) -> Any:
    """A column of ``table`` against a bound value: only for plain values, where Python and the
    database agree (strings only for equality: ordering depends on the database's collation)."""
    left, right, op = condition.left, condition.right, condition.operator
    if not (isinstance(left, sa.Column) and left.table is table and left.name in row):
        return UNDECIDED
    value = row[left.name]
    if op in (operators.is_, operators.is_not) and isinstance(right, elements.Null):
        return (value is None) == (op is operators.is_)
    if not isinstance(right, elements.BindParameter) or right.callable is not None:
        return UNDECIDED
    if op is operators.in_op or op is operators.not_in_op:
        options = right.value
        if not isinstance(options, (list, tuple)) or not all(_plain(each, value) for each in options):
            return UNDECIDED
        if not options:  # SQLAlchemy's empty IN: false, NOT IN: true, even for NULL
            return op is operators.not_in_op
        if value is None:
            return None
        return (value in options) == (op is operators.in_op)
    compare = _COMPARE.get(op)
    if compare is None or not _plain(right.value, value):
        return UNDECIDED
    if value is None or right.value is None:
        return None
    if isinstance(value, str) and op not in (operators.eq, operators.ne):
        return UNDECIDED
    return compare(value, right.value)


def _plain(bound: Any, value: Any) -> bool:
    """Whether Python compares ``bound`` and ``value`` as the database would: None, or both
    strings, or both numbers (a bool only with a bool)."""
    if bound is None or value is None:
        return True
    if isinstance(bound, bool) or isinstance(value, bool):
        return isinstance(bound, bool) and isinstance(value, bool)
    if isinstance(bound, str) or isinstance(value, str):
        return isinstance(bound, str) and isinstance(value, str)
    return isinstance(bound, _SIMPLE) and isinstance(value, _SIMPLE)


class RowEvents:
    """The rows of one resource's events channel, shown to each identity as its reads are."""

    def __init__(self, operation: ResourceOperation) -> None:
        self.operation = operation

    async def messages(
        self, channel: str, event: str, row: dict[str, Any], groups: Iterable[list[Any]]
    ) -> list[tuple[str, list[Any]]]:
        """``(text, subscribers)`` for each identity group that may read ``row`` (API values of
        the readable columns); the others get nothing."""
        answers = []
        for index, group in enumerate(groups):
            if index and index % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            data = await self._shown(group[0], row)
            if data is not None:
                message = {"channel": channel, "event": event, "data": data}
                text = json_text(message)
                answers.append((text, group))
        return answers

    async def _shown(self, subscriber: Any, row: dict[str, Any]) -> dict[str, Any] | None:
        """The row as ``subscriber``'s identity would read it, or ``None`` (it may not)."""
        request = getattr(subscriber, "request", None)
        if request is None:
            return None
        try:
            view = self._view(request)
            if not await self._visible(view, row):
                return None
            model = self.operation.model
            shown = {name: row.get(name) for name in model.readable}
            for name in model.omit_null:  # as a GET answers: a NULL the schema does not admit is left out
                if shown.get(name, 0) is None:
                    del shown[name]
            return view.serialize(shown)
        except Exception:  # a hook that fails for this identity: it is not sent the row
            log.exception("%s: could not decide who may see a row event", self.operation.label)
            return None

    def _view(self, request: Any) -> CrudView:
        if ARGUMENTS not in request:  # a handshake without parameters
            request[ARGUMENTS] = {}
        return self.operation.view(request, self.operation)

    async def _visible(self, view: CrudView, row: dict[str, Any]) -> bool:
        conditions = view.scope()
        if not conditions:
            return True
        model = self.operation.model
        values = {
            name: column.to_db(value) if value is not None else None
            for name, value in row.items()
            if (column := model.columns.get(name)) is not None
        }
        left = []
        for condition in conditions:
            result = evaluate(condition, view.table, values)
            if result is UNDECIDED:
                left.append(condition)
            elif result is not True:
                return False
        return not left or await _database_says(view, left, values)


async def _database_says(view: CrudView, conditions: list[Any], values: dict[str, Any]) -> bool:
    """``SELECT 1 WHERE <conditions>`` with the row's values bound in place of its columns (a
    column the row does not carry, e.g. writeOnly: the row is not shown)."""
    table = view.table
    bound: dict[str, Any] = {}
    missing: list[str] = []

    def replace(element: Any, **_: Any) -> Any:
        if isinstance(element, sa.Column) and element.table is table:
            if element.name not in values:
                missing.append(element.name)
                return None
            name = f"row_{len(bound)}"
            bound[name] = values[element.name]
            return sa.bindparam(name, type_=element.type)
        return None

    opts: dict[str, Any] = {}
    adapted = [visitors.replacement_traverse(condition, opts, replace) for condition in conditions]
    if missing:
        return False
    return await view.db.fetch_one(sa.select(sa.literal(1)).where(*adapted), bound) is not None
