"""One asyncpg pool per server process, created lazily in the running loop (no framework hooks)."""

from __future__ import annotations

import asyncio
import os

import asyncpg

DSN = os.environ.get("BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TABLE = "bench_pets"
OWNERS = "bench_owners"  # bench_pets.owner_id references it: crud.yaml's embed=owner (W8)
OWNER_ROWS = 300
POOL_SIZE = 10

# The hand-written peers (W3, W4) read and write the columns they always did; owner_id is left
# out of their answers (and NULL in the rows they insert), so their answers are those of before.
LIST_SQL = f"SELECT id, name, species, age, weight, vaccinated FROM {TABLE} ORDER BY id LIMIT $1 OFFSET $2"
INSERT_SQL = f"INSERT INTO {TABLE} (name, species, age, weight, vaccinated) VALUES ($1, $2, $3, $4, $5) RETURNING id"

_pool: asyncpg.Pool | None = None
_lock = asyncio.Lock()


async def pool() -> asyncpg.Pool:
    global _pool
    if _pool is None:
        async with _lock:
            if _pool is None:
                _pool = await asyncpg.create_pool(DSN, min_size=POOL_SIZE, max_size=POOL_SIZE)
    return _pool


async def list_rows(limit: int, offset: int) -> list[dict]:
    p = await pool()
    return [dict(r) for r in await p.fetch(LIST_SQL, limit, offset)]


async def insert_row(row: dict) -> dict:
    p = await pool()
    new_id = await p.fetchval(
        INSERT_SQL, row["name"], row["species"], row["age"], row.get("weight"), row.get("vaccinated")
    )
    return {"id": new_id, **row}


def owner_of(pet_id: int) -> int:
    """The owner_id of a seeded row (the checker of W6/W8 knows it too: bench_workloads.py)."""
    return (pet_id - 1) % OWNER_ROWS + 1


async def reset(rows: int = 10_000) -> None:
    """Drop and recreate the tables: ``OWNER_ROWS`` owners, ``rows`` deterministic pets, each
    with an owner (run once by dev/bench)."""
    conn = await asyncpg.connect(DSN)
    try:
        await conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        await conn.execute(f"DROP TABLE IF EXISTS {OWNERS}")
        await conn.execute(f"CREATE TABLE {OWNERS} (id serial PRIMARY KEY, name text NOT NULL, email text NOT NULL)")
        await conn.copy_records_to_table(
            OWNERS,
            records=[(f"Owner {k}", f"owner{k}@example.com") for k in range(1, OWNER_ROWS + 1)],
            columns=["name", "email"],
        )
        await conn.execute(
            f"CREATE TABLE {TABLE} (id serial PRIMARY KEY, name text NOT NULL, species text NOT NULL,"
            f" age integer NOT NULL, weight double precision, vaccinated boolean,"
            f" owner_id integer REFERENCES {OWNERS} (id))"
        )
        species = ["dog", "cat", "bird", "fish"]
        await conn.copy_records_to_table(
            TABLE,
            records=[
                (f"Pet {i}", species[i % 4], i % 51, 1.0 + i % 40, i % 3 == 0, owner_of(i + 1)) for i in range(rows)
            ],
            columns=["name", "species", "age", "weight", "vaccinated", "owner_id"],
        )
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(reset())
