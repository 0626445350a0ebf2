"""Every column type round-trips exactly through POST, GET and filters, on both databases; the
SQLAlchemy types generated for them."""

from __future__ import annotations

import datetime
import decimal
import re
import uuid
from typing import Any

import sqlalchemy as sa
from conftest import document
from sqlalchemy.dialects import postgresql

from openapi_aio.keys import DATABASE
from openapi_aio.validation.formats import DECIMAL_PATTERN

THING = {
    "type": "object",
    "x-table": "types_things",
    "required": ["count"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "format": "uuid", "readOnly": True, "x-column": {"default": "uuid"}},
        "count": {"type": "integer"},
        "big": {"type": "integer", "format": "int64"},
        "ratio": {"type": "number"},
        "price": {"type": "number", "format": "decimal"},
        "amount": {"type": "string", "format": "decimal"},
        "code": {"type": "string", "maxLength": 5},
        "day": {"type": "string", "format": "date"},
        "at": {"type": "string", "format": "date-time"},
        "ref": {"type": "string", "format": "uuid"},
        "flag": {"type": "boolean"},
        "color": {"type": "string", "enum": ["red", "green", "blue"]},
        "meta": {"type": "object"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "note": {"type": ["string", "null"]},
    },
}
FILTERS = {
    "count": {"type": "integer"},
    "big": {"type": "integer", "format": "int64"},
    "big__gt": {"type": "integer", "format": "int64"},
    "ratio__lt": {"type": "number"},
    "price": {"type": "number"},
    "price__ge": {"type": "number"},
    "amount": {"type": "string"},
    "code__like": {"type": "string"},
    "day": {"type": "string", "format": "date"},
    "day__lt": {"type": "string", "format": "date"},
    "at": {"type": "string", "format": "date-time"},
    "at__ge": {"type": "string", "format": "date-time"},
    "ref": {"type": "string", "format": "uuid"},
    "flag": {"type": "boolean"},
    "color__in": {"type": "array", "items": {"type": "string", "enum": ["red", "green", "blue"]}},
    "note__isnull": {"type": "boolean"},
    "meta__isnull": {"type": "boolean"},
}
JSON_BODY = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
PATCH_BODY = {"content": {"application/json": {"schema": {"type": "object", "properties": THING["properties"]}}}}
SPEC = document(
    {
        "/things": {
            "x-resource": "Thing",
            "get": {
                "parameters": [
                    {"name": name, "in": "query", "schema": schema, **({"explode": False} if "in" in name else {})}
                    for name, schema in FILTERS.items()
                ],
                "responses": {"200": {"description": "rows"}},
            },
            "post": {"requestBody": JSON_BODY, "responses": {"201": {"description": "created"}}},
        },
        "/things/{id}": {
            "x-resource": "Thing",
            "parameters": [
                {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "format": "uuid"}}
            ],
            "get": {"responses": {"200": {"description": "row"}}},
            "patch": {"requestBody": PATCH_BODY, "responses": {"200": {"description": "row"}}},
        },
    },
    version="3.1.0",
    components={"schemas": {"Thing": THING}},
)

BIG = 2**40 + 7
REF = "8d2c7f7e-0a4b-4c39-9d1e-2f9e5d3c1a00"
FULL = {
    "count": -2_147_483_648,
    "big": BIG,
    "ratio": 0.1,
    "price": 12.34,
    "amount": "12.34",
    "code": "ab'c%",
    "day": "2024-02-29",
    "at": "2024-05-01T12:30:00.123456+02:00",
    "ref": REF,
    "flag": False,
    "color": "green",
    "meta": {"nested": {"list": [1, 2.5, None, True, "é"]}, "empty": {}},
    "tags": ["a", "b", "a"],
    "note": None,
}


def utc(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


async def post(client: Any, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/things", json=body)
    assert response.status == 201, await response.text()
    return await response.json()


async def test_every_type_round_trips_through_post_and_get(serve_db):
    client = await serve_db(SPEC)
    created = await post(client, FULL)
    assert str(uuid.UUID(created["id"])) == created["id"]  # generated uuid primary key
    response = await client.get(f"/things/{created['id']}")
    assert response.status == 200, await response.text()
    fetched = await response.json()
    assert fetched == created
    expected_at = fetched.pop("at")
    for row in (fetched, {k: v for k, v in created.items() if k != "at"}):
        assert row == {**{k: v for k, v in FULL.items() if k != "at"}, "id": created["id"]}
    # the same instant, returned in UTC
    assert utc(expected_at) == utc(FULL["at"])
    assert utc(expected_at).utcoffset() == datetime.timedelta(0)
    assert utc(expected_at) == datetime.datetime(2024, 5, 1, 10, 30, 0, 123456, tzinfo=datetime.UTC)
    assert isinstance(fetched["price"], float)
    assert fetched["price"] == 12.34
    assert isinstance(fetched["big"], int)
    assert fetched["flag"] is False


async def test_values_at_the_edges_round_trip(serve_db):
    client = await serve_db(SPEC)
    cases = [
        {"count": 2_147_483_647, "big": 2**62, "price": 0.1, "amount": "-0.01", "ratio": 1e-300},
        {"count": 0, "big": -(2**62), "price": 1e-2, "amount": "100", "ratio": -1.5},
        {"count": 1, "big": 2**31, "price": 99999.99, "ratio": 3.141592653589793, "flag": True},
        {"count": 2, "price": 7, "meta": {}, "tags": [], "note": "", "code": ""},
    ]
    for body in cases:
        created = await post(client, body)
        response = await client.get(f"/things/{created['id']}")
        fetched = await response.json()
        for name, value in body.items():
            assert (fetched[name], type(fetched[name])) == (value, type(value)), name
        # what was not sent is null, or absent where the schema admits no null
        assert all(fetched.get(name) is None for name in THING["properties"] if name not in body and name != "id")


async def test_decimal_strings_are_answered_within_their_grammar(serve_db):
    """A value the decimal grammar accepts is answered within it too (the served pattern, 100
    digits each side and a two-digit exponent): str() of the stored value would write
    +864028711048e93 as 8.64028711048E+104 (SQLite) or as 105 digits (PostgreSQL)."""
    client = await serve_db(SPEC)
    for written in ("+864028711048e93", "1" + "0" * 99 + "e99", ".5e-99", "-12.50"):
        created = await post(client, {"count": 1, "amount": written})
        answered = (await (await client.get(f"/things/{created['id']}")).json())["amount"]
        assert re.fullmatch(DECIMAL_PATTERN, answered), (written, answered)
        assert decimal.Decimal(answered) == decimal.Decimal(written)


async def test_a_string_longer_than_max_length_is_refused_by_the_schema(serve_db):
    client = await serve_db(SPEC)
    response = await client.post("/things", json={"count": 1, "code": "123456"})
    assert response.status == 400
    assert (await response.json())["errors"][0]["pointer"] == "/code"
    response = await client.post("/things", json={"count": 1, "color": "purple"})
    assert response.status == 400
    response = await client.post("/things", json={"count": 1.5})
    assert response.status == 400
    response = await client.post("/things", json={"count": 1, "day": "2023-02-29"})
    assert response.status == 400
    response = await client.get("/things", params={"count": "1"})
    assert await response.json() == []


async def test_filters_on_every_type(serve_db):
    client = await serve_db(SPEC)
    rows = [
        {"count": 1, "big": BIG, "ratio": 0.5, "price": 12.34, "amount": "12.34", "code": "ab_1", "day": "2024-01-31",
         "at": "2024-05-01T12:30:00+02:00", "ref": REF, "flag": True, "color": "red", "meta": {"a": 1}, "note": "x"},
        {"count": 2, "big": 5, "ratio": 1.5, "price": 0.1, "amount": "0.10", "code": "abc", "day": "2024-02-29",
         "at": "2024-05-01T09:00:00Z", "ref": str(uuid.uuid4()), "flag": False, "color": "green", "note": None},
        {"count": 3, "big": BIG + 1, "ratio": 2.5, "price": 100, "code": "xyz", "day": "2024-12-31",
         "at": "2024-04-30T23:00:00-05:00", "flag": False, "color": "blue"},
    ]  # fmt: skip
    ids = [(await post(client, row))["id"] for row in rows]

    async def found(query: dict[str, str]) -> list[int]:
        response = await client.get("/things", params=query)
        assert response.status == 200, (query, await response.text())
        by_id = {row["id"]: row for row in await response.json()}
        return sorted(rows[ids.index(key)]["count"] for key in by_id)

    assert await found({"big": str(BIG)}) == [1]
    assert await found({"big__gt": str(2**31)}) == [1, 3]
    assert await found({"ratio__lt": "1.5"}) == [1]
    assert await found({"price": "12.34"}) == [1]
    assert await found({"price": "0.1"}) == [2]
    assert await found({"price__ge": "12.34"}) == [1, 3]
    assert await found({"amount": "12.34"}) == [1]
    assert await found({"code__like": "ab*"}) == [1, 2]  # '*' means '%'
    assert await found({"code__like": "ab_"}) == [2]  # '_' stays LIKE's one-character wildcard
    assert await found({"code__like": "AB*"}) == []  # like is case-sensitive on both databases
    assert await found({"day": "2024-02-29"}) == [2]
    assert await found({"day__lt": "2024-02-29"}) == [1]
    # the same instant written with another offset; 2024-05-01T04:00:00Z is row 3's instant
    assert await found({"at": "2024-05-01T10:30:00Z"}) == [1]
    assert await found({"at": "2024-05-01T06:30:00-04:00"}) == [1]
    assert await found({"at__ge": "2024-05-01T11:00:00+02:00"}) == [1, 2]  # 09:00Z: 10:30Z and 09:00Z
    assert await found({"at__ge": "2024-05-01T04:00:00Z"}) == [1, 2, 3]  # row 3: 23:00-05:00 the day before
    assert await found({"ref": REF}) == [1]
    assert await found({"ref": REF.upper()}) == [1]
    assert await found({"flag": "false"}) == [2, 3]
    assert await found({"flag": "true"}) == [1]
    assert await found({"color__in": "red,blue"}) == [1, 3]
    assert await found({"note__isnull": "true"}) == [2, 3]
    assert await found({"note__isnull": "false"}) == [1]
    assert await found({"meta__isnull": "true"}) == [2, 3]
    assert await found({"count": "2", "flag": "false"}) == [2]


async def test_patch_keeps_types_exact(serve_db):
    client = await serve_db(SPEC)
    created = await post(client, FULL)
    change = {"big": BIG * 2, "price": 0.3, "at": "2030-01-01T00:00:00-01:00", "note": "now set", "tags": ["z"]}
    response = await client.patch(f"/things/{created['id']}", json=change)
    assert response.status == 200, await response.text()
    patched = await response.json()
    response = await client.get(f"/things/{created['id']}")
    fetched = await response.json()
    assert fetched == patched
    assert utc(fetched.pop("at")) == datetime.datetime(2030, 1, 1, 1, tzinfo=datetime.UTC)
    created.pop("at")
    change.pop("at")
    assert fetched == {**created, **change}
    response = await client.patch(f"/things/{created['id']}", json={"note": None})
    assert (await response.json())["note"] is None


async def test_generated_sqlalchemy_types(serve_db, datastore):
    client = await serve_db(SPEC)
    database = client.app[DATABASE]
    table = database.metadata.tables["types_things"]
    columns = table.c
    assert table.primary_key.columns.keys() == ["id"]
    assert isinstance(columns.id.type, sa.Uuid)
    assert isinstance(columns.count.type, sa.Integer)
    assert not columns.count.nullable
    assert isinstance(columns.big.type, sa.BigInteger)
    assert isinstance(columns.ratio.type, sa.Float)
    assert isinstance(columns.code.type, sa.String)
    assert columns.code.type.length == 5
    assert isinstance(columns.day.type, sa.Date)
    assert isinstance(columns.ref.type, sa.Uuid)
    assert isinstance(columns.flag.type, sa.Boolean)
    assert isinstance(columns.color.type, sa.Enum)
    assert columns.color.type.enums == ["red", "green", "blue"]
    assert isinstance(columns.meta.type, sa.JSON)
    assert isinstance(columns.tags.type, sa.JSON)
    assert columns.note.nullable
    ddl = str(sa.schema.CreateTable(table).compile(dialect=postgresql.dialect()))
    assert "meta JSONB" in ddl
    assert "big BIGINT" in ddl
    assert "code VARCHAR(5)" in ddl
    assert "at TIMESTAMP WITH TIME ZONE" in ddl
    assert "price NUMERIC" in ddl
    if database.is_postgresql:
        found = await database.fetch_all(
            sa.text(
                "SELECT column_name, data_type FROM information_schema.columns"
                " WHERE table_name = 'types_things' ORDER BY column_name"
            )
        )
        types = {row["column_name"]: row["data_type"] for row in found}
        assert types["meta"] == types["tags"] == "jsonb"
        assert types["big"] == "bigint"
        assert types["at"] == "timestamp with time zone"
        assert types["id"] == types["ref"] == "uuid"
        assert types["price"] == "numeric"
        assert types["code"] == "character varying"
        # the enum is a CHECK constraint: the database itself refuses other values
        with_check = await database.fetch_value(
            sa.text("SELECT count(*) FROM information_schema.check_constraints WHERE check_clause LIKE '%green%'")
        )
        assert with_check >= 1


NULLABLE_30 = document(
    {
        "/labels": {
            "x-resource": "Label",
            "get": {"responses": {"200": {"description": "rows"}}},
            "post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Label"}}}},
                "responses": {"201": {"description": "created"}},
            },
        }
    },
    components={
        "schemas": {
            "Label": {
                "type": "object",
                "x-table": "types_labels",
                "required": ["name", "label", "when"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "name": {"type": "string"},
                    "label": {"type": "string", "nullable": True},
                    "when": {"type": "string", "format": "date-time", "nullable": True},
                    "size": {"type": "number", "format": "decimal", "nullable": True},
                },
            }
        }
    },
)


async def test_nullable_in_openapi_30(serve_db):
    client = await serve_db(NULLABLE_30)
    table = client.app[DATABASE].metadata.tables["types_labels"]
    assert not table.c.name.nullable  # required and not nullable: NOT NULL
    assert table.c.label.nullable
    assert table.c.when.nullable
    assert table.c.size.nullable
    body = {"name": "n", "label": None, "when": None, "size": None}
    response = await client.post("/labels", json=body)
    assert response.status == 201, await response.text()
    assert await response.json() == {"id": 1, **body}
    response = await client.post("/labels", json={"name": None, "label": "x", "when": None})
    assert response.status == 400  # the schema refuses null where it is not nullable
    response = await client.post(
        "/labels", json={"name": "m", "label": "l", "when": "2024-01-01T00:00:00+01:00", "size": 12.34}
    )
    assert response.status == 201, await response.text()
    response = await client.get("/labels")
    second = (await response.json())[1]
    assert second["size"] == 12.34
    assert utc(second["when"]) == datetime.datetime(2023, 12, 31, 23, tzinfo=datetime.UTC)


def test_decimal_exactness_of_the_converters():
    """number/decimal values are Decimals in the database: 0.1 + 0.2 style errors never happen."""
    from openapi_aio.db.columns import _decimal_to_number, _to_decimal

    assert _to_decimal(12.34) == decimal.Decimal("12.34")
    assert _decimal_to_number(decimal.Decimal("12.34")) == 12.34
    assert _decimal_to_number(decimal.Decimal("12.00")) == 12
