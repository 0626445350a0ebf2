"""Turning handler results into bytes: JSON with the types services actually return."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import json
import uuid
from collections.abc import Callable
from typing import Any

__all__ = ["dumps", "json_default", "loads"]


def json_default(value: Any) -> Any:
    """Encode what ``json`` cannot: dates as ISO 8601, UUIDs and Decimals as strings (no
    float rounding of money), objects with ``to_dict`` (model instances) and dataclasses as
    objects, sets as arrays, enums by value."""
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
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


_encoder = json.JSONEncoder(default=json_default, ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return _encoder.encode(value).encode()


loads: Callable[[str | bytes], Any] = json.loads
