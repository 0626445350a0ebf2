"""Example numbers and strings: the leaves of a value made up by :mod:`.examples`.

They depend on the schema's own keywords alone (bounds, ``multipleOf``, lengths, ``format``,
``pattern``), so they are plain functions: the same schema and ``variant`` give the same value.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from openapi_aio.endpoints.patterns import UnsupportedPattern, pattern_example

__all__ = ["number_example", "string_example"]

_FORMATS: dict[str, Any] = {
    "date": "2024-01-01",
    "date-time": "2024-01-01T12:00:00Z",
    "time": "12:00:00Z",
    "duration": "P1D",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "https://example.com/",
    "iri-reference": "https://example.com/",
    "uri-template": "https://example.com/{id}",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": base64.b64encode(b"example").decode(),
    "binary": "example",
    "password": "secret",
    "json-pointer": "/example",
    "relative-json-pointer": "0",
    "regex": "^example$",
}
_NUMERIC = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


def number_example(schema: Mapping[str, Any], variant: int, *, integer: bool) -> int | float:
    """A number within the bounds (``minimum``, ``exclusive*`` in their 3.0 and 3.1 forms), a
    multiple of ``multipleOf``, closest to 0 or the lower bound; ``variant`` steps past it (the
    items of a ``uniqueItems`` array differ)."""
    low: int | float | None = None
    high: int | float | None = None
    low_open = high_open = False
    if isinstance(schema.get("minimum"), int | float) and not isinstance(schema.get("minimum"), bool):
        low = schema["minimum"] if low is None else max(low, schema["minimum"])
        low_open = schema.get("exclusiveMinimum") is True
    if isinstance(schema.get("maximum"), int | float) and not isinstance(schema.get("maximum"), bool):
        high = schema["maximum"] if high is None else min(high, schema["maximum"])
        high_open = schema.get("exclusiveMaximum") is True
    for key, is_low in (("exclusiveMinimum", True), ("exclusiveMaximum", False)):
        bound = schema.get(key)
        if isinstance(bound, int | float) and not isinstance(bound, bool):  # 3.1: a number
            if is_low and (low is None or bound >= low):
                low, low_open = bound, True
            elif not is_low and (high is None or bound <= high):
                high, high_open = bound, True
    step = schema.get("multipleOf")
    step = step if isinstance(step, int | float) and not isinstance(step, bool) and step > 0 else None
    unit: int | float = step or 1
    if low is not None:
        value: int | float = low
        if step:
            value = _ceil(low / step) * step
            if low_open and value <= low:
                value += step
        elif low_open:
            value = low + 1 if integer or high is None or low + 1 < high else (low + high) / 2
        elif integer:
            value = _ceil(low)
    elif high is not None:
        value = min(0, high)
        if step:
            value = _floor(value / step) * step
        if high_open and value >= high:
            value -= unit
    else:
        value = 0
    value += variant * unit
    floor, ceiling = _NUMERIC.get(schema.get("format", ""), (None, None))
    if floor is not None and ceiling is not None:
        value = min(max(value, floor), ceiling)
    if integer or (isinstance(value, float) and value.is_integer() and abs(value) < 2**53):
        value = int(value)
    return value


def string_example(schema: Mapping[str, Any], variant: int) -> str:
    """A string matching ``pattern`` within the length bounds if the sampler can write one, else
    the ``format``'s sample (or ``"string"``) padded or cut to the bounds."""
    pattern = schema.get("pattern")
    fmt = schema.get("format")
    minimum: int = schema["minLength"] if isinstance(schema.get("minLength"), int) else 0
    maximum: int | None = schema["maxLength"] if isinstance(schema.get("maxLength"), int) else None
    if isinstance(pattern, str):
        for repeat in (0, 1, 3, 8, 20):
            try:
                text = pattern_example(pattern, repeat)
            except UnsupportedPattern:
                break
            if len(text) >= minimum and (maximum is None or len(text) <= maximum):
                return text + (str(variant) if variant else "")
    text = str(_FORMATS[fmt]) if isinstance(fmt, str) and fmt in _FORMATS else "string"
    if variant:
        text = f"{text}{variant}" if not fmt else text
    if len(text) < minimum:
        text = text + "x" * (minimum - len(text))
    if maximum is not None and len(text) > maximum:
        text = text[:maximum]
    return text


def _ceil(value: float) -> int:
    whole = int(value)
    return whole + 1 if whole < value else whole


def _floor(value: float) -> int:
    whole = int(value)
    return whole - 1 if whole > value else whole
