"""Turn what a handler returns into an HTTP response.

The conventions Connexion users know: a JSON-serialisable value; ``(body, status)``;
``(body, status, headers)``; ``(body, headers)``; ``None`` or :data:`NoContent` for an empty body;
and any aiohttp ``StreamResponse``, which passes through untouched. The media type is chosen once
per operation from its declared responses, and per request from ``Accept`` when several are declared.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from aiohttp import web

from openapi_aio.endpoints.serialization import dumps
from openapi_aio.errors import NotAcceptable
from openapi_aio.keys import RESPONSE_MEDIA_TYPE
from openapi_aio.request.media_types import essence as media_type_essence
from openapi_aio.request.media_types import is_json
from openapi_aio.spec.model import OperationSpec

__all__ = ["NoContent", "Responder", "encode", "negotiate"]


class _NoContent:
    """Return ``NoContent`` (optionally with a status) for a response without a body."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "NoContent"


NoContent: Final = _NoContent()


def negotiate(accept: str, offered: list[str]) -> str | None:
    """The offered media type the ``Accept`` header prefers (q-values and wildcards), or ``None``."""
    best: tuple[float, int, int] | None = None
    chosen = None
    for range_ in accept.split(","):
        media_range, *params = (part.strip() for part in range_.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0:
            continue
        media_range = media_range.lower()
        specificity = 0 if media_range == "*/*" else 1 if media_range.endswith("/*") else 2
        for position, media_type in enumerate(offered):
            essence = media_type_essence(media_type)
            if (
                media_range == "*/*"
                or media_range == essence
                or (specificity == 1 and essence.startswith(media_range[:-1]))
            ):
                rank = (quality, specificity, -position)
                if best is None or rank > best:
                    best, chosen = rank, media_type
    return chosen


class Responder:
    """Compiled response building for one operation."""

    def __init__(self, spec: OperationSpec) -> None:
        codes = sorted(int(code) for code in spec.responses if code.isdigit() and code.startswith("2"))
        # 200 unless the document promises only other 2xx codes (a POST that answers 201 only).
        self.default_status = 200 if not codes or 200 in codes else codes[0]
        offered: list[str] = []
        ranges: list[str] = []
        for code, response in spec.responses.items():
            if code.startswith("2") or code == "default":
                offered += [mt for mt in response.content if mt not in offered and "*" not in mt]
                ranges += [mt for mt in response.content if "*" in mt]
        self.offered = offered or ["application/json"]
        # Only media ranges declared (``*/*``): a str or bytes result is sent as it is, under the
        # media type the ranges admit for it (a range is no Content-Type); structures stay JSON.
        self._as_is = _as_is_formats(ranges) if ranges and not offered else None
        self.default_media_type = next((mt for mt in self.offered if is_json(mt)), self.offered[0])
        self.negotiates = len(self.offered) > 1
        # The Content-Type header of each offered type, built once (not per response).
        self._formats = {media_type: _format(media_type) for media_type in self.offered}

    def media_type(self, request: web.Request) -> str:
        """The response media type for this request; handlers read it as
        ``request[RESPONSE_MEDIA_TYPE]`` when the operation offers several."""
        if not self.negotiates:
            return self.default_media_type
        accept = request.headers.get("Accept")
        chosen = negotiate(accept, self.offered) if accept else self.default_media_type
        if chosen is None:
            raise NotAcceptable(detail=f"this operation produces {', '.join(self.offered)}")
        request[RESPONSE_MEDIA_TYPE] = chosen
        return chosen

    def respond(self, request: web.Request, result: Any, media_type: str | None = None) -> web.StreamResponse:
        if isinstance(result, web.StreamResponse):
            return result
        status: int | None = None
        headers: Mapping[str, str] | None = None
        if isinstance(result, tuple):
            result, status, headers = _unpack(result)
        if result is None or result is NoContent or (type(result) is object and _is_connexion_no_content(result)):
            response = web.Response(status=204 if status is None else status)
        else:
            media_type = media_type or self.media_type(request)
            as_is = self._as_is.get(isinstance(result, str)) if self._as_is is not None else None
            if as_is is not None and isinstance(result, str | bytes | bytearray):
                content_type, body = as_is[0], result.encode() if isinstance(result, str) else bytes(result)
            else:
                content_type, json_type = self._formats.get(media_type) or _format(media_type)
                body = (
                    dumps(result)
                    if json_type and not isinstance(result, bytes | bytearray)
                    else encode(result, media_type)
                )
            response = web.Response(
                body=body, status=status or self.default_status, headers={"Content-Type": content_type}
            )
        if headers:
            response.headers.update(headers)
        return response


def _format(media_type: str) -> tuple[str, bool]:
    """The Content-Type header for a media type, and whether its bodies are JSON."""
    essence = media_type_essence(media_type)
    header = f"{essence}; charset=utf-8" if essence.startswith("text/") else essence
    return header, is_json(essence)


def _as_is_formats(ranges: list[str]) -> dict[bool, tuple[str, bool]]:
    """For an operation declaring only media ranges: the format of a ``str`` result (key
    ``True``: text/plain) and of a ``bytes`` one (``False``: application/octet-stream), where
    the ranges admit them."""
    accept = ", ".join(ranges)
    candidates = {True: "text/plain", False: "application/octet-stream"}
    return {key: _format(mt) for key, mt in candidates.items() if negotiate(accept, [mt]) is not None}


def _is_connexion_no_content(result: object) -> bool:
    """Connexion's ``NoContent`` is a bare ``object()``: handler modules written for Connexion
    that still import it keep working."""
    connexion = sys.modules.get("connexion")
    return connexion is not None and result is getattr(connexion, "NoContent", None)


def _unpack(result: tuple[Any, ...]) -> tuple[Any, int | None, Mapping[str, str] | None]:
    if len(result) == 3:
        return result[0], _status(result[1]), result[2]
    if len(result) == 2:
        if isinstance(result[1], Mapping):
            return result[0], None, result[1]
        return result[0], _status(result[1]), None
    if len(result) == 1:
        return result[0], None, None
    raise TypeError(f"a handler returned a tuple of {len(result)} items; expected (body, status[, headers])")


def _status(value: Any) -> int:
    return int(value.value if isinstance(value, HTTPStatus) else value)


def encode(body: Any, media_type: str, *, structures_as_json: bool = False) -> bytes:
    """A body as bytes for ``media_type``. A ``dict``/``list`` for a non-JSON type is an error
    (JSON labelled as ``text/csv`` would mislead the client), unless ``structures_as_json``: the
    mock server's examples written as structures for such types."""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if is_json(media_type):
        return dumps(body)
    if isinstance(body, str):
        return body.encode()
    if isinstance(body, Mapping | list):
        if structures_as_json:
            return dumps(body)
        raise TypeError(f"a handler returned {type(body).__name__} for {media_type}; return str or bytes")
    return str(body).encode()
