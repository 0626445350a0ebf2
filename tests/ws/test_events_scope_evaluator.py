"""The Python evaluator of scope conditions (openapi_aio/db/events.py) agrees with the database:
for each condition shape it decides, on rows with NULLs, equal and different values, its answer
is the one ``SELECT 1 WHERE <condition>`` gives on SQLite and PostgreSQL (``serve_db``)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from conftest import MakeClient

from openapi_aio.db.events import UNDECIDED, evaluate
from openapi_aio.keys import DATABASE

ROWS = [
    {"id": 1, "owner": "ada", "title": "a", "reader": "ada"},
    {"id": 2, "owner": "bob", "title": "b", "reader": "x"},
    {"id": 3, "owner": None, "title": "c", "reader": "y"},
]


def conditions(table: sa.Table) -> list[Any]:
    c = table.c
    return [
        c.owner == "ada",
        c.owner != "ada",
        c.owner.is_(None),
        c.owner.is_not(None),
        c.owner.in_(["ada", "bob"]),
        c.owner.not_in(["ada"]),
        c.owner.in_([]),
        c.owner.not_in([]),
        c.id > 1,
        c.id <= 2,
        sa.and_(c.owner == "ada", c.id == 1),
        sa.or_(c.owner == "bob", c.id == 3),
        sa.not_(c.owner == "ada"),
        sa.or_(c.owner == "ada", c.owner.is_(None)),
        sa.true(),
        sa.false(),
    ]


async def test_the_python_evaluator_answers_as_the_database(serve_db: MakeClient) -> None:
    server = await serve_db("ws/scoped.yaml", broker="memory")
    db = server.app[DATABASE]
    table = db.metadata.tables["scoped_notes"]
    async with db.transaction() as conn:
        for row in ROWS:
            await conn.execute(sa.insert(table).values(id=row["id"], owner=row["owner"], title=row["title"]))
    decided = 0
    for condition in conditions(table):
        for row in ROWS:
            python = evaluate(condition, table, row)
            assert python is not UNDECIDED, condition
            found = await db.fetch_one(sa.select(table.c.id).where(table.c.id == row["id"], condition))
            assert (python is True) == (found is not None), (str(condition), row)
            decided += 1
    assert decided == len(ROWS) * len(conditions(table))


def test_shapes_left_to_the_database() -> None:
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer), sa.Column("name", sa.String))
    row = {"id": 1, "name": "ada"}
    for condition in (
        sa.func.lower(table.c.name) == "ada",  # a function of a column
        table.c.name > "a",  # string order: the database's collation
        table.c.name == 1,  # a string column against a number
        table.c.id.in_(sa.select(table.c.id)),  # a subquery
    ):
        assert evaluate(condition, table, row) is UNDECIDED, condition
