"""Hostile clients and database faults (issue 18: H2, M4, M5, M6, L1, L5), over real HTTP on a real
database: a network that silently drops PostgreSQL's packets, a server that refuses connections
or statements, a pool with nothing to give, and values the document allows but no column holds.
Every answer is a problem (never a driver's or Python's words, never a 500), in seconds."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from conftest import PROBLEM, document, own_postgres, problem, reset_tables
from tcp_proxy import Proxy

import openapi_aio
from openapi_aio import StartupError
from openapi_aio.db import Database
from openapi_aio.keys import DATABASE

OK = {"200": {"description": "ok"}, "201": {"description": "created"}, "204": {"description": "gone"}}
DRIVER_WORDS = ("int64", "int32", "SQLite", "Python", "sys.set_int_max_str_digits", "asyncpg", "byte sequence")


def _body(schema: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema}


GROUP = {"name": "group_id", "in": "path", "required": True, "schema": {"type": "integer"}}
ITEM_KEY = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
FILTERS = [
    _query("count__gt", {"type": "integer"}),
    _query("big", {"type": "integer"}),
    _query("day__lt", {"type": "string", "format": "date"}),
    _query("at__gt", {"type": "string", "format": "date-time"}),
    _query("amount__gt", {"type": "string", "format": "decimal"}),
    _query("offset", {"type": "integer", "minimum": 0}),
]

SPEC = document(
    {
        "/groups/{group_id}/items": {
            "x-resource": "Item",
            "parameters": [GROUP],
            "get": {"parameters": FILTERS, "responses": OK},
            "post": {"requestBody": _body("Item"), "responses": OK},
        },
        "/groups/{group_id}/items/{id}": {
            "x-resource": "Item",
            "parameters": [GROUP, ITEM_KEY],
            "get": {"responses": OK},
            "patch": {"requestBody": _body("Item"), "responses": OK},
            "put": {"requestBody": _body("Item"), "responses": OK},
            "delete": {"responses": OK},
        },
        "/tags": {"x-resource": "Tag", "post": {"requestBody": _body("Tag"), "responses": OK}},
        "/tags/{name}": {
            "x-resource": "Tag",
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {"responses": OK},
        },
        "/ping": {"get": {"operationId": f"{__name__}.ping", "responses": OK}},
        "/sleep": {"get": {"operationId": f"{__name__}.sleep", "responses": OK}},
        "/cast": {"get": {"operationId": f"{__name__}.cast", "responses": OK}},
    },
    components={
        "schemas": {
            "Item": {
                "type": "object",
                "x-table": {"name": "hostile_items", "version": "version"},
                "properties": {
                    "id": {"type": "integer", "format": "int64", "readOnly": True},
                    "group_id": {"type": "integer", "readOnly": True},
                    "count": {"type": "integer"},
                    "big": {"type": "integer", "format": "int64"},
                    "name": {"type": "string"},
                    "data": {"type": "object"},
                    "day": {"type": "string", "format": "date"},
                    "at": {"type": "string", "format": "date-time"},
                    "amount": {"type": "string", "format": "decimal"},
                    "price": {"type": "number", "format": "decimal", "x-precision": 6, "x-scale": 2},
                    "version": {"type": "integer", "readOnly": True},
                },
            },
            "Tag": {
                "type": "object",
                "x-table": "hostile_tags",
                "properties": {"name": {"type": "string", "x-column": {"primary_key": True}}},
            },
        }
    },
)


async def ping() -> dict[str, bool]:
    """An operation that needs no database: it must answer whatever the database does."""
    return {"pong": True}


async def sleep(request: web.Request) -> dict[str, int]:
    """A handler holding a connection for a while (PostgreSQL)."""
    async with request.app[DATABASE].connection() as conn:
        await conn.fetch_all(sa.text("SELECT pg_sleep(0.3)"))
    return {"slept": 1}


async def cast(request: web.Request) -> Any:
    """A handler whose statement gets a value no BIGINT holds: the driver refuses it."""
    return await request.app[DATABASE].fetch_all(sa.text("SELECT CAST(:n AS BIGINT) AS n").bindparams(n=2**70))


def assert_no_driver_words(text: str) -> None:
    for words in DRIVER_WORDS:
        assert words not in text, text
    assert "Traceback" not in text


async def assert_503(response: Any) -> None:
    body = await problem(response, 503)
    assert response.headers["Retry-After"].isdigit()
    assert_no_driver_words(str(body))


# --- H2: a network that drops PostgreSQL's packets -------------------------------------------------


@pytest.fixture
async def blackhole() -> Any:
    cluster = own_postgres()
    target = urlsplit(cluster.url)
    proxy = Proxy(target.hostname or "127.0.0.1", target.port or 5432)
    await proxy.start()
    yield proxy
    await proxy.stop()


async def start_app(aiohttp_client: Any, datastore: str, tables_from: str | None = None) -> TestClient:
    """The app on ``datastore``; its tables made fresh through ``tables_from`` (another URL)."""
    app = web.Application()
    openapi_aio.setup(app, SPEC, datastore=datastore, create_tables=False)
    client = await aiohttp_client(app)
    direct = Database(tables_from or datastore, app[DATABASE].metadata)
    try:
        await reset_tables(direct)
    finally:
        await direct.close()
    return client


async def test_a_database_blackhole_is_503_within_seconds_and_service_resumes_with_the_network(
    aiohttp_client, blackhole, monkeypatch
):
    """Before: nothing answered for 60 s (statements waited out their 30 s timeout, then as long
    again for their cancellation), long after the network was back. Now: a request waits at most
    DBPOOL_ACQUIRE_TIMEOUT for a connection, connections that wait for an answer that will never
    come are closed as soon as the server can be asked, and /ping never notices."""
    monkeypatch.setenv("DBPOOL_ACQUIRE_TIMEOUT", "1")
    url = own_postgres().url
    client = await start_app(aiohttp_client, blackhole.url(url), tables_from=url)
    assert (await client.get("/groups/1/items")).status == 200
    answers: list[tuple[float, float, Any]] = []
    pings: list[float] = []
    started = time.monotonic()
    hole, back, end = 1.0, 4.0, 11.0  # seconds after the start: drop from 1 to 4, load until 11

    async def load() -> None:
        while time.monotonic() - started < end:
            sent = time.monotonic()
            try:
                response = await asyncio.wait_for(client.get("/groups/1/items"), timeout=15)
                if response.status == 503:
                    await assert_503(response)
                status: Any = response.status
            except TimeoutError:
                status = "no answer within 15 s"
            answers.append((sent - started, time.monotonic() - sent, status))

    async def pinger() -> None:
        while time.monotonic() - started < end:
            sent = time.monotonic()
            assert (await client.get("/ping")).status == 200
            pings.append(time.monotonic() - sent)
            await asyncio.sleep(0.2)

    async def network() -> None:
        await asyncio.sleep(hole)
        blackhole.dropping = True
        await asyncio.sleep(back - hole)
        blackhole.dropping = False

    await asyncio.gather(network(), pinger(), *(load() for _ in range(20)))
    statuses = {status for _, _, status in answers}
    assert statuses <= {200, 503}, statuses
    assert 503 in statuses  # the hole was real
    slowest = max(took for _, took, _ in answers)
    assert slowest < 10, f"a request waited {slowest:.1f} s"
    late = [status for sent, _, status in answers if sent > back + 4]
    assert late, answers
    assert set(late) == {200}, late  # served again within 4 s of the network's return
    assert max(pings) < 1, max(pings)


def test_the_acquire_timeout_defaults_to_5_seconds(monkeypatch):
    monkeypatch.delenv("DBPOOL_ACQUIRE_TIMEOUT", raising=False)
    assert Database("postgresql://nobody@127.0.0.1/none").acquire_timeout == 5.0
    monkeypatch.setenv("DBPOOL_ACQUIRE_TIMEOUT", "0.5")
    assert Database("sqlite:///nowhere.sqlite").acquire_timeout == 0.5


async def test_a_pool_with_no_connection_to_give_answers_503_in_time(serve_db, monkeypatch):
    """Every pooled connection taken (SQLite: 5 + 10 overflow; PostgreSQL: DBPOOL_MAX_SIZE, 10).
    Before: SQLite answered 500 after 30 s, PostgreSQL waited for ever."""
    monkeypatch.setenv("DBPOOL_ACQUIRE_TIMEOUT", "1")
    client = await serve_db(SPEC)
    database = client.app[DATABASE]
    async with contextlib.AsyncExitStack() as held:
        for _ in range(10 if database.is_postgresql else 15):
            await held.enter_async_context(database.connection())
        sent = time.monotonic()
        response = await asyncio.wait_for(client.get("/groups/1/items"), timeout=10)
        await assert_503(response)
        assert time.monotonic() - sent < 4
        assert (await client.get("/ping")).status == 200
    assert (await client.get("/groups/1/items")).status == 200


# --- M4: a server that refuses ---------------------------------------------------------------------


@pytest.fixture
async def limited_role() -> Any:
    """A role of its own (dropped afterwards), for settings that make the server refuse."""
    cluster = own_postgres()
    name = f"hostile_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(cluster.url)
    try:
        await admin.execute(f"CREATE ROLE {name} LOGIN")
        await admin.execute(f"GRANT ALL ON SCHEMA public TO {name}")
        yield name, admin
    finally:
        await admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", name)
        await admin.execute(f"DROP OWNED BY {name}")
        await admin.execute(f"DROP ROLE {name}")
        await admin.close()


async def serve_as(aiohttp_client: Any, role: str, admin: asyncpg.Connection) -> TestClient:
    url = own_postgres().url
    parts = urlsplit(url)
    client = await start_app(
        aiohttp_client, urlunsplit(parts._replace(netloc=f"{role}@{parts.netloc.split('@')[-1]}")), url
    )
    await admin.execute(f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}")
    await admin.execute(f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}")
    return client


async def test_too_many_connections_is_503(limited_role, aiohttp_client, monkeypatch):
    """A role's CONNECTION LIMIT below the pool's size: the server refuses the third connection
    (TooManyConnectionsError). Before: those requests were 500s."""
    role, admin = limited_role
    await admin.execute(f"ALTER ROLE {role} CONNECTION LIMIT 2")
    monkeypatch.setenv("DBPOOL_MIN_SIZE", "1")
    client = await serve_as(aiohttp_client, role, admin)
    responses = await asyncio.gather(*(client.get("/sleep") for _ in range(8)))
    statuses = sorted(response.status for response in responses)
    assert set(statuses) == {200, 503}, statuses
    for response in responses:
        if response.status == 503:
            await assert_503(response)


@pytest.mark.parametrize(
    ("setting", "method", "path"),
    [
        ("statement_timeout = '100ms'", "GET", "/sleep"),  # QueryCanceledError
        ("default_transaction_read_only = on", "POST", "/groups/1/items"),  # ReadOnlySQLTransactionError
        ("lock_timeout = '100ms'", "GET", "/groups/1/items"),  # LockNotAvailableError (the table is locked)
    ],
)
async def test_a_server_that_refuses_statements_for_now_is_503(limited_role, aiohttp_client, setting, method, path):
    role, admin = limited_role
    await admin.execute(f"ALTER ROLE {role} SET {setting}")
    client = await serve_as(aiohttp_client, role, admin)
    locker = await asyncpg.connect(own_postgres().url)
    try:
        transaction = locker.transaction()
        await transaction.start()
        await locker.execute("LOCK TABLE hostile_items IN ACCESS EXCLUSIVE MODE")
        if "lock_timeout" not in setting:
            await transaction.rollback()
        body = {"json": {"name": "x"}} if method == "POST" else {}
        response = await asyncio.wait_for(client.request(method, path, **body), timeout=10)
        await assert_503(response)
    finally:
        await locker.close()


async def test_an_sqlite_file_that_is_no_database(tmp_path: Path, aiohttp_client):
    """At start-up: a start-up error naming the datastore (before: SQLAlchemy's DatabaseError).
    Later (the file overwritten): 503 (before: 500)."""
    garbage = tmp_path / "garbage.sqlite"
    garbage.write_bytes(b"this is not a database " * 300)
    app = web.Application()
    openapi_aio.setup(app, SPEC, datastore=f"sqlite:///{garbage}", create_tables=False)
    server = TestServer(app)
    with pytest.raises(StartupError, match=r"cannot open the SQLite datastore '.*garbage\.sqlite'"):
        await server.start_server()
    await server.close()

    path = tmp_path / "data.sqlite"
    client = await start_app(aiohttp_client, f"sqlite:///{path}")
    assert (await client.get("/groups/1/items")).status == 200
    await client.app[DATABASE].close()  # no open connection keeps the old pages
    for leftover in (tmp_path / "data.sqlite-wal", tmp_path / "data.sqlite-shm"):
        leftover.unlink(missing_ok=True)
    path.write_bytes(b"this is not a database " * 300)
    await assert_503(await client.get("/groups/1/items"))


# --- M5, M6, L1, L5: values the document allows and no column holds --------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("day", "0000-01-01"),  # year 0: RFC 3339's, no date type's
        ("at", "2016-12-31T23:59:60Z"),  # a leap second
        ("at", "9999-12-31T23:59:59-14:00"),  # year 10000 in UTC
        ("at", "0001-01-01T00:00:00+01:00"),  # year 0 in UTC
    ],
)
async def test_dates_no_database_holds_are_400_naming_the_field(serve_db, field, value):
    """Before: 500 on both databases (or a 422 quoting Python's datetime)."""
    client = await serve_db(SPEC)
    response = await client.post("/groups/1/items", json={"name": "ok"})
    assert response.status == 201, await response.text()
    for method, path in (("POST", "/groups/1/items"), ("PATCH", "/groups/1/items/1"), ("PUT", "/groups/1/items/1")):
        body = await problem(await client.request(method, path, json={field: value}))
        assert body["errors"] == [{"in": "body", "pointer": f"/{field}", "message": body["errors"][0]["message"]}]
    name = "day__lt" if field == "day" else "at__gt"
    body = await problem(await client.get("/groups/1/items", params={name: value}))
    assert body["errors"][0]["name"] == name


async def test_an_if_match_of_5000_digits_is_412(serve_db):
    """Before: 500 (Python refuses to read an integer of more than 4,300 digits)."""
    client = await serve_db(SPEC)
    assert (await client.post("/groups/1/items", json={"name": "ok"})).status == 201
    tag = '"' + "9" * 5000 + '"'
    for method in ("PATCH", "PUT", "DELETE"):
        response = await client.request(method, "/groups/1/items/1", json={"name": "x"}, headers={"If-Match": tag})
        await problem(response, 412)
    assert (await (await client.get("/groups/1/items/1")).json())["version"] == 1


async def test_integers_beyond_their_column_are_refused_by_name(serve_db):
    """``type: integer`` goes to a 32-bit column, ``format: int64`` to a 64-bit one, on both
    databases. Before: 422 quoting the driver ("value out of int64 range", "Python int too large
    to convert to SQLite INTEGER"), or on SQLite a 32-bit column holding more."""
    client = await serve_db(SPEC)
    assert (await client.post("/groups/1/items", json={"count": 2**31 - 1, "big": -(2**63)})).status == 201
    for path in ("/groups/2147483648/items", "/groups/1/items/9223372036854775808", "/groups/2147483648/items/1"):
        body = await problem(await client.get(path), 404)
        assert_no_driver_words(str(body))
    for name, value in (("count__gt", 2**31), ("big", 2**63)):
        body = await problem(await client.get("/groups/1/items", params={name: str(value)}))
        assert body["errors"][0]["name"] == name
        assert_no_driver_words(str(body))
    for name, value in (("count", 2**31), ("count", -(2**31) - 1), ("big", 2**63)):
        for method, path in (("POST", "/groups/1/items"), ("PATCH", "/groups/1/items/1")):
            body = await problem(await client.request(method, path, json={name: value}))
            assert body["errors"][0]["pointer"] == f"/{name}"
            assert_no_driver_words(str(body))
    assert len(await (await client.get("/groups/1/items")).json()) == 1


async def test_nul_characters_are_refused_on_every_database(serve_db):
    """PostgreSQL's text and jsonb cannot hold NUL; SQLite can. Before: PostgreSQL answered 422
    quoting 'invalid byte sequence for encoding "UTF8": 0x00', SQLite stored it."""
    client = await serve_db(SPEC)
    for body_value, pointer in (({"name": "a\x00b"}, "/name"), ({"data": {"k\x00": "v"}}, "/data"),
                                ({"data": {"k": ["\x00"]}}, "/data")):  # fmt: skip
        body = await problem(await client.post("/groups/1/items", json=body_value))
        assert body["errors"][0]["pointer"] == pointer
        assert_no_driver_words(str(body))
    assert (await client.post("/tags", json={"name": "plain"})).status == 201
    await problem(await client.get("/tags/a%00b"), 404)


async def test_an_integer_of_5000_digits_in_a_body_names_no_python_setting(serve_db):
    client = await serve_db(SPEC)
    raw = '{"count": ' + "1" * 5000 + "}"
    response = await client.post("/groups/1/items", data=raw, headers={"Content-Type": "application/json"})
    body = await problem(response)
    assert "more than 4300 digits" in body["detail"]
    assert_no_driver_words(await response.text())


async def test_a_value_the_driver_refuses_is_422_in_our_words_and_status_line(serve_db):
    """A handler's own statement: the driver's refusal is a 422 whose status line says what its
    title says, "Unprocessable Content" (before: "Unprocessable Entity", and the driver's text)."""
    client = await serve_db(SPEC)
    response = await client.get("/cast")
    body = await problem(response, 422)
    assert response.reason == body["title"] == "Unprocessable Content"
    assert_no_driver_words(await response.text())


DECIMALS_NO_COLUMN_HOLDS = ["NaN", "sNaN", "-Infinity", "1e999999", "9" * 5000, "12,5", ".21E+6602651", "1e-20000", ""]


@pytest.mark.parametrize("value", DECIMALS_NO_COLUMN_HOLDS)
async def test_decimals_no_column_holds_are_400(serve_db, value):
    """Before, on SQLite: NaN stored as null, 1e999999 and 5,000 digits stored as infinity, and
    .21E+6602651 a 500 (the decimal context overflowed); on PostgreSQL NaN stored. A decimal is
    a finite number written in at most 100 digits before and after the point with a two-digit
    exponent (``format: decimal``, the pattern the served document states), which both databases
    keep as written, and it must fit its column."""
    client = await serve_db(SPEC)
    response = await client.post("/groups/1/items", json={"amount": value})
    body = await problem(response)
    assert body["errors"][0]["pointer"] == "/amount"
    if value in ("NaN", "sNaN", "-Infinity", "12,5", ".21E+6602651"):
        body = await problem(await client.get("/groups/1/items", params={"amount__gt": value}))
        assert body["errors"][0]["name"] == "amount__gt"


async def test_decimals_beyond_their_precision_are_400_and_valid_ones_round_trip(serve_db):
    client = await serve_db(SPEC)
    body = await problem(await client.post("/groups/1/items", json={"price": 10000}))  # numeric(6, 2)
    assert body["errors"][0]["pointer"] == "/price"
    response = await client.post("/groups/1/items", json={"price": 9999.5, "amount": "12.50"})
    assert response.status == 201, await response.text()
    row = await response.json()
    assert (row["price"], row["amount"]) == (9999.5, "12.5" if not client.app[DATABASE].is_postgresql else "12.50")
    rows = await (await client.get("/groups/1/items", params={"amount__gt": "12.4"})).json()
    assert [item["id"] for item in rows] == [row["id"]]
    assert response.content_type != PROBLEM


async def test_the_served_document_states_the_decimal_grammar(serve_db):
    """Other tools do not know ``format: decimal``: the served document spells it as the pattern
    the validator applies, so a value it refuses is one the document refuses too."""
    client = await serve_db(SPEC)
    served = await (await client.get("/openapi.json")).json()
    schema = served["components"]["schemas"]
    pattern = next(
        prop["pattern"]
        for table in schema.values()
        for name, prop in table.get("properties", {}).items()
        if name == "amount" and prop.get("format") == "decimal"
    )
    for value in DECIMALS_NO_COLUMN_HOLDS:
        assert re.search(pattern, value) is None, value
    for value in ("12.50", "-3", "1e3", ".5", "9" * 100):
        assert re.search(pattern, value) is not None, value
        response = await client.post("/groups/1/items", json={"amount": value})
        assert response.status == 201, await response.text()
