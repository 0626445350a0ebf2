"""Where W8's extra cost over W6 goes (embed=owner: each row's owner inline), in-process CPU time.

    python dev/bench_embed_probe.py           # the tables must exist: python -m benchapp.db

Like ``bench_micro.py --db`` (same harness: 32 requests at a time, this process's CPU µs per
request, the harness's own cost left out), it measures W6 and W8 as served, then W8 with the
embedded statement's round trip taken away (its rows answered from memory: what is left is the
Python side of embedding), and the same work written directly against an asyncpg pool: the page
alone (W3's statement), the page then the owners in a second statement (two pool acquisitions, as
openapi_aio does), both statements on one acquired connection, and one statement joining the
owners (one round trip). Diagnostic only: nothing in openapi_aio is changed, the probe replaces
``embedded_rows._related`` in this process alone.
"""

from __future__ import annotations

import argparse
import asyncio
import platform
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

DEV = Path(__file__).resolve().parent
sys.path.insert(0, str(DEV))

from bench_micro import RequestFactory, apps, check, cpu_per_request_us, harness_us  # noqa: E402
from benchapp import db  # noqa: E402

import openapi_aio  # noqa: E402
from openapi_aio.db import embedded_rows  # noqa: E402

PAGE_SQL = db.LIST_SQL.replace("vaccinated FROM", "vaccinated, owner_id FROM")
OWNERS_SQL = f"SELECT id, name, email FROM {db.OWNERS} WHERE id = any($1::int[])"
JOINED_SQL = (
    f"SELECT p.id, p.name, p.species, p.age, p.weight, p.vaccinated, p.owner_id,"
    f" o.id AS o_id, o.name AS o_name, o.email AS o_email FROM {db.TABLE} p"
    f" LEFT JOIN {db.OWNERS} o ON o.id = p.owner_id ORDER BY p.id LIMIT $1 OFFSET $2"
)


async def page_alone(pool) -> list[dict]:
    return [dict(r) for r in await pool.fetch(PAGE_SQL, 20, 100)]


async def page_then_owners(pool) -> list[dict]:
    rows = [dict(r) for r in await pool.fetch(PAGE_SQL, 20, 100)]
    ids = list(dict.fromkeys(r["owner_id"] for r in rows if r["owner_id"] is not None))
    owners = {r["id"]: dict(r) for r in await pool.fetch(OWNERS_SQL, ids)}
    for r in rows:
        r["owner"] = owners.get(r["owner_id"])
    return rows


async def one_connection(pool) -> list[dict]:
    async with pool.acquire() as conn:
        rows = [dict(r) for r in await conn.fetch(PAGE_SQL, 20, 100)]
        ids = list(dict.fromkeys(r["owner_id"] for r in rows if r["owner_id"] is not None))
        owners = {r["id"]: dict(r) for r in await conn.fetch(OWNERS_SQL, ids)}
    for r in rows:
        r["owner"] = owners.get(r["owner_id"])
    return rows


async def joined(pool) -> list[dict]:
    out = []
    for r in await pool.fetch(JOINED_SQL, 20, 100):
        row = dict(r)
        owner = {"id": row.pop("o_id"), "name": row.pop("o_name"), "email": row.pop("o_email")}
        row["owner"] = owner if owner["id"] is not None else None
        out.append(row)
    return out


async def cpu_us(call: Callable[[], Awaitable[object]], number: int, repeat: int) -> float:
    best, batch = float("inf"), 32
    for _ in range(repeat):
        t0 = time.process_time()
        for _ in range(number // batch):
            await asyncio.gather(*(call() for _ in range(batch)))
        best = min(best, time.process_time() - t0)
    return best / (number // batch * batch) * 1e6


def from_memory(original: Callable) -> Callable:
    """``_related`` answering each relation's rows from the first fetch's (no round trip)."""
    cache: dict[tuple[str, tuple], list] = {}
    real_fetch = None

    async def related(view, relation, rows, fields):
        nonlocal real_fetch
        values = list(dict.fromkeys(row[relation.ours] for row in rows if row[relation.ours] is not None))
        if not values:
            return {}
        embedded = relation.view(view.request, relation.operation)
        bound = {"ids": values}
        if relation.many:
            bound["limit"] = relation.limit
        key = (relation.name, tuple(values))
        statement = embedded_rows._statement(embedded, relation)
        if key not in cache:
            cache[key] = await view.db.fetch_all(statement, bound)
        fetched = [dict(row) for row in cache[key]]  # as fetch_all makes them
        found = {}
        for row in fetched:
            output = embedded._output(row, fields)
            if relation.many:
                found.setdefault(row[relation.theirs], []).append(output)
            else:
                found[row[relation.theirs]] = output
        return found

    return related


async def main(number: int, repeat: int) -> None:
    built = apps(db=True)
    app = built["openapi_aio"]
    await app.startup()
    pool = await db.pool()
    try:
        make = RequestFactory()
        await check("openapi_aio", app, make, dict(__import__("bench_micro").DB_CASES))
        for case in ("W6", "W8"):
            await cpu_per_request_us(app, make, case, 640, 1)
        print(f"Python {platform.python_version()}, openapi_aio {openapi_aio.__version__}; best of {repeat} x {number}")
        print("| what | CPU µs/req |\n| --- | ---: |")
        results = {}

        async def show(label: str, value: float) -> None:
            results[label] = value
            print(f"| {label} | {value:.1f} |", flush=True)

        for case in ("W6", "W8"):
            base = await harness_us(make, case, number, repeat)
            await show(f"{case} as served", await cpu_per_request_us(app, make, case, number, repeat) - base)
        original = embedded_rows._related
        embedded_rows._related = from_memory(original)
        try:
            base = await harness_us(make, "W8", number, repeat)
            await cpu_per_request_us(app, make, "W8", 640, 1)
            await show(
                "W8, embedded rows from memory (no 2nd round trip)",
                await cpu_per_request_us(app, make, "W8", number, repeat) - base,
            )
        finally:
            embedded_rows._related = original
        for label, call in (
            ("asyncpg: page alone", page_alone),
            ("asyncpg: page, then owners (2 acquisitions)", page_then_owners),
            ("asyncpg: page and owners on one connection", one_connection),
            ("asyncpg: one statement, LEFT JOIN owners", joined),
        ):
            await cpu_us(lambda call=call: call(pool), 640, 1)
            await show(label, await cpu_us(lambda call=call: call(pool), number, repeat))
        w6, w8 = results["W6 as served"], results["W8 as served"]
        mem = results["W8, embedded rows from memory (no 2nd round trip)"]
        print(
            f"\nW8 / W6: {w8 / w6:.2f}x; W8 - W6: {w8 - w6:+.1f} µs, of which the 2nd statement's round trip "
            f"{w8 - mem:.1f} µs and embedding's Python side {mem - w6:.1f} µs"
        )
    finally:
        await app.cleanup()
        await pool.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--number", type=int, default=3200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.number, args.repeat))
