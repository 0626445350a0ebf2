"""Input that is not what it claims to be: text that is no text, JSON that is no JSON.

**Text.** aiohttp decodes header lines as UTF-8 with ``surrogateescape``, so a byte that is not
UTF-8 (``Bearer d\\xe9mo``, Latin-1) reaches the application as a lone surrogate
(``"d\\udce9mo"``); cookies and the headers of multipart parts (field and file names) come from
header lines too. A JSON ``"\\ud800"`` escape makes one as well, and so do charsets such as
``unicode_escape``. A lone surrogate is no character: it cannot be encoded as UTF-8, so a handler
that echoes, stores or logs the value fails (a 500, or an error inside a database driver).
:func:`has_lone_surrogate` finds one in any decoded value; each location is checked where its
values are read (parameters in :mod:`openapi_aio.pipeline.arguments`, form fields and part names
in :mod:`openapi_aio.request.forms`, bodies in :mod:`openapi_aio.request.body`, credentials in
:mod:`openapi_aio.security.checkers`), so that such input is a 400 (a 401 for credentials) and
never reaches a handler. (Query strings and paths cannot hold one: their percent-decoding
replaces bytes that are not UTF-8 with U+FFFD.)

**JSON.** ``json.loads`` accepts ``NaN``, ``Infinity`` and ``-Infinity`` and reads ``1e400`` as
an infinity: none of them is JSON (RFC 8259), and none could be written back in a response.
:func:`strict_json` refuses them, for bodies, JSON parameters and JSON form fields alike.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["NOT_TEXT", "NotJsonNumber", "has_lone_surrogate", "is_text", "strict_json"]

NOT_TEXT = "not valid text: bytes that are not UTF-8, or a lone surrogate (\\ud800 to \\udfff)"

_SURROGATE = re.compile("[\ud800-\udfff]")


def is_text(value: str) -> bool:
    """Whether ``value`` can be encoded as UTF-8 (ASCII, the common case, is decided at once)."""
    return value.isascii() or not _SURROGATE.search(value)


def has_lone_surrogate(value: Any) -> bool:
    """Whether a decoded value (a string, or JSON-like lists and dicts of them, keys included)
    holds a lone surrogate anywhere. Numbers, booleans and other objects hold none."""
    if isinstance(value, str):
        return not is_text(value)
    if not isinstance(value, dict | list):
        return False
    stack: list[Any] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not is_text(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class NotJsonNumber(ValueError):
    """``NaN``, ``Infinity`` or a number beyond a double: not a JSON number. The message repeats
    a number only when it is short (it may be thousands of digits long)."""


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):  # 1e400: too large for a double
        shown = text if len(text) <= 24 else "a number"
        raise NotJsonNumber(f"{shown} is out of range for a JSON number")
    return number


def _reject_constant(name: str) -> Any:
    raise NotJsonNumber(f"{name} is not a JSON number")  # NaN, Infinity or -Infinity: short


def strict_json(raw: str | bytes) -> Any:
    """``json.loads`` that refuses what is not JSON: NaN, Infinity and numbers beyond a double
    (:class:`NotJsonNumber`); other errors are ``json.loads``'s own (``ValueError``,
    ``UnicodeDecodeError``, ``RecursionError``)."""
    return json.loads(raw, parse_constant=_reject_constant, parse_float=_finite_float)
