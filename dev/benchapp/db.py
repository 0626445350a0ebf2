"""One asyncpg pool per server process, created lazily in the running loop (no framework hooks)."""

from __future__ import annotations

import asyncio
import os

import asyncpg

DSN = os.environ.get("BENCH_DSN", "postgresql://postgres@127.0.0.1:5432/test")
TABLE = "bench_pets"
POOL_SIZE = 10

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


async def reset(rows: int = 10_000) -> None:
    """Drop and recreate the table with ``rows`` deterministic rows (run once by dev/bench)."""
    conn = await asyncpg.connect(DSN)
    try:
        await conn.execute(f"DROP TABLE IF EXISTS {TABLE}")
        await conn.execute(
            f"CREATE TABLE {TABLE} (id serial PRIMARY KEY, name text NOT NULL, species text NOT NULL,"
            " age integer NOT NULL, weight double precision, vaccinated boolean)"
        )
        species = ["dog", "cat", "bird", "fish"]
        await conn.copy_records_to_table(
            TABLE,
            records=[(f"Pet {i}", species[i % 4], i % 51, 1.0 + i % 40, i % 3 == 0) for i in range(rows)],
            columns=["name", "species", "age", "weight", "vaccinated"],
        )
    finally:
        await conn.close()


if __name__ == "__main__":
    asyncio.run(reset())
