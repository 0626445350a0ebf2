"""String formats and their Python types, one small pair of callables per format name.

Each :class:`Format` turns the JSON value into its Python type (``decode``) and back (``encode``).
Decoders accept a value that is already of the Python type, so ``from_dict`` may be given data
that was partly converted before. The canonical text ``encode`` writes is the one ``to_dict``
round-trips exactly: ISO 8601 with UTC written as ``Z``, lower-case hyphenated UUIDs, standard
base64 with padding.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import decimal
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from openapi_aio.models.base import ModelError, json_type

__all__ = ["FORMATS", "NUMBER_FORMATS", "Format"]


@dataclass(frozen=True, slots=True)
class Format:
    annotation: str  # the Python type as written in a generated module
    decode: Callable[[Any], Any]
    encode: Callable[[Any], Any]


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ModelError(f"expected {what} string, got {json_type(value)}")
    return value


def _utc_as_z(text: str) -> str:
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _decode_datetime(value: Any) -> datetime.datetime:
    if isinstance(value, datetime.datetime):
        return value
    text = _text(value, "a date-time")
    try:
        parsed = datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ModelError(f"{value!r} is not an RFC 3339 date-time") from None
    if parsed.tzinfo is None:  # RFC 3339 requires the offset; a naive time is ambiguous
        raise ModelError(f"{value!r} has no time zone offset (add Z or +hh:mm)")
    return parsed


def _decode_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    text = _text(value, "a date")
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise ModelError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _decode_time(value: Any) -> datetime.time:
    if isinstance(value, datetime.time):
        return value
    text = _text(value, "a time")
    try:
        return datetime.time.fromisoformat(text)
    except ValueError:
        raise ModelError(f"{value!r} is not a time (hh:mm:ss[.ffffff][Z|+hh:mm])") from None


def _decode_uuid(value: Any) -> uuid.UUID:
    if isinstance(value, uuid.UUID):
        return value
    text = _text(value, "a uuid")
    try:
        return uuid.UUID(text)
    except ValueError:
        raise ModelError(f"{value!r} is not a UUID") from None


def _decode_byte(value: Any) -> bytes:
    if isinstance(value, bytes):
        return value
    text = _text(value, "a base64")
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ModelError(f"{value!r} is not base64") from None


def _decode_binary(value: Any) -> Any:
    # In JSON a binary string is text; its bytes are its UTF-8 encoding (surrogateescape keeps
    # any byte). Anything else (an UploadedFile of a multipart body) is kept as it is.
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    return value


def _encode_binary(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", "surrogateescape")
    return value


def _decode_decimal(value: Any) -> decimal.Decimal:
    if isinstance(value, decimal.Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ModelError(f"expected a decimal, got {json_type(value)}")
    try:  # str() of a float is its shortest repr: what the JSON text said
        return decimal.Decimal(str(value))
    except decimal.InvalidOperation:
        raise ModelError(f"{value!r} is not a decimal number") from None


def _encode_decimal_number(value: Any) -> Any:
    # A JSON number: integral values as int, others as float (the schema says number, not string)
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def _isoformat(value: Any) -> Any:
    return _utc_as_z(value.isoformat()) if hasattr(value, "isoformat") else value


FORMATS: dict[str, Format] = {
    "date-time": Format("_dt.datetime", _decode_datetime, _isoformat),
    "date": Format("_dt.date", _decode_date, _isoformat),
    "time": Format("_dt.time", _decode_time, _isoformat),
    "uuid": Format("_uuid.UUID", _decode_uuid, str),
    "byte": Format("bytes", _decode_byte, lambda value: base64.b64encode(value).decode("ascii")),
    "binary": Format("bytes", _decode_binary, _encode_binary),
    "decimal": Format("_decimal.Decimal", _decode_decimal, str),
}
"""Formats of ``type: string`` (or no type) with a Python type; add entries to support more."""

NUMBER_FORMATS: dict[str, Format] = {
    "decimal": Format("_decimal.Decimal", _decode_decimal, _encode_decimal_number),
}
"""Formats of ``type: number`` with a Python type."""
