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

__all__ = ["ROWS", "UNDECIDED", "RowEvents", "compile_condition", "evaluate", "row_channel"]

log = logging.getLogger("openapi_aio.db")

YIELD_EVERY = 64  # identities evaluated between two yields to the event loop
MAX_KEPT_SCOPES = 10_000  # identities whose view and scope() conditions are kept


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


Check = Callable[[dict[str, Any]], Any]


def evaluate(condition: Any, table: sa.Table, row: dict[str, Any]) -> Any:
    """``True``/``False`` for ``condition`` on ``row`` (database values by column name), ``None``
    for SQL's unknown, :data:`UNDECIDED` for a shape left to the database."""
    return compile_condition(condition, table)(row)


def compile_condition(condition: Any, table: sa.Table) -> Check:
    """``condition`` as a Python function of a row, answering as :func:`evaluate` does: made once
    per identity, so that each row event only calls it."""
    if isinstance(condition, elements.True_):
        return lambda row: True
    if isinstance(condition, elements.False_):
        return lambda row: False
    if isinstance(condition, elements.BooleanClauseList):
        return _both(condition, table)
    if isinstance(condition, elements.UnaryExpression) and condition.operator is operators.inv:
        inner = compile_condition(condition.element, table)

        def negated(row: dict[str, Any]) -> Any:
            result = inner(row)
            return result if result is None or result is UNDECIDED else not result

        return negated
    if isinstance(condition, elements.BinaryExpression):
        return _compare(condition, table)
    return _undecided


def _undecided(row: dict[str, Any]) -> Any:
    return UNDECIDED


def _both(condition: elements.BooleanClauseList, table: sa.Table) -> Check:
    """SQL's three-valued AND / OR over the clauses."""
    parts = [compile_condition(clause, table) for clause in condition.clauses]
    if condition.operator is operators.and_:
        stop, otherwise = False, True
    elif condition.operator is operators.or_:
        stop, otherwise = True, False
    else:
        return _undecided

    def run(row: dict[str, Any]) -> Any:
        results = [part(row) for part in parts]
        if UNDECIDED in results:
            return UNDECIDED
        return stop if stop in results else (None if None in results else otherwise)

    return run


def _compare(condition: elements.BinaryExpression[Any], table: sa.Table) -> Check:
    """A column of ``table`` against a bound value: only for plain values, where Python and the
    database agree (strings only for equality: ordering depends on the database's collation)."""
    left, right, op = condition.left, condition.right, condition.operator
    if not (isinstance(left, sa.Column) and left.table is table):
        return _undecided
    name = left.name
    if op in (operators.is_, operators.is_not) and isinstance(right, elements.Null):
        wanted = op is operators.is_
        return lambda row: UNDECIDED if name not in row else (row[name] is None) == wanted
    if not isinstance(right, elements.BindParameter) or right.callable is not None:
        return _undecided
    bound = right.value
    if op is operators.in_op or op is operators.not_in_op:
        if not isinstance(bound, (list, tuple)):
            return _undecided
        inside = op is operators.in_op

        def member(row: dict[str, Any]) -> Any:
            if name not in row:
                return UNDECIDED
            value = row[name]
            if not all(_plain(each, value) for each in bound):
                return UNDECIDED
            if not bound:  # SQLAlchemy's empty IN: false, NOT IN: true, even for NULL
                return not inside
            if value is None:
                return None
            return (value in bound) == inside

        return member
    compare = _COMPARE.get(op)
    if compare is None:
        return _undecided
    ordered = op not in (operators.eq, operators.ne)

    def check(row: dict[str, Any]) -> Any:
        if name not in row:
            return UNDECIDED
        value = row[name]
        if not _plain(bound, value):
            return UNDECIDED
        if value is None or bound is None:
            return None
        if ordered and isinstance(value, str):
            return UNDECIDED
        return compare(value, bound)

    return check


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
    """The rows of one resource's events channel, shown to each identity as its reads are.

    An identity's view and ``scope()`` conditions are made once and kept (a scope depends on
    the user and token alone, see docs/websockets.md), so an event costs each identity only the
    evaluation of its conditions against the row; the row's database values are made once per
    event for all of them."""

    def __init__(self, operation: ResourceOperation) -> None:
        self.operation = operation
        self._scopes: dict[str, tuple[CrudView, list[tuple[Check, Any]]]] = {}

    async def messages(
        self, channel: str, event: str, row: dict[str, Any], groups: Iterable[list[Any]]
    ) -> list[tuple[str, list[Any]]]:
        """``(text, subscribers)`` for each identity group that may read ``row`` (API values of
        the readable columns); the others get nothing."""
        answers = []
        values = self._database_values(row)
        for index, group in enumerate(groups):
            if index and index % YIELD_EVERY == 0:
                await asyncio.sleep(0)
            data = await self._shown(group[0], row, values)
            if data is not None:
                try:
                    text = json_text({"channel": channel, "event": event, "data": data})
                except (TypeError, ValueError):  # serialize() made a value JSON cannot carry (NaN)
                    log.exception("%s: a row event has no JSON form: not sent", self.operation.label)
                    continue
                answers.append((text, group))
        return answers

    def _database_values(self, row: dict[str, Any]) -> dict[str, Any] | None:
        """The row's values as its columns hold them (``None``: some value does not convert)."""
        model = self.operation.model
        try:
            return {
                name: column.to_db(value) if value is not None else None
                for name, value in row.items()
                if (column := model.columns.get(name)) is not None
            }
        except Exception:
            log.exception("%s: a row event's values do not convert", self.operation.label)
            return None

    async def _shown(
        self, subscriber: Any, row: dict[str, Any], values: dict[str, Any] | None
    ) -> dict[str, Any] | None:
        """The row as ``subscriber``'s identity would read it, or ``None`` (it may not)."""
        request = getattr(subscriber, "request", None)
        if request is None or values is None:
            return None
        try:
            view, conditions = self._scope(subscriber, request)
            if conditions and not await _visible(view, conditions, values):
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

    def _scope(self, subscriber: Any, request: Any) -> tuple[CrudView, list[tuple[Check, Any]]]:
        """The identity's view and scope conditions, made on its first event and kept."""
        key = getattr(subscriber, "identity", None)
        kept = self._scopes.get(key) if isinstance(key, str) else None
        if kept is not None:
            return kept
        if ARGUMENTS not in request:  # a handshake without parameters
            request[ARGUMENTS] = {}
        view = self.operation.view(request, self.operation)
        made = (view, [(compile_condition(condition, view.table), condition) for condition in view.scope() or ()])
        if isinstance(key, str):
            if len(self._scopes) >= MAX_KEPT_SCOPES:  # identities come and go: start again
                self._scopes.clear()
            self._scopes[key] = made
        return made


async def _visible(view: CrudView, conditions: list[tuple[Check, Any]], values: dict[str, Any]) -> bool:
    left = []
    for check, condition in conditions:
        result = check(values)
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
