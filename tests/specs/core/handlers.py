"""Handlers for tests/endpoints/test_handlers.py: every return convention and calling style."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import threading
import uuid
from http import HTTPStatus

from aiohttp import web

from openapi_aio import NoContent, ProblemException
from openapi_aio.keys import RESPONSE_MEDIA_TYPE


async def value() -> dict:
    return {"kind": "value"}


async def with_status() -> tuple:
    return {"kind": "created"}, 201


async def with_http_status() -> tuple:
    return {"kind": "accepted"}, HTTPStatus.ACCEPTED


async def with_headers() -> tuple:
    return {"kind": "headers"}, 200, {"X-Thing": "1"}


async def body_and_headers() -> tuple:
    return {"kind": "body+headers"}, {"X-Other": "2"}


async def none() -> None:
    return None


async def no_content() -> object:
    return NoContent


async def no_content_status() -> tuple:
    return NoContent, 202


async def stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(status=200, headers={"Content-Type": "text/csv"})
    await response.prepare(request)
    await response.write(b"a,b\n1,2\n")
    return response


async def aiohttp_response() -> web.Response:
    return web.Response(text="raw", status=203)


class Color(enum.Enum):
    RED = "red"


@dataclasses.dataclass
class Point:
    x: int
    y: int


async def types() -> dict:
    return {
        "datetime": datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC),
        "date": datetime.date(2024, 5, 1),
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "decimal": decimal.Decimal("10.10"),
        "dataclass": Point(1, 2),
        "enum": Color.RED,
    }


async def naive_datetimes() -> dict:
    """Naive datetimes (no tzinfo), as SQLite rows and ``datetime.utcnow()`` give them."""
    naive = datetime.datetime(2024, 5, 1, 12, 30, 0, 123456)
    return {
        "naive": naive,
        "in_list": [datetime.datetime(2024, 5, 1, 12, 30)],
        "aware": naive.replace(tzinfo=datetime.timezone(datetime.timedelta(hours=2))),
        "utc": datetime.datetime(2024, 5, 1, 12, 30, tzinfo=datetime.UTC),
        "date": datetime.date(2024, 5, 1),
    }


@dataclasses.dataclass
class Renamed:
    """A dataclass that knows its JSON (as generated models do): to_dict wins over its fields."""

    python_name: int

    def to_dict(self) -> dict:
        return {"json-name": self.python_name}


async def more_types() -> dict:
    return {
        "big": 2**70,
        "negative_big": -(2**64),
        "int_keys": {1: "one"},
        "naive": datetime.datetime(2024, 5, 1, 12, 30, 0, 123456),
        "time": datetime.time(8, 15),
        "set": {3},
        "tuple": (1, "a"),
        "model": Renamed(7),
        "nothing": None,
        "unicode": "d\u00e9j\u00e0 \u2713",
    }


async def not_finite(which: str) -> dict:
    value = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}[which]
    return {"nested": [{"value": value, "other": None}]}


async def echo(body: object) -> object:
    return body


async def text() -> str:
    return "plain words"


async def only_201() -> dict:
    return {"created": True}


async def negotiated(request: web.Request) -> dict | str:
    if request[RESPONSE_MEDIA_TYPE] == "application/xml":
        return "<format>either</format>"
    return {"format": "either"}


# The same results under other operationIds (each operation has its own).
any_text = text_range = undeclared_text = text
any_value = value


async def raw_bytes() -> bytes:
    return b"\x00\x01 raw"


async def dict_for_csv() -> dict:
    return {"not": "csv"}


def sync_handler(name: str) -> dict:
    # Runs in the executor: never on the event loop's thread.
    return {"name": name, "on_loop_thread": threading.current_thread() is threading.main_thread()}


async def crash() -> dict:
    raise RuntimeError("secret internal detail")


async def problem() -> dict:
    raise ProblemException(409, detail="pet 'rex' exists", type="https://example.com/conflict", pet="rex")


async def http_exception() -> dict:
    raise web.HTTPConflict(text="already there")


async def redirect() -> dict:
    raise web.HTTPFound("/elsewhere")


async def custom_error() -> dict:
    raise KeyError("missing")


class Greeter:
    async def greet(self, name: str) -> dict:
        return {"greeting": f"hello {name}"}


greeter = Greeter()


class CallableHandler:
    async def __call__(self) -> dict:
        return {"callable": True}


callable_handler = CallableHandler()


async def needs_unknown(unknown_thing: str) -> dict:
    return {}


async def ignores_parameters() -> dict:
    return {"ignored": True}
