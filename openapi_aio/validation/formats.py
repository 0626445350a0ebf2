"""Formats beyond the validator's own, and the ones users register.

The validator engine checks the string formats OpenAPI names itself (date, date-time, time,
uuid, email, uri, hostname, ipv4, ipv6, ...). What it does not know is here: ``byte`` (base64),
the formats JSON Schema added after draft 4 when a 2.0 or 3.0 document uses them, and numeric
formats, which engines never ask a format checker about (formats only apply to
strings there), so ``int32``/``int64``/``float`` become ``minimum``/``maximum`` bounds when a schema
is compiled (see :mod:`.dialects`). Unknown formats are annotations and always pass.

>>> from openapi_aio.validation import formats
>>> formats.register("color", lambda value: value.startswith("#") and len(value) == 7)
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

import jsonschema_rs

__all__ = ["FORMATS", "LATER_DRAFTS", "NUMERIC_RANGES", "FormatChecker", "register"]

FormatChecker = Callable[[str], bool]

_BASE64 = re.compile(r"^[A-Za-z0-9+/]*={0,2}$")


def _is_byte(value: str) -> bool:
    if len(value) % 4 or not _BASE64.match(value):
        return False
    try:
        base64.b64decode(value, validate=True)
    except binascii.Error:
        return False
    return True


# String formats checked in Python; the engine calls them with strings only.
FORMATS: dict[str, FormatChecker] = {"byte": _is_byte}


def _as_in_2020_12(name: str) -> FormatChecker:
    checker = jsonschema_rs.Draft202012Validator({"format": name}, validate_formats=True)
    return checker.is_valid


# Formats defined after JSON Schema draft 4, which the engine checks only for later drafts. Swagger
# 2.0 and OpenAPI 3.0 schemas are draft 4, yet use them (``uuid`` above all): they are checked
# there exactly as in 3.1 documents (JSON Schema 2020-12).
LATER_DRAFTS: dict[str, FormatChecker] = {
    name: _as_in_2020_12(name)
    for name in ("uuid", "duration", "uri-reference", "iri", "iri-reference", "idn-hostname", "json-pointer",
                 "relative-json-pointer", "uri-template")
}  # fmt: skip

# Numeric formats as the bounds they imply.
NUMERIC_RANGES: dict[str, tuple[float, float]] = {
    "int32": (-(2**31), 2**31 - 1),
    "int64": (-(2**63), 2**63 - 1),
    "float": (-3.4028234663852886e38, 3.4028234663852886e38),
}


def register(name: str, checker: FormatChecker) -> None:
    """Add or replace a string format checker for every API compiled afterwards.

    The checker receives the string and returns whether it is valid; an exception it raises
    counts as invalid.
    """
    FORMATS[name] = checker


def never_raising(checker: FormatChecker) -> FormatChecker:
    """A user's checker that raises must fail the value, not the request."""

    def check(value: str) -> bool:
        try:
            return bool(checker(value))
        except Exception:  # noqa: BLE001 - any failure of a checker means "not valid"
            return False

    return check
