"""Formats beyond the validator's own, and the ones users register.

The validator engine checks the string formats OpenAPI names itself (date, date-time, time,
uuid, email, uri, hostname, ipv4, ipv6, ...). What it does not know is here: ``byte`` (base64),
``decimal`` (a finite decimal number, as text), dates and date-times that RFC 3339 allows but no
date type holds (year 0, a leap second, 9999-12-31 at -14:00: see :func:`_is_date_time`),
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
import datetime
import decimal
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


def _as_in_2020_12(name: str) -> FormatChecker:
    checker = jsonschema_rs.Draft202012Validator({"format": name}, validate_formats=True)
    return checker.is_valid


_RFC3339_DATE = _as_in_2020_12("date")
_RFC3339_DATE_TIME = _as_in_2020_12("date-time")


def _is_date(value: str) -> bool:
    """RFC 3339's full-date that a date type holds: years 0001 to 9999 (year 0 is RFC 3339's,
    Python's and the databases' date types have none)."""
    return _RFC3339_DATE(value) and not value.startswith("0000")


def _is_date_time(value: str) -> bool:
    """RFC 3339's date-time that a timestamp holds once in UTC, as the databases store it: no
    leap second (``23:59:60``), no year 0, nothing beyond 9999-12-31 or before 0001-01-01 in UTC
    (``9999-12-31T23:59:59-14:00`` is year 10000 there)."""
    if not _RFC3339_DATE_TIME(value):
        return False
    try:
        datetime.datetime.fromisoformat(value.replace("z", "Z")).astimezone(datetime.UTC)
    except (ValueError, OverflowError):
        return False
    return True


# At most 100 digits before and after the point and a two-digit exponent: every such number lies
# between 1e-199 and 1e199, so both databases keep it as written (PostgreSQL's numeric, SQLite's
# double). The served document states it as a pattern (service/format_patterns.py).
DECIMAL_PATTERN = r"^[+-]?([0-9]{1,100}(\.[0-9]{0,100})?|\.[0-9]{1,100})([eE][+-]?[0-9]{1,2})?$"
_DECIMAL = re.compile(DECIMAL_PATTERN.replace("$", r"\Z"))


def decimal_text(value: decimal.Decimal) -> str:
    """``value`` written within :data:`DECIMAL_PATTERN`, as answers must be: ``str()`` writes a
    value the grammar accepts as ``+864028711048e93`` as ``8.64028711048E+104`` (a three-digit
    exponent), and PostgreSQL's numeric comes back as 105 plain digits. Such values are written
    as their digits with the exponent moved within two digits (``864028711048e93``)."""
    text = str(value)
    if _DECIMAL.match(text) is not None or not value.is_finite():
        return text
    sign, digits, exponent = value.normalize().as_tuple()
    assert isinstance(exponent, int)
    number = "".join(map(str, digits))
    if exponent > 99:  # more digits, a smaller exponent
        number, exponent = number + "0" * (exponent - 99), 99
    elif exponent < -99:  # a fraction, a larger exponent
        shift = -exponent - 99
        number = "." + number.rjust(shift, "0") if len(number) <= shift else f"{number[:-shift]}.{number[-shift:]}"
        exponent = -99
    written = f"{'-' if sign else ''}{number}e{exponent}"
    return written if _DECIMAL.match(written) is not None else text


def _is_decimal(value: str) -> bool:
    """A finite decimal number written in digits (``12.50``, ``-3``, ``1e3``): never ``NaN``,
    ``sNaN`` or ``Infinity``, which Python's Decimal reads but no number column holds, and within
    :data:`DECIMAL_PATTERN`'s limits."""
    return _DECIMAL.match(value) is not None


# String formats checked in Python; the engine calls them with strings only.
FORMATS: dict[str, FormatChecker] = {
    "byte": _is_byte,
    "date": _is_date,
    "date-time": _is_date_time,
    "decimal": _is_decimal,
}


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
