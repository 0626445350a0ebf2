"""The websocket opening handshake (RFC 6455 §4): the headers it needs, checked and described.

A websocket endpoint is a GET that only a handshake can use. The served document lists the
handshake's headers as required header parameters of the operation
(:mod:`openapi_aio.service.framework_answers`), and a request that lacks one, or sends a value
the document does not allow, is a 400 problem naming each such header; an unsupported
``Sec-WebSocket-Version`` is a 426 carrying ``Sec-WebSocket-Version: 13``, as RFC 6455 §4.4 asks.
The rule and its description sit here together so that they cannot drift apart.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from openapi_aio.errors import ProblemException, RequestValidationError, Violation

__all__ = ["HANDSHAKE_PARAMETERS", "handshake_problem"]

# 16 random bytes in base64: 22 characters, the last of them carrying only 2 bits, then "==".
_KEY = re.compile(r"[A-Za-z0-9+/]{21}[AQgw]==\Z")
_VERSION = "13"

# The served document's description of the handshake, one header parameter each (OpenAPI 3).
HANDSHAKE_PARAMETERS: tuple[dict[str, Any], ...] = (
    {
        "name": "Upgrade",
        "in": "header",
        "required": True,
        "description": "The websocket handshake (RFC 6455): the protocol asked for.",
        "schema": {"type": "string", "enum": ["websocket"]},
    },
    {
        "name": "Connection",
        "in": "header",
        "required": True,
        "description": "The websocket handshake: must hold the token `Upgrade` (e.g. `keep-alive, Upgrade`).",
        "schema": {"type": "string", "pattern": "(^|[ ,])[Uu][Pp][Gg][Rr][Aa][Dd][Ee]($|[ ,])"},
    },
    {
        "name": "Sec-WebSocket-Version",
        "in": "header",
        "required": True,
        "description": "The websocket handshake: the protocol version (RFC 6455 is 13).",
        "schema": {"type": "string", "enum": [_VERSION]},
    },
    {
        "name": "Sec-WebSocket-Key",
        "in": "header",
        "required": True,
        "description": "The websocket handshake: 16 random bytes in base64, new for each connection.",
        "schema": {"type": "string", "pattern": "^[A-Za-z0-9+/]{21}[AQgw]==$"},
    },
)


def handshake_problem(headers: Mapping[str, str]) -> ProblemException | None:
    """Why ``headers`` cannot open a websocket (every reason at once), or ``None``."""
    violations = []
    if headers.get("Upgrade", "").strip().lower() != "websocket":
        violations.append(Violation("header", "Upgrade", "must be websocket: this operation is a websocket"))
    if not any(token.strip().lower() == "upgrade" for token in headers.get("Connection", "").split(",")):
        violations.append(Violation("header", "Connection", "must hold the token Upgrade"))
    key = headers.get("Sec-WebSocket-Key")
    if key is None or not _KEY.match(key):
        violations.append(Violation("header", "Sec-WebSocket-Key", "must be 16 bytes in base64 (RFC 6455)"))
    version = headers.get("Sec-WebSocket-Version")
    if version is None:
        violations.append(Violation("header", "Sec-WebSocket-Version", f"is required ({_VERSION})"))
    if violations:
        reasons = "; ".join(f"{v.name} {v.message}" for v in violations)
        return RequestValidationError(detail=f"not a websocket handshake: {reasons}", violations=violations)
    if version != _VERSION:
        return ProblemException(
            426,
            detail=f"websocket version {version!r} is not supported: use {_VERSION}",
            headers={"Sec-WebSocket-Version": _VERSION, "Upgrade": "websocket"},
        )
    return None
