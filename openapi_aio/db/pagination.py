"""Pages of a list: opaque, signed keyset cursors and RFC 8288 ``Link`` headers.

A cursor holds the sort values of the row a page starts after (or ends before) and the order it
was made for, as JSON, signed with HMAC-SHA256: a client cannot forge or edit one, only pass it
back. The key is ``secret_key`` / ``SECRET_KEY``; without one each process makes its own, so set
it when several processes serve one API (a cursor from one must work on the others).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, unquote_plus

from yarl import URL

__all__ = ["CursorCodec", "link_header"]


class CursorCodec:
    def __init__(self, secret: str | bytes | None = None) -> None:
        secret = secret or os.environ.get("SECRET_KEY") or secrets.token_bytes(32)
        self._key = secret.encode() if isinstance(secret, str) else secret

    def encode(self, direction: str, order: Sequence[str], values: Sequence[Any]) -> str:
        payload = json.dumps([direction, list(order), list(values)], separators=(",", ":"), default=str).encode()
        signature = hmac.new(self._key, payload, hashlib.sha256).digest()[:16]
        return base64.urlsafe_b64encode(signature + payload).rstrip(b"=").decode()

    def decode(self, cursor: str) -> tuple[str, list[str], list[Any]] | None:
        """``(direction, order, values)``, or ``None`` for anything this process did not sign."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        except (ValueError, TypeError):
            return None
        signature, payload = raw[:16], raw[16:]
        if len(signature) < 16 or not hmac.compare_digest(
            signature, hmac.new(self._key, payload, hashlib.sha256).digest()[:16]
        ):
            return None
        try:
            direction, order, values = json.loads(payload)
        except ValueError:
            return None
        if direction not in ("after", "before") or not isinstance(order, list) or not isinstance(values, list):
            return None
        return direction, order, values


_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*\Z")


def _encode(text: str) -> str:
    """Percent-encode a query key or value (numbers and names, the usual case, need nothing)."""
    return text if _UNRESERVED.match(text) else quote(text, safe="")


def link_header(url: URL, links: Mapping[str, Mapping[str, str | None]]) -> str:
    """``</tasks?offset=20>; rel="next", ...``: ``url`` with each link's query changes applied
    (``None`` removes a parameter); relative references, so proxies need no configuration."""
    # The request's own query segments are kept as sent (already encoded): only the changed
    # parameters are encoded here, which is several times cheaper than rebuilding URLs.
    path = url.raw_path
    segments = []
    for segment in url.raw_query_string.split("&"):
        if segment:
            key = segment.split("=", 1)[0]
            segments.append((key if _UNRESERVED.match(key) else unquote_plus(key), segment))
    parts = []
    for rel, changes in links.items():
        kept = [segment for key, segment in segments if key not in changes]
        kept += [f"{_encode(key)}={_encode(value)}" for key, value in changes.items() if value is not None]
        target = f"{path}?{'&'.join(kept)}" if kept else path
        parts.append(f'<{target}>; rel="{rel}"')
    return ", ".join(parts)
