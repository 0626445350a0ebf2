"""JSON in and out, with orjson where it gives exactly what the standard library would.

orjson was measured against the standard library on the peer benchmark's 12-property pet
(2026-12-07, dev/bench_micro.py's bodies under timeit): decoding 4.5 -> 0.7 us, encoding
3.3 -> 0.2 us. It is used only where its answer is the one ``json`` would give; everything else
goes through ``json`` as before, so the output rules do not depend on which one ran:

- dates and times as ``isoformat()`` (orjson hands them to :func:`json_default`), a naive
  ``datetime`` taken as UTC and written with ``Z`` (RFC 3339 requires an offset), UUIDs and
  Decimals as strings, models through their ``to_dict`` (dataclasses are handed over too);
- integers beyond 64 bits and non-string keys: written by ``json`` (orjson refuses them);
- NaN and Infinity are not JSON (RFC 8259): a result holding one is refused with ValueError (a 500
  for a response), where orjson would write ``null`` and ``json`` would write ``NaN``.

Request bodies: :func:`parse_body` takes orjson's value when it parses the body; a body it refuses
(malformed, NaN, 1e400, a lone surrogate, a BOM or UTF-16) is read by ``json`` again, which gives
the message the client sees or reads the encodings ``json`` accepts. Integers longer than 18
digits always go to ``json``: orjson would turn them into floats.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import math
import re
import sys
import uuid
from collections.abc import Callable
from typing import Any

import orjson

__all__ = ["dumps", "json_default", "json_text", "loads", "parse_body"]


def json_default(value: Any) -> Any:
    """Encode what JSON has no type for: dates as ISO 8601, UUIDs and Decimals as strings (no
    float rounding of money), objects with ``to_dict`` (model instances) and dataclasses as
    objects, sets as arrays, enums by value. A naive ``datetime`` (a SQLite column,
    ``utcnow()``) is written as UTC with ``Z``: RFC 3339 date-times carry an offset, and it is
    what Connexion writes."""
    if isinstance(value, datetime.datetime):
        return value.isoformat() if value.utcoffset() is not None else value.isoformat() + "Z"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):  # model classes (openapi_aio.models) are dataclasses that know their JSON
        return to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if isinstance(value, bytes):
        return value.decode()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_encoder = json.JSONEncoder(default=json_default, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
_OPTIONS = orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON; ValueError for NaN or Infinity, TypeError for what has no JSON form."""
    try:
        encoded = orjson.dumps(value, default=json_default, option=_OPTIONS)
    except orjson.JSONEncodeError:  # a big integer, a non-string key, or no JSON form at all
        return _encoder.encode(value).encode()
    if b"null" in encoded and _maybe_not_finite(value):  # orjson writes NaN and Infinity as null
        return _encoder.encode(value).encode()  # raises ValueError if one is really there
    return encoded


def _maybe_not_finite(value: Any) -> bool:
    """Whether ``value`` holds a NaN or an infinity, or an object whose JSON form is unknown here."""
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is dict:
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is float:
            if not math.isfinite(item):
                return True
        elif not isinstance(item, str | int | None):  # a subclass, a date, a model: let json decide
            return True
    return False


def json_text(value: Any) -> str:
    """Compact JSON text of ``value`` (row events, db/events.py), by ``json``: NaN and Infinity are
    refused (``ValueError``) as :func:`dumps` refuses them, never written as invalid JSON."""
    return json.dumps(value, default=json_default, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


loads: Callable[[str | bytes], Any] = json.loads

_LONG_INTEGER = re.compile(rb"[0-9]{19}")


def parse_body(raw: bytes, fallback: Callable[[bytes], Any]) -> Any:
    """The value of a JSON body: orjson's when it agrees with ``json``, else ``fallback(raw)``
    (``json.loads`` with the caller's rules, which also says what is wrong). An integer of more
    digits than Python converts (4,300 by default) is refused in words that do not send the client
    to Python's ``sys.set_int_max_str_digits``."""
    if not _LONG_INTEGER.search(raw):
        try:
            return orjson.loads(raw)
        except orjson.JSONDecodeError:
            pass
    try:
        return fallback(raw)
    except ValueError as error:
        if isinstance(error, json.JSONDecodeError) or "integer string conversion" not in str(error):
            raise
        raise ValueError(f"a number has more than {sys.get_int_max_str_digits()} digits") from None
