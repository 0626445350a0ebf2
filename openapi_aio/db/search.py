"""Full-text ``search`` of the CRUD lists: the words bound, and the conditions that find them.

PostgreSQL searches with ``to_tsvector``/``plainto_tsquery`` ('simple' configuration: whole
words, no stemming); SQLite matches each word as a case-insensitive substring of one of the
search columns. Every word must be found. Values are always bound (``s0``, ``s1``...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from openapi_aio.db.views import CrudView

__all__ = ["bind", "conditions", "escape_like"]


def bind(view: CrudView, words: list[str], values: dict[str, Any]) -> None:
    """Bind the searched words: PostgreSQL's ``plainto_tsquery`` takes them as they are, SQLite
    matches each as a substring (a LIKE pattern, its own ``%`` and ``_`` escaped)."""
    postgres = view.db.is_postgresql
    for index, word in enumerate(words):
        values[f"s{index}"] = word if postgres else f"%{escape_like(word)}%"


def conditions(view: CrudView, words: int) -> list[Any]:
    """Every word found: PostgreSQL full text ('simple' configuration), SQLite a case-insensitive
    substring of some search column."""
    columns = [view.table.c[name] for name in view.operation.search_columns]
    if view.db.is_postgresql:
        document = sa.func.to_tsvector("simple", sa.func.concat_ws(" ", *columns))
        return [
            document.op("@@")(sa.func.plainto_tsquery("simple", sa.bindparam(f"s{index}"))) for index in range(words)
        ]
    return [
        sa.or_(
            *(sa.func.lower(column).like(sa.func.lower(sa.bindparam(f"s{index}")), escape="\\") for column in columns)
        )
        for index in range(words)
    ]


def escape_like(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (escape character: backslash)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
