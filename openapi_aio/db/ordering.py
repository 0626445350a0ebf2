"""The order of rows: ``ORDER BY`` and the keyset condition of a cursor, both with NULLs after
every value on both databases (SQLite sorts them first by itself), for the lists
(:mod:`.statements`) and the to-many rows each parent embeds (:mod:`.embedded_sql`)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from openapi_aio.db.query import Order

__all__ = ["keyset", "order_by"]


def order_by(columns: list[Any], order: Order, reverse: bool = False) -> list[Any]:
    """ORDER BY ``columns`` as ``order`` says (``reverse``: read backwards from a cursor)."""
    clauses = []
    for column, (_, descending) in zip(columns, order, strict=True):
        if not column.nullable:
            clauses.append(column.desc() if descending != reverse else column.asc())
        else:
            clauses.append(column.desc().nulls_first() if descending != reverse else column.asc().nulls_last())
    return clauses


def keyset(columns: list[Any], descending: list[bool], reverse: bool, nulls: tuple[bool, ...] = ()) -> Any:
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
